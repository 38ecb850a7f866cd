//! Property checks for every parser that reads outside input.
//!
//! Each module has one `check(data: &[u8])` that panics when a property fails. The same function
//! is driven by libFuzzer (`fuzz_targets/`, nightly, `cargo fuzz`) and by the stable smoke test
//! (`tests/smoke.rs`), which replays the seeds in `seeds/<target>/` and pseudo-random inputs, so
//! that CI checks the properties without nightly or cargo-fuzz.
//!
//! Most checks read the input twice: as text or bytes handed to the parser as they are, and as
//! a recipe (`arbitrary`) for a well-formed value that is written out and must read back the same.

use arbitrary::{Result, Unstructured};

pub mod codes;
pub mod csv;
pub mod entry;
pub mod form;
pub mod names;
pub mod note;
pub mod postcode;
pub mod proof;
pub mod receipt;
pub mod tally;
pub mod tile;

/// A property check: panics when a property fails for this input.
pub type Check = fn(&[u8]);

/// Every target by name: its seeds are in `seeds/<name>/`, its libFuzzer binary is `<name>`.
pub const TARGETS: &[(&str, Check)] = &[
    ("postcode", postcode::check),
    ("names", names::check),
    ("form", form::check),
    ("csv", csv::check),
    ("codes", codes::check),
    ("receipt", receipt::check),
    ("entry", entry::check),
    ("tally", tally::check),
    ("note", note::check),
    ("tile", tile::check),
    ("proof", proof::check),
];

/// The input as text. Browsers and files can send any bytes, but the parsers take `&str`: form
/// bodies reach them decoded lossily, so every input is decoded the same way here to reach them.
pub fn text(data: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(data)
}

/// A log identifier, `[A-Za-z0-9_-]{1,64}`.
pub fn ident(u: &mut Unstructured) -> Result<String> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    let len = u.int_in_range(1..=64)?;
    (0..len).map(|_| Ok(*u.choose(ALPHABET)? as char)).collect()
}

/// A percentage in canonical form (`5`, `2.5`, `0.000001`), written here independently of
/// `Percent`'s own `Display`: millionths in `1..=100_000_000`.
pub fn percent_text(u: &mut Unstructured) -> Result<String> {
    let millionths: u64 = u.int_in_range(1..=100_000_000)?;
    let (whole, frac) = (millionths / 1_000_000, millionths % 1_000_000);
    Ok(if frac == 0 { whole.to_string() } else { format!("{whole}.{}", format!("{frac:06}").trim_end_matches('0')) })
}

/// The input with one byte replaced by a different one, at a place and value the input picks.
pub fn substitute(bytes: &[u8], u: &mut Unstructured) -> Result<Option<Vec<u8>>> {
    if bytes.is_empty() {
        return Ok(None);
    }
    let at = u.choose_index(bytes.len())?;
    let by: u8 = u.int_in_range(1..=255)?;
    let mut out = bytes.to_vec();
    out[at] = out[at].wrapping_add(by);
    Ok(Some(out))
}
