use super::*;
use proptest::prelude::*;

#[test]
fn only_the_canonical_spelling_parses() {
    for (s, ok) in [
        ("5", true),
        ("2.5", true),
        ("0.5", true),
        ("100", true),
        ("0.0001", true),
        ("0.000001", true),
        ("12.000001", true),
        ("0", false),
        ("0.0", false),
        ("100.5", false),
        ("100.000001", false),
        ("101", false),
        ("05", false),
        ("5.0", false),
        ("5.", false),
        (".5", false),
        ("-5", false),
        ("+5", false),
        ("5e0", false),
        ("2,5", false),
        ("0.0000001", false),
        ("", false),
        (" 5", false),
        ("1000", false),
        ("99999999999999999999", false),
        // The whole part times 10^6 fits in u64, the fraction added does not (found reviewing
        // the fuzz target codes): an overflow panic, or in release a wrap to 0.1%.
        ("18446744073709.651616", false),
        ("18446744073709.999999", false),
        ("18446744073709.5", false),
    ] {
        assert_eq!(Percent::parse(s).is_some(), ok, "{s:?}");
        if ok {
            assert_eq!(Percent::parse(s).unwrap().to_string(), s, "prints as read");
        }
    }
    assert_eq!(Percent::DEFAULT, Percent::parse("5").unwrap());
    assert_eq!(Percent::from_whole(5), Some(Percent::DEFAULT));
}

#[test]
fn the_ceiling_at_the_edges() {
    let five = Percent::DEFAULT;
    assert_eq!(five.required(0), 0);
    assert_eq!(five.required(1), 1);
    assert_eq!(five.required(20), 1);
    assert_eq!(five.required(21), 2);
    assert_eq!(five.required(80), 4); // Isles of Scilly-sized
    assert_eq!(five.required(81), 5);
    assert_eq!(five.required(1_023_650), 51_183);
    assert_eq!(five.required(92_383), 4_620); // ceil, not the published 4,619
    let p = Percent::parse("2.5").unwrap();
    assert_eq!(p.required(40), 1);
    assert_eq!(p.required(41), 2);
    assert_eq!(Percent::parse("100").unwrap().required(u64::MAX), u64::MAX);
}

proptest! {
    #[test]
    fn the_ceiling_is_the_least_sufficient_count(e in 0u64..10_000_000, millionths in 1u64..=100_000_000) {
        let p = Percent { millionths };
        let r = p.required(e) as u128;
        // r × 100 × 10^6 ≥ e × millionths, and r − 1 would fall short.
        prop_assert!(r * 100_000_000 >= e as u128 * millionths as u128);
        if r > 0 {
            prop_assert!((r - 1) * 100_000_000 < e as u128 * millionths as u128);
        }
    }

    #[test]
    fn printing_and_parsing_agree(millionths in 1u64..=100_000_000) {
        let p = Percent { millionths };
        prop_assert_eq!(Percent::parse(&p.to_string()), Some(p));
    }
}
