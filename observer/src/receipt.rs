//! A signer's check of their receipt: the inclusion proof the log serves for it, then every entry
//! up to the log's latest checkpoint, streamed to confirm the tree and replayed through the rules,
//! to find whether the signature counts, and any strike of it since.
//!
//! The replay is the one the tallies are recomputed with, so a receipt stands as the tallies count
//! it: a strike or reinstatement the rules refuse (filed under another petition, or before the
//! signature) changes nothing here either, and a signature the rules refuse is reported as such.
//! That costs the replay's memory, some 140 bytes an entry, as a sync does.

use base64::Engine;
use petition_tlog::entry::{Entry, Reason};
use petition_tlog::merkle::leaf_hash;
use petition_tlog::proof::{verify_receipt, LogProof};
use petition_tlog::receipt::Receipt;
use petition_tlog::tally::Replay;

use crate::edge::Edge;
use crate::keys::{checkpoint_of, verified};
use crate::limits::{within, MAX_CHECKPOINT_BYTES, MAX_PROOF_BYTES};
use crate::replay::{step, Replayed};
use crate::stream::for_each_bundle;
use crate::{Failure, Keys, Limits, Source};

/// What a receipt check found, at the size of the log's latest checkpoint.
#[derive(Debug, PartialEq, Eq)]
pub enum Standing {
    Counted { index: u64, size: u64 },
    Struck { index: u64, size: u64, reason: String },
}

/// The standing of the signature at `index` after one more entry that the rules kept: the reason
/// of the strike in force, if any. The rules only keep a strike of a signature not struck and a
/// reinstatement of one struck, each of an earlier signature of the same petition.
fn strike_step(index: u64, entry: &Entry, reason: &mut Option<Reason>) {
    match entry {
        Entry::Strike { target, reason: r, .. } if *target == index => *reason = Some(*r),
        Entry::Reinstate { target, .. } if *target == index => *reason = None,
        _ => {}
    }
}

/// Checks a signer's receipt: its entry is in the signed log, and whether it counts or was struck
/// since, up to the log's latest checkpoint.
pub fn check_receipt(source: &Source, keys: &Keys, receipt: &Receipt) -> Result<Standing, Failure> {
    check_receipt_with(source, keys, receipt, &Limits::default())
}

/// [`check_receipt`] within the given limits.
pub fn check_receipt_with(
    source: &Source,
    keys: &Keys,
    receipt: &Receipt,
    limits: &Limits,
) -> Result<Standing, Failure> {
    let commit =
        base64::engine::general_purpose::STANDARD.decode(receipt.commitment()).expect("a commitment is base64");
    let path =
        format!("proof/{}/{}", receipt.petition_id, base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(commit));
    let text = source
        .get(&path, MAX_PROOF_BYTES, limits)?
        .ok_or_else(|| Failure::Unreachable("the log has no proof for this receipt: it is not in a signed checkpoint yet (they are signed within seconds of counting), or the receipt is for another log".into()))?;
    let text = String::from_utf8(text).map_err(|_| Failure::BadSignature("the proof is not text".into()))?;
    let proof = LogProof::parse(&text).map_err(|e| Failure::BadSignature(e.to_string()))?;
    let (index, _, proved) = verify_receipt(&proof, receipt, &keys.log, keys.log.name())
        .map_err(|e| Failure::TreeMismatch(e.to_string()))?;
    within(&proved, limits)?;

    // The proof carries the checkpoint it was made against, which the log chooses: one from
    // before a strike would hide the strike. So the standing is read up to the log's latest
    // checkpoint, fetched after the proof so that an honest log's is never the older of the two,
    // and which must extend the proof's.
    let latest = source.need("checkpoint", MAX_CHECKPOINT_BYTES, limits)?;
    let latest = checkpoint_of(&verified(&latest, &keys.log, "the checkpoint")?, keys, "the checkpoint")?;
    if latest.size < proved.size {
        return Err(Failure::Inconsistent(format!(
            "rollback: the log's checkpoint says size {}, but the proof's, also signed, says size {}",
            latest.size, proved.size
        )));
    }
    within(&latest, limits)?;

    let mut edge = Edge::default();
    let mut proved_root = None;
    let mut replay = Replay::new();
    let (mut reason, mut refused) = (None, None);
    for_each_bundle(source, limits, None, latest.size, |entries| {
        for e in entries {
            let at = edge.size();
            edge.push(leaf_hash(e), |_, _| {});
            match step(&mut replay, e) {
                Replayed::Kept(entry) => strike_step(index, &entry, &mut reason),
                Replayed::Broke(v) if at == index => refused = Some(v),
                Replayed::Broke(_) => {}
            }
            if edge.size() == proved.size {
                proved_root = Some(edge.root());
            }
        }
        Ok(())
    })?;
    if edge.root() != latest.root {
        return Err(Failure::TreeMismatch("the published entries do not hash to the signed root".into()));
    }
    if proved_root != Some(proved.root) {
        return Err(Failure::Inconsistent(format!(
            "fork: the log's checkpoint of size {} does not extend the proof's, of size {}",
            latest.size, proved.size
        )));
    }
    // The entry at `index` is the receipt's signature (the proof says so, and the latest tree
    // extends the proof's); the rules count it unless it broke one.
    if replay.signature_struck(index).is_none() {
        let why = refused.map_or_else(|| "the rules do not count it".to_string(), |v| v.to_string());
        return Err(Failure::RuleBroken(format!(
            "your signature is entry {index} of the signed log, but it breaks the log's rules, so no tally counts it: {why}"
        )));
    }
    Ok(match reason {
        None => Standing::Counted { index, size: latest.size },
        Some(reason) => Standing::Struck { index, size: latest.size, reason: reason.code().to_string() },
    })
}
