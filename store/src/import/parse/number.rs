//! Whole numbers in import files (electorates, verification numbers), written in digits only.
//! `str::parse` would also take a sign, so `+1200` would import as 1200: a published figure has
//! one spelling, and a file that writes it otherwise was not made the way its reader assumes.

/// Why a field is not a whole number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumberProblem {
    /// Digits after a `+`: a number, but not written as the figures are published.
    Plus,
    /// Anything else: blank, a minus sign, letters, a decimal point, or more than `u32` holds.
    NotWhole,
}

/// Reads a whole number of 0 or more written in ASCII digits only (leading zeros allowed).
pub fn whole_number(s: &str) -> Result<u32, NumberProblem> {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if digits(s) {
        s.parse().map_err(|_| NumberProblem::NotWhole)
    } else if s.strip_prefix('+').is_some_and(digits) {
        Err(NumberProblem::Plus)
    } else {
        Err(NumberProblem::NotWhole)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_only() {
        assert_eq!(whole_number("1200"), Ok(1200));
        assert_eq!(whole_number("0"), Ok(0));
        assert_eq!(whole_number("007"), Ok(7));
        assert_eq!(whole_number("4294967295"), Ok(u32::MAX));
        assert_eq!(whole_number("+1200"), Err(NumberProblem::Plus));
        for bad in ["", "-4", "-0", "+", "+-1", "1.5", "1e3", "12 00", "١٢", "4294967296", "0x10"] {
            assert_eq!(whole_number(bad), Err(NumberProblem::NotWhole), "{bad:?}");
        }
    }
}
