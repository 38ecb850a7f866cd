//! Reading an import file as a table: a header naming the columns, then rows of fields looked up
//! by column name. Files come from spreadsheets and council systems, so the reader is lenient
//! about the container (byte-order mark, tabs or commas, column order, the case of column names,
//! spaces around fields) and strict about what it holds (every row as long as the header, no
//! control characters).

use std::fmt;

use super::line::LineError;

/// A problem with the file's layout rather than with a value in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TableProblem {
    /// The csv reader's own words.
    UnreadableHeader(String),
    MissingColumns(Vec<String>),
    FieldCount {
        fields: usize,
        header: usize,
    },
    ControlCharacters,
    /// The csv reader's own words.
    Unreadable(String),
    NoRows,
}

impl fmt::Display for TableProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TableProblem::UnreadableHeader(e) => write!(f, "unreadable header: {e}"),
            TableProblem::MissingColumns(names) => write!(f, "missing column(s): {}", names.join(", ")),
            TableProblem::FieldCount { fields, header } => write!(f, "has {fields} fields, the header has {header}"),
            TableProblem::ControlCharacters => f.write_str("contains control characters"),
            TableProblem::Unreadable(e) => write!(f, "unreadable: {e}"),
            TableProblem::NoRows => f.write_str("the file has no rows"),
        }
    }
}

/// A CSV file read into header-indexed records with their line numbers.
pub struct Table {
    header: Vec<String>,
    records: Vec<(u64, csv::StringRecord)>,
}

/// One row of a [`Table`], whose fields are looked up by column name.
pub struct Row<'a> {
    pub line: u64,
    table: &'a Table,
    record: &'a csv::StringRecord,
}

impl Table {
    /// Reads `text`, which must have the `required` columns. Rows that cannot be used at all
    /// (wrong length, control characters) are reported in `errors` and left out; `None` when the
    /// header itself is unusable, since no row can then be read.
    pub fn read(text: &str, required: &[&str], errors: &mut Vec<LineError>) -> Option<Table> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        // Flexible, so that a short or long row is reported with its line rather than ending
        // the read.
        let mut reader =
            csv::ReaderBuilder::new().delimiter(delimiter(text)).flexible(true).from_reader(text.as_bytes());
        let mut table = match Table::with_header(&mut reader, required) {
            Ok(table) => table,
            Err(problem) => {
                errors.push(LineError::new(1, problem));
                return None;
            }
        };
        table.read_records(reader, text, errors);
        if table.records.is_empty() && errors.is_empty() {
            errors.push(LineError::new(2, TableProblem::NoRows));
        }
        Some(table)
    }

    /// An empty table with the file's header (trimmed), if it has the `required` columns.
    fn with_header(reader: &mut csv::Reader<&[u8]>, required: &[&str]) -> Result<Table, TableProblem> {
        let header = reader.headers().map_err(|e| TableProblem::UnreadableHeader(e.to_string()))?;
        let table = Table { header: header.iter().map(|s| s.trim().to_string()).collect(), records: Vec::new() };
        let missing = table.missing(required);
        if missing.is_empty() {
            Ok(table)
        } else {
            Err(TableProblem::MissingColumns(missing))
        }
    }

    /// Reads the records after the header of `text`, keeping those that can be used.
    fn read_records(&mut self, reader: csv::Reader<&[u8]>, text: &str, errors: &mut Vec<LineError>) {
        let mut lines = LineCounter::new(text);
        for record in reader.into_records() {
            match record {
                Ok(r) => {
                    let line = r.position().map_or(0, |p| lines.line_at(p.byte()));
                    match self.unusable(&r) {
                        Some(problem) => errors.push(LineError::new(line, problem)),
                        None => self.records.push((line, r)),
                    }
                }
                Err(e) => {
                    let line = e.position().map_or(0, |p| lines.line_at(p.byte()));
                    errors.push(LineError::new(line, TableProblem::Unreadable(e.to_string())));
                }
            }
        }
    }

    /// The `required` columns the header lacks, in the order they are required.
    fn missing(&self, required: &[&str]) -> Vec<String> {
        required.iter().filter(|r| !self.has(r)).map(|r| r.to_string()).collect()
    }

    /// Why a record cannot be read as a row of this table, if it cannot.
    fn unusable(&self, record: &csv::StringRecord) -> Option<TableProblem> {
        if record.len() != self.header.len() {
            Some(TableProblem::FieldCount { fields: record.len(), header: self.header.len() })
        } else if record.iter().any(|f| f.chars().any(|c| c.is_control() && c != '\t')) {
            Some(TableProblem::ControlCharacters)
        } else {
            None
        }
    }

    /// The column names, trimmed, as the header writes them.
    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// Whether the header names `column` (in any case).
    pub fn has(&self, column: &str) -> bool {
        self.col(column).is_some()
    }

    fn col(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h.eq_ignore_ascii_case(name))
    }

    /// The usable rows, in file order.
    pub fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        self.records.iter().map(move |(line, record)| Row { line: *line, table: self, record })
    }

    /// Reads every row with `read`, in file order: the rows it accepts are returned, the first
    /// problem of each it refuses goes to `errors` with its line.
    pub fn read_rows<T, P: fmt::Display>(
        &self,
        errors: &mut Vec<LineError>,
        mut read: impl FnMut(&Row) -> Result<T, P>,
    ) -> Vec<T> {
        let mut accepted = Vec::new();
        for row in self.rows() {
            match read(&row) {
                Ok(value) => accepted.push(value),
                Err(problem) => errors.push(LineError::new(row.line, problem)),
            }
        }
        accepted
    }
}

impl<'a> Row<'a> {
    /// The field in `column`, trimmed; empty when the file has no such column, so that optional
    /// columns read as blank.
    pub fn get(&self, column: &str) -> &'a str {
        self.table.col(column).and_then(|i| self.record.get(i)).map(str::trim).unwrap_or("")
    }
}

/// Spreadsheets save "tab-separated" files that are otherwise CSV; the header says which. It
/// ends at the first line break of any kind: `str::lines` knows only LF, so a file with CR line
/// endings was sniffed whole, and a tab in any field made it tab-separated.
fn delimiter(text: &str) -> u8 {
    let header = text.split(['\r', '\n']).next().unwrap_or("");
    if header.contains('\t') {
        b'\t'
    } else {
        b','
    }
}

/// The line numbers of records, as an editor shows them: a line ends at CR LF, LF or CR.
///
/// The csv reader's own count is not that. It gives a record the position it read from, which
/// is before the LF of a CR LF and before any blank lines, and it counts only LFs: in a file saved
/// with Windows line endings every row was reported one line early (the first on line 1, the
/// header's), and blank lines were not counted at all.
struct LineCounter<'a> {
    text: &'a [u8],
    /// Bytes before this have been counted.
    at: usize,
    /// The line `at` is on.
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> Self {
        LineCounter { text: text.as_bytes(), at: 0, line: 1 }
    }

    /// The line of the record the reader placed at `byte`. Records come in file order, so each
    /// call counts on from the last.
    fn line_at(&mut self, byte: u64) -> u64 {
        let mut start = usize::try_from(byte).unwrap_or(usize::MAX).min(self.text.len());
        // A record never begins with a line break (the reader skips blank lines), so any here
        // are the end of the line before it and the blank lines after that.
        while start < self.text.len() && matches!(self.text[start], b'\r' | b'\n') {
            start += 1;
        }
        for i in self.at..start {
            let ends_line = match self.text[i] {
                b'\n' => true,
                b'\r' => self.text.get(i + 1) != Some(&b'\n'),
                _ => false,
            };
            self.line += u64::from(ends_line);
        }
        self.at = self.at.max(start);
        self.line
    }
}

/// Sorts problems by line, keeping the order of those on one line: the order a person reads the
/// report in, whichever check found them.
pub fn by_line(mut errors: Vec<LineError>) -> Vec<LineError> {
    errors.sort_by_key(|e| e.line);
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the fuzz crate's `csv` target: with Windows line endings every row was reported
    /// a line early, the first on the header's line, and blank lines were never counted.
    #[test]
    fn rows_are_numbered_by_the_lines_an_editor_shows() {
        for newline in ["\n", "\r\n", "\r"] {
            // Line 3 is blank; the field opened on line 5 runs onto line 6.
            let text = ["a,b", "1,2", "", "3,4", "\"5", "x\",6", "7,8", ""].join(newline);
            for text in [text.clone(), format!("\u{feff}{text}")] {
                let mut errors = Vec::new();
                let table = Table::read(&text, &["a", "b"], &mut errors).expect("a header");
                let lines: Vec<u64> = table.rows().map(|r| r.line).collect();
                assert_eq!(lines, [2, 4, 7], "{text:?}");
                assert_eq!(errors, [LineError::new(5, TableProblem::ControlCharacters)], "{text:?}");
            }
        }
    }

    /// Found by the fuzz crate's `csv` target: a comma-separated file with CR line endings and a
    /// tab in a field was read as tab-separated, and refused for missing columns.
    #[test]
    fn only_the_header_line_says_whether_tabs_separate() {
        for newline in ["\n", "\r\n", "\r"] {
            let text = ["a,b", "1,x\ty", ""].join(newline);
            let mut errors = Vec::new();
            let table = Table::read(&text, &["a", "b"], &mut errors).expect("a comma-separated header");
            assert!(errors.is_empty(), "{errors:?}");
            assert_eq!(table.rows().map(|r| r.get("b")).collect::<Vec<_>>(), ["x\ty"], "{text:?}");
            let tabs = ["a\tb", "1\tx,y", ""].join(newline);
            let table = Table::read(&tabs, &["a", "b"], &mut errors).expect("a tab-separated header");
            assert_eq!(table.rows().map(|r| r.get("b")).collect::<Vec<_>>(), ["x,y"], "{tabs:?}");
        }
    }
}
