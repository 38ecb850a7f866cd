//! The reference-data imports (store/src/import.rs): areas, electorates, verification numbers,
//! the postcode lookup, the gazetteer and the electoral register.
//!
//! The importers' CSV reading (`Table::read`) is private to petition-store and each importer
//! checks its rows between database reads, so neither can be called without a database. This
//! target reads the file with the csv crate set up as `Table::read` sets it up, and hands every
//! field to the petition-core parsers the importers use for the column it is in, with each
//! parser's properties checked as in the other targets.

use petition_core::address::Uprn;
use petition_core::franchise::NonLocalMarkers;
use petition_core::names::{address_key, register_key, register_name_key};

pub fn check(data: &[u8]) {
    let text = crate::text(data);
    let Some((header, rows)) = read(&text) else { return };
    // The importers refuse rows whose length is not the header's.
    for values in rows.iter().filter(|r| r.len() == header.len()) {
        for (name, value) in header.iter().zip(values) {
            check_field(name, value);
        }
        check_register_row(&Row { header: &header, values });
    }
}

/// A row's fields by column name, as the importers look them up.
struct Row<'a> {
    header: &'a [String],
    values: &'a [String],
}

impl<'a> Row<'a> {
    fn get(&self, name: &str) -> Option<&'a str> {
        self.header.iter().position(|h| h.eq_ignore_ascii_case(name)).map(|i| self.values[i].as_str())
    }
}

/// A file's header (trimmed) and rows, as `Table::read` reads them: a leading byte-order mark
/// dropped, tabs as the delimiter when the first line has one, rows of any length.
fn read(text: &str) -> Option<(Vec<String>, Vec<Vec<String>>)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let delimiter = if text.lines().next().is_some_and(|h| h.contains('\t')) { b'\t' } else { b',' };
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().ok()?.iter().map(|s| s.trim().to_string()).collect();
    let rows = reader.records().filter_map(|r| r.ok()).map(|r| r.iter().map(str::to_string).collect()).collect();
    Some((header, rows))
}

/// One field, by the column the importers read it from. An unknown column still goes through
/// every parser: the property checks hold for any text.
fn check_field(column: &str, value: &str) {
    match column.to_ascii_lowercase().as_str() {
        "postcode" => crate::postcode::check_str(value),
        "uprn" => {
            if let Some(u) = Uprn::parse(value) {
                assert_eq!(u.as_str(), value);
            }
        }
        "elector name" => {
            if let Some(k) = register_name_key(value) {
                assert_eq!(k.split(' ').count(), 2, "{k:?}");
            }
        }
        c if c.starts_with("addressline") || c.starts_with("address") => {
            let key = address_key([value]);
            assert_eq!(address_key([key.as_str()]), key);
        }
        _ => {
            crate::codes::check_str(value);
            crate::names::check_str(value);
        }
    }
    let _ = NonLocalMarkers::standard().is_local(value);
}

/// The register's split name columns, and its address lines as one key.
fn check_register_row(row: &Row) {
    if let (Some(surname), Some(forenames)) = (row.get("Elector Surname"), row.get("Elector Forename")) {
        if let Some(k) = register_key(surname, forenames) {
            assert_eq!(k.split(' ').count(), 2, "{k:?}");
        }
    }
    let lines: Vec<&str> = (1..=6).filter_map(|i| row.get(&format!("Address{i}"))).collect();
    let key = address_key(lines.iter().copied());
    assert_eq!(address_key([key.as_str()]), key, "an address key is its own key");
}
