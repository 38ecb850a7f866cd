//! The short codes read from forms, import files, settings and the log: area codes and kinds,
//! UPRNs, dates, percentages, franchise markers, log identifiers, reasons, numbers and hashes,
//! and the status names read back from the database. Each has one spelling: whatever parses
//! prints back as the text it was read from (after the trimming the parser documents).

use arbitrary::{Result, Unstructured};
use petition_core::address::Uprn;
use petition_core::engine::EventKind;
use petition_core::franchise::NonLocalMarkers;
use petition_core::signature::Status;
use petition_core::threshold::{days_in_month, Day};
use petition_core::{AreaCode, AreaKind, Percent};
use petition_tlog::checkpoint::{hash_b64, parse_hash, parse_u64};
use petition_tlog::entry::{Ident, Reason};

pub fn check(data: &[u8]) {
    check_str(&crate::text(data));
    let _ = check_recipe(&mut Unstructured::new(data));
}

/// Any text through every code parser.
pub fn check_str(s: &str) {
    area_code(s);
    area_kind(s);
    uprn(s);
    day(s);
    percent(s);
    markers(s);
    log_codes(s);
    stored_names(s);
}

fn area_code(s: &str) {
    let Ok(code) = AreaCode::parse(s) else { return };
    let c = code.as_str();
    assert_eq!(c, s.trim(), "an area code is the input, trimmed");
    assert!(c.len() == 9 && c.as_bytes()[0].is_ascii_uppercase() && c[1..].bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(AreaCode::parse(c).as_ref(), Ok(&code));
    assert_eq!(AreaCode::try_from(c.to_string()).as_ref(), Ok(&code));
}

fn area_kind(s: &str) {
    let Some(kind) = AreaKind::parse(s) else { return };
    assert_eq!(kind.as_str(), s.trim().to_ascii_lowercase());
    assert_eq!(AreaKind::parse(kind.as_str()), Some(kind));
}

fn uprn(s: &str) {
    let Some(u) = Uprn::parse(s) else { return };
    assert_eq!(u.as_str(), s);
    assert!((1..=12).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()), "{s:?}");
}

/// A date is `YYYY-MM-DD` exactly: a real day, written the one way it prints.
fn day(s: &str) {
    let Some(d) = Day::parse(s) else { return };
    assert_eq!(d.to_string(), s, "a date reads back as it was written");
    assert!((1..=12).contains(&d.month) && (1..=days_in_month(d.year, d.month)).contains(&d.day), "{d:?}");
}

/// A percentage is canonical, above 0 and at most 100, and its ceiling arithmetic is sane.
fn percent(s: &str) {
    let Some(p) = Percent::parse(s) else { return };
    assert_eq!(p.to_string(), s, "a percentage reads back as it was written");
    let whole: u64 = s.split('.').next().and_then(|w| w.parse().ok()).expect("digits before any point");
    assert!(whole <= 100, "{s:?} is over 100%");
    let mut last = 0;
    for electorate in [0, 1, 2, 99, 100, 101, 12_345, 1 << 40, u64::MAX] {
        let required = p.required(electorate);
        assert!(required <= electorate && required >= last, "{s}% of {electorate} is {required}");
        last = required;
    }
    assert_eq!(p.required(0), 0);
    assert_eq!(p.required(100_000_000), in_millionths(s), "exact for 10^8 electors");
}

/// `s` (already accepted) in millionths of a percent, read independently of `Percent`: the
/// requirement for an electorate of 10^8 is exactly this many.
fn in_millionths(s: &str) -> u64 {
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    let whole: u64 = whole.parse().expect("digits");
    let frac: u64 = format!("{frac:0<6}").parse().expect("digits");
    whole * 1_000_000 + frac
}

fn markers(s: &str) {
    let Ok(m) = NonLocalMarkers::parse(s) else { return };
    let printed = m.to_string();
    assert!(printed.split(',').all(|l| l.is_empty() || (l.len() == 1 && l.as_bytes()[0].is_ascii_uppercase())));
    assert_eq!(NonLocalMarkers::parse(&printed).as_ref(), Ok(&m), "{printed:?}");
    assert!(m.is_local(""), "an elector with no marker is always local");
    for letter in printed.split(',').filter(|l| !l.is_empty()) {
        assert!(!m.is_local(letter) && !m.is_local(&letter.to_ascii_lowercase()), "{letter} is excluded");
    }
    let _ = NonLocalMarkers::standard().is_local(s);
}

/// The log's identifiers, reasons, decimal numbers and base64 hashes.
fn log_codes(s: &str) {
    if let Some(id) = Ident::parse(s) {
        assert_eq!(id.as_str(), s);
        assert!((1..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-".contains(&b)));
    }
    if let Some(r) = Reason::parse(s) {
        assert_eq!(r.code(), s);
    }
    if let Some(n) = parse_u64(s) {
        assert_eq!(n.to_string(), s, "a number has one spelling");
    }
    if let Some(h) = parse_hash(s) {
        assert_eq!(hash_b64(&h), s, "a hash has one spelling");
    }
}

/// Names the database stores for statuses and events.
fn stored_names(s: &str) {
    if let Some(st) = Status::parse(s) {
        assert_eq!(st.name(), s);
    }
    if let Some(e) = EventKind::parse(s) {
        assert_eq!(e.name(), s);
    }
}

/// Well-formed values written out by hand: each must parse to what was written.
fn check_recipe(u: &mut Unstructured) -> Result<()> {
    let year: i32 = u.int_in_range(0..=9999)?;
    let month: u32 = u.int_in_range(1..=12)?;
    let d: u32 = u.int_in_range(1..=days_in_month(year, month))?;
    let date = format!("{year:04}-{month:02}-{d:02}");
    assert_eq!(Day::parse(&date), Some(Day { year, month, day: d }), "{date}");
    let p = crate::percent_text(u)?;
    assert_eq!(Percent::parse(&p).map(|p| p.to_string()), Some(p.clone()), "{p}");
    let n: u64 = u.arbitrary()?;
    assert_eq!(parse_u64(&n.to_string()), Some(n));
    let h: [u8; 32] = u.arbitrary()?;
    assert_eq!(parse_hash(&hash_b64(&h)), Some(h));
    let id = crate::ident(u)?;
    assert_eq!(Ident::parse(&id).map(|i| i.to_string()), Some(id));
    let code = format!("{}{:08}", (b'A' + u.int_in_range(0..=25)?) as char, u.int_in_range(0..=99_999_999u32)?);
    assert_eq!(AreaCode::parse(&code).map(String::from), Ok(code));
    for text in [date, p, n.to_string()] {
        check_str(&text);
    }
    Ok(())
}
