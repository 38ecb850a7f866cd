//! Importing areas: each sound line of the file (`parse::areas`) is checked against its parent,
//! which must be stored or come earlier in the file, then all are written at once.

use std::fmt;

use petition_core::reference::FileKind;
use petition_core::AreaKind;
use sqlx::AnyConnection;

use crate::db::Db;
use crate::import::apply::{begin, close, Apply};
use crate::import::known::{known_areas, KnownAreas};
use crate::import::outcome::{finish, ImportError, Imported};
use crate::import::parse::areas::{parse, Area};
use crate::import::parse::line::LineError;

/// What is wrong with an area's parent, given the stored areas and the file's earlier lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Misplaced {
    Inside { kind: AreaKind, parent_kind: AreaKind, parent: String },
    UnknownParent(String),
}

impl fmt::Display for Misplaced {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Misplaced::Inside { kind, parent_kind, parent } => {
                write!(f, "a {kind} cannot lie inside a {parent_kind} ({parent})")
            }
            Misplaced::UnknownParent(parent) => {
                write!(f, "parent_code {parent} is not a known area (list parents before their children)")
            }
        }
    }
}

/// `code,name,kind,parent_code`: parents may come earlier in the file or be in the database.
pub async fn areas(db: &Db, text: &str, apply: Apply<'_>) -> Result<Imported, ImportError> {
    let (areas, mut errors) = parse(text);
    // A file none of whose lines is sound fails on its text alone: there is nothing to look up.
    if areas.is_empty() {
        return finish(errors).map(|_| Imported::default());
    }
    let mut known = known_areas(db).await?;
    let mut placed = Vec::new();
    for area in areas {
        match check_parent(&area, &known) {
            Ok(()) => {
                // Later lines may sit in this one.
                known.insert(area.code.to_string(), (area.kind, area.parent.clone()));
                placed.push(area);
            }
            Err(problem) => errors.push(LineError::new(area.line, problem)),
        }
    }
    finish(errors)?;
    let mut tx = begin(db, apply).await?;
    write(&mut tx, &placed).await?;
    let done = Imported { rows: placed.len(), notes: vec![] };
    close(tx, apply, FileKind::Areas, &done).await?;
    Ok(done)
}

fn check_parent(area: &Area, known: &KnownAreas) -> Result<(), Misplaced> {
    let Some(parent) = &area.parent else { return Ok(()) };
    match known.get(parent) {
        Some((parent_kind, _)) if area.kind.may_sit_in(*parent_kind) => Ok(()),
        Some((parent_kind, _)) => {
            Err(Misplaced::Inside { kind: area.kind, parent_kind: *parent_kind, parent: parent.clone() })
        }
        None => Err(Misplaced::UnknownParent(parent.clone())),
    }
}

/// Inserts the areas, or renames and moves those already stored.
async fn write(tx: &mut AnyConnection, areas: &[Area]) -> Result<(), ImportError> {
    for a in areas {
        sqlx::query(
            "INSERT INTO areas (code, name, kind, parent_code) VALUES ($1, $2, $3, $4)
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, kind = excluded.kind, parent_code = excluded.parent_code",
        )
        .bind(a.code.as_str())
        .bind(&a.name)
        .bind(a.kind.as_str())
        .bind(a.parent.clone())
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}
