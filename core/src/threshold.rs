//! The trigger arithmetic: how many valid signatures a petition needs.
//!
//! `required = ceil(electorate × percent / 100)` in exact integer arithmetic, unless the authority
//! has published a verification number for the area and date, which then applies as published.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A percentage written as a decimal (`5`, `2.5`, `0.125`): stored exactly as
/// `units / 10^scale`, at most four decimal places, greater than 0 and at most 100.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Percent {
    units: u64,
    scale: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PercentError;

impl fmt::Display for PercentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a percentage is a decimal above 0 and at most 100 with up to four decimal places, like 5 or 2.5")
    }
}

impl std::error::Error for PercentError {}

impl Percent {
    pub const DEFAULT: Percent = Percent { units: 5, scale: 0 };

    /// Parses the canonical decimal form only: no sign, no leading zeros (but `0.5`), no trailing
    /// zeros after the point, no exponent.
    pub fn parse(s: &str) -> Result<Percent, PercentError> {
        let (int, frac) = match s.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (s, None),
        };
        let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        if !digits(int) || (int.len() > 1 && int.starts_with('0')) {
            return Err(PercentError);
        }
        let frac = match frac {
            None => "",
            Some(f) if digits(f) && f.len() <= 4 && !f.ends_with('0') => f,
            Some(_) => return Err(PercentError),
        };
        if int.len() > 3 {
            return Err(PercentError);
        }
        let scale = frac.len() as u32;
        let units: u64 = format!("{int}{frac}").parse().map_err(|_| PercentError)?;
        let p = Percent { units, scale };
        if units == 0 || units > 100 * 10u64.pow(scale) {
            return Err(PercentError);
        }
        Ok(p)
    }

    /// `(numerator, denominator)` of the fraction of the electorate: percent / 100.
    pub fn fraction(self) -> (u128, u128) {
        (self.units as u128, 100 * 10u128.pow(self.scale))
    }
}

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.scale == 0 {
            return write!(f, "{}", self.units);
        }
        let d = 10u64.pow(self.scale);
        write!(f, "{}.{:0width$}", self.units / d, self.units % d, width = self.scale as usize)
    }
}

impl TryFrom<String> for Percent {
    type Error = PercentError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Percent::parse(&s)
    }
}

impl From<Percent> for String {
    fn from(p: Percent) -> String {
        p.to_string()
    }
}

/// `ceil(electorate × percent / 100)` without floating point.
pub fn required_by_percent(electorate: u64, percent: Percent) -> u64 {
    let (num, den) = percent.fraction();
    let product = electorate as u128 * num;
    product.div_ceil(den) as u64
}

/// A calendar date, ordered, for the periods in which published figures are in force.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Day {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Day {
    /// `YYYY-MM-DD`.
    pub fn parse(s: &str) -> Option<Day> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let year = s[0..4].parse().ok()?;
        let month = s[5..7].parse().ok()?;
        let day = s[8..10].parse().ok()?;
        (1..=12).contains(&month).then_some(())?;
        (1..=days_in_month(year, month)).contains(&day).then_some(())?;
        Some(Day { year, month, day })
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

pub fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// A verification number the authority published for an area, in force from the day it was
/// published (or its period began, if earlier) to the last day of its period, inclusive.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationNumber {
    pub area: String,
    pub number: u64,
    pub in_force_from: Day,
    pub in_force_to: Day,
}

/// The published figure that applies to a petition opened on `day` in `area`: of those in force,
/// the lesser (the statutory notices say so where a new number is published before the old
/// period ends).
pub fn published_number(numbers: &[VerificationNumber], area: &str, day: Day) -> Option<u64> {
    numbers.iter().filter(|v| v.area == area && v.in_force_from <= day && day <= v.in_force_to).map(|v| v.number).min()
}

/// Why a petition needs the number it does, fixed when it opens.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trigger {
    pub electorate: u64,
    pub percent: Percent,
    pub required: u64,
    /// Whether `required` is the authority's published verification number.
    pub published: bool,
}

impl Trigger {
    pub fn fix(electorate: u64, percent: Percent, published: Option<u64>) -> Trigger {
        match published {
            Some(required) => Trigger { electorate, percent, required, published: true },
            None => {
                Trigger { electorate, percent, required: required_by_percent(electorate, percent), published: false }
            }
        }
    }

    pub fn reached(&self, valid: u64) -> bool {
        valid >= self.required
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn percent_parsing() {
        for (s, ok) in [
            ("5", true),
            ("2.5", true),
            ("0.5", true),
            ("100", true),
            ("0.0001", true),
            ("0", false),
            ("100.5", false),
            ("101", false),
            ("05", false),
            ("5.0", false),
            ("5.", false),
            (".5", false),
            ("-5", false),
            ("+5", false),
            ("5e0", false),
            ("0.00001", false),
            ("", false),
            (" 5", false),
            ("1000", false),
        ] {
            assert_eq!(Percent::parse(s).is_ok(), ok, "{s:?}");
            if ok {
                assert_eq!(Percent::parse(s).unwrap().to_string(), s);
            }
        }
    }

    #[test]
    fn ceiling_at_the_edges() {
        let five = Percent::DEFAULT;
        assert_eq!(required_by_percent(0, five), 0);
        assert_eq!(required_by_percent(1, five), 1);
        assert_eq!(required_by_percent(20, five), 1);
        assert_eq!(required_by_percent(21, five), 2);
        assert_eq!(required_by_percent(80, five), 4); // Isles of Scilly-sized
        assert_eq!(required_by_percent(81, five), 5);
        assert_eq!(required_by_percent(1_023_650, five), 51_183);
        assert_eq!(required_by_percent(92_383, five), 4_620); // ceil, not the published 4,619
        let p = Percent::parse("2.5").unwrap();
        assert_eq!(required_by_percent(40, p), 1);
        assert_eq!(required_by_percent(41, p), 2);
        assert_eq!(required_by_percent(u64::MAX, Percent::parse("100").unwrap()), u64::MAX);
    }

    proptest! {
        #[test]
        fn ceiling_is_the_least_sufficient_count(e in 0u64..10_000_000, units in 1u64..=1_000_000) {
            let p = Percent { units, scale: 4 };
            let r = required_by_percent(e, p) as u128;
            // r × 100 × 10^4 ≥ e × units, and r − 1 would fall short.
            prop_assert!(r * 1_000_000 >= e as u128 * units as u128);
            if r > 0 {
                prop_assert!((r - 1) * 1_000_000 < e as u128 * units as u128);
            }
        }
    }

    #[test]
    fn days() {
        assert_eq!(Day::parse("2024-02-29").unwrap().to_string(), "2024-02-29");
        assert!(Day::parse("2023-02-29").is_none());
        assert!(Day::parse("1900-02-29").is_none());
        assert!(Day::parse("2000-02-29").is_some());
        assert!(Day::parse("2024-13-01").is_none());
        assert!(Day::parse("2024-1-01").is_none());
    }

    #[test]
    fn lesser_number_when_two_are_in_force() {
        let d = |s| Day::parse(s).unwrap();
        let nums = vec![
            VerificationNumber {
                area: "E07000030".into(),
                number: 2083,
                in_force_from: d("2015-04-01"),
                in_force_to: d("2016-03-31"),
            },
            VerificationNumber {
                area: "E07000030".into(),
                number: 2075,
                in_force_from: d("2016-02-15"),
                in_force_to: d("2017-03-31"),
            },
        ];
        assert_eq!(published_number(&nums, "E07000030", d("2016-02-14")), Some(2083));
        assert_eq!(published_number(&nums, "E07000030", d("2016-02-15")), Some(2075));
        assert_eq!(published_number(&nums, "E07000030", d("2016-03-31")), Some(2075));
        assert_eq!(published_number(&nums, "E07000030", d("2017-03-31")), Some(2075));
        assert_eq!(published_number(&nums, "E07000030", d("2017-04-01")), None);
        assert_eq!(published_number(&nums, "E07000031", d("2016-03-01")), None);
        let t = Trigger::fix(40_000, Percent::DEFAULT, Some(2075));
        assert!(t.published && !t.reached(2074) && t.reached(2075));
        let t = Trigger::fix(41_501, Percent::DEFAULT, None);
        assert_eq!(t.required, 2076);
    }
}
