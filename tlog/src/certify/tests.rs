//! The projection and the bands, each at its boundaries.

use super::*;

#[test]
fn the_projection_scales_the_valid_share_of_the_sample_and_rounds_down() {
    for (v, n, s, p) in [
        (0, 0, 0, 0),
        // Nothing sampled: nothing projected, whatever is claimed struck.
        (10, 0, 0, 0),
        (10, 0, 5, 0),
        (3, 3, 0, 3),
        (3, 3, 1, 2),
        (3, 3, 3, 0),
        (20_000, 600, 0, 20_000),
        // 20,000 × 599 / 600 = 19,966.67: rounded down.
        (20_000, 600, 1, 19_966),
        (20_000, 600, 600, 0),
        (16_667, 501, 10, 16_334),
        // More struck than sampled counts as all of them.
        (20_000, 600, 601, 0),
        // V × n overflows u64.
        (u64::MAX, u64::MAX, 0, u64::MAX),
        (u64::MAX, u64::MAX, 1, u64::MAX - 1),
        (u64::MAX, 2, 1, u64::MAX / 2),
    ] {
        assert_eq!(projected(v, n, s), p, "V = {v}, n = {n}, s = {s}");
    }
}

#[test]
fn a_full_check_reaches_exactly_at_the_required_count() {
    assert_eq!(full_outcome(145, 146), Outcome::NotReached);
    assert_eq!(full_outcome(146, 146), Outcome::Reached);
    assert_eq!(full_outcome(147, 146), Outcome::Reached);
    assert_eq!(full_outcome(0, 1), Outcome::NotReached);
    assert_eq!(full_outcome(u64::MAX, u64::MAX), Outcome::Reached);
}

#[test]
fn a_sample_certifies_reached_from_110_percent_of_the_required_count() {
    // 110% of 1,000 is 1,100 exactly; of 146 it is 160.6, so 161 is the first that clears it.
    for (required, below) in [(1_000, 1_099), (146, 160), (1, 1)] {
        assert_ne!(sample_outcome(below, required), Some(Outcome::Reached), "{below} of {required}");
        assert_eq!(sample_outcome(below + 1, required), Some(Outcome::Reached), "{} of {required}", below + 1);
        assert_eq!(sample_outcome(below + 2, required), Some(Outcome::Reached), "{} of {required}", below + 2);
    }
}

#[test]
fn a_sample_certifies_not_reached_below_95_percent_of_the_required_count() {
    // 95% of 1,000 is 950 exactly, which is in the band; of 146 it is 138.7, so 138 is below it.
    for (required, last) in [(1_000, 949), (146, 138), (20, 18)] {
        assert_eq!(sample_outcome(last - 1, required), Some(Outcome::NotReached), "{} of {required}", last - 1);
        assert_eq!(sample_outcome(last, required), Some(Outcome::NotReached), "{last} of {required}");
        assert_eq!(sample_outcome(last + 1, required), None, "{} of {required}", last + 1);
    }
    assert_eq!(sample_outcome(0, 1), Some(Outcome::NotReached));
}

#[test]
fn between_the_bands_a_sample_certifies_nothing() {
    let required = 1_000;
    assert_eq!(sample_outcome(950, required), None, "95% exactly");
    assert_eq!(sample_outcome(1_000, required), None, "the required count itself");
    assert_eq!(sample_outcome(1_099, required), None, "just under 110%");
    let band: Vec<u64> = (0..=2_000).filter(|p| sample_outcome(*p, required).is_none()).collect();
    assert_eq!((band.first(), band.last(), band.len()), (Some(&950), Some(&1_099), 150));
    // The products are taken without overflow.
    assert_eq!(sample_outcome(u64::MAX, u64::MAX), None);
    assert_eq!(sample_outcome(u64::MAX, u64::MAX / 2), Some(Outcome::Reached));
    assert_eq!(sample_outcome(u64::MAX / 2, u64::MAX), Some(Outcome::NotReached));
}
