//! Streaming the entries once, bundle by bundle: each bundle is checked against its tile's width,
//! hashed into the tree's right edge, replayed, and the hash tiles are checked as the entries fill
//! them. Only the current bundle, one tile's hashes a level and a hash for every 256 entries are
//! held, never the entries.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};

use petition_tlog::entry::Ident;
use petition_tlog::merkle::{empty_root, leaf_hash, node_hash, root, Hash, Hashes};
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

    /// Checks the partial tiles at the right edge, once every entry of a size is in. They stay,
    /// to be filled by the entries after.
    fn check_partials(&mut self) {
        for t in 0..self.filling.len() {
            let (hashes, index) = &self.filling[t];
            if !hashes.is_empty() {
                let (tile, hashes) =
                    (Tile { level: t as u8, index: *index, width: hashes.len() as u64 }, hashes.clone());
                self.check(tile, &hashes);
            }
        }
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
    each: impl FnMut(&[&[u8]]) -> Result<(), Failure>,
) -> Result<(), Failure> {
    for_each_bundle_from(source, limits, evidence, 0, size, each)
}

/// The entries `[from, size)`, as [`for_each_bundle`] hands them: the bundle holding `from` is
/// fetched whole, at its width for `size`, and checked, and only its entries from `from` on are
/// handed over.
fn for_each_bundle_from(
    source: &Source,
    limits: &Limits,
    evidence: Option<&Evidence>,
    from: u64,
    size: u64,
    mut each: impl FnMut(&[&[u8]]) -> Result<(), Failure>,
) -> Result<(), Failure> {
    for t in Tile::all_at(0, size).filter(|t| t.index * WIDTH + t.width > from) {
        let bundle = source.need(&t.entries_path(), max_bundle_bytes(&t), limits)?;
        let wrong = match decode_bundle(&bundle) {
            None => format!("{} is not a well-formed entry bundle", t.entries_path()),
            Some(parts) if parts.len() as u64 != t.width => {
                format!("{} holds {} entries, not {}", t.entries_path(), parts.len(), t.width)
            }
            Some(parts) => {
                let skip = from.saturating_sub(t.index * WIDTH) as usize;
                each(&parts[skip..])?;
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

/// Streams the entries once, as far as it is asked to go and no further, and can be asked to go
/// on: it hashes them into the tree's edge, checks the hash tiles as they fill, replays the rules
/// and tallies, and notes the root at `prefix` on the way. It also keeps what checking a tally
/// note signed at an earlier size needs: each petition's last entry, and the tree's hashes of
/// every full 256 entries (a 32-byte hash for each 256 entries) with the hashes of the entries
/// after the last of them.
pub(crate) struct Walker<'a> {
    source: &'a Source,
    limits: &'a Limits,
    evidence: &'a Evidence,
    edge: Edge,
    tiles: TileCheck<'a>,
    replay: Replay,
    offending: Offending<'a>,
    broken: u64,
    first_broken: Option<Violation>,
    prefix: Option<u64>,
    prefix_root: Option<Hash>,
    /// The hash of each full run of [`WIDTH`] entries (level 8 of the tree).
    blocks: Vec<Hash>,
    /// The leaf hashes of the entries after the last full run.
    tail: Vec<Hash>,
    /// The size when [`Walker::take_touched`] was last called: the petitions touched since are
    /// those whose last entry is at or past it.
    touched_from: u64,
    /// Subtrees above level 8 already computed, and full runs' leaf hashes already fetched.
    above: RefCell<HashMap<(u8, u64), Hash>>,
    runs: RefCell<HashMap<u64, Vec<Hash>>>,
}

/// How many entries' room the replay is given ahead at most.
const RESERVE_AHEAD: u64 = 1 << 20;
/// How many runs' leaf hashes [`Walker::root_at`] keeps at most (8 KiB each).
const MAX_RUNS_KEPT: usize = 64;

impl<'a> Walker<'a> {
    pub(crate) fn new(source: &'a Source, limits: &'a Limits, evidence: &'a Evidence, prefix: Option<u64>) -> Self {
        Walker {
            source,
            limits,
            evidence,
            edge: Edge::default(),
            tiles: TileCheck::new(source, limits, evidence),
            replay: Replay::new(),
            offending: Offending::new(evidence),
            broken: 0,
            first_broken: None,
            prefix,
            prefix_root: (prefix == Some(0)).then(empty_root),
            blocks: Vec::new(),
            tail: Vec::new(),
            touched_from: 0,
            above: RefCell::new(HashMap::new()),
            runs: RefCell::new(HashMap::new()),
        }
    }

    /// Streams the entries from where it stopped up to `size`, then checks the partial hash
    /// tiles at that size.
    pub(crate) fn advance(&mut self, size: u64) -> Result<(), Failure> {
        let from = self.edge.size();
        // Room for the entries to come, as signatures at most; no more than a million ahead of
        // what has arrived (about 80 MiB, what a log of a million signatures needs anyway), since
        // the size is only what the log claims.
        self.replay.reserve(size.saturating_sub(from).min(RESERVE_AHEAD) as usize);
        let Walker {
            source,
            limits,
            evidence,
            edge,
            tiles,
            replay,
            offending,
            broken,
            first_broken,
            prefix,
            prefix_root,
            blocks,
            tail,
            ..
        } = self;
        for_each_bundle_from(source, limits, Some(evidence), from, size, |entries| {
            for e in entries {
                let index = edge.size();
                edge.push(leaf_hash(e), |level, h| {
                    tiles.add(level, h);
                    if level == 0 {
                        tail.push(h);
                    } else if level == HEIGHT {
                        blocks.push(h);
                        tail.clear();
                    }
                });
                match step(replay, e) {
                    Replayed::Kept(_) => {}
                    Replayed::Broke(v) => {
                        offending.note(index, e, &v);
                        *broken += 1;
                        first_broken.get_or_insert(v);
                    }
                }
                if *prefix == Some(edge.size()) {
                    *prefix_root = Some(edge.root());
                }
            }
            offending.flush()
        })?;
        self.tiles.check_partials();
        Ok(())
    }

    pub(crate) fn size(&self) -> u64 {
        self.edge.size()
    }

    pub(crate) fn root(&self) -> Hash {
        self.edge.root()
    }

    /// The root of the first `prefix` entries, the size signed before.
    pub(crate) fn prefix_root(&self) -> Option<Hash> {
        self.prefix_root
    }

    /// The first hash tile that did not match the entries.
    pub(crate) fn tile_problem(&mut self) -> Option<Failure> {
        self.tiles.problem.take()
    }

    /// How many entries break the log's rules, and the first of them.
    pub(crate) fn broken(&self) -> (u64, Option<&Violation>) {
        (self.broken, self.first_broken.as_ref())
    }

    pub(crate) fn replay(&self) -> &Replay {
        &self.replay
    }

    /// The index of the petition's last entry.
    pub(crate) fn last_index(&self, id: &Ident) -> Option<u64> {
        self.replay.last_entry(id)
    }

    /// The petitions with an entry since the last call (or since the start).
    pub(crate) fn take_touched(&mut self) -> BTreeSet<Ident> {
        let from = std::mem::replace(&mut self.touched_from, self.edge.size());
        self.replay.last_entries().filter(|(_, i)| *i >= from).map(|(id, _)| id.clone()).collect()
    }

    /// The root of the tree of the first `size` entries, `size` at most as far as it has walked:
    /// from the hashes it kept, and for the entries after the last full run below `size`, the
    /// run's hash tile, fetched again and checked against the run's hash first.
    pub(crate) fn root_at(&self, size: u64) -> Result<Hash, Failure> {
        assert!(size <= self.size(), "the root at {size} of a walk of {}", self.size());
        root(self, size)
    }

    /// The leaf hashes of the run of entries `run`: the tail kept, or its full hash tile.
    fn run(&self, run: u64) -> Result<Vec<Hash>, Failure> {
        if run == self.blocks.len() as u64 {
            return Ok(self.tail.clone());
        }
        if let Some(h) = self.runs.borrow().get(&run) {
            return Ok(h.clone());
        }
        let t = Tile { level: 0, index: run, width: WIDTH };
        let served = self.source.need(&t.path(), max_tile_bytes(&t), self.limits)?;
        let hashes = t.decode(&served).filter(|h| perfect(h) == self.blocks[run as usize]);
        let Some(hashes) = hashes else {
            self.evidence.add(&format!("tile-0-{run}-{WIDTH}.bin"), served)?;
            return Err(Failure::TreeMismatch(format!("the hash tile {} does not match the entries", t.path())));
        };
        // A few runs kept, not every one asked for: a log whose notes sit in many runs would
        // otherwise hold 8 KiB per run. The notes of one checkpoint share their run.
        let mut runs = self.runs.borrow_mut();
        if runs.len() >= MAX_RUNS_KEPT {
            runs.clear();
        }
        runs.insert(run, hashes.clone());
        Ok(hashes)
    }
}

/// The root of a complete subtree from its leaves (a power of two of them).
fn perfect(hashes: &[Hash]) -> Hash {
    match hashes.len() {
        1 => hashes[0],
        n => node_hash(&perfect(&hashes[..n / 2]), &perfect(&hashes[n / 2..])),
    }
}

impl Hashes for Walker<'_> {
    type Error = Failure;

    /// A complete subtree at or below the walked size.
    fn hash(&self, level: u8, index: u64) -> Result<Hash, Failure> {
        if level < HEIGHT {
            let first = index << level;
            let run = first / WIDTH;
            let leaves = self.run(run)?;
            let at = (first - run * WIDTH) as usize;
            let within = leaves.get(at..at + (1usize << level));
            return within.map(perfect).ok_or_else(|| Failure::TreeMismatch(format!("no subtree ({level}, {index})")));
        }
        if level == HEIGHT {
            return self
                .blocks
                .get(index as usize)
                .copied()
                .ok_or_else(|| Failure::TreeMismatch(format!("no subtree ({level}, {index})")));
        }
        if let Some(h) = self.above.borrow().get(&(level, index)) {
            return Ok(*h);
        }
        let h = node_hash(&self.hash(level - 1, 2 * index)?, &self.hash(level - 1, 2 * index + 1)?);
        self.above.borrow_mut().insert((level, index), h);
        Ok(h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use petition_tlog::merkle::Tree;
    use petition_tlog::note::NoteSigner;

    #[test]
    fn the_root_at_any_earlier_size_is_the_whole_tree_s_and_a_forged_tile_is_caught() {
        let dir = std::env::temp_dir().join(format!("observer-walker-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        // Not entries the rules take; the tree does not mind.
        let entries: Vec<String> = (0..700).map(|i| format!("entry {i}")).collect();
        let log = NoteSigner::from_seed("example.org/log", [1; 32]).unwrap();
        let tally = NoteSigner::from_seed("example.org/tally", [2; 32]).unwrap();
        // Published at 300, 450 and 700: partial tiles stay for every published size.
        for size in [300, 450, 700] {
            crate::write_dir(&dir, &entries[..size], &log, &tally).unwrap();
        }
        let mut tree = Tree::new();
        let mut roots = vec![tree.root()];
        for e in &entries {
            tree.push_entry(e.as_bytes());
            roots.push(tree.root());
        }
        let (source, limits) = (Source::Dir { root: dir.clone() }, Limits::default());
        let evidence = Evidence::open(&dir.join("state")).unwrap();
        let mut walker = Walker::new(&source, &limits, &evidence, Some(300));
        walker.advance(450).unwrap();
        assert_eq!(walker.prefix_root(), Some(roots[300]));
        for (size, want) in roots.iter().enumerate().take(451) {
            assert_eq!(walker.root_at(size as u64).unwrap(), *want, "size {size}");
        }
        // On to the end, from where it stopped, in the middle of a run of 256.
        walker.advance(700).unwrap();
        assert!(walker.tile_problem().is_none());
        for (size, want) in roots.iter().enumerate() {
            assert_eq!(walker.root_at(size as u64).unwrap(), *want, "size {size}");
        }
        // A full hash tile served with another hash in it does not match its run's hash.
        let mut other = Walker::new(&source, &limits, &evidence, None);
        other.advance(700).unwrap();
        let t = Tile { level: 0, index: 1, width: WIDTH };
        let mut forged = std::fs::read(dir.join(t.path())).unwrap();
        forged[40] ^= 1;
        std::fs::write(dir.join(t.path()), forged).unwrap();
        assert!(matches!(other.root_at(300), Err(Failure::TreeMismatch(_))));
        assert_eq!(other.root_at(200).unwrap(), roots[200], "the runs before it are untouched");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
