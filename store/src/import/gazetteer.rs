//! Importing the address gazetteer: each sound line (`parse::gazetteer`) is placed in a stored
//! ward, the one it names or, where it names none, the one the stored postcode lookup gives its
//! postcode; then all are written at once.

use std::collections::HashMap;
use std::fmt;

use petition_core::reference::FileKind;
use petition_core::AreaKind;
use sqlx::{AnyConnection, Row};

use crate::db::Db;
use crate::import::apply::{begin, close, Apply};
use crate::import::known::{known_areas, KnownAreas};
use crate::import::outcome::{finish, ImportError, Imported};
use crate::import::parse::gazetteer::{parse, Property};
use crate::import::parse::line::LineError;

/// Why a property cannot be placed in a ward.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unplaced {
    /// The postcode, which the lookup does not have.
    NotInLookup(String),
    /// The ward code, which names no stored ward.
    NotAWard(String),
}

impl fmt::Display for Unplaced {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unplaced::NotInLookup(postcode) => {
                write!(f, "no WardCode, and {postcode} is not in the postcode lookup")
            }
            Unplaced::NotAWard(ward) => write!(f, "{ward} is not a known ward"),
        }
    }
}

/// The address gazetteer: `UPRN, AddressLine1..AddressLine6, PostCode[, WardCode]` (the layout of
/// the councils' address exports). Without a ward column, or where it is blank, the ward comes
/// from the postcode lookup.
pub async fn gazetteer(db: &Db, text: &str, apply: Apply<'_>) -> Result<Imported, ImportError> {
    let (properties, mut errors) = parse(text);
    // A file none of whose lines is sound fails on its text alone: there is nothing to look up.
    if properties.is_empty() {
        return finish(errors).map(|_| Imported::default());
    }
    let known = known_areas(db).await?;
    let lookup = postcode_lookup(db).await?;
    let mut placed = Vec::new();
    for p in properties {
        match ward_of(&p, &lookup, &known) {
            Ok(ward) => placed.push((p, ward)),
            Err(problem) => errors.push(LineError::new(p.line, problem)),
        }
    }
    finish(errors)?;
    let mut tx = begin(db, apply).await?;
    write(&mut tx, &placed).await?;
    let done = Imported { rows: placed.len(), notes: vec![] };
    close(tx, apply, FileKind::Gazetteer, &done).await?;
    Ok(done)
}

/// The stored postcode lookup: postcode → ward code.
async fn postcode_lookup(db: &Db) -> Result<HashMap<String, String>, ImportError> {
    Ok(sqlx::query("SELECT postcode, ward_code FROM postcodes")
        .fetch_all(&db.pool)
        .await?
        .into_iter()
        .map(|r| Ok((r.try_get("postcode")?, r.try_get("ward_code")?)))
        .collect::<Result<_, sqlx::Error>>()?)
}

/// The stored ward a property lies in.
fn ward_of(p: &Property, lookup: &HashMap<String, String>, known: &KnownAreas) -> Result<String, Unplaced> {
    let ward = match &p.ward {
        Some(ward) => ward.clone(),
        None => {
            lookup.get(p.postcode.as_str()).cloned().ok_or_else(|| Unplaced::NotInLookup(p.postcode.to_string()))?
        }
    };
    match known.get(&ward) {
        Some((AreaKind::Ward, _)) => Ok(ward),
        _ => Err(Unplaced::NotAWard(ward)),
    }
}

/// Inserts or replaces each property, and gives its postcode the property's ward in the lookup
/// where the lookup has no ward for it.
async fn write(tx: &mut AnyConnection, placed: &[(Property, String)]) -> Result<(), ImportError> {
    for (p, ward) in placed {
        sqlx::query(
            "INSERT INTO addresses (uprn, postcode, lines, address_key, ward_code) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (uprn) DO UPDATE SET postcode = excluded.postcode, lines = excluded.lines,
               address_key = excluded.address_key, ward_code = excluded.ward_code",
        )
        .bind(p.uprn.as_str())
        .bind(p.postcode.as_str())
        .bind(p.lines.join(", "))
        .bind(&p.address_key)
        .bind(ward)
        .execute(&mut *tx)
        .await?;
        sqlx::query("INSERT INTO postcodes (postcode, ward_code) VALUES ($1, $2) ON CONFLICT (postcode) DO NOTHING")
            .bind(p.postcode.as_str())
            .bind(ward)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}
