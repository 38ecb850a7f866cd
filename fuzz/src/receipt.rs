//! `Receipt::parse`: the receipt a signer pastes into the site or hands to the observer tool.

use arbitrary::{Result, Unstructured};
use petition_tlog::entry::Ident;
use petition_tlog::receipt::{Receipt, Secret};

pub fn check(data: &[u8]) {
    if let Ok(s) = std::str::from_utf8(data) {
        check_str(s);
    }
    let _ = check_recipe(&mut Unstructured::new(data));
}

/// What parses is exactly what `to_text` writes: five lines, identifiers, and the commit that
/// the secret gives.
pub fn check_str(s: &str) {
    let Ok(r) = Receipt::parse(s) else { return };
    assert_eq!(r.to_text(), s, "a receipt reads back byte for byte");
    assert!(Ident::parse(&r.petition_id).is_some() && Ident::parse(&r.area).is_some(), "{r:?}");
    assert!(s.ends_with(&format!("commit {}\n", r.commitment())));
    assert_eq!(Receipt::parse(&r.to_text()).as_ref(), Ok(&r));
}

/// A receipt written out reads back; changing any one byte of it makes it unreadable (the
/// commit line binds every other line).
fn check_recipe(u: &mut Unstructured) -> Result<()> {
    let receipt = Receipt { petition_id: crate::ident(u)?, area: crate::ident(u)?, r: Secret(u.arbitrary()?) };
    let text = receipt.to_text();
    assert_eq!(Receipt::parse(&text).as_ref(), Ok(&receipt));
    check_str(&text);
    if let Some(changed) = crate::substitute(text.as_bytes(), u)? {
        if let Ok(s) = std::str::from_utf8(&changed) {
            assert!(Receipt::parse(s).is_err(), "{s:?} was changed from {text:?} but still reads");
        }
    }
    Ok(())
}
