//! C2SP signed notes with Ed25519 keys: key ids, verifier and signer key strings, signing, and
//! strict parsing and verification.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use sha2::{Digest, Sha256};
use std::fmt;

/// The signature type byte of plain Ed25519 note signatures.
pub const ED25519: u8 = 0x01;
/// Signatures beyond this many make the note unreadable (the specification asks for at least 16).
pub const MAX_SIGNATURES: usize = 64;
/// Notes larger than this are refused before anything else is looked at.
pub const MAX_NOTE_BYTES: usize = 1 << 20;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NoteError {
    /// Not a signed note at all: the reason says which rule it breaks.
    Malformed(&'static str),
    /// A key string that cannot be read, or whose id does not match its name and key.
    BadKey(&'static str),
    /// A signature by a trusted key that does not verify: the note must be rejected whole.
    BadSignature { key: String },
    /// The same trusted key signed twice.
    Repeated { key: String },
    /// No trusted key signed the note.
    Unsigned,
}

impl fmt::Display for NoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NoteError::Malformed(why) => write!(f, "not a signed note: {why}"),
            NoteError::BadKey(why) => write!(f, "not a usable key: {why}"),
            NoteError::BadSignature { key } => write!(f, "the signature by {key} does not verify"),
            NoteError::Repeated { key } => write!(f, "{key} signed the note more than once"),
            NoteError::Unsigned => f.write_str("no trusted key signed the note"),
        }
    }
}

impl std::error::Error for NoteError {}

/// Key names: non-empty, no spaces of any kind, no `+`.
pub fn valid_key_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c == '+' || c.is_whitespace() || c.is_control())
}

/// `SHA-256(name || 0x0A || type || public key)[:4]`, big-endian.
pub fn key_id(name: &str, kind: u8, public: &[u8]) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([b'\n', kind]);
    h.update(public);
    let d = h.finalize();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

/// A key that checks signatures: `name+hexid+base64(0x01 || public key)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifierKey {
    name: String,
    id: u32,
    key: VerifyingKey,
}

fn decode_b64(s: &str) -> Option<Vec<u8>> {
    let bytes = B64.decode(s).ok()?;
    // Only the canonical encoding is accepted, so every key and signature has one spelling.
    (B64.encode(&bytes) == s).then_some(bytes)
}

impl VerifierKey {
    pub fn new(name: &str, key: VerifyingKey) -> Result<VerifierKey, NoteError> {
        if !valid_key_name(name) {
            return Err(NoteError::BadKey("the name is empty or has a space or a +"));
        }
        Ok(VerifierKey { name: name.to_string(), id: key_id(name, ED25519, key.as_bytes()), key })
    }

    pub fn parse(s: &str) -> Result<VerifierKey, NoteError> {
        // Names hold no `+`; the base64 may.
        let mut parts = s.splitn(3, '+');
        let (Some(name), Some(hex), Some(b64)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(NoteError::BadKey("a verifier key is name+id+key"));
        };
        let id = parse_hex_id(hex)?;
        let raw = decode_b64(b64).ok_or(NoteError::BadKey("the key is not canonical base64"))?;
        let [kind, public @ ..] = &raw[..] else { return Err(NoteError::BadKey("the key is empty")) };
        if *kind != ED25519 {
            return Err(NoteError::BadKey("only Ed25519 keys (type 01) are supported"));
        }
        let public: [u8; 32] = public.try_into().map_err(|_| NoteError::BadKey("an Ed25519 key is 32 bytes"))?;
        let key = VerifyingKey::from_bytes(&public).map_err(|_| NoteError::BadKey("not an Ed25519 public key"))?;
        let v = VerifierKey::new(name, key)?;
        if v.id != id {
            return Err(NoteError::BadKey("the key id does not match the name and key"));
        }
        Ok(v)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn id(&self) -> u32 {
        self.id
    }

    pub fn public_key(&self) -> &VerifyingKey {
        &self.key
    }

    fn verify(&self, text: &[u8], sig: &[u8]) -> bool {
        let Ok(sig) = <[u8; 64]>::try_from(sig) else { return false };
        self.key.verify(text, &Signature::from_bytes(&sig)).is_ok()
    }
}

impl fmt::Display for VerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut raw = vec![ED25519];
        raw.extend_from_slice(self.key.as_bytes());
        write!(f, "{}+{:08x}+{}", self.name, self.id, B64.encode(raw))
    }
}

fn parse_hex_id(hex: &str) -> Result<u32, NoteError> {
    if hex.len() != 8 || !hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return Err(NoteError::BadKey("the key id is 8 lower-case hex digits"));
    }
    u32::from_str_radix(hex, 16).map_err(|_| NoteError::BadKey("the key id is 8 lower-case hex digits"))
}

/// A key that signs notes. Its string form, `PRIVATE+KEY+name+hexid+base64(0x01 || seed)`, is
/// what key files hold; it is never displayed or logged (`Debug` shows the name only).
#[derive(Clone)]
pub struct NoteSigner {
    name: String,
    id: u32,
    key: SigningKey,
}

impl fmt::Debug for NoteSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NoteSigner({})", self.name)
    }
}

impl NoteSigner {
    pub fn from_seed(name: &str, seed: [u8; 32]) -> Result<NoteSigner, NoteError> {
        let key = SigningKey::from_bytes(&seed);
        let v = VerifierKey::new(name, key.verifying_key())?;
        Ok(NoteSigner { name: v.name, id: v.id, key })
    }

    pub fn parse(s: &str) -> Result<NoteSigner, NoteError> {
        let rest = s.strip_prefix("PRIVATE+KEY+").ok_or(NoteError::BadKey("a signer key starts PRIVATE+KEY+"))?;
        let mut parts = rest.splitn(3, '+');
        let (Some(name), Some(hex), Some(b64)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(NoteError::BadKey("a signer key is PRIVATE+KEY+name+id+key"));
        };
        let id = parse_hex_id(hex)?;
        let raw = decode_b64(b64).ok_or(NoteError::BadKey("the key is not canonical base64"))?;
        let [ED25519, seed @ ..] = &raw[..] else {
            return Err(NoteError::BadKey("only Ed25519 keys (type 01) are supported"));
        };
        let seed: [u8; 32] = seed.try_into().map_err(|_| NoteError::BadKey("an Ed25519 seed is 32 bytes"))?;
        let signer = NoteSigner::from_seed(name, seed)?;
        if signer.id != id {
            return Err(NoteError::BadKey("the key id does not match the name and key"));
        }
        Ok(signer)
    }

    /// The key file's contents (secret).
    pub fn encode(&self) -> String {
        let mut raw = vec![ED25519];
        raw.extend_from_slice(self.key.as_bytes());
        format!("PRIVATE+KEY+{}+{:08x}+{}", self.name, self.id, B64.encode(raw))
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn verifier(&self) -> VerifierKey {
        VerifierKey { name: self.name.clone(), id: self.id, key: self.key.verifying_key() }
    }

    /// The signature line for `text`, without its newline.
    pub fn signature_line(&self, text: &str) -> String {
        let mut raw = self.id.to_be_bytes().to_vec();
        raw.extend_from_slice(&self.key.sign(text.as_bytes()).to_bytes());
        format!("— {} {}", self.name, B64.encode(raw))
    }
}

/// A signed note: its text (ending in a newline) and its signatures, as read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    pub text: String,
    pub signatures: Vec<NoteSignature>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteSignature {
    pub name: String,
    pub id: u32,
    /// The signature bytes after the key id.
    pub signature: Vec<u8>,
}

impl NoteSignature {
    /// The line as it appears in a note, without its newline.
    pub fn line(&self) -> String {
        let mut raw = self.id.to_be_bytes().to_vec();
        raw.extend_from_slice(&self.signature);
        format!("— {} {}", self.name, B64.encode(raw))
    }
}

/// Signs `text` (which must end in a newline) with each signer in turn.
pub fn sign(text: &str, signers: &[&NoteSigner]) -> String {
    assert!(text.ends_with('\n'), "note text ends in a newline");
    let mut out = format!("{text}\n");
    for s in signers {
        out.push_str(&s.signature_line(text));
        out.push('\n');
    }
    out
}

impl Note {
    /// Reads a signed note strictly: valid UTF-8, no control characters but newline, text ending
    /// in a newline, then a blank line, then one or more well-formed signature lines.
    pub fn parse(bytes: &[u8]) -> Result<Note, NoteError> {
        if bytes.len() > MAX_NOTE_BYTES {
            return Err(NoteError::Malformed("too large"));
        }
        let s = std::str::from_utf8(bytes).map_err(|_| NoteError::Malformed("not UTF-8"))?;
        if s.chars().any(|c| c != '\n' && (c.is_control() || c == '\u{7f}')) {
            return Err(NoteError::Malformed("control characters (a carriage return, say)"));
        }
        if !s.ends_with('\n') {
            return Err(NoteError::Malformed("it does not end in a newline"));
        }
        let split = s.rfind("\n\n").ok_or(NoteError::Malformed("no blank line before the signatures"))?;
        let text = &s[..split + 1];
        let sigs = &s[split + 2..];
        if sigs.is_empty() {
            return Err(NoteError::Malformed("no signatures"));
        }
        let mut signatures = Vec::new();
        for line in sigs[..sigs.len() - 1].split('\n') {
            if signatures.len() == MAX_SIGNATURES {
                return Err(NoteError::Malformed("too many signatures"));
            }
            let rest = line
                .strip_prefix("— ")
                .ok_or(NoteError::Malformed("a signature line must start with an em dash and a space"))?;
            let (name, b64) =
                rest.split_once(' ').ok_or(NoteError::Malformed("a signature line is — name signature"))?;
            if !valid_key_name(name) {
                return Err(NoteError::Malformed("a signature's key name is empty or has a +"));
            }
            let raw = decode_b64(b64).ok_or(NoteError::Malformed("a signature is not canonical base64"))?;
            if raw.len() < 5 {
                return Err(NoteError::Malformed("a signature is too short"));
            }
            signatures.push(NoteSignature {
                name: name.to_string(),
                id: u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]),
                signature: raw[4..].to_vec(),
            });
        }
        Ok(Note { text: text.to_string(), signatures })
    }

    /// Checks every signature by a key in `trusted` (ignoring the others) and returns the trusted
    /// keys that signed. Fails if any trusted key's signature does not verify, if one signed
    /// twice, or if none signed.
    pub fn verify<'k>(&self, trusted: &'k [VerifierKey]) -> Result<Vec<&'k VerifierKey>, NoteError> {
        let mut signed: Vec<&VerifierKey> = Vec::new();
        for s in &self.signatures {
            let Some(k) = trusted.iter().find(|k| k.name == s.name && k.id == s.id) else { continue };
            if !k.verify(self.text.as_bytes(), &s.signature) {
                return Err(NoteError::BadSignature { key: k.name.clone() });
            }
            if signed.contains(&k) {
                return Err(NoteError::Repeated { key: k.name.clone() });
            }
            signed.push(k);
        }
        if signed.is_empty() {
            return Err(NoteError::Unsigned);
        }
        Ok(signed)
    }

    /// Verifies the note and requires a signature by `key` in particular.
    pub fn verify_by(&self, key: &VerifierKey) -> Result<(), NoteError> {
        self.verify(std::slice::from_ref(key)).map(|_| ())
    }

    /// The note as bytes again: text, blank line, signature lines.
    pub fn encode(&self) -> String {
        let mut out = format!("{}\n", self.text);
        for s in &self.signatures {
            out.push_str(&s.line());
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests;
