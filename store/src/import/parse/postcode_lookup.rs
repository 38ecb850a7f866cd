//! A postcode → ward lookup, in any of the layouts `postcode_layouts` recognises, as its text
//! alone reads it: each postcode, the chain of areas it lies in, and whether (and when) it was
//! terminated. Whether the areas it names agree with the stored ones (and with its earlier lines)
//! is for the importer to check.

use std::collections::HashSet;
use std::fmt;

use petition_core::month::Month;
use petition_core::postcode::PostcodeError;
use petition_core::{AreaCode, Postcode};

use super::line::LineError;
use super::postcode_layouts::{recognise, Columns, Layout};
use super::table::{by_line, Row, Table};

/// What ONS writes for "no county" (unitary authorities) in England; see [`is_pseudo`].
pub const NO_COUNTY: &str = "E99999999";

/// Whether `code` is one of the ONS pseudo codes, a country letter then `99999999`, which stand
/// for "none" (`E99999999` for the county of an English unitary authority, `S99999999` for any
/// county in Scotland, `M99999999` for everything on the Isle of Man).
pub fn is_pseudo(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 9 && b[0].is_ascii_uppercase() && &code[1..] == "99999999"
}

/// A lookup as its text reads: its layout and the lines that are sound.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lookup {
    pub columns: Columns,
    pub placed: Vec<Placed>,
}

/// A line of a lookup whose text is sound: a postcode and the chain of areas it lies in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placed {
    pub line: u64,
    pub postcode: Postcode,
    pub ward: AreaCode,
    pub district: AreaCode,
    pub county: Option<AreaCode>,
    /// As written, possibly blank (always, in a layout without ward names): it is needed only
    /// when the ward is new to the store.
    pub ward_name: String,
    /// The month the postcode was terminated; `None` while it is live.
    pub terminated: Option<Month>,
}

/// What the text alone can find wrong with a line. Each names the columns of the file's layout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    Postcode {
        column: String,
        error: PostcodeError,
    },
    Twice(Postcode),
    /// The layout's ward, district and county columns, one of which is not a code.
    Codes(Vec<String>),
    /// A ward or district written as a pseudo code: the postcode is in no ward (the Channel
    /// Islands, the Isle of Man, or a postcode ONS could not place).
    Pseudo {
        column: String,
        code: String,
    },
    Termination {
        column: String,
        value: String,
        forms: &'static str,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Postcode { column, error } => write!(f, "{column}: {error}"),
            Problem::Twice(postcode) => write!(f, "{postcode} appears twice in the file"),
            Problem::Codes(columns) => {
                // A ward and a district at least, so there is always an "and".
                let (last, rest) = columns.split_last().map_or(("", &[][..]), |(last, rest)| (last.as_str(), rest));
                write!(f, "{} and {last} must be area codes like E05003220", rest.join(", "))
            }
            Problem::Pseudo { column, code } => write!(
                f,
                "{column} is {code}, the ONS pseudo code for none: a postcode in the lookup needs a real ward and \
                 district"
            ),
            Problem::Termination { column, value, forms } => {
                write!(f, "{column}: {value:?} is not a date written {forms} (leave it blank for a live postcode)")
            }
        }
    }
}

/// Reads a postcode lookup: its layout and the postcodes whose lines are sound, in file order
/// (`None` when the header is not one of a lookup), and every problem, in line order.
pub fn parse(text: &str) -> (Option<Lookup>, Vec<LineError>) {
    let mut errors = Vec::new();
    let Some(table) = Table::read(text, &[], &mut errors) else { return (None, errors) };
    let columns = match recognise(table.header()) {
        Ok(columns) => columns,
        // Until the layout is known no row can be read, and what the rows' shapes say is noise.
        Err(problem) => return (None, vec![LineError::new(1, problem)]),
    };
    let mut seen = HashSet::new();
    let placed = table.read_rows(&mut errors, |row| placed(row, &columns, &mut seen));
    (Some(Lookup { columns, placed }), by_line(errors))
}

/// One line. A postcode counts as seen once it reads, whatever else is wrong with its line.
fn placed(row: &Row, c: &Columns, seen: &mut HashSet<Postcode>) -> Result<Placed, Problem> {
    let postcode = Postcode::parse(row.get(&c.postcode))
        .map_err(|error| Problem::Postcode { column: c.postcode.clone(), error })?;
    if !seen.insert(postcode.clone()) {
        return Err(Problem::Twice(postcode));
    }
    let county = match c.county.as_deref().map(|column| row.get(column)) {
        None | Some("") => Ok(None),
        Some(code) if is_pseudo(code) => Ok(None),
        Some(code) => AreaCode::parse(code).map(Some),
    };
    let (Ok(ward), Ok(district), Ok(county)) =
        (AreaCode::parse(row.get(&c.ward)), AreaCode::parse(row.get(&c.district)), county)
    else {
        let columns = [Some(&c.ward), Some(&c.district), c.county.as_ref()].into_iter().flatten().cloned().collect();
        return Err(Problem::Codes(columns));
    };
    for (column, code) in [(&c.ward, &ward), (&c.district, &district)] {
        if is_pseudo(code.as_str()) {
            return Err(Problem::Pseudo { column: column.clone(), code: code.to_string() });
        }
    }
    let terminated = match &c.terminated {
        None => None,
        Some(column) => {
            let value = row.get(column);
            c.layout.termination(value).map_err(|_| Problem::Termination {
                column: column.clone(),
                value: value.to_string(),
                forms: c.layout.date_forms(),
            })?
        }
    };
    let ward_name = c.ward_name.as_deref().map_or("", |column| row.get(column)).to_string();
    Ok(Placed { line: row.line, postcode, ward, district, county, ward_name, terminated })
}

/// How many postcodes a lookup holds and how many of them are terminated, as the import reports
/// them: "read as ONSPD (ONS Postcode Directory): 2,562 postcodes, 14 terminated".
pub fn summary(lookup: &Lookup) -> String {
    let n = lookup.placed.len();
    let terminated = lookup.placed.iter().filter(|p| p.terminated.is_some()).count();
    let dates = if lookup.columns.terminated.is_some() {
        format!("{} terminated", thousands(terminated))
    } else if lookup.columns.layout == Layout::CodePoint {
        "all live (Code-Point Open lists live postcodes only)".to_string()
    } else {
        "all live (the file has no termination column)".to_string()
    };
    let postcodes = if n == 1 { "postcode" } else { "postcodes" };
    format!("read as {}: {} {postcodes}, {dates}", lookup.columns.layout.describe(), thousands(n))
}

/// `2562` as `2,562`.
fn thousands(n: usize) -> String {
    if n < 1000 {
        n.to_string()
    } else {
        format!("{},{:03}", thousands(n / 1000), n % 1000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(errors: &[LineError]) -> Vec<(u64, &str)> {
        errors.iter().map(|e| (e.line, e.message.as_str())).collect()
    }

    #[test]
    fn reads_postcodes_and_their_areas() {
        let text = "postcode,admin_county_code,lad_gss_code,ward_gss_code,ward_name\n\
                    CA10 1AA,E10000006,E07000030,E05003220,Alston Moor\nca101ab,E99999999,E07000030,E05003220,\n\
                    CA10 1AA,E10000006,E07000030,E05003220,Again\nCA10 1AD,,E07000030,e05003220,Bad\nnope,,,,\n";
        let (lookup, errors) = parse(text);
        let lookup = lookup.unwrap();
        assert_eq!(lookup.columns.layout, Layout::CodePoint);
        let placed = &lookup.placed;
        assert_eq!(placed.len(), 2);
        assert_eq!(placed[0].county.as_ref().map(AreaCode::as_str), Some("E10000006"));
        assert_eq!((placed[1].postcode.as_str(), placed[1].county.as_ref()), ("CA10 1AB", None));
        assert_eq!((placed[1].ward_name.as_str(), placed[1].terminated), ("", None));
        assert_eq!(
            problems(&errors),
            [
                (4, "CA10 1AA appears twice in the file"),
                (5, "ward_gss_code, lad_gss_code and admin_county_code must be area codes like E05003220"),
                (6, "postcode: Enter a real postcode, like CA10 1AA"),
            ]
        );
        assert_eq!(
            summary(&lookup),
            "read as Code-Point Open: 2 postcodes, all live (Code-Point Open lists live postcodes only)"
        );
    }

    /// ONSPD as published: every field quoted, `pcd` the 7-character form, `doterm` blank while
    /// live. `pcds` is read, not `pcd` (here deliberately another postcode).
    #[test]
    fn reads_onspd_with_its_termination_dates() {
        let text = "\u{feff}pcd,pcd2,pcds,dointr,doterm,oscty,ced,oslaua,osward,usertype\r\n\
                    \"CA101AA\",\"CA10 1AA\",\"CA10 1AA\",\"198001\",\"\",\"E10000006\",\"E58000001\",\"E07000030\",\"E05003220\",\"0\"\r\n\
                    \"CA101ZZ\",\"CA10 1AB\",\"CA10 1AB\",\"198001\",\"201903\",\"E10000006\",\"E58000001\",\"E07000030\",\"E05003220\",\"1\"\r\n\
                    \"CA101AD\",\"CA10 1AD\",\"CA10 1AD\",\"198001\",\"2019-03\",\"E10000006\",\"E58000001\",\"E07000030\",\"E05003220\",\"1\"\r\n\
                    \"CA101AE\",\"CA10 1AE\",\"CA10 1AE\",\"198001\",\"201900\",\"E10000006\",\"E58000001\",\"E07000030\",\"E05003220\",\"1\"\r\n\
                    \"IM1 1AA\",\"IM1  1AA\",\"IM1 1AA\",\"199405\",\"199912\",\"M99999999\",\"M99999999\",\"M99999999\",\"M99999999\",\"1\"\r\n";
        let (lookup, errors) = parse(text);
        let lookup = lookup.unwrap();
        assert_eq!(lookup.columns.layout, Layout::Onspd);
        let got: Vec<(&str, Option<Month>, &str)> =
            lookup.placed.iter().map(|p| (p.postcode.as_str(), p.terminated, p.ward.as_str())).collect();
        assert_eq!(
            got,
            [("CA10 1AA", None, "E05003220"), ("CA10 1AB", Some(Month { year: 2019, month: 3 }), "E05003220")]
        );
        assert_eq!(lookup.placed[1].county.as_ref().map(AreaCode::as_str), Some("E10000006"));
        assert_eq!(lookup.placed[1].ward_name, "", "ONSPD has no ward names");
        assert_eq!(
            problems(&errors),
            [
                (4, "doterm: \"2019-03\" is not a date written YYYYMM (leave it blank for a live postcode)"),
                (5, "doterm: \"201900\" is not a date written YYYYMM (leave it blank for a live postcode)"),
                (
                    6,
                    "osward is M99999999, the ONS pseudo code for none: a postcode in the lookup needs a real ward and \
                     district"
                ),
            ]
        );
        assert_eq!(summary(&lookup), "read as ONSPD (ONS Postcode Directory): 2 postcodes, 1 terminated");
    }

    #[test]
    fn reads_nspl_where_a_pseudo_county_is_none() {
        let text = "pcd,pcd2,pcds,dointr,doterm,usertype,oseast1m,osnrth1m,osgrdind,oa21,cty,ced,laua,ward\n\
                    \"CA8 7JG\",\"CA8  7JG\",\"CA8 7JG\",\"200006\",\"\",\"0\",\"366033\",\"0564878\",\"1\",\"E00139875\",\"E99999999\",\"E99999999\",\"E06000057\",\"E05009122\"\n\
                    \"CA8 7JH\",\"CA8  7JH\",\"CA8 7JH\",\"200006\",\"\",\"0\",\"366033\",\"0564878\",\"1\",\"E00139875\",\"E10000006\",\"E99999999\",\"E06000057\",\"e05009122\"\n";
        let (lookup, errors) = parse(text);
        let lookup = lookup.unwrap();
        assert_eq!(lookup.columns.layout, Layout::Nspl);
        assert_eq!(lookup.placed.len(), 1);
        assert_eq!((lookup.placed[0].district.as_str(), lookup.placed[0].county.as_ref()), ("E06000057", None));
        assert_eq!(problems(&errors), [(3, "ward, laua and cty must be area codes like E05003220")]);
    }

    #[test]
    fn reads_a_gis_export_with_names_and_iso_dates() {
        let text = "OBJECTID\tPostcode\tWD23CD\tWD23NM\tLAD23CD\tTerminated\n\
                    1\tCA10 1AA\tE05003220\tAlston Moor\tE07000030\t\n\
                    2\tCA10 1AB\tE05003220\tAlston Moor\tE07000030\t2019-03-31\n\
                    3\tCA10 1AD\tE05003220\tAlston Moor\tE07000030\t31/03/2019\n";
        let (lookup, errors) = parse(text);
        let lookup = lookup.unwrap();
        assert_eq!(lookup.columns.layout, Layout::Gis);
        let got: Vec<(&str, &str, Option<Month>)> =
            lookup.placed.iter().map(|p| (p.postcode.as_str(), p.ward_name.as_str(), p.terminated)).collect();
        assert_eq!(
            got,
            [("CA10 1AA", "Alston Moor", None), ("CA10 1AB", "Alston Moor", Some(Month { year: 2019, month: 3 }))]
        );
        assert_eq!(lookup.placed[0].county, None, "no county column");
        assert_eq!(
            problems(&errors),
            [(
                4,
                "terminated: \"31/03/2019\" is not a date written YYYY-MM-DD, YYYY-MM or YYYYMM (leave it blank for a \
                 live postcode)"
            )]
        );
        assert_eq!(summary(&lookup), "read as a GIS export: 2 postcodes, 1 terminated");
    }

    #[test]
    fn an_unknown_header_reads_nothing_and_says_only_that() {
        let (lookup, errors) = parse("code,ward\nCA10 1AA,E05003220\nshort\n");
        assert_eq!(lookup, None);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 1);
        assert!(errors[0].message.starts_with("unknown layout: "), "{}", errors[0]);
    }

    #[test]
    fn counts_in_thousands() {
        assert_eq!([0, 999, 1000, 2562, 1234567].map(thousands), ["0", "999", "1,000", "2,562", "1,234,567"]);
    }
}
