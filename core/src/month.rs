//! Calendar months: ONS dates a postcode's introduction and termination to the month (`YYYYMM` in
//! the ONS Postcode Directory and the National Statistics Postcode Lookup), not the day.

use std::fmt;

use crate::threshold::Day;

/// A month of a year, such as March 2019.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Month {
    pub year: u16,
    /// 1 to 12.
    pub month: u8,
}

const NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

impl Month {
    /// `YYYYMM`, as ONS writes `dointr` and `doterm`.
    pub fn parse_compact(s: &str) -> Option<Month> {
        let b = s.as_bytes();
        if b.len() != 6 || !b.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Month::of(&s[0..4], &s[4..6])
    }

    /// `YYYY-MM`, as the store keeps it (and as [`Month`] displays).
    pub fn parse(s: &str) -> Option<Month> {
        let b = s.as_bytes();
        // Digits only: `str::parse` would also take a sign, so `2019-+3` would read as March.
        let shape = |(i, c): (usize, &u8)| if i == 4 { *c == b'-' } else { c.is_ascii_digit() };
        if b.len() != 7 || !b.iter().enumerate().all(shape) {
            return None;
        }
        Month::of(&s[0..4], &s[5..7])
    }

    /// The month a day is in.
    pub fn of_day(day: Day) -> Option<Month> {
        Some(Month { year: u16::try_from(day.year).ok()?, month: u8::try_from(day.month).ok()? })
    }

    /// Four digits of year and two of month, already checked to be digits.
    fn of(year: &str, month: &str) -> Option<Month> {
        let (year, month) = (year.parse().ok()?, month.parse().ok()?);
        (1..=12).contains(&month).then_some(Month { year, month })
    }

    /// The month as people write it: "March 2019".
    pub fn name(&self) -> String {
        format!("{} {}", NAMES[usize::from(self.month - 1)], self.year)
    }
}

/// `YYYY-MM`.
impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_forms_and_names_the_month() {
        let march = Month { year: 2019, month: 3 };
        assert_eq!(Month::parse_compact("201903"), Some(march));
        assert_eq!(Month::parse("2019-03"), Some(march));
        assert_eq!(Month::parse(&march.to_string()), Some(march));
        assert_eq!(march.name(), "March 2019");
        assert_eq!(Month { year: 1998, month: 12 }.name(), "December 1998");
        assert_eq!(Month::of_day(Day::parse("2019-03-31").unwrap()), Some(march));
    }

    #[test]
    fn refuses_anything_else() {
        for s in ["", "2019", "20193", "2019031", "201900", "201913", "2019-3", "+20193", "2019 3", "２01903"] {
            assert_eq!(Month::parse_compact(s), None, "{s:?}");
        }
        for s in ["", "2019-00", "2019-13", "201903", "2019-+3", "2019/03", "2019-03-01", "19-03"] {
            assert_eq!(Month::parse(s), None, "{s:?}");
        }
    }
}
