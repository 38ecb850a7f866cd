//! The share of an area's electorate a petition needs, and the ceiling arithmetic on it.
//!
//! One type for the whole platform: the log's `petition/v1` entries and tally notes spell it,
//! the threshold engine computes with it, and the policy setting is one. It lives here, in the
//! crate observers run, so that the number a server publishes and the number an observer
//! recomputes come from the same code.

use std::fmt;

use crate::checkpoint::parse_u64;

/// A percentage as a decimal such as `5` or `2.5`: digits, then optionally a point and up to six
/// digits that do not end in 0; no sign, no leading zeros (but `0.5`), no exponent; above 0 and
/// at most 100. Kept as an integer count of millionths of a percent, so it has one spelling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Percent {
    millionths: u64,
}

impl Percent {
    const SCALE: u64 = 1_000_000;

    /// 5%, the share the rules ask for unless a council's policy says otherwise.
    pub const DEFAULT: Percent = Percent { millionths: 5 * Self::SCALE };

    /// Parses the canonical decimal form only.
    pub fn parse(s: &str) -> Option<Percent> {
        let (whole, frac) = match s.split_once('.') {
            Some((w, f)) => (w, Some(f)),
            None => (s, None),
        };
        let whole = parse_u64(whole)?;
        let mut millionths = whole.checked_mul(Self::SCALE)?;
        if let Some(f) = frac {
            if f.is_empty() || f.len() > 6 || f.ends_with('0') || !f.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let padded: u64 = format!("{f:0<6}").parse().ok()?;
            // Checked: a whole part just under u64::MAX / 10^6 plus the fraction can overflow.
            millionths = millionths.checked_add(padded)?;
        }
        (millionths > 0 && millionths <= 100 * Self::SCALE).then_some(Percent { millionths })
    }

    /// `ceil(electorate × percent / 100)` in integer arithmetic: the least count that is at
    /// least that share of the electorate.
    pub fn required(&self, electorate: u64) -> u64 {
        let num = electorate as u128 * self.millionths as u128;
        let den = 100 * Self::SCALE as u128;
        num.div_ceil(den) as u64
    }

    pub fn from_whole(p: u64) -> Option<Percent> {
        Percent::parse(&p.to_string())
    }
}

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whole = self.millionths / Self::SCALE;
        let frac = self.millionths % Self::SCALE;
        if frac == 0 {
            write!(f, "{whole}")
        } else {
            let digits = format!("{frac:06}");
            write!(f, "{whole}.{}", digits.trim_end_matches('0'))
        }
    }
}

#[cfg(test)]
mod tests;
