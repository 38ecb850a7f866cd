//! Signature commitments and the signer's receipt (`../shared/docs/transparency.md`, `sig/v1`).
//!
//! The office publishes `commit = base64(SHA-256("petition-sig/v1\n" || id || "\n" || area || "\n" || r))`
//! and gives `r` only to the signer, who can later find their entry without revealing who they are.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use std::fmt;

/// The signer's 32 random bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub [u8; 32]);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// `base64(SHA-256("petition-sig/v1" 0x0A id 0x0A area 0x0A r))`, standard alphabet with padding:
/// the `commit` of a `sig/v1` entry.
pub fn commitment(petition_id: &str, area: &str, r: &Secret) -> String {
    STANDARD.encode(crate::entry::commitment(petition_id, area, &r.0))
}

/// What the signer keeps: enough to rebuild their `sig/v1` commitment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    pub petition_id: String,
    pub area: String,
    pub r: Secret,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceiptError(pub &'static str);

impl fmt::Display for ReceiptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a petition receipt: {}", self.0)
    }
}

impl std::error::Error for ReceiptError {}

const HEADER: &str = "petition-receipt/v1";

fn is_identifier(s: &str) -> bool {
    (1..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

impl Receipt {
    pub fn commitment(&self) -> String {
        commitment(&self.petition_id, &self.area, &self.r)
    }

    /// The receipt file: five lines, each ending in `\n`.
    ///
    /// ```text
    /// petition-receipt/v1
    /// petition <id>
    /// area <area code>
    /// r <base64 of the 32-byte secret>
    /// commit <base64 commitment, for convenience; recomputed when read>
    /// ```
    pub fn to_text(&self) -> String {
        format!(
            "{HEADER}\npetition {}\narea {}\nr {}\ncommit {}\n",
            self.petition_id,
            self.area,
            STANDARD.encode(self.r.0),
            self.commitment()
        )
    }

    /// Strict parse of [`Receipt::to_text`]; the stated commit must match the recomputed one.
    pub fn parse(text: &str) -> Result<Receipt, ReceiptError> {
        let body = text.strip_suffix('\n').ok_or(ReceiptError("it must end with a new line"))?;
        let lines: Vec<&str> = body.split('\n').collect();
        if lines.len() != 5 || lines[0] != HEADER {
            return Err(ReceiptError("wrong header or number of lines"));
        }
        let field = |line: &str, key: &str| -> Result<String, ReceiptError> {
            line.strip_prefix(key)
                .and_then(|v| v.strip_prefix(' '))
                .map(str::to_string)
                .ok_or(ReceiptError("fields out of order"))
        };
        let petition_id = field(lines[1], "petition")?;
        let area = field(lines[2], "area")?;
        if !is_identifier(&petition_id) || !is_identifier(&area) {
            return Err(ReceiptError("bad petition or area identifier"));
        }
        let r_b64 = field(lines[3], "r")?;
        let bytes = STANDARD.decode(&r_b64).map_err(|_| ReceiptError("r is not base64"))?;
        let r: [u8; 32] = bytes.try_into().map_err(|_| ReceiptError("r is not 32 bytes"))?;
        if STANDARD.encode(r) != r_b64 {
            return Err(ReceiptError("r is not canonical base64"));
        }
        let receipt = Receipt { petition_id, area, r: Secret(r) };
        if field(lines[4], "commit")? != receipt.commitment() {
            return Err(ReceiptError("the commit does not match the secret"));
        }
        Ok(receipt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    #[test]
    fn commitment_matches_the_published_formula() {
        // Built by hand from the definition, independently of `commitment`.
        let r = Secret([7u8; 32]);
        let mut input = b"petition-sig/v1\n42\nE05003220\n".to_vec();
        input.extend_from_slice(&[7u8; 32]);
        let expected = STANDARD.encode(Sha256::digest(&input));
        assert_eq!(commitment("42", "E05003220", &r), expected);
        assert_eq!(expected.len(), 44);
        assert_ne!(commitment("43", "E05003220", &r), expected);
        assert_ne!(commitment("42", "E05003221", &r), expected);
    }

    #[test]
    fn receipt_round_trip_and_strictness() {
        let rec = Receipt { petition_id: "42".into(), area: "E05003220".into(), r: Secret([9u8; 32]) };
        let text = rec.to_text();
        assert_eq!(Receipt::parse(&text).unwrap(), rec);
        assert!(Receipt::parse(text.trim_end()).is_err());
        assert!(Receipt::parse(&text.replace('\n', "\r\n")).is_err());
        assert!(Receipt::parse(&text.replace("area E05003220", "area E05003221")).is_err());
        assert!(Receipt::parse(&format!("{text}extra\n")).is_err());
        let mut other = rec.clone();
        other.r.0[0] ^= 1;
        let forged = text.replace(&rec.commitment(), &other.commitment());
        assert!(Receipt::parse(&forged).is_err());
    }
}
