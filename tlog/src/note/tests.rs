//! Known answers from the reference implementation's published example (golang.org/x/mod
//! sumdb/note) and keys from transparency-dev/formats, one with a `+` in its base64.

use super::*;

const PETER_SIGNER: &str = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const PETER: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const ENOCH: &str = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
const PLUS: &str = "TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6";
const COSIGNATURE: &str = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2";
const TEXT: &str =
    "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const SIGNED: &str = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

#[test]
fn the_published_example_signs_and_verifies_byte_for_byte() {
    let signer = NoteSigner::parse(PETER_SIGNER).unwrap();
    assert_eq!(signer.encode(), PETER_SIGNER, "the key file round-trips though its base64 has a +");
    assert_eq!(signer.verifier().to_string(), PETER);
    assert_eq!(sign(TEXT, &[&signer]), SIGNED);
    let note = Note::parse(SIGNED.as_bytes()).unwrap();
    assert_eq!(note.text, TEXT);
    assert_eq!(note.encode(), SIGNED);
    let keys = [VerifierKey::parse(PETER).unwrap()];
    assert_eq!(note.verify(&keys).unwrap().len(), 1);
}

#[test]
fn published_verifier_keys_parse_and_print_back() {
    for k in [PETER, ENOCH, PLUS] {
        assert_eq!(VerifierKey::parse(k).unwrap().to_string(), k);
    }
    assert_eq!(VerifierKey::parse(PLUS).unwrap().id(), 0x7997405c);
    // Type 0x04 is a witness cosignature key: not a note signer.
    assert!(matches!(VerifierKey::parse(COSIGNATURE), Err(NoteError::BadKey(_))));
}

#[test]
fn every_mangling_of_a_verifier_key_is_refused() {
    let b = PETER.as_bytes();
    for i in 0..=b.len() {
        for j in i + 1..=b.len() {
            if i == 0 && j == b.len() {
                continue;
            }
            let cut = std::str::from_utf8(&b[i..j]).unwrap();
            assert!(VerifierKey::parse(cut).is_err(), "{cut:?}");
        }
    }
    for i in 0..b.len() {
        let mut m = b.to_vec();
        m[i] = m[i].wrapping_add(1);
        if let Ok(s) = std::str::from_utf8(&m) {
            assert!(VerifierKey::parse(s).is_err(), "{s:?}");
        }
    }
    assert!(VerifierKey::parse(&PETER.to_uppercase()).is_err());
    assert!(VerifierKey::parse(&format!("{PETER}\n")).is_err());
}

#[test]
fn a_changed_text_or_signature_is_rejected() {
    let keys = [VerifierKey::parse(PETER).unwrap()];
    let changed = SIGNED.replace("cryptography", "cryptographY");
    assert_eq!(
        Note::parse(changed.as_bytes()).unwrap().verify(&keys),
        Err(NoteError::BadSignature { key: "PeterNeumann".into() })
    );
    let mut note = Note::parse(SIGNED.as_bytes()).unwrap();
    note.signatures[0].signature[10] ^= 1;
    assert!(matches!(note.verify(&keys), Err(NoteError::BadSignature { .. })));
}

#[test]
fn unknown_keys_are_ignored_but_a_trusted_signature_is_needed() {
    let peter = NoteSigner::parse(PETER_SIGNER).unwrap();
    let other = NoteSigner::from_seed("witness.example/w1", [7; 32]).unwrap();
    let both = sign(TEXT, &[&other, &peter]);
    let note = Note::parse(both.as_bytes()).unwrap();
    let keys = [VerifierKey::parse(PETER).unwrap()];
    assert_eq!(note.verify(&keys).unwrap()[0].name(), "PeterNeumann");
    assert_eq!(note.verify(&[other.verifier()]).unwrap().len(), 1);
    let only_other = Note::parse(sign(TEXT, &[&other]).as_bytes()).unwrap();
    assert_eq!(only_other.verify(&keys), Err(NoteError::Unsigned));
    // Same name, other id (another key of that name): ignored, not failed.
    let impostor = NoteSigner::from_seed("PeterNeumann", [9; 32]).unwrap();
    let n = Note::parse(sign(TEXT, &[&impostor, &peter]).as_bytes()).unwrap();
    assert!(n.verify(&keys).is_ok());
    let twice = Note::parse(sign(TEXT, &[&peter, &peter]).as_bytes()).unwrap();
    assert_eq!(twice.verify(&keys), Err(NoteError::Repeated { key: "PeterNeumann".into() }));
}

#[test]
fn malformed_notes_are_refused() {
    let bad = [
        SIGNED.replace('\n', "\r\n"),
        SIGNED.trim_end_matches('\n').to_string(),
        SIGNED.replace("\n\n", "\n"),
        SIGNED.replace("— ", "-- "),
        SIGNED.replace("— PeterNeumann ", "— PeterNeumann  "),
        SIGNED.replace("AM=\n", "AM\n"),
        SIGNED.replace("AM=\n", "AN=\n"),
        format!("{SIGNED}\n"),
        format!("{TEXT}\n"),
        format!("{TEXT}\n— PeterNeumann AAAA\n"),
        SIGNED.replace("then", "th\u{7}en"),
    ];
    for b in &bad {
        assert!(matches!(Note::parse(b.as_bytes()), Err(NoteError::Malformed(_))), "{b:?}");
    }
    assert!(Note::parse(&[0xff, b'\n', b'\n']).is_err());
}

#[test]
fn a_text_with_blank_lines_splits_at_the_last_one() {
    let signer = NoteSigner::from_seed("example.com/log", [1; 32]).unwrap();
    let text = "one\n\ntwo\n";
    let note = Note::parse(sign(text, &[&signer]).as_bytes()).unwrap();
    assert_eq!(note.text, text);
    assert!(note.verify_by(&signer.verifier()).is_ok());
}

#[test]
fn bad_key_names_and_signer_strings_are_refused() {
    for name in ["", "a b", "a+b", "tab\there"] {
        assert!(NoteSigner::from_seed(name, [1; 32]).is_err(), "{name:?}");
    }
    assert!(NoteSigner::parse(PETER).is_err());
    assert!(NoteSigner::parse(&PETER_SIGNER.replace("c74f20a3", "c74f20a4")).is_err());
    let debug = format!("{:?}", NoteSigner::parse(PETER_SIGNER).unwrap());
    assert!(!debug.contains("AYEK"), "the seed never appears in debug output: {debug}");
}
