//! The electoral register as election software exports it, as its text alone reads it: Xpress
//! 13-field (`Elector Name`) or 14-field (`Elector Surname`, `Elector Forename`) layout. Placing
//! each elector at a gazetteer property is the importer's, against the stored addresses.

use std::collections::HashSet;
use std::fmt;

use petition_core::names::{address_key, register_key, register_name_key};
use petition_core::postcode::PostcodeError;
use petition_core::Postcode;

use super::line::LineError;
use super::table::{by_line, Row, Table, TableProblem};

pub const COLUMNS: [&str; 6] =
    ["Elector Number Prefix", "Elector Number", "Elector Number Suffix", "Elector Markers", "PostCode", "Address1"];

pub const ADDRESS_COLUMNS: [&str; 6] = ["Address1", "Address2", "Address3", "Address4", "Address5", "Address6"];

/// A line of a register whose text is sound.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Elector {
    pub line: u64,
    /// `PREFIX-NUMBER`, or `PREFIX-NUMBER/SUFFIX` when the suffix is not zero.
    pub elector_number: String,
    /// The polling district: the prefix, in upper case. The file is the whole register of each
    /// district it names.
    pub district: String,
    /// Franchise markers, letters only (`F` for an overseas elector, say).
    pub markers: String,
    /// What a signer's name is matched by (`names::register_key`).
    pub name_key: String,
    pub postcode: Postcode,
    /// What a gazetteer property's address is matched by: the address lines, less any that only
    /// repeat the postcode.
    pub address_key: String,
}

/// What the text alone can find wrong with a line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    Prefix,
    Number,
    Suffix,
    Twice(String),
    Markers,
    Name,
    Postcode(PostcodeError),
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Prefix => f.write_str("Elector Number Prefix: must be 1 to 10 letters or digits"),
            Problem::Number => f.write_str("Elector Number: must be a whole number"),
            Problem::Suffix => f.write_str("Elector Number Suffix: must be blank or a whole number"),
            Problem::Twice(number) => write!(f, "elector number {number} appears twice in the file"),
            Problem::Markers => f.write_str("Elector Markers: must be letters only"),
            Problem::Name => f.write_str("the elector's name needs a forename and a surname"),
            Problem::Postcode(e) => write!(f, "PostCode: {e}"),
        }
    }
}

/// How a register's layout gives names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Names {
    /// 14 fields: `Elector Surname` and `Elector Forename`.
    Split,
    /// 13 fields: `Elector Name`, as `SURNAME, Forenames`.
    Whole,
}

/// Reads a register: the electors whose lines are sound, in file order, and every problem, in
/// line order.
pub fn parse(text: &str) -> (Vec<Elector>, Vec<LineError>) {
    let mut errors = Vec::new();
    let Some(table) = Table::read(text, &COLUMNS, &mut errors) else { return (Vec::new(), errors) };
    let names = if table.has("Elector Surname") && table.has("Elector Forename") {
        Names::Split
    } else if table.has("Elector Name") {
        Names::Whole
    } else {
        let missing = "Elector Name (or Elector Surname and Elector Forename)".to_string();
        errors.push(LineError::new(1, TableProblem::MissingColumns(vec![missing])));
        return (Vec::new(), by_line(errors));
    };
    let mut seen = HashSet::new();
    let electors = table.read_rows(&mut errors, |row| elector(row, names, &mut seen));
    (electors, by_line(errors))
}

/// One line. An elector number counts as seen once it reads, whatever else is wrong with its
/// line.
fn elector(row: &Row, names: Names, seen: &mut HashSet<String>) -> Result<Elector, Problem> {
    let (elector_number, district) = elector_number(row)?;
    if !seen.insert(elector_number.clone()) {
        return Err(Problem::Twice(elector_number));
    }
    let markers = row.get("Elector Markers");
    if markers.len() > 10 || !markers.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(Problem::Markers);
    }
    let name_key = match names {
        Names::Split => register_key(row.get("Elector Surname"), row.get("Elector Forename")),
        Names::Whole => register_name_key(row.get("Elector Name")),
    };
    let name_key = name_key.ok_or(Problem::Name)?;
    let postcode = Postcode::parse(row.get("PostCode")).map_err(Problem::Postcode)?;
    // Some exports repeat the postcode as the last address line; the gazetteer never does.
    let lines = ADDRESS_COLUMNS
        .iter()
        .map(|c| row.get(c))
        .filter(|l| !l.is_empty() && !l.eq_ignore_ascii_case(postcode.as_str()));
    Ok(Elector {
        line: row.line,
        elector_number,
        district,
        markers: markers.to_string(),
        name_key,
        address_key: address_key(lines),
        postcode,
    })
}

/// The elector number and polling district from the prefix, number and suffix columns. A zero
/// suffix (`0`, `00`) is no suffix, and a suffix's leading zeros are dropped, so each elector has
/// one spelling.
fn elector_number(row: &Row) -> Result<(String, String), Problem> {
    let prefix = row.get("Elector Number Prefix");
    let number = row.get("Elector Number");
    let suffix = row.get("Elector Number Suffix");
    if prefix.is_empty() || prefix.len() > 10 || !prefix.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(Problem::Prefix);
    }
    if number.is_empty() || number.len() > 7 || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Problem::Number);
    }
    if suffix.len() > 3 || !suffix.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Problem::Suffix);
    }
    let elector_number = match suffix.trim_start_matches('0') {
        "" => format!("{prefix}-{number}"),
        s => format!("{prefix}-{number}/{s}"),
    };
    Ok((elector_number, prefix.to_ascii_uppercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER_14: &str = "Elector Number Prefix,Elector Number,Elector Number Suffix,Elector Markers,Elector DOB,\
                             Elector Surname,Elector Forename,PostCode,Address1,Address2,Address3,Address4,Address5,Address6";

    #[test]
    fn reads_electors_of_a_14_field_register() {
        let text = format!(
            "{HEADER_14}\nzz,1,0,F,,Abroad,Alex,RV1 0AA,1 Nowhere Lane,Rivermouth,rv1 0aa,,,\n\
             ZZ,2,01,,,Local,Lee,rv10aa,1 Nowhere Lane,,,,,\n"
        );
        let (electors, errors) = parse(&text);
        assert!(errors.is_empty(), "{errors:?}");
        let alex = &electors[0];
        assert_eq!((alex.elector_number.as_str(), alex.district.as_str()), ("zz-1", "ZZ"));
        assert_eq!((alex.markers.as_str(), alex.name_key.as_str()), ("F", "alex abroad"));
        assert_eq!(alex.address_key, address_key(["1 Nowhere Lane", "Rivermouth"]), "the postcode line is dropped");
        assert_eq!((electors[1].line, electors[1].elector_number.as_str()), (3, "ZZ-2/1"));
        assert_eq!(electors[1].postcode.as_str(), "RV1 0AA");
    }

    #[test]
    fn names_bad_lines_and_a_missing_name_column() {
        let text = format!(
            "{HEADER_14}\nZZ,1,,,,Abroad,Alex,RV1 0AA,1 Lane,,,,,\nZZ,1,000,,,Again,Al,RV1 0AA,1 Lane,,,,,\n\
             Z-Z,2,,,,A,B,RV1 0AA,1 Lane,,,,,\nZZ,+3,,,,A,B,RV1 0AA,1 Lane,,,,,\nZZ,4,x,,,A,B,RV1 0AA,1 Lane,,,,,\n\
             ZZ,5,,F1,,A,B,RV1 0AA,1 Lane,,,,,\nZZ,6,,,,Solo,,RV1 0AA,1 Lane,,,,,\nZZ,7,,,,A,B,NOPE,1 Lane,,,,,\n"
        );
        let (electors, errors) = parse(&text);
        assert_eq!(electors.len(), 1);
        let got: Vec<(u64, &str)> = errors.iter().map(|e| (e.line, e.message.as_str())).collect();
        assert_eq!(
            got,
            [
                (3, "elector number ZZ-1 appears twice in the file"),
                (4, "Elector Number Prefix: must be 1 to 10 letters or digits"),
                (5, "Elector Number: must be a whole number"),
                (6, "Elector Number Suffix: must be blank or a whole number"),
                (7, "Elector Markers: must be letters only"),
                (8, "the elector's name needs a forename and a surname"),
                (9, "PostCode: Enter a real postcode, like CA10 1AA"),
            ]
        );
        let no_names = "Elector Number Prefix,Elector Number,Elector Number Suffix,Elector Markers,PostCode,Address1\n\
                        ZZ,1,,,RV1 0AA,1 Lane\n";
        let (electors, errors) = parse(no_names);
        assert!(electors.is_empty());
        assert_eq!(
            errors[0].to_string(),
            "line 1: missing column(s): Elector Name (or Elector Surname and Elector Forename)"
        );
    }
}
