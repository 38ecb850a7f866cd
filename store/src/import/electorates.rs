//! Importing electorates: each line (`parse::electorates`) must name a stored area; the figures
//! are then written at once, replacing any stored for the same area and register date.

use petition_core::reference::FileKind;
use sqlx::AnyConnection;

use crate::db::Db;
use crate::import::apply::{begin, close, Apply};
use crate::import::known::{in_known_areas, known_areas};
use crate::import::outcome::{finish, ImportError, Imported};
use crate::import::parse::electorates::{parse, Electorate};

/// `area_code,register_date,electorate`.
pub async fn electorates(db: &Db, text: &str, apply: Apply<'_>) -> Result<Imported, ImportError> {
    let (lines, mut errors) = parse(text);
    // A file without a usable line fails on its text alone: there is nothing to look up.
    if lines.is_empty() {
        return finish(errors).map(|_| Imported::default());
    }
    let known = known_areas(db).await?;
    let figures = in_known_areas(lines, &known, &mut errors);
    finish(errors)?;
    let mut tx = begin(db, apply).await?;
    write(&mut tx, &figures).await?;
    let done = Imported { rows: figures.len(), notes: vec![] };
    close(tx, apply, FileKind::Electorates, &done).await?;
    Ok(done)
}

async fn write(tx: &mut AnyConnection, figures: &[(String, Electorate)]) -> Result<(), ImportError> {
    for (code, e) in figures {
        sqlx::query(
            "INSERT INTO electorates (area_code, register_date, electorate) VALUES ($1, $2, $3)
             ON CONFLICT (area_code, register_date) DO UPDATE SET electorate = excluded.electorate",
        )
        .bind(code)
        .bind(e.register_date.to_string())
        .bind(i64::from(e.electorate))
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}
