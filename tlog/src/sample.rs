//! The random sample a `sample/v1` entry fixes, exactly as `../shared/docs/transparency.md` draws
//! it (*Verification and certificate*): a partial Fisher–Yates shuffle of the candidates, driven by
//! SHA-256 of the petition id, the published seed and two counters, with rejection sampling so that
//! every candidate is equally likely. Anyone holding the log can draw the same sample, so the office
//! cannot choose which signatures it checks; `tests/vectors/sample-v1.txt` holds known answers for
//! other verifiers.

use sha2::{Digest, Sha256};

use crate::entry::Ident;

/// The smallest sample drawn from a list at least this long: below it, every candidate is checked.
pub const MIN_SAMPLE: u64 = 500;

/// Above [`MIN_SAMPLE`], the sample is this share of the candidates, in percent, rounded up.
pub const SAMPLE_PERCENT: u64 = 3;

/// What the hash of every draw starts with: `petition-sample/v1` and a newline.
const DOMAIN: &[u8] = b"petition-sample/v1\n";

/// `n = min(V, max(500, ceil(3·V / 100)))`: how many of `candidates` signatures are sampled.
pub fn sample_size(candidates: u64) -> u64 {
    // In u128, since 3·V overflows u64 for the largest V; the share itself is below V, so it fits.
    let share = (u128::from(candidates) * u128::from(SAMPLE_PERCENT)).div_ceil(100) as u64;
    candidates.min(share.max(MIN_SAMPLE))
}

/// The offset `x mod b` that step `i` of the draw moves by, for `b` candidates left (`b > 0`):
/// the first attempt `k` whose `x` falls below the largest multiple of `b` within 2^64, so that no
/// offset is likelier than another.
fn offset(prefix: &Sha256, i: u32, b: u64) -> u64 {
    // 2^64 − (2^64 mod b), in u128: when b is a power of two it is 2^64 itself.
    let limit = (1u128 << 64) - (1u128 << 64) % u128::from(b);
    (0..=u32::MAX)
        .find_map(|k| {
            let mut h = prefix.clone();
            h.update(i.to_be_bytes());
            h.update(k.to_be_bytes());
            let digest = h.finalize();
            let x = u64::from_be_bytes(digest[..8].try_into().expect("8 bytes"));
            (u128::from(x) < limit).then_some(x % b)
        })
        // Each attempt is refused with a chance below b / 2^64: 2^32 refusals in a row never happen.
        .expect("an attempt within 2^32 is accepted")
}

/// The sample of petition `id` drawn with `seed` from `candidates` (the leaf indexes of its
/// signatures not struck at the `sample/v1` entry), sorted ascending.
///
/// The format takes the candidates as an ascending list `C`; they are sorted here (and any repeat
/// counted once), so a caller holding them in another order draws the same sample. The list's
/// memory is reused for the sample.
pub fn draw(id: &Ident, seed: &[u8; 32], mut candidates: Vec<u64>) -> Vec<u64> {
    candidates.sort_unstable();
    candidates.dedup();
    let v = candidates.len();
    let n = sample_size(v as u64) as usize;
    let mut prefix = Sha256::new();
    prefix.update(DOMAIN);
    prefix.update(id.as_str().as_bytes());
    prefix.update(b"\n");
    prefix.update(seed);
    for i in 0..n {
        // n is about 3% of a list held in memory, so far below 2^32.
        let step = u32::try_from(i).expect("a sample of fewer than 2^32 signatures");
        let j = i + offset(&prefix, step, (v - i) as u64) as usize;
        candidates.swap(i, j);
    }
    candidates.truncate(n);
    candidates.sort_unstable();
    candidates.shrink_to_fit();
    candidates
}

#[cfg(test)]
mod tests;
