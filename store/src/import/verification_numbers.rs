//! Importing verification numbers: each line (`parse::verification_numbers`) must name a stored
//! area; the numbers are then written at once, replacing any stored for the same area and first
//! day in force.

use petition_core::reference::FileKind;
use sqlx::AnyConnection;

use crate::db::Db;
use crate::import::apply::{begin, close, Apply};
use crate::import::known::{in_known_areas, known_areas};
use crate::import::outcome::{finish, ImportError, Imported};
use crate::import::parse::verification_numbers::{parse, VerificationNumber};

/// `area_code,number,in_force_from,in_force_to`: published verification numbers.
pub async fn verification_numbers(db: &Db, text: &str, apply: Apply<'_>) -> Result<Imported, ImportError> {
    let (lines, mut errors) = parse(text);
    // A file without a usable line fails on its text alone: there is nothing to look up.
    if lines.is_empty() {
        return finish(errors).map(|_| Imported::default());
    }
    let known = known_areas(db).await?;
    let numbers = in_known_areas(lines, &known, &mut errors);
    finish(errors)?;
    let mut tx = begin(db, apply).await?;
    write(&mut tx, &numbers).await?;
    let done = Imported { rows: numbers.len(), notes: vec![] };
    close(tx, apply, FileKind::VerificationNumbers, &done).await?;
    Ok(done)
}

async fn write(tx: &mut AnyConnection, numbers: &[(String, VerificationNumber)]) -> Result<(), ImportError> {
    for (code, v) in numbers {
        sqlx::query(
            "INSERT INTO verification_numbers (area_code, number, in_force_from, in_force_to) VALUES ($1, $2, $3, $4)
             ON CONFLICT (area_code, in_force_from) DO UPDATE SET number = excluded.number, in_force_to = excluded.in_force_to",
        )
        .bind(code)
        .bind(i64::from(v.number))
        .bind(v.in_force_from.to_string())
        .bind(v.in_force_to.to_string())
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}
