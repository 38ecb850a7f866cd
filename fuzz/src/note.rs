//! Signed notes and what they carry: `Note::parse` and its verification, `VerifierKey::parse`
//! and `NoteSigner::parse` (key strings from settings and files), and `Checkpoint::parse`.

use arbitrary::{Result, Unstructured};
use petition_tlog::checkpoint::Checkpoint;
use petition_tlog::note::{sign, valid_key_name, Note, NoteError, NoteSigner, VerifierKey, MAX_SIGNATURES};

/// The reference implementation's published example key (golang.org/x/mod sumdb/note).
const PETER: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

pub fn check(data: &[u8]) {
    check_note(data);
    if let Ok(s) = std::str::from_utf8(data) {
        check_keys(s);
        check_checkpoint(s);
    }
    let _ = check_signed(&mut Unstructured::new(data));
}

/// What parses re-encodes to the same bytes, and checking its signatures never panics.
pub fn check_note(data: &[u8]) {
    let Ok(note) = Note::parse(data) else { return };
    assert_eq!(note.encode().as_bytes(), data, "a note reads back byte for byte");
    assert!(note.text.ends_with('\n') && !note.text.contains('\r'));
    assert!((1..=MAX_SIGNATURES).contains(&note.signatures.len()));
    assert!(note.signatures.iter().all(|s| valid_key_name(&s.name) && !s.signature.is_empty()));
    let peter = VerifierKey::parse(PETER).expect("the published key");
    let ours = NoteSigner::from_seed("petitions.example.gov.uk/log", [3; 32]).unwrap().verifier();
    match note.verify(&[peter, ours]) {
        Ok(signed) => assert!(!signed.is_empty()),
        Err(NoteError::BadSignature { .. } | NoteError::Repeated { .. } | NoteError::Unsigned) => {}
        Err(e) => panic!("verifying a parsed note: {e:?}"),
    }
}

/// Key strings read back to themselves.
fn check_keys(s: &str) {
    if let Ok(k) = VerifierKey::parse(s) {
        assert_eq!(k.to_string(), s, "a verifier key reads back");
        assert!(valid_key_name(k.name()));
    }
    if let Ok(k) = NoteSigner::parse(s) {
        assert_eq!(k.encode(), s, "a signer key reads back");
        let v = k.verifier();
        assert_eq!(VerifierKey::parse(&v.to_string()).as_ref(), Ok(&v));
    }
}

/// A checkpoint reads back to its text.
pub fn check_checkpoint(s: &str) {
    let Ok(cp) = Checkpoint::parse(s) else { return };
    assert_eq!(cp.text(), s, "a checkpoint reads back byte for byte");
    assert!(!cp.origin.is_empty() && cp.extensions.iter().all(|e| !e.is_empty()));
}

/// A text signed by one to three keys reads back and verifies by each; with any one byte
/// changed it no longer verifies by all of them.
fn check_signed(u: &mut Unstructured) -> Result<()> {
    let text = note_text(u)?;
    let count = u.int_in_range(1..=3)?;
    let signers: Vec<NoteSigner> = (0..count)
        .map(|i| Ok(NoteSigner::from_seed(&key_name(u)?, [i as u8 + 1; 32]).expect("a valid name")))
        .collect::<Result<_>>()?;
    let keys: Vec<VerifierKey> = signers.iter().map(NoteSigner::verifier).collect();
    let signed = sign(&text, &signers.iter().collect::<Vec<_>>());
    let note = Note::parse(signed.as_bytes()).unwrap_or_else(|e| panic!("{signed:?}: {e}"));
    assert_eq!((note.text.as_str(), note.encode()), (text.as_str(), signed.clone()));
    for k in &keys {
        note.verify_by(k).unwrap_or_else(|e| panic!("{signed:?} by {}: {e}", k.name()));
    }
    if let Some(changed) = crate::substitute(signed.as_bytes(), u)? {
        if let Ok(other) = Note::parse(&changed) {
            let all = other.verify(&keys).map(|v| v.len());
            assert!(all.map_or(true, |n| n < keys.len()), "{:?} still verifies", String::from_utf8_lossy(&changed));
        }
    }
    Ok(())
}

/// Note text: no control characters but newlines, ending in a newline.
fn note_text(u: &mut Unstructured) -> Result<String> {
    let raw: String = u.arbitrary()?;
    let mut text: String = raw.chars().filter(|c| *c == '\n' || !(c.is_control() || *c == '\u{7f}')).collect();
    text.push('\n');
    Ok(text)
}

/// A key name (no spaces, `+` or control characters), often a plausible one.
fn key_name(u: &mut Unstructured) -> Result<String> {
    let raw: String = u.arbitrary()?;
    let name: String = raw.chars().filter(|c| !(c.is_whitespace() || c.is_control() || *c == '+')).collect();
    Ok(if name.is_empty() { "witness.example/w1".to_string() } else { name })
}
