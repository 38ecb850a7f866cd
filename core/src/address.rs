//! A signer's address as the sign form gives it: a property from the gazetteer by its UPRN, or
//! "my address is not listed" with the address as they wrote it.

use std::fmt;

use crate::text::{clean, TextError};

/// A Unique Property Reference Number: 1 to 12 digits, as the gazetteer assigns them.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Uprn(String);

impl Uprn {
    pub fn parse(s: &str) -> Option<Uprn> {
        (!s.is_empty() && s.len() <= 12 && s.bytes().all(|b| b.is_ascii_digit())).then(|| Uprn(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Uprn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AddressChoice {
    /// A property from the gazetteer list.
    Listed(Uprn),
    /// "My address is not listed", with the address as the signer wrote it.
    NotListed(String),
}

impl AddressChoice {
    /// The longest address a signer may write.
    pub const MAX_WRITTEN: usize = 200;

    /// The form's choice (`address`: a UPRN or `not-listed`) and the written address.
    pub fn parse(choice: &str, written: &str) -> Result<AddressChoice, AddressError> {
        match choice {
            "" => Err(AddressError::NotChosen),
            "not-listed" => {
                clean(written, Self::MAX_WRITTEN, false).map(AddressChoice::NotListed).map_err(AddressError::Written)
            }
            uprn => Uprn::parse(uprn).map(AddressChoice::Listed).ok_or(AddressError::NotAProperty),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AddressError {
    NotChosen,
    /// Not a UPRN: only a damaged or forged form sends one.
    NotAProperty,
    /// The written address, when "not listed" was chosen.
    Written(TextError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uprns_are_up_to_twelve_digits() {
        assert_eq!(Uprn::parse("100090001234").unwrap().as_str(), "100090001234");
        assert!(Uprn::parse("1").is_some());
        for bad in ["", "1000900012345", "12a", " 12", "-1", "１２", "1' OR '1'='1"] {
            assert!(Uprn::parse(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn the_choice_and_the_written_address() {
        assert_eq!(AddressChoice::parse("", "x"), Err(AddressError::NotChosen));
        assert_eq!(AddressChoice::parse("12", ""), Ok(AddressChoice::Listed(Uprn::parse("12").unwrap())));
        assert_eq!(AddressChoice::parse("<script>", ""), Err(AddressError::NotAProperty));
        assert_eq!(AddressChoice::parse("not-listed", "  "), Err(AddressError::Written(TextError::Missing)));
        assert_eq!(
            AddressChoice::parse("not-listed", " 2 Mill Lane "),
            Ok(AddressChoice::NotListed("2 Mill Lane".into()))
        );
        assert_eq!(
            AddressChoice::parse("not-listed", &"x".repeat(201)),
            Err(AddressError::Written(TextError::TooLong { max: 200 }))
        );
    }
}
