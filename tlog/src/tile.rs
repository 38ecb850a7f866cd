//! C2SP tlog-tiles: tile coordinates and paths, tiles cut from a tree, entry bundles, and a
//! hash source that reads any complete-subtree hash out of tiles.

use std::collections::HashMap;

use crate::checkpoint::parse_u64;
use crate::merkle::{node_hash, Hash, Hashes, Tree};

/// Tiles are 2^8 hashes wide.
pub const HEIGHT: u8 = 8;
pub const WIDTH: u64 = 1 << HEIGHT;

/// A tile: level `level` (0 holds leaf hashes, or entries for bundles), index `index`, and
/// `width` hashes (256 when full).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tile {
    pub level: u8,
    pub index: u64,
    pub width: u64,
}

/// `x001/x234/067` for 1234067.
fn encode_index(n: u64) -> String {
    let digits = n.to_string();
    let pad = (3 - digits.len() % 3) % 3;
    let padded = format!("{}{digits}", "0".repeat(pad));
    let groups: Vec<&str> = (0..padded.len() / 3).map(|i| &padded[3 * i..3 * i + 3]).collect();
    let (last, rest) = groups.split_last().expect("at least one group");
    let mut s = String::new();
    for g in rest {
        s.push('x');
        s.push_str(g);
        s.push('/');
    }
    s.push_str(last);
    s
}

fn decode_index(parts: &[&str]) -> Option<u64> {
    let (last, rest) = parts.split_last()?;
    let mut digits = String::new();
    for p in rest {
        let g = p.strip_prefix('x')?;
        (g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit())).then_some(())?;
        digits.push_str(g);
    }
    (last.len() == 3 && last.bytes().all(|b| b.is_ascii_digit())).then_some(())?;
    digits.push_str(last);
    let n: u64 = digits.parse().ok()?;
    // Exactly one spelling: no superfluous leading groups of zeros.
    (encode_index(n) == parts.join("/")).then_some(n)
}

impl Tile {
    pub fn is_full(&self) -> bool {
        self.width == WIDTH
    }

    /// The path under the log's prefix: `tile/<L>/<N>[.p/<W>]`.
    pub fn path(&self) -> String {
        self.path_in(&self.level.to_string())
    }

    /// The entry bundle's path for a level-0 tile: `tile/entries/<N>[.p/<W>]`.
    pub fn entries_path(&self) -> String {
        self.path_in("entries")
    }

    fn path_in(&self, level: &str) -> String {
        let mut p = format!("tile/{level}/{}", encode_index(self.index));
        if !self.is_full() {
            p.push_str(&format!(".p/{}", self.width));
        }
        p
    }

    /// Reads `tile/<L>/<N>[.p/<W>]` or `tile/entries/<N>[.p/<W>]`; returns the tile and whether
    /// it names an entry bundle.
    pub fn parse_path(path: &str) -> Option<(Tile, bool)> {
        let rest = path.strip_prefix("tile/")?;
        let (level, rest) = rest.split_once('/')?;
        let (entries, level) = match level {
            "entries" => (true, 0),
            l => {
                let n = parse_u64(l)?;
                (false, u8::try_from(n).ok().filter(|n| *n < 64)?)
            }
        };
        let (index_part, width) = match rest.split_once(".p/") {
            Some((i, w)) => {
                let w = parse_u64(w)?;
                if !(1..WIDTH).contains(&w) {
                    return None;
                }
                (i, w)
            }
            None => (rest, WIDTH),
        };
        let parts: Vec<&str> = index_part.split('/').collect();
        let index = decode_index(&parts)?;
        Some((Tile { level, index, width }, entries))
    }

    /// The level-`level` tiles of a tree of `size` leaves: every full one, and the partial one at
    /// the right edge if there is one.
    pub fn all_at(level: u8, size: u64) -> impl Iterator<Item = Tile> {
        let span = 1u128 << (HEIGHT as u32 * level as u32);
        let hashes = (size as u128 / span) as u64;
        let full = hashes / WIDTH;
        let partial = hashes % WIDTH;
        (0..full).map(move |index| Tile { level, index, width: WIDTH }).chain((partial > 0).then_some(Tile {
            level,
            index: full,
            width: partial,
        }))
    }

    /// Every tile of a tree of `size` leaves, level by level.
    pub fn all(size: u64) -> Vec<Tile> {
        let mut out = Vec::new();
        let mut level = 0u8;
        loop {
            let before = out.len();
            out.extend(Tile::all_at(level, size));
            if out.len() == before {
                return out;
            }
            level += 1;
        }
    }

    /// The tiles of a tree of `size` that a tree of `earlier` did not already have: the full tiles
    /// completed since, and the new partial tiles. Full tiles never change, so this is what a
    /// server writes when the log grows from `earlier` to `size`.
    pub fn new_since(earlier: u64, size: u64) -> Vec<Tile> {
        let before: std::collections::HashSet<Tile> = Tile::all(earlier).into_iter().collect();
        Tile::all(size).into_iter().filter(|t| !before.contains(t)).collect()
    }

    /// The tile's hashes, cut from a tree that holds at least its range.
    pub fn hashes_from(&self, tree: &Tree) -> Vec<Hash> {
        let stored = (HEIGHT as usize) * self.level as usize;
        let start = self.index * WIDTH;
        tree.level(stored)[start as usize..(start + self.width) as usize].to_vec()
    }

    pub fn encode(hashes: &[Hash]) -> Vec<u8> {
        hashes.iter().flatten().copied().collect()
    }

    /// A tile's bytes as hashes: exactly `width` of them.
    pub fn decode(&self, bytes: &[u8]) -> Option<Vec<Hash>> {
        (bytes.len() as u64 == self.width * 32)
            .then(|| bytes.chunks_exact(32).map(|c| c.try_into().expect("32 bytes")).collect())
    }
}

/// An entry bundle: each entry as a big-endian u16 length and its bytes.
pub fn encode_bundle<E: AsRef<[u8]>>(entries: &[E]) -> Vec<u8> {
    let mut out = Vec::new();
    for e in entries {
        let e = e.as_ref();
        let len = u16::try_from(e.len()).expect("entries are at most 1024 bytes");
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(e);
    }
    out
}

/// Splits a bundle into its entries; `None` if the lengths do not add up exactly.
pub fn decode_bundle(bytes: &[u8]) -> Option<Vec<&[u8]>> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let [a, b, tail @ ..] = rest else { return None };
        let len = u16::from_be_bytes([*a, *b]) as usize;
        if tail.len() < len {
            return None;
        }
        out.push(&tail[..len]);
        rest = &tail[len..];
    }
    Some(out)
}

/// Complete-subtree hashes read out of tiles (as a client holding fetched tiles computes
/// proofs). Tiles are keyed by level and index; a partial tile serves the hashes it has.
#[derive(Clone, Debug, Default)]
pub struct TileHashes {
    tiles: HashMap<(u8, u64), Vec<Hash>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NeedTile {
    pub level: u8,
    pub index: u64,
}

impl TileHashes {
    pub fn new() -> TileHashes {
        TileHashes::default()
    }

    /// Adds a tile's hashes (replacing a narrower copy of the same tile).
    pub fn insert(&mut self, tile: Tile, hashes: Vec<Hash>) {
        let slot = self.tiles.entry((tile.level, tile.index)).or_default();
        if hashes.len() > slot.len() {
            *slot = hashes;
        }
    }
}

impl Hashes for TileHashes {
    type Error = NeedTile;

    fn hash(&self, level: u8, index: u64) -> Result<Hash, NeedTile> {
        // The hash at tree level `level` lies in tile level level / 8, built up from 2^(level % 8)
        // of that tile's hashes.
        let tile_level = level / HEIGHT;
        let up = level % HEIGHT;
        let first = index << up;
        let count = 1u64 << up;
        let tile_index = first / WIDTH;
        let need = NeedTile { level: tile_level, index: tile_index };
        let hashes = self.tiles.get(&(tile_level, tile_index)).ok_or(need.clone())?;
        let start = (first % WIDTH) as usize;
        let end = start + count as usize;
        if hashes.len() < end {
            return Err(need);
        }
        let mut layer: Vec<Hash> = hashes[start..end].to_vec();
        while layer.len() > 1 {
            layer = layer.chunks_exact(2).map(|p| node_hash(&p[0], &p[1])).collect();
        }
        Ok(layer[0])
    }
}

#[cfg(test)]
mod tests;
