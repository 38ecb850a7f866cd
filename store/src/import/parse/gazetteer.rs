//! The address gazetteer, `UPRN, AddressLine1..AddressLine6, PostCode[, WardCode]` (the layout of
//! the councils' address exports), as its text alone reads it. Which ward a property is in, when
//! the file does not say, comes from the stored postcode lookup; whether the ward exists is
//! checked against the stored areas. Both are the importer's.

use std::collections::HashSet;
use std::fmt;

use petition_core::address::Uprn;
use petition_core::names::address_key;
use petition_core::postcode::PostcodeError;
use petition_core::Postcode;

use super::line::LineError;
use super::table::{by_line, Row, Table};

pub const COLUMNS: [&str; 3] = ["UPRN", "AddressLine1", "PostCode"];

pub const ADDRESS_COLUMNS: [&str; 6] =
    ["AddressLine1", "AddressLine2", "AddressLine3", "AddressLine4", "AddressLine5", "AddressLine6"];

/// The most characters the address lines of one property may hold between them.
pub const MAX_ADDRESS: usize = 300;

/// A line of a gazetteer whose text is sound.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Property {
    pub line: u64,
    pub uprn: Uprn,
    pub postcode: Postcode,
    /// The address lines that are not blank, in order.
    pub lines: Vec<String>,
    /// What the register's addresses are matched by (`names::address_key` of the lines).
    pub address_key: String,
    /// The `WardCode` column as written, when the file has it and it is not blank.
    pub ward: Option<String>,
}

/// What the text alone can find wrong with a line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    Uprn,
    Twice(Uprn),
    Postcode(PostcodeError),
    Address,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Uprn => f.write_str("UPRN: must be 1 to 12 digits"),
            Problem::Twice(uprn) => write!(f, "UPRN {uprn} appears twice in the file"),
            Problem::Postcode(e) => write!(f, "PostCode: {e}"),
            Problem::Address => write!(f, "the address lines must hold 1 to {MAX_ADDRESS} characters"),
        }
    }
}

/// Reads a gazetteer: the properties whose lines are sound, in file order, and every problem, in
/// line order.
pub fn parse(text: &str) -> (Vec<Property>, Vec<LineError>) {
    let mut errors = Vec::new();
    let Some(table) = Table::read(text, &COLUMNS, &mut errors) else { return (Vec::new(), errors) };
    let mut seen = HashSet::new();
    let properties = table.read_rows(&mut errors, |row| property(row, &mut seen));
    (properties, by_line(errors))
}

/// One line. A UPRN counts as seen once it reads, whatever else is wrong with its line.
fn property(row: &Row, seen: &mut HashSet<Uprn>) -> Result<Property, Problem> {
    let uprn = Uprn::parse(row.get("UPRN")).ok_or(Problem::Uprn)?;
    if !seen.insert(uprn.clone()) {
        return Err(Problem::Twice(uprn));
    }
    let postcode = Postcode::parse(row.get("PostCode")).map_err(Problem::Postcode)?;
    let lines: Vec<&str> = ADDRESS_COLUMNS.iter().map(|c| row.get(c)).filter(|l| !l.is_empty()).collect();
    if lines.is_empty() || lines.iter().map(|l| l.chars().count()).sum::<usize>() > MAX_ADDRESS {
        return Err(Problem::Address);
    }
    let ward = Some(row.get("WardCode")).filter(|w| !w.is_empty()).map(str::to_string);
    Ok(Property {
        line: row.line,
        uprn,
        postcode,
        address_key: address_key(lines.iter().copied()),
        lines: lines.into_iter().map(str::to_string).collect(),
        ward,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_properties_and_names_bad_lines() {
        let text = "UPRN,AddressLine1,AddressLine2,PostCode,WardCode\n1,1 Quay Road,,RV1 1AA,E05900001\n\
                    2,Flat 2,2 Quay Road,rv11aa,\nx2,2 Quay Road,,RV1 1AA,E05900001\n1,Again,,RV1 1AA,\n\
                    3,3 Quay Road,,NOTAPC,\n4,,,RV1 1AA,\n";
        let (properties, errors) = parse(text);
        assert_eq!(properties.len(), 2);
        assert_eq!(properties[0].ward.as_deref(), Some("E05900001"));
        let second = &properties[1];
        assert_eq!((second.line, second.postcode.as_str(), second.ward.as_deref()), (3, "RV1 1AA", None));
        assert_eq!(second.lines, ["Flat 2", "2 Quay Road"]);
        assert_eq!(second.address_key, address_key(["Flat 2", "2 Quay Road"]));
        let got: Vec<(u64, &str)> = errors.iter().map(|e| (e.line, e.message.as_str())).collect();
        assert_eq!(
            got,
            [
                (4, "UPRN: must be 1 to 12 digits"),
                (5, "UPRN 1 appears twice in the file"),
                (6, "PostCode: Enter a real postcode, like CA10 1AA"),
                (7, "the address lines must hold 1 to 300 characters"),
            ]
        );
    }
}
