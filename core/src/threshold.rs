//! The trigger arithmetic: how many valid signatures a petition needs.
//!
//! `required = ceil(electorate × percent / 100)` in exact integer arithmetic, unless the authority
//! has published a verification number for the area and date, which then applies as published.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The share of the electorate, with its ceiling arithmetic: one type, shared with the log crate
/// that observers run, so the published and the recomputed requirement come from the same code.
pub use petition_tlog::percent::Percent;

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
        // Digits only: `str::parse` would also take a sign, so `2024-+2-01` would read as February.
        let shape = |(i, c): (usize, &u8)| if i == 4 || i == 7 { *c == b'-' } else { c.is_ascii_digit() };
        if b.len() != 10 || !b.iter().enumerate().all(shape) {
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
#[derive(Clone, Debug, PartialEq, Eq)]
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
            None => Trigger { electorate, percent, required: percent.required(electorate), published: false },
        }
    }

    pub fn reached(&self, valid: u64) -> bool {
        valid >= self.required
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days() {
        assert_eq!(Day::parse("2024-02-29").unwrap().to_string(), "2024-02-29");
        assert!(Day::parse("2023-02-29").is_none());
        assert!(Day::parse("1900-02-29").is_none());
        assert!(Day::parse("2000-02-29").is_some());
        assert!(Day::parse("2024-13-01").is_none());
        assert!(Day::parse("2024-1-01").is_none());
        // Found by fuzzing (fuzz/, target codes): signs inside a field were read as numbers.
        for signed in ["0319-+2-06", "2024-02-+1", "+024-02-01", "-024-02-01"] {
            assert!(Day::parse(signed).is_none(), "{signed}");
        }
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
