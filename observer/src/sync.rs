//! The sync: checks the log's latest checkpoint against the trusted keys and the one stored by the
//! last run, streams every entry to check the tree, the tiles and the rules, checks each
//! petition's signed tally against the replay, and only then stores the new checkpoint.

use std::path::{Path, PathBuf};

use petition_tlog::checkpoint::Checkpoint;
use petition_tlog::entry::Ident;
use petition_tlog::tally::Replay;

use crate::evidence::Evidence;
use crate::keys::{checkpoint_of, verified};
use crate::limits::{within, MAX_CHECKPOINT_BYTES, MAX_TALLY_BYTES};
use crate::state::{replace_file, stored_checkpoint};
use crate::stream::walk;
use crate::{Failure, Keys, Limits, Source};

/// What a successful sync saw.
#[derive(Debug)]
pub struct Synced {
    pub size: u64,
    pub petitions: usize,
    pub previous: Option<u64>,
}

/// Checks the log against the trusted keys and the last checkpoint stored in `state`, and on
/// success stores the new one, within the default [`Limits`]. On failure, returns the failure
/// with the evidence folder written under `state`.
pub fn sync(source: &Source, keys: &Keys, state: &Path) -> Result<Synced, (Failure, Option<PathBuf>)> {
    sync_with(source, keys, state, &Limits::default())
}

/// [`sync`] within the given limits.
pub fn sync_with(
    source: &Source,
    keys: &Keys,
    state: &Path,
    limits: &Limits,
) -> Result<Synced, (Failure, Option<PathBuf>)> {
    let evidence = Evidence::open(state).map_err(|f| (f, None))?;
    match check(source, keys, state, limits, &evidence) {
        Ok(s) => {
            evidence.discard();
            Ok(s)
        }
        Err(f) => {
            let dir = evidence.keep(&f);
            Err((f, dir))
        }
    }
}

fn check(source: &Source, keys: &Keys, state: &Path, limits: &Limits, evidence: &Evidence) -> Result<Synced, Failure> {
    let note_bytes = source.need("checkpoint", MAX_CHECKPOINT_BYTES, limits)?;
    evidence.add("checkpoint.note", &note_bytes)?;
    let note = verified(&note_bytes, &keys.log, "the checkpoint")?;
    let cp = checkpoint_of(&note, keys, "the checkpoint")?;
    let stored = state.join("checkpoint");
    let previous = stored_checkpoint(&stored, keys, evidence)?;
    if let Some(p) = &previous {
        if p.size > cp.size {
            return Err(Failure::Inconsistent(format!(
                "rollback: the log now says size {}, but it signed size {} before",
                cp.size, p.size
            )));
        }
        if p.size == cp.size && p.root != cp.root {
            return Err(Failure::Inconsistent(format!(
                "fork: two different trees of size {} are both signed",
                cp.size
            )));
        }
    }
    within(&cp, limits)?;

    let walked = walk(source, limits, evidence, cp.size, previous.as_ref().map(|p| p.size))?;
    if walked.root != cp.root {
        return Err(Failure::TreeMismatch(format!("the {} published entries do not hash to the signed root", cp.size)));
    }
    if let Some(p) = &previous {
        if walked.prefix_root != Some(p.root) {
            return Err(Failure::Inconsistent(format!(
                "history rewritten: the first {} entries now hash to another root than the one signed before",
                p.size
            )));
        }
    }
    if let Some(f) = walked.tile_problem {
        return Err(f);
    }
    if let Some(first) = &walked.first_broken {
        return Err(Failure::RuleBroken(format!(
            "{} entries break the log's rules; the first: {first}",
            walked.broken
        )));
    }
    // The ids are read from the replay as they are checked, not copied: a log can hold as many
    // petitions as entries.
    let mut petitions = 0;
    for id in walked.replay.petition_ids() {
        check_tally(source, keys, limits, evidence, &walked.replay, &cp, id)?;
        petitions += 1;
    }
    replace_file(&stored, &note_bytes)
        .map_err(|e| Failure::Unreachable(format!("cannot write {}: {e}", stored.display())))?;
    Ok(Synced { size: cp.size, petitions, previous: previous.map(|p| p.size) })
}

/// Checks the signed tally of petition `id` at the checkpoint's size against the replay.
fn check_tally(
    source: &Source,
    keys: &Keys,
    limits: &Limits,
    evidence: &Evidence,
    replay: &Replay,
    cp: &Checkpoint,
    id: &Ident,
) -> Result<(), Failure> {
    let published = source.need(&format!("tally/{id}/{}", cp.size), MAX_TALLY_BYTES, limits)?;
    let kept = format!("tally-{id}-published.note");
    evidence.add(&kept, &published)?;
    let note = verified(&published, &keys.tally, &format!("the tally of petition {id}"))?;
    let want = replay.tally(id, &cp.origin, &cp.root).expect("a replayed petition").text();
    if note.text != want {
        evidence.add(&format!("tally-{id}-recomputed.txt"), want)?;
        return Err(Failure::TallyMismatch(format!(
            "the signed tally of petition {id} at size {} differs from the entries",
            cp.size
        )));
    }
    // A tally that matches shows nothing wrong. Kept, every petition's would stay on disk until
    // the run ends: up to a mebibyte each (a genuine note padded with signatures by other keys),
    // for as many petitions as the log has entries.
    evidence.remove(&kept);
    Ok(())
}
