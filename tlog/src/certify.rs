//! The figures a `certify/v1` entry states and the outcomes they allow
//! (`../shared/docs/transparency.md`, *Verification and certificate*).
//!
//! A full check counts every signature, so its outcome follows from the count. A sample only
//! estimates the count (its *projection*), so it may certify only a result clear of the threshold:
//! at least 110% of the required count to certify `reached`, under 95% to certify `not-reached`.
//! Between the two the estimate could be wrong either way, and the office must check in full.

use crate::entry::Outcome;

/// A sample may certify `reached` when `100 × projected ≥` this `× required`.
pub const REACHED_PERCENT: u64 = 110;

/// A sample may certify `not-reached` when `100 × projected <` this `× required`.
pub const NOT_REACHED_PERCENT: u64 = 95;

/// `floor(V × (n − s) / n)`: the valid count a sample of `n` from `V` candidates projects when `s`
/// of the sampled signatures are struck; `0` when `n = 0`. The product is taken in u128, since
/// `V × n` overflows u64 long before either does. `s` is at most `n`; a larger `s` counts as `n`.
pub fn projected(candidates: u64, sample: u64, struck: u64) -> u64 {
    if sample == 0 {
        return 0;
    }
    let kept = sample.saturating_sub(struck);
    // kept ≤ sample, so the quotient is at most `candidates` and fits.
    (u128::from(candidates) * u128::from(kept) / u128::from(sample)) as u64
}

/// The outcome a full check certifies: `reached` exactly when `valid ≥ required`.
pub fn full_outcome(valid: u64, required: u64) -> Outcome {
    if valid >= required {
        Outcome::Reached
    } else {
        Outcome::NotReached
    }
}

/// The outcome a sample projecting `projected` may certify against `required`, or `None` when the
/// projection lies in the band `[95%, 110%)` of `required` and only a full check may certify.
pub fn sample_outcome(projected: u64, required: u64) -> Option<Outcome> {
    // In u128: 110 × a u64 overflows u64.
    let (p, r) = (u128::from(projected) * 100, u128::from(required));
    if p >= u128::from(REACHED_PERCENT) * r {
        Some(Outcome::Reached)
    } else if p < u128::from(NOT_REACHED_PERCENT) * r {
        Some(Outcome::NotReached)
    } else {
        None
    }
}

#[cfg(test)]
mod tests;
