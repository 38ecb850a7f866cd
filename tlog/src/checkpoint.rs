//! C2SP tlog-checkpoint: the text of a signed tree head, and the strict readers shared by
//! checkpoints, tally notes and proofs (decimal numbers, base64 hashes).

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use std::fmt;

use crate::merkle::Hash;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatError(pub String);

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FormatError {}

pub(crate) fn err<T>(why: impl Into<String>) -> Result<T, FormatError> {
    Err(FormatError(why.into()))
}

/// A decimal with no sign and no leading zeros ("0" itself is fine), within u64.
pub fn parse_u64(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 20 || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0')) {
        return None;
    }
    s.parse().ok()
}

/// A 32-byte hash in canonical standard base64 (44 characters with padding).
pub fn parse_hash(s: &str) -> Option<Hash> {
    // On the stack: a log's every signature entry holds one.
    if s.len() != 44 {
        return None;
    }
    let mut bytes = [0u8; 33];
    let n = B64.decode_slice(s, &mut bytes).ok()?;
    // The standard engine takes only canonical padding and zero trailing bits: 44 characters
    // that decode to 32 bytes are the one spelling of them (a test checks every near miss).
    bytes[..n].try_into().ok()
}

pub fn hash_b64(h: &Hash) -> String {
    B64.encode(h)
}

/// The text of a checkpoint: origin, tree size, root hash, then any extension lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    pub extensions: Vec<String>,
}

impl Checkpoint {
    pub fn new(origin: &str, size: u64, root: Hash) -> Checkpoint {
        Checkpoint { origin: origin.to_string(), size, root, extensions: Vec::new() }
    }

    /// The note text, ending in a newline.
    pub fn text(&self) -> String {
        let mut s = format!("{}\n{}\n{}\n", self.origin, self.size, hash_b64(&self.root));
        for e in &self.extensions {
            s.push_str(e);
            s.push('\n');
        }
        s
    }

    pub fn parse(text: &str) -> Result<Checkpoint, FormatError> {
        let Some(body) = text.strip_suffix('\n') else { return err("a checkpoint ends in a newline") };
        let mut lines = body.split('\n');
        let origin = lines.next().unwrap_or_default();
        if origin.is_empty() {
            return err("a checkpoint starts with its origin");
        }
        let size = lines
            .next()
            .and_then(parse_u64)
            .ok_or(FormatError("the second line is the tree size in decimal".into()))?;
        let root =
            lines.next().and_then(parse_hash).ok_or(FormatError("the third line is the root hash in base64".into()))?;
        let extensions: Vec<String> = lines.map(str::to_string).collect();
        if extensions.iter().any(|e| e.is_empty()) {
            return err("a checkpoint has no empty lines");
        }
        Ok(Checkpoint { origin: origin.to_string(), size, root, extensions })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "petitions.example.gov.uk/log\n961984011\nAWxD3p811N3m4WTinWRXPvBZHfT9IR9g/R4C7SKLPiU=\n";

    #[test]
    fn checkpoints_round_trip_and_are_read_strictly() {
        let cp = Checkpoint::parse(TEXT).unwrap();
        assert_eq!((cp.origin.as_str(), cp.size), ("petitions.example.gov.uk/log", 961_984_011));
        assert_eq!(cp.text(), TEXT);
        let with_extension = format!("{TEXT}extension line\n");
        assert_eq!(Checkpoint::parse(&with_extension).unwrap().text(), with_extension);
        for bad in [
            TEXT.trim_end().to_string(),
            TEXT.replace('\n', "\r\n"),
            TEXT.replace("961984011", "0961984011"),
            TEXT.replace("961984011", "+961984011"),
            TEXT.replace("961984011", "99999999999999999999"),
            TEXT.replace("iU=", "iV="),
            TEXT.replace("iU=", "iU"),
            TEXT.replace("petitions.example.gov.uk/log", ""),
            format!("{TEXT}\n"),
            format!("{TEXT}ext\n\n"),
            "origin\n1\n".to_string(),
        ] {
            assert!(Checkpoint::parse(&bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn numbers_have_one_spelling() {
        assert_eq!(parse_u64("0"), Some(0));
        assert_eq!(parse_u64("18446744073709551615"), Some(u64::MAX));
        for bad in ["", "00", "01", "-1", "1 ", " 1", "1e3", "18446744073709551616", "١"] {
            assert_eq!(parse_u64(bad), None, "{bad:?}");
        }
    }
}
