//! What an officer types to verify a petition after its close, parsed once at the edge: where the
//! sample's seed will come from (announced before the close), the seed itself and the name of its
//! source as `sample/v1` records them, and the certificate's method.

use std::fmt;

use petition_tlog::entry::{Ident, Method};

use crate::text::{clean, TextError};

/// The longest announcement of a seed's source.
pub const PLAN_MAX: usize = 500;

/// The announcement, made while the petition collects, of where its sample's seed will come from:
/// for example "drand quicknet, the first round after 00:00 on 7 March 2027". Plain text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeedPlan(String);

impl SeedPlan {
    pub fn parse(input: &str) -> Result<SeedPlan, TextError> {
        clean(input, PLAN_MAX, false).map(SeedPlan)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why a seed or its source was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SeedError {
    Missing,
    /// Not 64 hexadecimal digits; `found` says how many characters there were.
    NotHex {
        found: usize,
    },
    /// A source that cannot be written in the log: it names the characters allowed.
    Source,
}

impl fmt::Display for SeedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SeedError::Missing => f.write_str("Enter the seed"),
            SeedError::NotHex { found } => {
                write!(f, "Enter the seed as 64 hexadecimal digits (0 to 9 and a to f); this has {found} characters")
            }
            SeedError::Source => f.write_str(
                "Name the source in up to 64 letters, digits, hyphens and underscores, for example \
                 drand-quicknet-10405839",
            ),
        }
    }
}

impl std::error::Error for SeedError {}

/// A sample's seed: 32 bytes, typed as 64 hexadecimal digits (either case; spaces between groups
/// of digits are allowed, as beacons and hash tools print them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seed(pub [u8; 32]);

impl Seed {
    pub fn parse(input: &str) -> Result<Seed, SeedError> {
        let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.is_empty() {
            return Err(SeedError::Missing);
        }
        let found = digits.chars().count();
        if found != 64 || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(SeedError::NotHex { found });
        }
        let mut out = [0u8; 32];
        for (i, b) in out.iter_mut().enumerate() {
            *b = u8::from_str_radix(&digits[2 * i..2 * i + 2], 16).expect("checked hex digits");
        }
        Ok(Seed(out))
    }

    /// As `sample/v1` writes it: 64 lowercase hex digits.
    pub fn hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Where the seed came from, as the log names it.
pub fn parse_source(input: &str) -> Result<Ident, SeedError> {
    Ident::parse(input.trim()).ok_or(SeedError::Source)
}

/// The method an officer chooses on the certificate form.
pub fn parse_method(input: &str) -> Option<Method> {
    Method::parse(input.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_is_64_hex_digits_in_either_case_and_is_written_lowercase() {
        let upper = "AB".repeat(32);
        let s = Seed::parse(&upper).unwrap();
        assert_eq!(s.0, [0xab; 32]);
        assert_eq!(s.hex(), "ab".repeat(32));
        let spaced = format!("  {} {}\n", &upper[..32], &upper[32..]);
        assert_eq!(Seed::parse(&spaced), Ok(s), "spaces between groups are allowed");
        assert_eq!(Seed::parse(""), Err(SeedError::Missing));
        assert_eq!(Seed::parse(" \n"), Err(SeedError::Missing));
        assert_eq!(Seed::parse(&"a".repeat(63)), Err(SeedError::NotHex { found: 63 }));
        assert_eq!(Seed::parse(&"a".repeat(65)), Err(SeedError::NotHex { found: 65 }));
        assert_eq!(Seed::parse(&format!("{}g", "a".repeat(63))), Err(SeedError::NotHex { found: 64 }));
        assert_eq!(Seed::parse(&format!("{}é", "a".repeat(63))), Err(SeedError::NotHex { found: 64 }));
        assert!(SeedError::NotHex { found: 63 }.to_string().contains("63 characters"));
    }

    #[test]
    fn a_source_is_an_identifier_the_log_can_hold() {
        assert_eq!(parse_source(" drand-quicknet-10405839 ").unwrap().as_str(), "drand-quicknet-10405839");
        assert_eq!(parse_source("national-lottery-2027-03-06").unwrap().as_str(), "national-lottery-2027-03-06");
        for bad in ["", "drand quicknet", "lottery/2027", &"x".repeat(65)] {
            assert_eq!(parse_source(bad), Err(SeedError::Source), "{bad:?}");
        }
    }

    #[test]
    fn a_plan_is_plain_text_of_bounded_length() {
        assert_eq!(
            SeedPlan::parse("  drand quicknet, first round after the close ").unwrap().as_str(),
            "drand quicknet, first round after the close"
        );
        assert_eq!(SeedPlan::parse(""), Err(TextError::Missing));
        assert_eq!(SeedPlan::parse(&"x".repeat(PLAN_MAX + 1)), Err(TextError::TooLong { max: PLAN_MAX }));
        assert!(SeedPlan::parse(&"x".repeat(PLAN_MAX)).is_ok());
        assert_eq!(SeedPlan::parse("two\nlines"), Err(TextError::ControlCharacters));
    }

    #[test]
    fn methods_are_read_by_their_log_codes() {
        assert_eq!(parse_method("full"), Some(Method::Full));
        assert_eq!(parse_method(" sample"), Some(Method::Sample));
        assert_eq!(parse_method("Full"), None);
    }
}
