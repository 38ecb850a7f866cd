//! Importing the electoral register: each sound line (`parse::register`) is placed at a stored
//! gazetteer property by postcode and address; those that cannot be placed are imported without
//! one and reported, since signers at them will go to an officer for review. The file is the
//! whole register of each polling district it covers, so electors of those districts it no
//! longer lists are marked as having left.

use std::collections::{BTreeSet, HashMap};

use petition_core::franchise::NonLocalMarkers;
use petition_core::reference::FileKind;
use sqlx::{AnyConnection, Row};

use crate::db::Db;
use crate::import::apply::{begin, close, Apply};
use crate::import::outcome::{finish, ImportError, Imported};
use crate::import::parse::register::{parse, Elector};

/// Stored gazetteer properties by (postcode, address key): their UPRN.
type Properties = HashMap<(String, String), String>;

/// An elector ready to write: where they were placed (if anywhere) and whether they count.
struct Placed {
    elector: Elector,
    uprn: Option<String>,
    local: bool,
}

/// The electoral register as election software exports it: Xpress 13-field (`Elector Name`) or
/// 14-field (`Elector Surname`, `Elector Forename`) layout. Electors with any of `non_local`
/// markers are kept but never match a signer.
pub async fn register(
    db: &Db,
    text: &str,
    non_local: &NonLocalMarkers,
    apply: Apply<'_>,
) -> Result<Imported, ImportError> {
    let (electors, errors) = parse(text);
    // A file none of whose lines is sound fails on its text alone: there is nothing to look up.
    if electors.is_empty() {
        return finish(errors).map(|_| Imported::default());
    }
    let properties = properties(db).await?;
    finish(errors)?;
    let placed: Vec<Placed> = electors
        .into_iter()
        .map(|elector| Placed {
            uprn: properties.get(&(elector.postcode.to_string(), elector.address_key.clone())).cloned(),
            local: non_local.is_local(&elector.markers),
            elector,
        })
        .collect();
    let mut tx = begin(db, apply).await?;
    let left = write(&mut tx, &placed).await?;
    let unplaced = placed.iter().filter(|p| p.uprn.is_none()).count();
    let not_local = placed.iter().filter(|p| !p.local).count();
    let mut notes = vec![];
    if left > 0 {
        notes.push(format!("{left} elector(s) are no longer on the register and will not match a signer"));
    }
    if not_local > 0 {
        notes.push(format!("{not_local} elector(s) are not local government electors and will not count"));
    }
    if unplaced > 0 {
        notes.push(format!(
            "{unplaced} elector(s) could not be placed at a gazetteer address; their signatures will go to review"
        ));
    }
    let done = Imported { rows: placed.len(), notes };
    close(tx, apply, FileKind::Register, &done).await?;
    Ok(done)
}

async fn properties(db: &Db) -> Result<Properties, ImportError> {
    Ok(sqlx::query("SELECT uprn, postcode, address_key FROM addresses")
        .fetch_all(&db.pool)
        .await?
        .into_iter()
        .map(|r| Ok(((r.try_get("postcode")?, r.try_get("address_key")?), r.try_get("uprn")?)))
        .collect::<Result<_, sqlx::Error>>()?)
}

/// Writes the electors, marking those of the file's districts it no longer lists as having left;
/// returns how many left. Refused if most of a district would leave (the caller's transaction,
/// dropped, writes nothing).
async fn write(tx: &mut AnyConnection, placed: &[Placed]) -> Result<i64, ImportError> {
    let districts: BTreeSet<&str> = placed.iter().map(|p| p.elector.district.as_str()).collect();
    // Whoever the file no longer lists in its districts has left (the prefix is letters and
    // digits only, so it is safe in a LIKE pattern).
    let now = crate::time::now();
    for d in &districts {
        sqlx::query(
            "UPDATE electors SET removed_at = $1 WHERE removed_at IS NULL AND UPPER(elector_number) LIKE $2 || '-%'",
        )
        .bind(now)
        .bind(*d)
        .execute(&mut *tx)
        .await?;
    }
    for p in placed {
        let e = &p.elector;
        sqlx::query(
            "INSERT INTO electors (elector_number, markers, local_franchise, name_key, postcode, address_key, uprn)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (elector_number) DO UPDATE SET markers = excluded.markers,
               local_franchise = excluded.local_franchise, name_key = excluded.name_key,
               postcode = excluded.postcode, address_key = excluded.address_key, uprn = excluded.uprn,
               removed_at = NULL",
        )
        .bind(&e.elector_number)
        .bind(&e.markers)
        .bind(p.local as i64)
        .bind(&e.name_key)
        .bind(e.postcode.as_str())
        .bind(&e.address_key)
        .bind(p.uprn.clone())
        .execute(&mut *tx)
        .await?;
    }
    // Everyone listed again came back above; whoever is still marked has left. A file that
    // drops most of a district is part of a register (a month's changes, say), not the whole.
    let mut left = 0i64;
    for d in &districts {
        let r = sqlx::query(
            "SELECT CAST(COALESCE(SUM(CASE WHEN removed_at = $1 THEN 1 ELSE 0 END), 0) AS BIGINT),
                    CAST(COALESCE(SUM(CASE WHEN removed_at IS NULL OR removed_at = $1 THEN 1 ELSE 0 END), 0) AS BIGINT)
             FROM electors WHERE UPPER(elector_number) LIKE $2 || '-%'",
        )
        .bind(now)
        .bind(*d)
        .fetch_one(&mut *tx)
        .await?;
        let (gone, were): (i64, i64) = (r.try_get(0)?, r.try_get(1)?);
        if gone > 0 && gone * 2 > were {
            return Err(ImportError::Refused(format!(
                "it would take {gone} of the {were} electors of polling district {d} off the register; a register \
                 file must list everyone in each district it covers"
            )));
        }
        left += gone;
    }
    Ok(left)
}
