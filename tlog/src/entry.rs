//! The log's entries (`petition/v1`, `sig/v1`, `strike/v1`, `reinstate/v1`, `pause/v1`,
//! `resume/v1`, `close/v1`, `sample/v1`, `certify/v1`): one line of printable ASCII, fields in a
//! fixed order, parsed strictly so that every entry re-serialises to exactly the bytes it was read
//! from.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use sha2::{Digest, Sha256};
use std::fmt;

use crate::checkpoint::{err, parse_hash, parse_u64, FormatError};
pub use crate::percent::Percent;

pub const MAX_ENTRY_BYTES: usize = 1024;

/// An identifier: a petition id, an area code or a reason code, `[A-Za-z0-9_-]{1,64}`. Held
/// inline, not on the heap: a log has two in every signature entry, millions of them to read.
#[derive(Clone)]
pub struct Ident {
    len: u8,
    bytes: [u8; Ident::MAX],
}

impl Ident {
    const MAX: usize = 64;

    pub fn parse(s: &str) -> Option<Ident> {
        let ok = (1..=Ident::MAX).contains(&s.len())
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        ok.then(|| {
            let mut bytes = [0; Ident::MAX];
            bytes[..s.len()].copy_from_slice(s.as_bytes());
            Ident { len: s.len() as u8, bytes }
        })
    }

    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(self.as_bytes()).expect("an identifier is ASCII")
    }
}

// Equality, order (bytewise, as the format sorts) and hash are the text's alone.
impl PartialEq for Ident {
    fn eq(&self, other: &Ident) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for Ident {}

impl PartialOrd for Ident {
    fn partial_cmp(&self, other: &Ident) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ident {
    fn cmp(&self, other: &Ident) -> std::cmp::Ordering {
        self.as_bytes().cmp(other.as_bytes())
    }
}

impl std::hash::Hash for Ident {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_bytes().hash(state)
    }
}

impl fmt::Debug for Ident {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Ident").field(&self.as_str()).finish()
    }
}

impl fmt::Display for Ident {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a signature no longer counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reason {
    Duplicate,
    NotEligible,
    OutsideWindow,
    Withdrawn,
    Fraud,
    Correction,
}

impl Reason {
    pub const ALL: [Reason; 6] = [
        Reason::Duplicate,
        Reason::NotEligible,
        Reason::OutsideWindow,
        Reason::Withdrawn,
        Reason::Fraud,
        Reason::Correction,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Reason::Duplicate => "duplicate",
            Reason::NotEligible => "not-eligible",
            Reason::OutsideWindow => "outside-window",
            Reason::Withdrawn => "withdrawn",
            Reason::Fraud => "fraud",
            Reason::Correction => "correction",
        }
    }

    pub fn parse(s: &str) -> Option<Reason> {
        Reason::ALL.into_iter().find(|r| r.code() == s)
    }

    /// The reasons an officer may give (a withdrawal is the signer's own act).
    pub fn for_officers() -> impl Iterator<Item = Reason> {
        Reason::ALL.into_iter().filter(|r| *r != Reason::Withdrawn)
    }
}

/// What a `certify/v1` entry certifies: whether the petition reached its required count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    Reached,
    NotReached,
}

impl Outcome {
    pub const ALL: [Outcome; 2] = [Outcome::Reached, Outcome::NotReached];

    pub fn code(self) -> &'static str {
        match self {
            Outcome::Reached => "reached",
            Outcome::NotReached => "not-reached",
        }
    }

    pub fn parse(s: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.code() == s)
    }
}

/// How the office verified the signatures before it certified: every one, or a random sample.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Method {
    Full,
    Sample,
}

impl Method {
    pub const ALL: [Method; 2] = [Method::Full, Method::Sample];

    pub fn code(self) -> &'static str {
        match self {
            Method::Full => "full",
            Method::Sample => "sample",
        }
    }

    pub fn parse(s: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.code() == s)
    }
}

/// One log entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    Petition {
        id: Ident,
        area: Ident,
        opens: u64,
        closes: u64,
        electorate: u64,
        percent: Percent,
        required: u64,
        text_sha256: [u8; 32],
    },
    Sig {
        id: Ident,
        area: Ident,
        at: u64,
        commit: [u8; 32],
    },
    Strike {
        id: Ident,
        target: u64,
        reason: Reason,
    },
    Reinstate {
        id: Ident,
        target: u64,
    },
    /// Collection paused at `at`.
    Pause {
        id: Ident,
        at: u64,
    },
    /// Collection resumed at `at`; `closes` is the window's new end.
    Resume {
        id: Ident,
        at: u64,
        closes: u64,
    },
    Close {
        id: Ident,
        at: u64,
    },
    /// The seed of the random sample the office checks after the close, and where it came from
    /// (a beacon round or a lottery draw, named as an identifier).
    Sample {
        id: Ident,
        seed: [u8; 32],
        source: Ident,
    },
    /// The certified result: `valid` is the valid count before this entry, `projected` the count
    /// the method projects from it (see `crate::certify`).
    Certify {
        id: Ident,
        outcome: Outcome,
        method: Method,
        valid: u64,
        projected: u64,
    },
}

/// `SHA-256("petition-sig/v1" 0x0A id 0x0A area 0x0A r)`: what a `sig/v1` entry publishes.
pub fn commitment(id: &str, area: &str, r: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"petition-sig/v1\n");
    h.update(id.as_bytes());
    h.update(b"\n");
    h.update(area.as_bytes());
    h.update(b"\n");
    h.update(r);
    h.finalize().into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn parse_hex32(s: &str) -> Option<[u8; 32]> {
    if s.len() != 64 || !s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

impl Entry {
    pub fn id(&self) -> &Ident {
        match self {
            Entry::Petition { id, .. }
            | Entry::Sig { id, .. }
            | Entry::Strike { id, .. }
            | Entry::Reinstate { id, .. }
            | Entry::Pause { id, .. }
            | Entry::Resume { id, .. }
            | Entry::Close { id, .. }
            | Entry::Sample { id, .. }
            | Entry::Certify { id, .. } => id,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Entry::Petition { .. } => "petition/v1",
            Entry::Sig { .. } => "sig/v1",
            Entry::Strike { .. } => "strike/v1",
            Entry::Reinstate { .. } => "reinstate/v1",
            Entry::Pause { .. } => "pause/v1",
            Entry::Resume { .. } => "resume/v1",
            Entry::Close { .. } => "close/v1",
            Entry::Sample { .. } => "sample/v1",
            Entry::Certify { .. } => "certify/v1",
        }
    }

    /// The entry's bytes, as logged.
    pub fn encode(&self) -> String {
        match self {
            Entry::Petition { id, area, opens, closes, electorate, percent, required, text_sha256 } => format!(
                "petition/v1 id={id} area={area} opens={opens} closes={closes} electorate={electorate} percent={percent} required={required} text-sha256={}",
                hex(text_sha256)
            ),
            Entry::Sig { id, area, at, commit } => format!("sig/v1 id={id} area={area} at={at} commit={}", B64.encode(commit)),
            Entry::Strike { id, target, reason } => format!("strike/v1 id={id} target={target} reason={}", reason.code()),
            Entry::Reinstate { id, target } => format!("reinstate/v1 id={id} target={target}"),
            Entry::Pause { id, at } => format!("pause/v1 id={id} at={at}"),
            Entry::Resume { id, at, closes } => format!("resume/v1 id={id} at={at} closes={closes}"),
            Entry::Close { id, at } => format!("close/v1 id={id} at={at}"),
            Entry::Sample { id, seed, source } => format!("sample/v1 id={id} seed={} source={source}", hex(seed)),
            Entry::Certify { id, outcome, method, valid, projected } => format!(
                "certify/v1 id={id} outcome={} method={} valid={valid} projected={projected}",
                outcome.code(),
                method.code()
            ),
        }
    }

    /// Reads an entry strictly; anything that would not re-serialise to the same bytes is refused.
    pub fn parse(bytes: &[u8]) -> Result<Entry, FormatError> {
        if bytes.is_empty() {
            return err("an entry is empty");
        }
        if bytes.len() > MAX_ENTRY_BYTES {
            return err(format!("an entry is at most {MAX_ENTRY_BYTES} bytes"));
        }
        if !bytes.iter().all(|b| (0x21..=0x7e).contains(b) || *b == b' ') {
            return err("an entry is printable ASCII and spaces only (no newline)");
        }
        let s = std::str::from_utf8(bytes).expect("ASCII");
        let mut words = s.split(' ');
        let kind = words.next().unwrap_or_default();
        let names: &[&str] = match kind {
            "petition/v1" => &["id", "area", "opens", "closes", "electorate", "percent", "required", "text-sha256"],
            "sig/v1" => &["id", "area", "at", "commit"],
            "strike/v1" => &["id", "target", "reason"],
            "reinstate/v1" => &["id", "target"],
            "pause/v1" => &["id", "at"],
            "resume/v1" => &["id", "at", "closes"],
            "close/v1" => &["id", "at"],
            "sample/v1" => &["id", "seed", "source"],
            "certify/v1" => &["id", "outcome", "method", "valid", "projected"],
            _ => return err(format!("unknown entry kind {kind:?}")),
        };
        let mut values = [""; 8];
        for (name, value) in names.iter().zip(values.iter_mut()) {
            let Some(word) = words.next() else { return err(format!("{kind} is missing {name}")) };
            let Some(v) = word.strip_prefix(name).and_then(|w| w.strip_prefix('=')) else {
                return err(format!("{kind} needs {name}= here, found {word:?}"));
            };
            *value = v;
        }
        if words.next().is_some() {
            return err(format!("{kind} has more fields than it should (or a double space)"));
        }
        // The messages are made only on failure: a log has millions of entries to read.
        let ident =
            |i: usize| Ident::parse(values[i]).ok_or_else(|| FormatError(format!("{} is not an identifier", names[i])));
        let number =
            |i: usize| parse_u64(values[i]).ok_or_else(|| FormatError(format!("{} is not a decimal number", names[i])));
        let entry = match kind {
            "petition/v1" => Entry::Petition {
                id: ident(0)?,
                area: ident(1)?,
                opens: number(2)?,
                closes: number(3)?,
                electorate: number(4)?,
                percent: Percent::parse(values[5])
                    .ok_or_else(|| FormatError("percent is not a decimal like 5 or 2.5".into()))?,
                required: number(6)?,
                text_sha256: parse_hex32(values[7])
                    .ok_or_else(|| FormatError("text-sha256 is not 64 lower-case hex digits".into()))?,
            },
            "sig/v1" => Entry::Sig {
                id: ident(0)?,
                area: ident(1)?,
                at: number(2)?,
                commit: parse_hash(values[3]).ok_or_else(|| FormatError("commit is not a SHA-256 in base64".into()))?,
            },
            "strike/v1" => Entry::Strike {
                id: ident(0)?,
                target: number(1)?,
                reason: Reason::parse(values[2])
                    .ok_or_else(|| FormatError(format!("unknown reason {:?}", values[2])))?,
            },
            "reinstate/v1" => Entry::Reinstate { id: ident(0)?, target: number(1)? },
            "pause/v1" => Entry::Pause { id: ident(0)?, at: number(1)? },
            "resume/v1" => Entry::Resume { id: ident(0)?, at: number(1)?, closes: number(2)? },
            "close/v1" => Entry::Close { id: ident(0)?, at: number(1)? },
            "sample/v1" => Entry::Sample {
                id: ident(0)?,
                seed: parse_hex32(values[1])
                    .ok_or_else(|| FormatError("seed is not 64 lower-case hex digits".into()))?,
                source: ident(2)?,
            },
            _ => Entry::Certify {
                id: ident(0)?,
                outcome: Outcome::parse(values[1])
                    .ok_or_else(|| FormatError(format!("outcome is reached or not-reached, not {:?}", values[1])))?,
                method: Method::parse(values[2])
                    .ok_or_else(|| FormatError(format!("method is full or sample, not {:?}", values[2])))?,
                valid: number(3)?,
                projected: number(4)?,
            },
        };
        // Every field's parser takes its one canonical spelling alone (no leading zeros, lower-case
        // hex, canonical base64, the fixed names in order, single spaces), so an entry that
        // parses re-serialises to the same bytes without being written out again to compare
        // (the `entry` fuzz target and a test below check that it does).
        Ok(entry)
    }
}

#[cfg(test)]
mod tests;
