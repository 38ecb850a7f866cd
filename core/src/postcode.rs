//! UK postcodes, parsed once at the edge and carried as a type afterwards.

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::month::Month;

/// A syntactically valid UK postcode in its normal form: upper case, one space before the
/// three-character inward code (`CA10 1AA`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Postcode(String);

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PostcodeError {
    Empty,
    Malformed,
}

impl fmt::Display for PostcodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PostcodeError::Empty => f.write_str("Enter a postcode"),
            PostcodeError::Malformed => f.write_str("Enter a real postcode, like CA10 1AA"),
        }
    }
}

impl std::error::Error for PostcodeError {}

impl Postcode {
    /// Parses user input: ignores case and any spaces, then checks the shape of a UK postcode
    /// (outward code `A9`, `A99`, `AA9`, `AA99`, `A9A` or `AA9A`, inward code `9AA`).
    pub fn parse(input: &str) -> Result<Postcode, PostcodeError> {
        let compact: String = input.chars().filter(|c| !c.is_whitespace()).map(|c| c.to_ascii_uppercase()).collect();
        if compact.is_empty() {
            return Err(PostcodeError::Empty);
        }
        if !(5..=7).contains(&compact.len()) || !compact.is_ascii() {
            return Err(PostcodeError::Malformed);
        }
        let (outward, inward) = compact.split_at(compact.len() - 3);
        if !valid_inward(inward) || !valid_outward(outward) {
            return Err(PostcodeError::Malformed);
        }
        Ok(Postcode(format!("{outward} {inward}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The outward code (`CA10` of `CA10 1AA`).
    pub fn outward(&self) -> &str {
        self.0.split(' ').next().unwrap_or("")
    }
}

fn valid_inward(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 3 && b[0].is_ascii_digit() && b[1].is_ascii_alphabetic() && b[2].is_ascii_alphabetic()
}

fn valid_outward(s: &str) -> bool {
    let b = s.as_bytes();
    let a = |i: usize| b[i].is_ascii_alphabetic();
    let d = |i: usize| b[i].is_ascii_digit();
    let an = |i: usize| b[i].is_ascii_alphanumeric();
    match b.len() {
        2 => a(0) && d(1),
        3 => (a(0) && d(1) && an(2)) || (a(0) && a(1) && d(2)),
        4 => a(0) && a(1) && d(2) && an(3),
        _ => false,
    }
}

impl fmt::Display for Postcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A postcode Royal Mail no longer uses, and the month it stopped. The lookup keeps terminated
/// postcodes so that someone who types one (from an old letter, or from memory) is told why it
/// finds nothing, rather than that it is not in the council's area.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Terminated {
    pub postcode: Postcode,
    pub month: Month,
}

/// What a resident is told.
impl fmt::Display for Terminated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} was terminated in {} and is no longer in use. Check your postcode, or try the one on a recent \
             letter from the council.",
            self.postcode,
            self.month.name()
        )
    }
}

impl TryFrom<String> for Postcode {
    type Error = PostcodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Postcode::parse(&s)
    }
}

impl From<Postcode> for String {
    fn from(p: Postcode) -> String {
        p.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn normalises_case_and_spacing() {
        for raw in ["ca101aa", " CA10  1AA", "CA10 1AA", "c a 1 0 1 a a", "\tca10\n1aa "] {
            assert_eq!(Postcode::parse(raw).unwrap().as_str(), "CA10 1AA", "{raw:?}");
        }
        assert_eq!(Postcode::parse("sw1a1aa").unwrap().as_str(), "SW1A 1AA");
        assert_eq!(Postcode::parse("m11ae").unwrap().as_str(), "M1 1AE");
        assert_eq!(Postcode::parse("B338TH").unwrap().as_str(), "B33 8TH");
        assert_eq!(Postcode::parse("w1a0ax").unwrap().as_str(), "W1A 0AX");
        assert_eq!(Postcode::parse("CA10 1AA").unwrap().outward(), "CA10");
    }

    #[test]
    fn a_terminated_postcode_says_when() {
        let t = Terminated { postcode: Postcode::parse("ca101aa").unwrap(), month: Month { year: 2019, month: 3 } };
        assert_eq!(
            t.to_string(),
            "CA10 1AA was terminated in March 2019 and is no longer in use. Check your postcode, or try the one on \
             a recent letter from the council."
        );
    }

    #[test]
    fn rejects_malformed() {
        assert_eq!(Postcode::parse("   "), Err(PostcodeError::Empty));
        for raw in [
            "CA10",
            "1AA",
            "CA10 AAA",
            "CAA0 1AA",
            "CA10 1A1",
            "ABCDE 1AA",
            "ÇA10 1AA",
            "CA10-1AA",
            "99 1AA",
            "A 1AA",
            "CA10 1AA1",
            "'; drop table",
        ] {
            assert!(Postcode::parse(raw).is_err(), "{raw:?} should be rejected");
        }
    }

    #[test]
    fn every_real_eden_postcode_parses_to_itself() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/testdata/uk/postcode_lookup/eden_postcode_to_ward_codepoint_open_2014.csv"
        );
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("shared test data missing at {path}: {e}"));
        let mut n = 0;
        for line in text.lines().skip(1) {
            let mut cols = line.split(',');
            let normal = cols.next().unwrap();
            let raw = cols.next().unwrap();
            assert_eq!(Postcode::parse(raw).unwrap().as_str(), normal);
            assert_eq!(Postcode::parse(&normal.to_lowercase()).unwrap().as_str(), normal);
            n += 1;
        }
        assert_eq!(n, 2562);
    }

    proptest! {
        #[test]
        fn parsing_is_idempotent(s in "[A-Za-z0-9 ]{0,10}") {
            if let Ok(p) = Postcode::parse(&s) {
                prop_assert_eq!(Postcode::parse(p.as_str()).unwrap(), p.clone());
                prop_assert_eq!(p.as_str().len() - p.as_str().replace(' ', "").len(), 1);
            }
        }
    }
}
