//! A printed or downloaded certificate, checked offline: the `c2sp.org/tlog-proof@v1` that
//! `/log/certificate/<pid>` serves proves that its `extra` line, a `certify/v1` entry, is in the
//! tree of a checkpoint the log key signed. Whether the figures in it are right is what a sync
//! checks, by replaying the whole log; this needs nothing but the file and the keys.

use petition_tlog::checkpoint::hash_b64;
use petition_tlog::entry::Entry;
use petition_tlog::proof::{LogProof, ProofCheck};

use crate::{Failure, Keys};

/// What a certificate states, once its proof checks.
#[derive(Debug, PartialEq, Eq)]
pub struct Certificate {
    pub entry: Entry,
    pub index: u64,
    pub size: u64,
    /// The checkpoint's root, in base64.
    pub root: String,
}

/// Checks a certificate's proof against the log key: the checkpoint's signature, the entry's
/// inclusion in its tree, and that the entry is a `certify/v1`.
pub fn check_certificate(text: &str, keys: &Keys) -> Result<Certificate, Failure> {
    let proof = LogProof::parse(text).map_err(|e| Failure::Unreachable(e.to_string()))?;
    let extra = proof.extra.clone().ok_or_else(|| Failure::Unreachable("the proof carries no entry".into()))?;
    let entry =
        Entry::parse(&extra).map_err(|e| Failure::Unreachable(format!("the proof's entry is not a log entry: {e}")))?;
    if !matches!(entry, Entry::Certify { .. }) {
        return Err(Failure::Unreachable(format!("the proof's entry is a {}, not a certify/v1", entry.kind())));
    }
    // The origin is the log key's name (transparency.md, *The log*).
    let origin = keys.log.name().to_string();
    let cp = proof.verify_entry(&keys.log, &origin, &extra).map_err(|e| match e {
        ProofCheck::Checkpoint(_) => Failure::BadSignature(e.to_string()),
        ProofCheck::NotIncluded(_) => Failure::TreeMismatch(e.to_string()),
        other => Failure::Unreachable(other.to_string()),
    })?;
    Ok(Certificate { entry, index: proof.index, size: cp.size, root: hash_b64(&cp.root) })
}
