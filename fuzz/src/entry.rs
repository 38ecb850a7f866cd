//! `Entry::parse`: the log's entries, as observers and signers fetch them in entry bundles.

use arbitrary::{Result, Unstructured};
use petition_tlog::entry::{Entry, Ident, Method, Outcome, Percent, Reason, MAX_ENTRY_BYTES};

pub fn check(data: &[u8]) {
    check_bytes(data);
    let mut u = Unstructured::new(data);
    let _ = entry(&mut u).and_then(|e| check_written(&e, &mut u));
}

/// What parses is printable ASCII within the size limit, and re-serialises to the same bytes.
pub fn check_bytes(data: &[u8]) {
    let Ok(e) = Entry::parse(data) else { return };
    assert_eq!(e.encode().as_bytes(), data, "an entry reads back byte for byte");
    assert!(data.len() <= MAX_ENTRY_BYTES && data.iter().all(|b| (0x20..=0x7e).contains(b)));
    assert!(data.starts_with(format!("{} id={} ", e.kind(), e.id()).as_bytes()), "{e:?}");
    assert_eq!(Entry::parse(e.encode().as_bytes()).as_ref(), Ok(&e));
}

/// A well-formed entry reads back to itself; with one byte changed it is either refused or a
/// different entry that itself reads back byte for byte.
fn check_written(e: &Entry, u: &mut Unstructured) -> Result<()> {
    let bytes = e.encode().into_bytes();
    if bytes.len() > MAX_ENTRY_BYTES {
        assert!(Entry::parse(&bytes).is_err(), "entries over the limit are refused");
        return Ok(());
    }
    assert_eq!(Entry::parse(&bytes).as_ref(), Ok(e), "{}", String::from_utf8_lossy(&bytes));
    if let Some(changed) = crate::substitute(&bytes, u)? {
        if let Ok(other) = Entry::parse(&changed) {
            assert_ne!(&other, e);
            check_bytes(&changed);
        }
    }
    Ok(())
}

/// An entry of any kind with any valid fields.
pub fn entry(u: &mut Unstructured) -> Result<Entry> {
    let id = ident(u)?;
    Ok(match u.int_in_range(0..=8)? {
        0 => Entry::Petition {
            id,
            area: ident(u)?,
            opens: u.arbitrary()?,
            closes: u.arbitrary()?,
            electorate: u.arbitrary()?,
            percent: percent(u)?,
            required: u.arbitrary()?,
            text_sha256: u.arbitrary()?,
        },
        1 => Entry::Sig { id, area: ident(u)?, at: u.arbitrary()?, commit: u.arbitrary()? },
        2 => Entry::Strike { id, target: u.arbitrary()?, reason: *u.choose(&Reason::ALL)? },
        3 => Entry::Reinstate { id, target: u.arbitrary()? },
        4 => Entry::Pause { id, at: u.arbitrary()? },
        5 => Entry::Resume { id, at: u.arbitrary()?, closes: u.arbitrary()? },
        6 => Entry::Close { id, at: u.arbitrary()? },
        7 => Entry::Sample { id, seed: u.arbitrary()?, source: ident(u)? },
        _ => Entry::Certify {
            id,
            outcome: *u.choose(&Outcome::ALL)?,
            method: *u.choose(&Method::ALL)?,
            valid: u.arbitrary()?,
            projected: u.arbitrary()?,
        },
    })
}

pub fn ident(u: &mut Unstructured) -> Result<Ident> {
    Ok(Ident::parse(&crate::ident(u)?).expect("a valid identifier"))
}

pub fn percent(u: &mut Unstructured) -> Result<Percent> {
    let text = crate::percent_text(u)?;
    Ok(Percent::parse(&text).unwrap_or_else(|| panic!("{text} is a percentage")))
}
