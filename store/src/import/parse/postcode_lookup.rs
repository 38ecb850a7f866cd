//! A postcode → ward lookup in the Code-Point Open layout (`postcode, admin_county_code,
//! lad_gss_code, ward_gss_code, ward_name`), as its text alone reads it. Whether the areas it
//! names agree with the stored ones (and with its earlier lines) is for the importer to check.

use std::collections::HashSet;
use std::fmt;

use petition_core::postcode::PostcodeError;
use petition_core::{AreaCode, Postcode};

use super::line::LineError;
use super::table::{by_line, Row, Table};

pub const COLUMNS: [&str; 5] = ["postcode", "admin_county_code", "lad_gss_code", "ward_gss_code", "ward_name"];

/// What ONS writes for "no county" (unitary authorities).
pub const NO_COUNTY: &str = "E99999999";

/// A line of a lookup whose text is sound: a postcode and the chain of areas it lies in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placed {
    pub line: u64,
    pub postcode: Postcode,
    pub ward: AreaCode,
    pub district: AreaCode,
    pub county: Option<AreaCode>,
    /// As written, possibly blank: it is needed only when the ward is new to the store.
    pub ward_name: String,
}

/// What the text alone can find wrong with a line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    Postcode(PostcodeError),
    Twice(Postcode),
    Codes,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Postcode(e) => write!(f, "postcode: {e}"),
            Problem::Twice(postcode) => write!(f, "{postcode} appears twice in the file"),
            Problem::Codes => {
                f.write_str("ward_gss_code, lad_gss_code and admin_county_code must be area codes like E05003220")
            }
        }
    }
}

/// Reads a postcode lookup: the postcodes whose lines are sound, in file order, and every
/// problem, in line order.
pub fn parse(text: &str) -> (Vec<Placed>, Vec<LineError>) {
    let mut errors = Vec::new();
    let Some(table) = Table::read(text, &COLUMNS, &mut errors) else { return (Vec::new(), errors) };
    let mut seen = HashSet::new();
    let placed = table.read_rows(&mut errors, |row| placed(row, &mut seen));
    (placed, by_line(errors))
}

/// One line. A postcode counts as seen once it reads, whatever else is wrong with its line.
fn placed(row: &Row, seen: &mut HashSet<Postcode>) -> Result<Placed, Problem> {
    let postcode = Postcode::parse(row.get("postcode")).map_err(Problem::Postcode)?;
    if !seen.insert(postcode.clone()) {
        return Err(Problem::Twice(postcode));
    }
    let county = match row.get("admin_county_code") {
        "" | NO_COUNTY => Ok(None),
        code => AreaCode::parse(code).map(Some),
    };
    let (Ok(ward), Ok(district), Ok(county)) =
        (AreaCode::parse(row.get("ward_gss_code")), AreaCode::parse(row.get("lad_gss_code")), county)
    else {
        return Err(Problem::Codes);
    };
    Ok(Placed { line: row.line, postcode, ward, district, county, ward_name: row.get("ward_name").to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_postcodes_and_their_areas() {
        let text = "postcode,admin_county_code,lad_gss_code,ward_gss_code,ward_name\n\
                    CA10 1AA,E10000006,E07000030,E05003220,Alston Moor\nca101ab,E99999999,E07000030,E05003220,\n\
                    CA10 1AA,E10000006,E07000030,E05003220,Again\nCA10 1AD,,E07000030,e05003220,Bad\nnope,,,,\n";
        let (placed, errors) = parse(text);
        assert_eq!(placed.len(), 2);
        assert_eq!(placed[0].county.as_ref().map(AreaCode::as_str), Some("E10000006"));
        assert_eq!((placed[1].postcode.as_str(), placed[1].county.as_ref()), ("CA10 1AB", None));
        assert_eq!(placed[1].ward_name, "");
        let got: Vec<(u64, &str)> = errors.iter().map(|e| (e.line, e.message.as_str())).collect();
        assert_eq!(
            got,
            [
                (4, "CA10 1AA appears twice in the file"),
                (5, "ward_gss_code, lad_gss_code and admin_county_code must be area codes like E05003220"),
                (6, "postcode: Enter a real postcode, like CA10 1AA"),
            ]
        );
    }
}
