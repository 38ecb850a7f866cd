//! Free text people type (`text::clean`, `PersonName`, `Email`) and the matching keys made from
//! names and addresses, typed by signers or read from the register and gazetteer.

use petition_core::names::{address_key, name_key, register_key, register_name_key, words};
use petition_core::text::{clean, Email, PersonName};

pub fn check(data: &[u8]) {
    let s = crate::text(data);
    check_str(&s);
    // Two fields from one input, for the register's separate surname and forenames.
    let (surname, forenames) = s.split_once('|').unwrap_or((&s, ""));
    if let Some(k) = register_key(surname, forenames) {
        assert_key(&k);
    }
    let lines: Vec<&str> = s.split('|').collect();
    let key = address_key(lines.iter().copied());
    assert_words(&key);
    assert_eq!(address_key([key.as_str()]), key, "an address key is its own key");
}

/// Any text through every free-text parser and key.
pub fn check_str(s: &str) {
    for (max, multiline) in [(PersonName::MAX, false), (Email::MAX, false), (200, false), (5000, true)] {
        clean_text(s, max, multiline);
    }
    person_name(s);
    email(s);
    keys(s);
}

/// Cleaned text is trimmed, non-empty, within its length and free of control and invisible
/// formatting characters, and cleaning it again changes nothing.
fn clean_text(s: &str, max: usize, multiline: bool) {
    let Ok(c) = clean(s, max, multiline) else { return };
    assert_clean(&c, max, multiline);
    assert_eq!(clean(&c, max, multiline).as_ref(), Ok(&c), "cleaning is idempotent");
}

fn assert_clean(c: &str, max: usize, multiline: bool) {
    assert!(!c.is_empty() && c.trim() == c, "{c:?} is trimmed");
    assert!(c.chars().count() <= max, "{c:?} is longer than {max}");
    let forbidden = |ch: char| {
        (ch.is_control() && !(multiline && ch == '\n'))
            || matches!(ch, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
    };
    assert!(!c.chars().any(forbidden), "{c:?} holds a control or formatting character");
}

/// A name is clean, at most 100 characters, spaced with single plain spaces, has a two-word
/// key, and reads back to itself.
fn person_name(s: &str) {
    let Ok(n) = PersonName::parse(s) else { return };
    let t = n.as_str();
    assert_clean(t, PersonName::MAX, false);
    assert!(!t.contains("  ") && !t.chars().any(|c| c.is_whitespace() && c != ' '), "{t:?} is single-spaced");
    assert_eq!(PersonName::parse(t).as_ref(), Ok(&n), "a name reads back to itself");
    let key = n.key();
    assert_key(&key);
    assert_eq!(name_key(t).as_deref(), Some(key.as_str()));
    let shouted = PersonName::parse(&t.to_ascii_uppercase()).expect("case does not make a name invalid");
    assert_eq!(shouted.key(), key, "ASCII case does not change the key");
}

/// An address is clean and plain: one `@`, no spaces, a lower-case domain; it reads back to
/// itself, and its canonical mailbox ignores ASCII case.
fn email(s: &str) {
    let Ok(e) = Email::parse(s) else { return };
    let t = e.as_str();
    assert_clean(t, Email::MAX, false);
    assert!(t.is_ascii() && !t.contains(char::is_whitespace), "{t:?}");
    let (local, domain) = t.split_once('@').expect("an @");
    assert!(!domain.contains('@') && !local.is_empty() && local.len() <= 64, "{t:?}");
    assert!(domain.contains('.') && domain == domain.to_ascii_lowercase(), "{t:?}");
    assert_eq!(Email::parse(t).as_ref(), Ok(&e), "an address reads back to itself");
    let canonical = e.canonical();
    assert_eq!(canonical, canonical.to_ascii_lowercase());
    assert_eq!(canonical.matches('@').count(), 1, "{canonical:?}");
    let shouted = Email::parse(&t.to_ascii_uppercase()).expect("case does not make an address invalid");
    assert_eq!(shouted.canonical(), canonical, "one mailbox whatever the case");
}

/// Keys are lower-case ASCII words; a name key has exactly two, and is its own key.
fn keys(s: &str) {
    for w in words(s) {
        assert!(!w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()), "{w:?}");
    }
    if let Some(k) = name_key(s) {
        assert_key(&k);
        assert_eq!(name_key(&k).as_deref(), Some(k.as_str()), "a key is its own key");
        assert_eq!(name_key(&s.to_ascii_uppercase()).as_deref(), Some(k.as_str()), "ASCII case is ignored");
    }
    if let Some(k) = register_name_key(s) {
        assert_key(&k);
    }
}

fn assert_key(k: &str) {
    assert_words(k);
    assert_eq!(k.split(' ').count(), 2, "{k:?} is forename and surname");
}

fn assert_words(k: &str) {
    assert!(!k.starts_with(' ') && !k.ends_with(' ') && !k.contains("  "), "{k:?}");
    assert!(k.bytes().all(|b| b == b' ' || b.is_ascii_lowercase() || b.is_ascii_digit()), "{k:?}");
}
