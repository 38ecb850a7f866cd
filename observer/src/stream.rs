//! Streaming the entries once, bundle by bundle: each bundle is checked against its tile's width,
//! hashed into the tree's right edge, replayed, and the hash tiles are checked as the entries fill
//! them. Only the current bundle and one tile's hashes a level are held, never the entries.

use petition_tlog::merkle::{empty_root, leaf_hash, Hash};
use petition_tlog::tally::{Replay, Violation};
use petition_tlog::tile::{decode_bundle, Tile, HEIGHT, WIDTH};

use crate::edge::Edge;
use crate::evidence::{Evidence, Offending};
use crate::limits::{max_bundle_bytes, max_tile_bytes};
use crate::replay::{step, Replayed};
use crate::{Failure, Limits, Source};

/// Checks the served hash tiles as the entries fill them, holding at most one tile's hashes a
/// level. The first problem is kept, not returned, so that a wrong root or rewritten history is
/// still reported first (as when the tiles were checked after the entries), and no more tiles
/// are fetched after it.
struct TileCheck<'a> {
    source: &'a Source,
    limits: &'a Limits,
    evidence: &'a Evidence,
    /// The hashes of the tile being filled at each tile level, and how many full ones came before.
    filling: Vec<(Vec<Hash>, u64)>,
    problem: Option<Failure>,
}

impl<'a> TileCheck<'a> {
    fn new(source: &'a Source, limits: &'a Limits, evidence: &'a Evidence) -> TileCheck<'a> {
        TileCheck { source, limits, evidence, filling: Vec::new(), problem: None }
    }

    /// Takes a complete subtree; those at tile boundaries (levels 0, 8, 16, ...) are hashes of a tile.
    fn add(&mut self, level: u8, hash: Hash) {
        if !level.is_multiple_of(HEIGHT) {
            return;
        }
        let t = (level / HEIGHT) as usize;
        if self.filling.len() == t {
            self.filling.push((Vec::new(), 0));
        }
        let (hashes, index) = &mut self.filling[t];
        hashes.push(hash);
        if hashes.len() as u64 == WIDTH {
            let tile = Tile { level: t as u8, index: *index, width: WIDTH };
            let full = std::mem::take(hashes);
            *index += 1;
            self.check(tile, &full);
        }
    }

    /// Checks the partial tiles at the right edge, once every entry is in; returns the first problem.
    fn finish(mut self) -> Option<Failure> {
        for (t, (hashes, index)) in std::mem::take(&mut self.filling).into_iter().enumerate() {
            if !hashes.is_empty() {
                self.check(Tile { level: t as u8, index, width: hashes.len() as u64 }, &hashes);
            }
        }
        self.problem
    }

    fn check(&mut self, t: Tile, hashes: &[Hash]) {
        if self.problem.is_some() {
            return;
        }
        let served = match self.source.need(&t.path(), max_tile_bytes(&t), self.limits) {
            Ok(served) => served,
            Err(f) => {
                self.problem = Some(f);
                return;
            }
        };
        if served != Tile::encode(hashes) {
            let kept = self.evidence.add(&format!("tile-{}-{}-{}.bin", t.level, t.index, t.width), served);
            self.problem = Some(kept.err().unwrap_or_else(|| {
                Failure::TreeMismatch(format!("the hash tile {} does not match the entries", t.path()))
            }));
        }
    }
}

/// The entries `[0, size)`, fetched bundle by bundle and handed to `each` one bundle at a time,
/// after checking each bundle against its tile's width: only the current bundle is held. A bundle
/// that is not well-formed goes into `evidence`, when there is one.
pub(crate) fn for_each_bundle(
    source: &Source,
    limits: &Limits,
    evidence: Option<&Evidence>,
    size: u64,
    mut each: impl FnMut(&[&[u8]]) -> Result<(), Failure>,
) -> Result<(), Failure> {
    for t in Tile::all_at(0, size) {
        let bundle = source.need(&t.entries_path(), max_bundle_bytes(&t), limits)?;
        let wrong = match decode_bundle(&bundle) {
            None => format!("{} is not a well-formed entry bundle", t.entries_path()),
            Some(parts) if parts.len() as u64 != t.width => {
                format!("{} holds {} entries, not {}", t.entries_path(), parts.len(), t.width)
            }
            Some(parts) => {
                each(&parts)?;
                continue;
            }
        };
        if let Some(ev) = evidence {
            ev.add(&format!("entries-{}-{}.bin", t.index, t.width), &bundle)?;
        }
        return Err(Failure::TreeMismatch(wrong));
    }
    Ok(())
}

/// What streaming the entries found.
pub(crate) struct Walked {
    pub(crate) root: Hash,
    /// The root of the first `prefix` entries, the size signed before.
    pub(crate) prefix_root: Option<Hash>,
    pub(crate) tile_problem: Option<Failure>,
    pub(crate) replay: Replay,
    /// How many entries break the log's rules, and the first of them.
    pub(crate) broken: u64,
    pub(crate) first_broken: Option<Violation>,
}

/// Streams the entries `[0, size)` once: hashes them into the tree's edge, checks the hash tiles
/// as they fill, replays the rules and tallies, and notes the root at `prefix` on the way.
pub(crate) fn walk(
    source: &Source,
    limits: &Limits,
    evidence: &Evidence,
    size: u64,
    prefix: Option<u64>,
) -> Result<Walked, Failure> {
    let mut edge = Edge::default();
    let mut tiles = TileCheck::new(source, limits, evidence);
    let mut replay = Replay::new();
    let mut offending = Offending::new(evidence);
    let (mut broken, mut first_broken) = (0, None);
    let mut prefix_root = (prefix == Some(0)).then(empty_root);
    for_each_bundle(source, limits, Some(evidence), size, |entries| {
        for e in entries {
            let index = edge.size();
            edge.push(leaf_hash(e), |level, h| tiles.add(level, h));
            if let Replayed::Broke(v) = step(&mut replay, e) {
                offending.note(index, e, &v);
                broken += 1;
                first_broken.get_or_insert(v);
            }
            if prefix == Some(edge.size()) {
                prefix_root = Some(edge.root());
            }
        }
        offending.flush()
    })?;
    Ok(Walked { root: edge.root(), prefix_root, tile_problem: tiles.finish(), replay, broken, first_broken })
}
