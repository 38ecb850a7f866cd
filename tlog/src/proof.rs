//! C2SP tlog-proof: an offline-checkable proof that an entry is in the log, and the check a
//! signer runs with their receipt. The proof's `extra` line carries the signature's entry (its
//! bytes are only trusted once they hash into the signed tree).

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use std::fmt;

use crate::checkpoint::{hash_b64, parse_hash, parse_u64, Checkpoint};
use crate::entry::{commitment, Entry};
use crate::merkle::{leaf_hash, verify_inclusion, Hash};
use crate::note::{Note, VerifierKey};
use crate::receipt::Receipt;

pub const HEADER: &str = "c2sp.org/tlog-proof@v1";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogProof {
    pub extra: Option<Vec<u8>>,
    pub index: u64,
    pub hashes: Vec<Hash>,
    /// The signed checkpoint, verbatim.
    pub checkpoint: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProofCheck {
    Malformed(String),
    /// The checkpoint is not signed by the log key, or is not this log's.
    Checkpoint(String),
    /// The entry in the proof is not the receipt's signature.
    NotThisSignature(String),
    /// The entry is not in the signed tree at that index.
    NotIncluded(String),
}

impl fmt::Display for ProofCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProofCheck::Malformed(w) => write!(f, "the proof cannot be read: {w}"),
            ProofCheck::Checkpoint(w) => write!(f, "the proof's checkpoint is not acceptable: {w}"),
            ProofCheck::NotThisSignature(w) => write!(f, "the proof is for another entry: {w}"),
            ProofCheck::NotIncluded(w) => write!(f, "the entry is not in the signed log: {w}"),
        }
    }
}

impl std::error::Error for ProofCheck {}

impl LogProof {
    pub fn encode(&self) -> String {
        let mut s = format!("{HEADER}\n");
        if let Some(x) = &self.extra {
            s.push_str(&format!("extra {}\n", B64.encode(x)));
        }
        s.push_str(&format!("index {}\n", self.index));
        for h in &self.hashes {
            s.push_str(&hash_b64(h));
            s.push('\n');
        }
        s.push('\n');
        s.push_str(&self.checkpoint);
        s
    }

    pub fn parse(text: &str) -> Result<LogProof, ProofCheck> {
        let bad = |w: &str| ProofCheck::Malformed(w.to_string());
        let rest = text
            .strip_prefix(HEADER)
            .and_then(|r| r.strip_prefix('\n'))
            .ok_or(bad("it does not start c2sp.org/tlog-proof@v1"))?;
        let (head, checkpoint) = rest.split_once("\n\n").ok_or(bad("no blank line before the checkpoint"))?;
        let mut lines = head.split('\n').peekable();
        let extra = match lines.peek().and_then(|l| l.strip_prefix("extra ")) {
            Some(b64) => {
                let bytes = B64
                    .decode(b64)
                    .ok()
                    .filter(|b| B64.encode(b) == b64)
                    .ok_or(bad("extra is not canonical base64"))?;
                lines.next();
                Some(bytes)
            }
            None => None,
        };
        let index =
            lines.next().and_then(|l| l.strip_prefix("index ")).and_then(parse_u64).ok_or(bad("no index line"))?;
        let hashes = lines
            .map(|l| parse_hash(l).ok_or(bad("a proof line is not a hash in base64")))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(LogProof { extra, index, hashes, checkpoint: checkpoint.to_string() })
    }

    /// Checks the checkpoint's signature and origin and that `entry` is at `index` in its tree.
    pub fn verify_entry(&self, log_key: &VerifierKey, origin: &str, entry: &[u8]) -> Result<Checkpoint, ProofCheck> {
        let note = Note::parse(self.checkpoint.as_bytes()).map_err(|e| ProofCheck::Checkpoint(e.to_string()))?;
        note.verify_by(log_key).map_err(|e| ProofCheck::Checkpoint(e.to_string()))?;
        let cp = Checkpoint::parse(&note.text).map_err(|e| ProofCheck::Checkpoint(e.to_string()))?;
        if cp.origin != origin {
            return Err(ProofCheck::Checkpoint(format!("it is for {:?}, not {origin:?}", cp.origin)));
        }
        verify_inclusion(self.index, cp.size, &leaf_hash(entry), &self.hashes, &cp.root)
            .map_err(|e| ProofCheck::NotIncluded(format!("index {} of {}: {e}", self.index, cp.size)))?;
        Ok(cp)
    }
}

/// A signer's check: the proof's entry is the `sig/v1` their receipt commits to, and it is in
/// the tree the log signed. Returns the entry's index, the entry and the checkpoint. Whether it
/// was struck since is read from later entries (see `tally::Replay::signature_struck`).
pub fn verify_receipt(
    proof: &LogProof,
    receipt: &Receipt,
    log_key: &VerifierKey,
    origin: &str,
) -> Result<(u64, Entry, Checkpoint), ProofCheck> {
    let bytes =
        proof.extra.as_deref().ok_or(ProofCheck::NotThisSignature("the proof does not carry the entry".into()))?;
    let entry = Entry::parse(bytes).map_err(|e| ProofCheck::NotThisSignature(e.0))?;
    let Entry::Sig { id, area, commit, .. } = &entry else {
        return Err(ProofCheck::NotThisSignature(format!("it is a {} entry", entry.kind())));
    };
    if id.as_str() != receipt.petition_id || area.as_str() != receipt.area {
        return Err(ProofCheck::NotThisSignature(format!("it is petition {id} in {area}")));
    }
    if *commit != commitment(&receipt.petition_id, &receipt.area, &receipt.r.0) {
        return Err(ProofCheck::NotThisSignature("the commit is not the receipt's".into()));
    }
    let cp = proof.verify_entry(log_key, origin, bytes)?;
    Ok((proof.index, entry, cp))
}

/// Whether the signature at `index` is struck after replaying `entries` (any that follow it in
/// the log; others are ignored), and why: the last strike not undone by a reinstatement.
pub fn strike_of<'a>(index: u64, entries: impl IntoIterator<Item = &'a [u8]>) -> Option<crate::entry::Reason> {
    let mut reason = None;
    for e in entries {
        match Entry::parse(e) {
            Ok(Entry::Strike { target, reason: r, .. }) if target == index => reason = Some(r),
            Ok(Entry::Reinstate { target, .. }) if target == index => reason = None,
            _ => {}
        }
    }
    reason
}

#[cfg(test)]
mod tests;
