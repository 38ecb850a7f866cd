//! The draw and its size at their boundaries. The known answers other verifiers check against are
//! in `tests/vectors/sample-v1.txt` (`tests/sample_vectors.rs`).

use super::*;
use proptest::prelude::*;

fn id(s: &str) -> Ident {
    Ident::parse(s).unwrap()
}

/// The candidates `2·i + 1` for `i < v`, as a log of signatures interleaved with other entries.
fn odd(v: u64) -> Vec<u64> {
    (0..v).map(|i| 2 * i + 1).collect()
}

fn sorted_without_repeats(s: &[u64]) -> bool {
    s.windows(2).all(|w| w[0] < w[1])
}

#[test]
fn the_sample_size_is_500_or_3_percent_rounded_up_but_never_more_than_there_are() {
    for (v, n) in [
        (0, 0),
        (1, 1),
        (499, 499),
        (500, 500),
        (501, 500),
        (16_666, 500),
        // 3 × 16,667 / 100 = 500.01: rounded up.
        (16_667, 501),
        (16_700, 501),
        (16_701, 502),
        (100_000, 3_000),
        (100_001, 3_001),
        (1_000_000, 30_000),
        // 3 × V overflows u64; the share does not.
        (u64::MAX, 553_402_322_211_286_549),
    ] {
        assert_eq!(sample_size(v), n, "V = {v}");
    }
}

#[test]
fn below_the_minimum_every_candidate_is_sampled() {
    let seed = [0u8; 32];
    assert_eq!(draw(&id("7"), &seed, Vec::new()), Vec::<u64>::new(), "V = 0: nothing to draw");
    for v in [1, 2, 3, 499, 500] {
        assert_eq!(draw(&id("7"), &seed, odd(v)), odd(v), "V = {v}");
    }
}

#[test]
fn above_it_the_draw_is_a_subset_without_repeats_of_the_right_size() {
    for v in [501, 600, 16_667, 16_700, 20_000] {
        let s = draw(&id("petition-42"), &[0xa5; 32], odd(v));
        assert_eq!(s.len() as u64, sample_size(v), "V = {v}");
        assert!(sorted_without_repeats(&s), "V = {v}: ascending, no repeats");
        assert!(s.iter().all(|x| x % 2 == 1 && *x < 2 * v), "V = {v}: only candidates");
    }
}

#[test]
fn the_draw_depends_on_the_id_the_seed_and_the_candidates_alone() {
    let seed = [3u8; 32];
    let a = draw(&id("7"), &seed, odd(20_000));
    assert_eq!(draw(&id("7"), &seed, odd(20_000)), a, "deterministic");
    // The candidates in another order, with a repeat: the same set, so the same sample.
    let mut shuffled = odd(20_000);
    shuffled.reverse();
    shuffled.push(1);
    assert_eq!(draw(&id("7"), &seed, shuffled), a);
    let mut other_seed = seed;
    other_seed[31] ^= 1;
    assert_ne!(draw(&id("7"), &other_seed, odd(20_000)), a, "another seed");
    assert_ne!(draw(&id("8"), &seed, odd(20_000)), a, "another petition");
    assert_ne!(draw(&id("7"), &seed, odd(20_001)), a, "another candidate list");
}

#[test]
fn each_step_hashes_the_documented_bytes() {
    // Step 0 of the draw from 501 candidates, written out by hand: its offset is x mod 501 of the
    // first attempt (a refusal needs x within 2^64 mod 501 of the top, which this x is not).
    let mut input = b"petition-sample/v1\npetition-42\n".to_vec();
    input.extend_from_slice(&[0xff; 32]);
    input.extend_from_slice(&0u32.to_be_bytes());
    input.extend_from_slice(&0u32.to_be_bytes());
    let h = Sha256::digest(&input);
    let x = u64::from_be_bytes(h[..8].try_into().unwrap());
    assert!(x < u64::MAX - 501);
    let mut prefix = Sha256::new();
    prefix.update(b"petition-sample/v1\npetition-42\n");
    prefix.update([0xff; 32]);
    assert_eq!(offset(&prefix, 0, 501), x % 501);
}

#[test]
fn refused_attempts_move_on_to_the_next_counter() {
    // b = 2^63 + 1: x is kept only below 2^63 + 1, so about half the attempts are refused. The
    // answers were computed by `tests/vectors/sample_v1.py --offset`, independently of this code.
    let b = (1u64 << 63) + 1;
    let mut prefix = Sha256::new();
    prefix.update(b"petition-sample/v1\n7\n");
    prefix.update([0u8; 32]);
    let want: [(u32, u64); 8] = [
        (3, 4041910543776145448),
        (2, 4999958464190913022),
        (2, 1413382746172868278),
        (0, 3395058291129482232),
        (1, 7855549260436887126),
        (0, 3120657430864464181),
        (0, 2398947921020511420),
        (1, 7848132758922076359),
    ];
    for (i, (attempts, o)) in want.into_iter().enumerate() {
        assert_eq!(offset(&prefix, i as u32, b), o, "step {i}, accepted at attempt {attempts}");
    }
    // A power of two divides 2^64: nothing is refused. And one candidate left has offset 0.
    let mut first = prefix.clone();
    first.update(0u32.to_be_bytes());
    first.update(0u32.to_be_bytes());
    let x = u64::from_be_bytes(first.finalize()[..8].try_into().unwrap());
    assert_eq!(offset(&prefix, 0, 1 << 63), x % (1 << 63));
    assert_eq!(offset(&prefix, 0, 1), 0);
}

#[test]
fn every_candidate_can_be_drawn_and_left_out() {
    // With 501 candidates one is left out each time; over many seeds, no position is favoured
    // so strongly that it is always or never left out.
    let mut left_out = [0u32; 501];
    for s in 0..2000u32 {
        let mut seed = [0u8; 32];
        seed[..4].copy_from_slice(&s.to_be_bytes());
        let drawn = draw(&id("7"), &seed, (0..501).collect());
        let missing: Vec<u64> = (0..501).filter(|x| drawn.binary_search(x).is_err()).collect();
        assert_eq!(missing.len(), 1);
        left_out[missing[0] as usize] += 1;
    }
    // Each is left out 2000/501 ≈ 4 times on average; 30 would be far beyond chance.
    assert!(left_out.iter().all(|c| *c < 30), "{left_out:?}");
    assert!(left_out.iter().filter(|c| **c == 0).count() < 50, "most positions are left out sometimes");
}

proptest! {
    #[test]
    fn any_draw_is_an_ascending_subset_of_its_candidates(
        candidates in proptest::collection::vec(0u64..5_000, 0..1_200),
        seed: [u8; 32],
    ) {
        let mut set = candidates.clone();
        set.sort_unstable();
        set.dedup();
        let s = draw(&id("7"), &seed, candidates);
        prop_assert_eq!(s.len() as u64, sample_size(set.len() as u64));
        prop_assert!(sorted_without_repeats(&s));
        prop_assert!(s.iter().all(|x| set.binary_search(x).is_ok()));
    }
}
