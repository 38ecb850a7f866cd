//! The sync: checks the log's latest checkpoint against the trusted keys and the one stored by the
//! last run, streams every entry to check the tree, the tiles and the rules, checks each
//! petition's latest signed tally against the replay at its size, and only then stores the new
//! checkpoint.

use std::path::{Path, PathBuf};

use std::collections::BTreeSet;

use petition_tlog::checkpoint::Checkpoint;
use petition_tlog::entry::Ident;

use crate::evidence::Evidence;
use crate::keys::{checkpoint_of, verified};
use crate::limits::{within, MAX_CHECKPOINT_BYTES, MAX_TALLY_BYTES};
use crate::state::{replace_file, stored_checkpoint};
use crate::stream::Walker;
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

    let mut walker = Walker::new(source, limits, evidence, previous.as_ref().map(|p| p.size));
    walker.advance(cp.size)?;
    settled(&mut walker, &cp)?;
    if let Some(p) = &previous {
        if walker.prefix_root() != Some(p.root) {
            return Err(Failure::Inconsistent(format!(
                "history rewritten: the first {} entries now hash to another root than the one signed before",
                p.size
            )));
        }
    }

    // Each petition's latest signed tally, checked against the entries up to its own size. A
    // note is signed only for the petitions a checkpoint adds entries to, so that size is at most
    // the checkpoint's, and past the petition's last entry. While this runs the log may sign a
    // newer checkpoint, and notes at its size: the walk then goes on to it, and the petitions
    // with entries in between are checked again.
    let mut pending: Vec<Ident> = walker.replay().petition_ids().cloned().collect();
    walker.take_touched();
    let (mut cp, mut note_bytes) = (cp, note_bytes);
    for round in 0.. {
        let mut later = Vec::new();
        for id in &pending {
            if let Some(size) = check_tally(source, keys, limits, evidence, &walker, &cp, id)? {
                later.push((id.clone(), size));
            }
        }
        let Some(newest) = later.iter().map(|(_, size)| *size).max() else { break };
        if round == MAX_ROUNDS {
            return Err(Failure::Unreachable(format!(
                "the log kept growing while it was checked (tally notes past size {}); try again",
                cp.size
            )));
        }
        // The log signs a checkpoint and its notes together: a note at a size no checkpoint has
        // is the log's doing, and its counts would otherwise never be compared.
        let Some(bytes) = source.get(&format!("checkpoints/{newest}"), MAX_CHECKPOINT_BYTES, limits)? else {
            let (id, _) = later.iter().find(|(_, size)| *size == newest).expect("the newest is one of them");
            return Err(Failure::TallyMismatch(format!(
                "the latest signed tally of petition {id} is at size {newest}, but the log serves no checkpoint of that size"
            )));
        };
        evidence.add(&format!("checkpoint-{newest}.note"), &bytes)?;
        let newer = checkpoint_of(&verified(&bytes, &keys.log, "a newer checkpoint")?, keys, "a newer checkpoint")?;
        if newer.size != newest {
            return Err(Failure::BadSignature(format!(
                "checkpoints/{newest} is the checkpoint of size {}",
                newer.size
            )));
        }
        within(&newer, limits)?;
        walker.advance(newer.size)?;
        settled(&mut walker, &newer)?;
        let mut again: BTreeSet<Ident> = later.into_iter().map(|(id, _)| id).collect();
        again.extend(walker.take_touched());
        pending = again.into_iter().collect();
        (cp, note_bytes) = (newer, bytes);
    }
    let petitions = walker.replay().petition_ids().count();
    replace_file(&stored, &note_bytes)
        .map_err(|e| Failure::Unreachable(format!("cannot write {}: {e}", stored.display())))?;
    Ok(Synced { size: cp.size, petitions, previous: previous.map(|p| p.size) })
}

/// How many times the walk goes on to a newer checkpoint before the run gives up for now.
const MAX_ROUNDS: usize = 8;

/// Checks that the walk so far hashes to the checkpoint's root and found nothing wrong.
fn settled(walker: &mut Walker, cp: &Checkpoint) -> Result<(), Failure> {
    if walker.root() != cp.root {
        return Err(Failure::TreeMismatch(format!("the {} published entries do not hash to the signed root", cp.size)));
    }
    if let Some(f) = walker.tile_problem() {
        return Err(f);
    }
    if let (broken, Some(first)) = walker.broken() {
        return Err(Failure::RuleBroken(format!("{broken} entries break the log's rules; the first: {first}")));
    }
    Ok(())
}

/// Checks petition `id`'s latest signed tally against the entries before its size, or returns
/// that size when it is past the walk, for the caller to walk on to.
fn check_tally(
    source: &Source,
    keys: &Keys,
    limits: &Limits,
    evidence: &Evidence,
    walker: &Walker,
    cp: &Checkpoint,
    id: &Ident,
) -> Result<Option<u64>, Failure> {
    let Some(published) = source.get(&format!("tally/{id}"), MAX_TALLY_BYTES, limits)? else {
        return Err(Failure::TallyMismatch(format!(
            "petition {id} has entries in the checkpoint of size {}, but the log serves no tally note for it",
            cp.size
        )));
    };
    let kept = format!("tally-{id}-published.note");
    evidence.add(&kept, &published)?;
    let note = verified(&published, &keys.tally, &format!("the tally of petition {id}"))?;
    // Only its size is read from it: the whole text is then compared with the one recomputed.
    let size = note
        .text
        .lines()
        .nth(2)
        .and_then(|l| l.strip_prefix("size "))
        .and_then(|n| n.parse::<u64>().ok())
        .filter(|_| note.text.starts_with("petition-tally/v1\n"))
        .ok_or_else(|| Failure::TallyMismatch(format!("the signed tally of petition {id} is not a tally")))?;
    // Kept as evidence until the walk reaches its size and it is checked.
    if size > walker.size() {
        return Ok(Some(size));
    }
    let last = walker.last_index(id).expect("a replayed petition has entries");
    if size <= last {
        return Err(Failure::TallyMismatch(format!(
            "petition {id} has entry {last} in the checkpoint of size {}, but its latest signed tally is at size {}: \
             the tally of a later checkpoint is missing",
            cp.size, size
        )));
    }
    // No entry of the petition lies between the note's size and the walk's: its counts then are
    // its counts now.
    let mut want = walker.replay().tally(id, &cp.origin, &walker.root_at(size)?).expect("a replayed petition");
    want.size = size;
    let want = want.text();
    if note.text != want {
        evidence.add(&format!("tally-{id}-recomputed.txt"), want)?;
        return Err(Failure::TallyMismatch(format!(
            "the signed tally of petition {id} at size {size} differs from the entries"
        )));
    }
    // A tally that matches shows nothing wrong. Kept, every petition's would stay on disk until
    // the run ends: up to a mebibyte each (a genuine note padded with signatures by other keys),
    // for as many petitions as the log has entries.
    evidence.remove(&kept);
    Ok(None)
}
