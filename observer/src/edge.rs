//! A Merkle tree kept as its right edge only, so that a log of any length is hashed in 64 hashes
//! of memory, with every complete subtree reported as it is finished (for checking hash tiles).

use petition_tlog::merkle::{node_hash, root, Hash, Hashes, Missing};

/// A tree kept as its right edge only: the complete subtrees its leaves make up so far, at most
/// one a level. That is enough for its root in 64 hashes however long the log, where a whole
/// [`Tree`](petition_tlog::merkle::Tree) would keep 64 bytes for every entry.
#[derive(Default)]
pub(crate) struct Edge {
    size: u64,
    /// `peaks[l]` is the subtree of 2^l leaves on the edge, where bit `l` of `size` is set.
    peaks: Vec<Hash>,
}

impl Edge {
    /// How many leaves the tree has.
    pub(crate) fn size(&self) -> u64 {
        self.size
    }

    /// Appends a leaf, and tells `completed` each complete subtree (level, hash) it finishes: the
    /// leaf itself, then every subtree it closes.
    pub(crate) fn push(&mut self, leaf: Hash, mut completed: impl FnMut(u8, Hash)) {
        let mut h = leaf;
        let mut level = 0u8;
        loop {
            completed(level, h);
            if (self.size >> level) & 1 == 0 {
                match self.peaks.get_mut(level as usize) {
                    Some(peak) => *peak = h,
                    None => self.peaks.push(h),
                }
                break;
            }
            h = node_hash(&self.peaks[level as usize], &h);
            level += 1;
        }
        self.size += 1;
    }

    pub(crate) fn root(&self) -> Hash {
        root(self, self.size).expect("the edge holds the subtrees of its own root")
    }
}

impl Hashes for Edge {
    type Error = Missing;

    /// Only the edge's own subtrees, which are all the root of its size asks for.
    fn hash(&self, level: u8, index: u64) -> Result<Hash, Missing> {
        let on_edge = level < 64 && (self.size >> level) & 1 == 1 && index == (self.size >> level) - 1;
        on_edge.then(|| self.peaks[level as usize]).ok_or(Missing { level, index })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use petition_tlog::merkle::{leaf_hash, Tree};

    #[test]
    fn the_edge_gives_the_root_and_every_complete_subtree_of_a_whole_tree() {
        let (mut edge, mut tree) = (Edge::default(), Tree::new());
        let mut completed: Vec<Vec<Hash>> = Vec::new();
        for i in 0..1100u32 {
            assert_eq!(edge.root(), tree.root(), "size {i}");
            let leaf = leaf_hash(&i.to_be_bytes());
            edge.push(leaf, |level, h| {
                completed.resize(completed.len().max(level as usize + 1), Vec::new());
                completed[level as usize].push(h);
            });
            tree.push(leaf);
        }
        assert_eq!(completed.len(), 11);
        for (level, hashes) in completed.iter().enumerate() {
            assert_eq!(hashes[..], *tree.level(level), "level {level}");
        }
    }
}
