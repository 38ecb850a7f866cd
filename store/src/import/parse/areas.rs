//! An areas file, `code,name,kind,parent_code`, as its text alone reads it. Whether a parent
//! exists, and may hold the area, depends on what is stored and is checked by the importer.

use std::collections::HashSet;
use std::fmt;

use petition_core::area::AreaCodeError;
use petition_core::{AreaCode, AreaKind};

use super::line::LineError;
use super::table::{by_line, Row, Table};

pub const COLUMNS: [&str; 4] = ["code", "name", "kind", "parent_code"];

/// The longest area name, in characters.
pub const MAX_NAME: usize = 200;

/// A line of an areas file whose text is sound.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Area {
    pub line: u64,
    pub code: AreaCode,
    pub name: String,
    pub kind: AreaKind,
    /// As written: it names an area earlier in the file or already stored, which the importer
    /// looks up, so a malformed one is reported as unknown there.
    pub parent: Option<String>,
}

/// What the text alone can find wrong with a line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    Code(AreaCodeError),
    Twice(AreaCode),
    Name,
    Kind,
    WardWithoutParent,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Code(e) => write!(f, "code: {e}"),
            Problem::Twice(code) => write!(f, "{code} appears twice in the file"),
            Problem::Name => write!(f, "name: must be 1 to {MAX_NAME} characters"),
            Problem::Kind => f.write_str("kind: must be county, district or ward"),
            Problem::WardWithoutParent => f.write_str("a ward needs the district it lies in as parent_code"),
        }
    }
}

/// Reads an areas file: the areas whose lines are sound, in file order, and every problem, in
/// line order.
pub fn parse(text: &str) -> (Vec<Area>, Vec<LineError>) {
    let mut errors = Vec::new();
    let Some(table) = Table::read(text, &COLUMNS, &mut errors) else { return (Vec::new(), errors) };
    let mut seen = HashSet::new();
    let areas = table.read_rows(&mut errors, |row| area(row, &mut seen));
    (areas, by_line(errors))
}

/// One line. A code counts as seen once it reads, whatever else is wrong with its line, so a
/// second line with it is reported as a repeat.
fn area(row: &Row, seen: &mut HashSet<AreaCode>) -> Result<Area, Problem> {
    let code = AreaCode::parse(row.get("code")).map_err(Problem::Code)?;
    if !seen.insert(code.clone()) {
        return Err(Problem::Twice(code));
    }
    let name = row.get("name");
    if name.is_empty() || name.chars().count() > MAX_NAME {
        return Err(Problem::Name);
    }
    let kind = AreaKind::parse(row.get("kind")).ok_or(Problem::Kind)?;
    let parent = match row.get("parent_code") {
        "" if kind == AreaKind::Ward => return Err(Problem::WardWithoutParent),
        "" => None,
        parent => Some(parent.to_string()),
    };
    Ok(Area { line: row.line, code, name: name.to_string(), kind, parent })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_sound_lines_and_names_the_rest() {
        let text = "code,name,kind,parent_code\nE10900001,Westshire,county,\nE05900001,Harbour,ward,E07900001\n\
                    e05900002,Bad,ward,E07900001\nE05900001,Again,ward,E07900001\nE05900003,,ward,E07900001\n\
                    E05900004,X,parish,E07900001\nE05900005,Y,ward,\n";
        let (areas, errors) = parse(text);
        assert_eq!(
            areas.iter().map(|a| (a.line, a.code.as_str())).collect::<Vec<_>>(),
            [(2, "E10900001"), (3, "E05900001")]
        );
        assert_eq!(areas[0].parent, None);
        assert_eq!(areas[1].parent.as_deref(), Some("E07900001"));
        let got: Vec<(u64, &str)> = errors.iter().map(|e| (e.line, e.message.as_str())).collect();
        assert_eq!(
            got,
            [
                (4, "code: an area code is a capital letter followed by eight digits, like E05003220"),
                (5, "E05900001 appears twice in the file"),
                (6, "name: must be 1 to 200 characters"),
                (7, "kind: must be county, district or ward"),
                (8, "a ward needs the district it lies in as parent_code"),
            ]
        );
    }
}
