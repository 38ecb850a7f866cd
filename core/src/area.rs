//! Areas: ONS-style GSS codes and the county › district › ward hierarchy.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An area identifier such as `E05003220`: one capital letter then eight digits, the shape of an
/// ONS GSS code. It is also a valid transparency-log identifier (`[A-Za-z0-9_-]{1,64}`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AreaCode(String);

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AreaCodeError;

impl fmt::Display for AreaCodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an area code is a capital letter followed by eight digits, like E05003220")
    }
}

impl std::error::Error for AreaCodeError {}

impl AreaCode {
    pub fn parse(s: &str) -> Result<AreaCode, AreaCodeError> {
        let s = s.trim();
        let b = s.as_bytes();
        if b.len() == 9 && b[0].is_ascii_uppercase() && b[1..].iter().all(u8::is_ascii_digit) {
            Ok(AreaCode(s.to_string()))
        } else {
            Err(AreaCodeError)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AreaCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for AreaCode {
    type Error = AreaCodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        AreaCode::parse(&s)
    }
}

impl From<AreaCode> for String {
    fn from(a: AreaCode) -> String {
        a.0
    }
}

/// The level of an area. A ward lies in a district, a district may lie in a county.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AreaKind {
    County,
    District,
    Ward,
}

impl AreaKind {
    pub fn parse(s: &str) -> Option<AreaKind> {
        match s.trim().to_ascii_lowercase().as_str() {
            "county" => Some(AreaKind::County),
            "district" => Some(AreaKind::District),
            "ward" => Some(AreaKind::Ward),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AreaKind::County => "county",
            AreaKind::District => "district",
            AreaKind::Ward => "ward",
        }
    }

    /// Whether an area of this kind may sit directly inside one of kind `parent`.
    pub fn may_sit_in(self, parent: AreaKind) -> bool {
        matches!((self, parent), (AreaKind::Ward, AreaKind::District) | (AreaKind::District, AreaKind::County))
    }
}

impl fmt::Display for AreaKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_gss_codes() {
        assert_eq!(AreaCode::parse(" E05003220 ").unwrap().as_str(), "E05003220");
        for bad in ["", "e05003220", "E0500322", "E050032200", "EE5003220", "E05-03220"] {
            assert!(AreaCode::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn hierarchy_rules() {
        assert!(AreaKind::Ward.may_sit_in(AreaKind::District));
        assert!(AreaKind::District.may_sit_in(AreaKind::County));
        assert!(!AreaKind::Ward.may_sit_in(AreaKind::County));
        assert!(!AreaKind::County.may_sit_in(AreaKind::District));
        assert_eq!(AreaKind::parse(" Ward"), Some(AreaKind::Ward));
        assert_eq!(AreaKind::parse("parish"), None);
    }
}
