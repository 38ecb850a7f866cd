//! A file of published verification numbers, `area_code,number,in_force_from,in_force_to`, as
//! its text alone reads it. Whether the area exists is for the importer to check against the
//! stored areas.

use std::fmt;

use petition_core::threshold::Day;

use super::line::{AreaLine, LineError};
use super::number::{whole_number, NumberProblem};
use super::table::{by_line, Row, Table};

pub const COLUMNS: [&str; 4] = ["area_code", "number", "in_force_from", "in_force_to"];

/// The number a sound line gives, and the days it is in force, inclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VerificationNumber {
    pub number: u32,
    pub in_force_from: Day,
    pub in_force_to: Day,
}

/// A line, with its area code as written (see [`AreaLine`]).
pub type Line = AreaLine<VerificationNumber, Problem>;

/// What the text alone can find wrong with a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    Dates,
    Backwards,
    Number(NumberProblem),
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Problem::Dates => "in_force_from and in_force_to must be real dates written YYYY-MM-DD",
            Problem::Backwards => "in_force_to is before in_force_from",
            Problem::Number(NumberProblem::Plus) => "number: must be written in digits only, without a +",
            Problem::Number(NumberProblem::NotWhole) => "number: must be a whole number",
        })
    }
}

/// Reads a verification numbers file: every usable line in file order, each with its number or
/// its problem, and the problems with the file's layout, in line order.
pub fn parse(text: &str) -> (Vec<Line>, Vec<LineError>) {
    let mut errors = Vec::new();
    let Some(table) = Table::read(text, &COLUMNS, &mut errors) else { return (Vec::new(), errors) };
    let lines = table
        .rows()
        .map(|row| Line { line: row.line, area_code: row.get("area_code").to_string(), read: number(&row) })
        .collect();
    (lines, by_line(errors))
}

fn number(row: &Row) -> Result<VerificationNumber, Problem> {
    let (Some(in_force_from), Some(in_force_to)) =
        (Day::parse(row.get("in_force_from")), Day::parse(row.get("in_force_to")))
    else {
        return Err(Problem::Dates);
    };
    if in_force_to < in_force_from {
        return Err(Problem::Backwards);
    }
    let number = whole_number(row.get("number")).map_err(Problem::Number)?;
    Ok(VerificationNumber { number, in_force_from, in_force_to })
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
    fn reads_numbers_and_names_bad_lines() {
        let text = "area_code,number,in_force_from,in_force_to\nE05900001,7,2026-01-01,2026-12-31\n\
                    E05900001,8,2026-12-31,2026-01-01\nE05900001,x,2026-01-01,2026-12-31\nE05900001,9,2026-1-01,2026-12-31\n\
                    E05900001,+1200,2026-01-01,2026-12-31\n";
        let (lines, _) = parse(text);
        let (from, to) = (Day::parse("2026-01-01").unwrap(), Day::parse("2026-12-31").unwrap());
        assert_eq!(lines[0].read, Ok(VerificationNumber { number: 7, in_force_from: from, in_force_to: to }));
        assert_eq!(
            problems(text),
            [
                (3, "in_force_to is before in_force_from".to_string()),
                (4, "number: must be a whole number".to_string()),
                (5, "in_force_from and in_force_to must be real dates written YYYY-MM-DD".to_string()),
                (6, "number: must be written in digits only, without a +".to_string()),
            ]
        );
    }
}
