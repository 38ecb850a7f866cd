//! RFC 6962 Merkle trees over SHA-256: hashing, roots, and inclusion and consistency proofs, both
//! made (from any store of complete-subtree hashes) and checked (RFC 9162 §2.1.3.2 and §2.1.4.2).

use sha2::{Digest, Sha256};
use std::fmt;

pub type Hash = [u8; 32];

/// `SHA-256(0x00 || entry)`.
pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(entry);
    h.finalize().into()
}

/// `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The root of the empty tree, `SHA-256("")`.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProofError {
    /// The index or sizes cannot describe a proof (index past the end, first size past the second).
    BadShape,
    /// The proof has the wrong number of hashes for its index and sizes.
    WrongLength,
    /// The proof does not lead to the root (or roots) it was checked against.
    Mismatch,
}

impl fmt::Display for ProofError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ProofError::BadShape => "the proof's index or tree sizes are impossible",
            ProofError::WrongLength => "the proof has the wrong number of hashes",
            ProofError::Mismatch => "the proof does not lead to the signed root",
        })
    }
}

impl std::error::Error for ProofError {}

/// Checks that `leaf` is at `index` in the tree of `size` leaves whose root is `root`.
pub fn verify_inclusion(index: u64, size: u64, leaf: &Hash, proof: &[Hash], root: &Hash) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::BadShape);
    }
    let (mut f, mut s) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if s == 0 {
            return Err(ProofError::WrongLength);
        }
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    if s != 0 {
        return Err(ProofError::WrongLength);
    }
    if r != *root {
        return Err(ProofError::Mismatch);
    }
    Ok(())
}

/// Checks that the tree of `size2` leaves with root `root2` extends the tree of `size1` leaves
/// with root `root1` (`0 < size1 <= size2`; equal sizes need equal roots and an empty proof).
pub fn verify_consistency(
    size1: u64,
    size2: u64,
    root1: &Hash,
    root2: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    // A check from the empty tree proves nothing, so it is refused rather than passed.
    if size1 == 0 || size1 > size2 {
        return Err(ProofError::BadShape);
    }
    if size1 == size2 {
        if !proof.is_empty() {
            return Err(ProofError::WrongLength);
        }
        return if root1 == root2 { Ok(()) } else { Err(ProofError::Mismatch) };
    }
    if proof.is_empty() {
        return Err(ProofError::WrongLength);
    }
    let seeded;
    let proof = if size1.is_power_of_two() {
        seeded = std::iter::once(*root1).chain(proof.iter().copied()).collect::<Vec<_>>();
        &seeded[..]
    } else {
        proof
    };
    let (mut f, mut s) = (size1 - 1, size2 - 1);
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let (mut fr, mut sr) = (proof[0], proof[0]);
    for c in &proof[1..] {
        if s == 0 {
            return Err(ProofError::WrongLength);
        }
        if f & 1 == 1 || f == s {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    if s != 0 {
        return Err(ProofError::WrongLength);
    }
    if fr != *root1 || sr != *root2 {
        return Err(ProofError::Mismatch);
    }
    Ok(())
}

/// Where proofs get their hashes: the hash of the complete subtree of `2^level` leaves starting at
/// leaf `index << level`, for subtrees inside the tree being proved.
pub trait Hashes {
    type Error;
    fn hash(&self, level: u8, index: u64) -> Result<Hash, Self::Error>;
}

fn split(n: u64) -> u64 {
    // The largest power of two smaller than n (n >= 2).
    1 << (63 - (n - 1).leading_zeros())
}

/// `MTH(D[lo:hi])` from complete-subtree hashes; `hi > lo`, and `lo` is a multiple of the largest
/// power of two not above `hi - lo` (as every range RFC 6962 splits into is).
pub fn subtree<H: Hashes>(h: &H, lo: u64, hi: u64) -> Result<Hash, H::Error> {
    let n = hi - lo;
    if n.is_power_of_two() && lo.is_multiple_of(n) {
        return h.hash(n.trailing_zeros() as u8, lo / n);
    }
    let k = split(n);
    Ok(node_hash(&subtree(h, lo, lo + k)?, &subtree(h, lo + k, hi)?))
}

/// The root of a tree of `size` leaves (the empty root for 0).
pub fn root<H: Hashes>(h: &H, size: u64) -> Result<Hash, H::Error> {
    if size == 0 {
        Ok(empty_root())
    } else {
        subtree(h, 0, size)
    }
}

/// The RFC 6962 audit path for leaf `index` in the tree of `size` leaves (`index < size`).
pub fn inclusion_proof<H: Hashes>(h: &H, index: u64, size: u64) -> Result<Vec<Hash>, H::Error> {
    assert!(index < size, "inclusion proof for leaf {index} of a tree of {size}");
    let mut out = Vec::new();
    path(h, index, 0, size, &mut out)?;
    Ok(out)
}

fn path<H: Hashes>(h: &H, m: u64, lo: u64, hi: u64, out: &mut Vec<Hash>) -> Result<(), H::Error> {
    let n = hi - lo;
    if n == 1 {
        return Ok(());
    }
    let k = split(n);
    if m < k {
        path(h, m, lo, lo + k, out)?;
        out.push(subtree(h, lo + k, hi)?);
    } else {
        path(h, m - k, lo + k, hi, out)?;
        out.push(subtree(h, lo, lo + k)?);
    }
    Ok(())
}

/// The RFC 6962 consistency proof from the tree of `size1` leaves to the tree of `size2`
/// (`0 < size1 <= size2`; empty when they are equal).
pub fn consistency_proof<H: Hashes>(h: &H, size1: u64, size2: u64) -> Result<Vec<Hash>, H::Error> {
    assert!(0 < size1 && size1 <= size2, "consistency proof from {size1} to {size2}");
    let mut out = Vec::new();
    subproof(h, size1, 0, size2, true, &mut out)?;
    Ok(out)
}

fn subproof<H: Hashes>(h: &H, m: u64, lo: u64, hi: u64, whole: bool, out: &mut Vec<Hash>) -> Result<(), H::Error> {
    let n = hi - lo;
    if m == n {
        if !whole {
            out.push(subtree(h, lo, hi)?);
        }
        return Ok(());
    }
    let k = split(n);
    if m <= k {
        subproof(h, m, lo, lo + k, whole, out)?;
        out.push(subtree(h, lo + k, hi)?);
    } else {
        subproof(h, m - k, lo + k, hi, false, out)?;
        out.push(subtree(h, lo, lo + k)?);
    }
    Ok(())
}

/// A whole tree in memory: every complete-subtree hash, level by level. Appending is amortised
/// O(1) hashes per leaf; memory is about 64 bytes per leaf.
#[derive(Clone, Debug, Default)]
pub struct Tree {
    levels: Vec<Vec<Hash>>,
}

/// Asking a [`Tree`] for a subtree it does not have complete.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Missing {
    pub level: u8,
    pub index: u64,
}

impl Tree {
    pub fn new() -> Tree {
        Tree::default()
    }

    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// Appends a leaf given its leaf hash.
    pub fn push(&mut self, leaf: Hash) {
        let mut h = leaf;
        let mut level = 0;
        loop {
            if self.levels.len() == level {
                self.levels.push(Vec::new());
            }
            self.levels[level].push(h);
            let n = self.levels[level].len();
            if n % 2 == 1 {
                break;
            }
            h = node_hash(&self.levels[level][n - 2], &self.levels[level][n - 1]);
            level += 1;
        }
    }

    pub fn push_entry(&mut self, entry: &[u8]) {
        self.push(leaf_hash(entry));
    }

    pub fn root(&self) -> Hash {
        root(self, self.size()).expect("a tree has every complete subtree of itself")
    }

    /// The complete-subtree hashes stored at `level` (level 0 is the leaf hashes).
    pub fn level(&self, level: usize) -> &[Hash] {
        self.levels.get(level).map_or(&[], |l| &l[..])
    }
}

impl Hashes for Tree {
    type Error = Missing;
    fn hash(&self, level: u8, index: u64) -> Result<Hash, Missing> {
        self.levels
            .get(level as usize)
            .and_then(|l| l.get(usize::try_from(index).ok()?))
            .copied()
            .ok_or(Missing { level, index })
    }
}

#[cfg(test)]
mod tests;
