//! An electorates file, `area_code,register_date,electorate`, as its text alone reads it: the
//! number of electors in an area on the register of a given date. Whether the area exists is
//! for the importer to check against the stored areas.

use std::collections::HashSet;
use std::fmt;

use petition_core::threshold::Day;

use super::line::{AreaLine, LineError};
use super::number::{whole_number, NumberProblem};
use super::table::{by_line, Row, Table};

pub const COLUMNS: [&str; 3] = ["area_code", "register_date", "electorate"];

/// The figure a sound line gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Electorate {
    pub register_date: Day,
    pub electorate: u32,
}

/// A line, with its area code as written (see [`AreaLine`]).
pub type Line = AreaLine<Electorate, Problem>;

/// What the text alone can find wrong with a line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    Date,
    Number(NumberProblem),
    Twice { area_code: String, register_date: Day },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Date => f.write_str("register_date: must be a real date written YYYY-MM-DD"),
            Problem::Number(NumberProblem::Plus) => {
                f.write_str("electorate: must be written in digits only, without a +")
            }
            Problem::Number(NumberProblem::NotWhole) => f.write_str("electorate: must be a whole number, 0 or more"),
            Problem::Twice { area_code, register_date } => {
                write!(f, "{area_code} on {register_date} appears twice in the file")
            }
        }
    }
}

/// Reads an electorates file: every usable line in file order, each with its figure or its
/// problem, and the problems with the file's layout, in line order.
pub fn parse(text: &str) -> (Vec<Line>, Vec<LineError>) {
    let mut errors = Vec::new();
    let Some(table) = Table::read(text, &COLUMNS, &mut errors) else { return (Vec::new(), errors) };
    let mut seen = HashSet::new();
    let lines = table
        .rows()
        .map(|row| Line { line: row.line, area_code: row.get("area_code").to_string(), read: figure(&row, &mut seen) })
        .collect();
    (lines, by_line(errors))
}

/// One line's figure. An area and date count as seen only on a line that is otherwise sound.
fn figure(row: &Row, seen: &mut HashSet<(String, Day)>) -> Result<Electorate, Problem> {
    let register_date = Day::parse(row.get("register_date")).ok_or(Problem::Date)?;
    let electorate = whole_number(row.get("electorate")).map_err(Problem::Number)?;
    let area_code = row.get("area_code");
    if !seen.insert((area_code.to_string(), register_date)) {
        return Err(Problem::Twice { area_code: area_code.to_string(), register_date });
    }
    Ok(Electorate { register_date, electorate })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<(u64, String)> {
        let (lines, errors) = parse(text);
        let mut all: Vec<(u64, String)> = errors.into_iter().map(|e| (e.line, e.message)).collect();
        all.extend(lines.into_iter().filter_map(|l| l.read.err().map(|p| (l.line, p.to_string()))));
        all.sort();
        all
    }

    #[test]
    fn reads_figures_and_names_bad_lines() {
        let text = "area_code,register_date,electorate\nE05900001,2026-02-15,1200\nE05900001,2026-02-30,5\n\
                    E05999999,2026-02-15,5\nE05900001,2025-02-15,-4\nE05900001,2026-02-15,7\n";
        let (lines, errors) = parse(text);
        assert!(errors.is_empty());
        assert_eq!(lines.len(), 5);
        let date = Day::parse("2026-02-15").unwrap();
        assert_eq!(lines[0].read, Ok(Electorate { register_date: date, electorate: 1200 }));
        assert_eq!(lines[2].area_code, "E05999999", "the area is the importer's to judge");
        assert!(lines[2].read.is_ok());
        assert_eq!(
            problems(text),
            [
                (3, "register_date: must be a real date written YYYY-MM-DD".to_string()),
                (5, "electorate: must be a whole number, 0 or more".to_string()),
                (6, "E05900001 on 2026-02-15 appears twice in the file".to_string()),
            ]
        );
    }

    #[test]
    fn a_number_with_a_plus_is_refused() {
        let text = "area_code,register_date,electorate\nE05900001,2026-02-15,+1200\n";
        assert_eq!(problems(text), [(2, "electorate: must be written in digits only, without a +".to_string())]);
    }
}
