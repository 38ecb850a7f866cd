//! `Postcode::parse`: what a signer types in the postcode box, and the postcode columns of the
//! lookup, gazetteer and register imports.

use arbitrary::{Result, Unstructured};
use petition_core::postcode::{Postcode, PostcodeError};

/// The outward code shapes of a UK postcode (`A` a letter, `9` a digit); the inward code is `9AA`.
const OUTWARD_SHAPES: [&str; 6] = ["A9", "A99", "AA9", "AA99", "A9A", "AA9A"];

pub fn check(data: &[u8]) {
    check_str(&crate::text(data));
    let _ = check_recipe(&mut Unstructured::new(data));
}

/// Any text: the parser agrees with an independent reading of the rules, and what it accepts is
/// in normal form and reads back to itself however it is re-spaced or re-cased.
pub fn check_str(input: &str) {
    let parsed = Postcode::parse(input);
    let compact: String = input.chars().filter(|c| !c.is_whitespace()).map(|c| c.to_ascii_uppercase()).collect();
    match &parsed {
        Err(PostcodeError::Empty) => assert!(compact.is_empty(), "{input:?} is not empty"),
        Err(PostcodeError::Malformed) => {
            assert!(!compact.is_empty() && expected(&compact).is_none(), "{input:?} was refused")
        }
        Ok(p) => {
            assert_eq!(Some(p.as_str()), expected(&compact).as_deref(), "{input:?}");
            assert_normal(p);
        }
    }
    assert_eq!(Postcode::try_from(input.to_string()), parsed, "TryFrom<String> is parse");
}

/// The normal form: upper-case letters and digits, one space before the three-character inward
/// code; parsing it, or any re-spelling of it, gives it back.
fn assert_normal(p: &Postcode) {
    let s = p.as_str();
    let (outward, inward) = s.split_once(' ').unwrap_or_else(|| panic!("{s:?} has no space"));
    assert_eq!(inward.len(), 3, "{s:?}");
    assert_eq!(p.outward(), outward);
    assert!(s.bytes().all(|b| b == b' ' || b.is_ascii_uppercase() || b.is_ascii_digit()), "{s:?}");
    let lower = s.to_ascii_lowercase();
    let squashed = s.replace(' ', "");
    let spread = format!("\t{} {} ", outward, inward.chars().map(String::from).collect::<Vec<_>>().join("  "));
    for spelling in [s, &lower, &squashed, &spread] {
        assert_eq!(Postcode::parse(spelling).as_ref(), Ok(p), "{spelling:?}");
    }
    assert_eq!(String::from(p.clone()), s);
}

/// The normal form of a postcode with spaces already removed and letters upper-cased, or `None`
/// if it is not one: written from the shapes above rather than the parser's code.
fn expected(compact: &str) -> Option<String> {
    if !compact.is_ascii() || !(5..=7).contains(&compact.len()) {
        return None;
    }
    let shape: String = compact
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' => 'A',
            b'0'..=b'9' => '9',
            _ => '?',
        })
        .collect();
    let (outward, inward) = shape.split_at(shape.len() - 3);
    (inward == "9AA" && OUTWARD_SHAPES.contains(&outward)).then(|| {
        let (o, i) = compact.split_at(compact.len() - 3);
        format!("{o} {i}")
    })
}

/// A postcode built to one of the shapes, spaced and cased at random: it must be accepted.
fn check_recipe(u: &mut Unstructured) -> Result<()> {
    let shape = format!("{}9AA", u.choose(&OUTWARD_SHAPES)?);
    let mut typed = String::new();
    for s in shape.chars() {
        let c = match s {
            'A' => (b'A' + u.int_in_range(0..=25)?) as char,
            _ => (b'0' + u.int_in_range(0..=9)?) as char,
        };
        typed.push(if u.arbitrary()? { c.to_ascii_lowercase() } else { c });
        if u.ratio(1, 4)? {
            typed.push(*u.choose(&[' ', '\t', '\n', '\u{a0}', '\u{3000}'])?);
        }
    }
    let p = Postcode::parse(&typed).unwrap_or_else(|e| panic!("{typed:?} is a postcode: {e}"));
    assert_normal(&p);
    check_str(&typed);
    Ok(())
}
