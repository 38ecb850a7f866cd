//! What an import comes to: the rows written and notes for the operator, or why nothing was.

use crate::error::StoreError;
use crate::import::parse::line::LineError;
use crate::import::parse::table::by_line;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the file was not imported; {} problem(s):\n{}", .0.len(), .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))]
    Lines(Vec<LineError>),
    /// The file is well formed, but importing it would do something unlikely to be meant.
    #[error("the file was not imported: {0}")]
    Refused(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for ImportError {
    fn from(e: sqlx::Error) -> Self {
        ImportError::Store(StoreError::Db(e))
    }
}

/// How many rows an import wrote, and notes worth telling the operator.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Imported {
    pub rows: usize,
    pub notes: Vec<String>,
}

/// Nothing is written while any line has a problem: the file goes in whole or not at all, and
/// the operator gets every problem at once, in line order.
pub fn finish(errors: Vec<LineError>) -> Result<(), ImportError> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ImportError::Lines(by_line(errors)))
    }
}
