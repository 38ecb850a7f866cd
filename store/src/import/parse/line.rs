//! How an import reports a problem: the line of the file it is on, and what is wrong there.
//! Every check, on the text or against the database, ends up as one of these, so the operator
//! gets one list for the whole file.

use std::fmt;

/// One problem in an input file. Line 1 is the header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineError {
    pub line: u64,
    pub message: String,
}

impl LineError {
    /// The problem `what` on line `line`. Each check has its own typed problem; the report keeps
    /// only its words, so that problems of every kind sort into one list.
    pub fn new(line: u64, what: impl fmt::Display) -> LineError {
        LineError { line, message: what.to_string() }
    }
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// A data line of a file that gives figures per area (electorates, verification numbers). The
/// area code is kept as written whatever else is wrong with the line: the importer checks it
/// against the stored areas before anything else, and an unknown area is the problem it reports
/// for the line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AreaLine<T, P> {
    pub line: u64,
    pub area_code: String,
    /// The rest of the line, or the first problem the text shows in it.
    pub read: Result<T, P>,
}
