//! The reference data officers load, as read back: areas and what they lie in, the postcode
//! lookup, the gazetteer's addresses, electorate figures and published verification numbers.

use petition_core::month::Month;
use petition_core::postcode::Terminated;
use petition_core::threshold::{Day, VerificationNumber};
use petition_core::views::{AddressOption, AreaRef};
use petition_core::Postcode;
use sqlx::{Any, Executor, Row};

use crate::db::Db;
use crate::error::{Result, StoreError};

pub async fn area(e: impl Executor<'_, Database = Any>, code: &str) -> Result<Option<(AreaRef, Option<String>)>> {
    let row = sqlx::query("SELECT code, name, kind, parent_code FROM areas WHERE code = $1")
        .bind(code)
        .fetch_optional(e)
        .await?;
    Ok(match row {
        None => None,
        Some(r) => Some((
            AreaRef { code: r.try_get("code")?, name: r.try_get("name")?, kind: r.try_get("kind")? },
            r.try_get("parent_code")?,
        )),
    })
}

/// The area and everything it lies in, smallest first (at most 8: a loop in the data ends there).
/// One query, not one per level: signing checks the chain of every signer's ward.
pub async fn area_chain(e: impl Executor<'_, Database = Any>, code: &str) -> Result<Vec<AreaRef>> {
    let rows = sqlx::query(
        "WITH RECURSIVE chain (code, name, kind, parent_code, depth) AS (
             SELECT code, name, kind, parent_code, 0 FROM areas WHERE code = $1
             UNION ALL
             SELECT a.code, a.name, a.kind, a.parent_code, c.depth + 1 FROM areas a JOIN chain c ON a.code = c.parent_code
             WHERE c.depth < 7)
         SELECT code, name, kind FROM chain ORDER BY depth",
    )
    .bind(code)
    .fetch_all(e)
    .await?;
    rows.iter()
        .map(|r| Ok(AreaRef { code: r.try_get("code")?, name: r.try_get("name")?, kind: r.try_get("kind")? }))
        .collect()
}

/// What the lookup says of a postcode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PostcodeStatus {
    /// In use, in this ward.
    Live {
        ward: String,
    },
    /// No longer in use. It finds no petitions and no addresses and signs nothing, even where the
    /// gazetteer still lists properties at it (see `import::postcode_lookup`): what a resident
    /// needs then is the postcode they have now, and the message says so.
    Terminated(Terminated),
    Unknown,
}

/// What the lookup says of `postcode`.
pub async fn postcode_status(e: impl Executor<'_, Database = Any>, postcode: &Postcode) -> Result<PostcodeStatus> {
    let Some(row) = sqlx::query("SELECT ward_code, terminated FROM postcodes WHERE postcode = $1")
        .bind(postcode.as_str())
        .fetch_optional(e)
        .await?
    else {
        return Ok(PostcodeStatus::Unknown);
    };
    Ok(match terminated(postcode, row.try_get("terminated")?)? {
        Some(t) => PostcodeStatus::Terminated(t),
        None => PostcodeStatus::Live { ward: row.try_get("ward_code")? },
    })
}

/// A stored termination month, as written by the import (`YYYY-MM`), for `postcode`.
pub fn terminated(postcode: &Postcode, stored: Option<String>) -> Result<Option<Terminated>> {
    let Some(stored) = stored else { return Ok(None) };
    let month = Month::parse(&stored)
        .ok_or_else(|| StoreError::Corrupt(format!("postcode {postcode} has the termination month {stored:?}")))?;
    Ok(Some(Terminated { postcode: postcode.clone(), month }))
}

/// The ward a live postcode lies in; `None` for one the lookup does not have or that is
/// terminated.
pub async fn ward_of_postcode(db: &Db, postcode: &Postcode) -> Result<Option<String>> {
    Ok(match postcode_status(&db.pool, postcode).await? {
        PostcodeStatus::Live { ward } => Some(ward),
        PostcodeStatus::Terminated(_) | PostcodeStatus::Unknown => None,
    })
}

/// The gazetteer's addresses at a postcode, in a natural order for a list.
pub async fn addresses_at(db: &Db, postcode: &Postcode) -> Result<Vec<AddressOption>> {
    let rows = sqlx::query("SELECT uprn, lines FROM addresses WHERE postcode = $1")
        .bind(postcode.as_str())
        .fetch_all(&db.pool)
        .await?;
    let mut out: Vec<AddressOption> = rows
        .iter()
        .map(|r| Ok(AddressOption { uprn: r.try_get("uprn")?, label: r.try_get("lines")? }))
        .collect::<Result<_>>()?;
    out.sort_by_key(|a| natural_key(&a.label));
    Ok(out)
}

/// Sorts "2 High Street" before "10 High Street".
fn natural_key(s: &str) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut num = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            num.push(c);
        } else {
            if !num.is_empty() {
                out.push((std::mem::take(&mut text), num.parse().unwrap_or(u64::MAX)));
                num.clear();
            }
            text.push(c.to_ascii_lowercase());
        }
    }
    out.push((text, num.parse().unwrap_or(0)));
    out
}

/// Whether `ward` is `area` or lies inside it.
pub async fn lies_in(e: impl Executor<'_, Database = Any>, ward: &str, area: &str) -> Result<bool> {
    Ok(area_chain(e, ward).await?.iter().any(|a| a.code == area))
}

/// The electorate figure in force for an area at a date: the latest register on or before it.
pub async fn electorate_at(db: &Db, area: &str, day: Day) -> Result<Option<(u64, String)>> {
    let row = sqlx::query(
        "SELECT electorate, register_date FROM electorates WHERE area_code = $1 AND register_date <= $2
         ORDER BY register_date DESC LIMIT 1",
    )
    .bind(area)
    .bind(day.to_string())
    .fetch_optional(&db.pool)
    .await?;
    Ok(match row {
        Some(r) => Some((r.try_get::<i64, _>("electorate")? as u64, r.try_get("register_date")?)),
        None => None,
    })
}

pub async fn verification_numbers(db: &Db, area: &str) -> Result<Vec<VerificationNumber>> {
    let rows = sqlx::query(
        "SELECT area_code, number, in_force_from, in_force_to FROM verification_numbers WHERE area_code = $1",
    )
    .bind(area)
    .fetch_all(&db.pool)
    .await?;
    let mut out = Vec::new();
    for r in rows {
        let from: String = r.try_get("in_force_from")?;
        let to: String = r.try_get("in_force_to")?;
        if let (Some(in_force_from), Some(in_force_to)) = (Day::parse(&from), Day::parse(&to)) {
            out.push(VerificationNumber {
                area: r.try_get("area_code")?,
                number: r.try_get::<i64, _>("number")? as u64,
                in_force_from,
                in_force_to,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn addresses_sort_by_their_numbers() {
        let mut labels = ["10 High Street", "2 High Street", "Flat 1, 2 High Street", "1a High Street"];
        labels.sort_by_key(|l| super::natural_key(l));
        assert_eq!(labels, ["1a High Street", "2 High Street", "10 High Street", "Flat 1, 2 High Street"]);
    }
}
