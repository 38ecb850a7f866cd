//! What the importers check rows against: the areas already stored.

use std::collections::HashMap;
use std::fmt;

use petition_core::AreaKind;
use sqlx::Row;

use crate::db::Db;
use crate::import::outcome::ImportError;
use crate::import::parse::line::{AreaLine, LineError};

/// The areas in the database: code → (kind, parent).
pub type KnownAreas = HashMap<String, (AreaKind, Option<String>)>;

pub async fn known_areas(db: &Db) -> Result<KnownAreas, ImportError> {
    let rows = sqlx::query("SELECT code, kind, parent_code FROM areas").fetch_all(&db.pool).await?;
    let mut out = HashMap::new();
    for r in rows {
        let kind = AreaKind::parse(&r.try_get::<String, _>("kind")?).unwrap_or(AreaKind::Ward);
        out.insert(r.try_get("code")?, (kind, r.try_get::<Option<String>, _>("parent_code")?));
    }
    Ok(out)
}

/// A line names an area that is not stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownArea(pub String);

impl fmt::Display for UnknownArea {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "area_code {:?} is not a known area", self.0)
    }
}

/// The lines of a file of figures per area whose area is stored and whose text is sound, with
/// their area codes. Each other line's problem goes to `errors`: an unknown area first, since a
/// figure for an area that does not exist is wrong however it is written.
pub fn in_known_areas<T, P: fmt::Display>(
    lines: Vec<AreaLine<T, P>>,
    known: &KnownAreas,
    errors: &mut Vec<LineError>,
) -> Vec<(String, T)> {
    let mut accepted = Vec::new();
    for l in lines {
        if !known.contains_key(&l.area_code) {
            errors.push(LineError::new(l.line, UnknownArea(l.area_code)));
            continue;
        }
        match l.read {
            Ok(value) => accepted.push((l.area_code, value)),
            Err(problem) => errors.push(LineError::new(l.line, problem)),
        }
    }
    accepted
}
