//! Attempts to sign, waiting for their signer to confirm by email.
//!
//! An attempt holds no place: several may wait for one elector, since whoever typed a name and
//! address first may not be that elector. The first confirmed takes the elector's place (a row
//! in `signatures`); the rest are told the elector has signed. Each attempt expires, and is
//! deleted a day after, confirmed or not: the signature keeps what must be kept.

use std::collections::BTreeMap;

use petition_core::signature::Status;
use petition_core::text::Email;
use sqlx::{AnyConnection, Row};

use crate::counts::signature_status;
use crate::db::Db;
use crate::error::{Result, StoreError};

/// How long an attempt waits to be confirmed unless the deployment says otherwise: long enough
/// for a slow mailbox, short enough that a link found later in an old mailbox or a leaked
/// database does nothing, and that nobody holds an elector's details in waiting for long.
pub const DEFAULT_ATTEMPT_LIFETIME: i64 = 48 * 60 * 60;

/// How long an expired attempt is kept, so that its link says it expired rather than that it
/// is unknown.
pub const KEEP_EXPIRED_FOR: i64 = 24 * 60 * 60;

/// A place a signer could take: the key that stops it being taken twice, and the elector it
/// stands for where the register knew the signer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Place {
    pub(crate) key: String,
    pub(crate) elector: Option<i64>,
}

/// The places of an attempt as stored: space-separated keys, each followed by `=` and the
/// elector's row where there is one. Keys are hex, so neither separator can occur in one.
pub(crate) fn encode_places(places: &[Place]) -> String {
    let one = |p: &Place| match p.elector {
        Some(e) => format!("{}={e}", p.key),
        None => p.key.clone(),
    };
    places.iter().map(one).collect::<Vec<_>>().join(" ")
}

pub(crate) fn decode_places(text: &str) -> Result<Vec<Place>> {
    let corrupt = || StoreError::Corrupt(format!("an attempt's places cannot be read: {text:?}"));
    let places: Vec<Place> = text
        .split(' ')
        .map(|p| match p.split_once('=') {
            Some((key, e)) => Ok(Place { key: key.to_string(), elector: Some(e.parse().map_err(|_| corrupt())?) }),
            None => Ok(Place { key: p.to_string(), elector: None }),
        })
        .collect::<Result<_>>()?;
    if places.iter().any(|p| p.key.is_empty()) {
        return Err(corrupt());
    }
    Ok(places)
}

/// The signature holding a place, as signing and confirming read it.
pub(crate) struct Holder {
    pub(crate) id: i64,
    pub(crate) status: Status,
    pub(crate) strike_reason: Option<Option<String>>,
    pub(crate) email_key: String,
}

impl Holder {
    /// Whether an attempt can take this holder's place: only a withdrawn signature gives it up.
    pub(crate) fn frees_place(&self) -> bool {
        self.status == Status::Withdrawn
    }
}

/// The signatures of a petition holding any of `keys`, by key: one read, whether or not the
/// register knew the signer, so the two take alike.
pub(crate) async fn holders(
    conn: &mut AnyConnection,
    petition_id: i64,
    keys: &[String],
) -> Result<BTreeMap<String, Holder>> {
    let mut out = BTreeMap::new();
    for chunk in keys.chunks(500) {
        let list: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT dedupe_key, id, status, struck_at, strike_reason, email FROM signatures
             WHERE petition_id = $1 AND dedupe_key IN ({})",
            list.join(", ")
        );
        let mut q = sqlx::query(&sql).bind(petition_id);
        for k in chunk {
            q = q.bind(k);
        }
        for r in q.fetch_all(&mut *conn).await? {
            let email: String = r.try_get(5)?;
            let struck = r.try_get::<Option<i64>, _>(3)?.is_some();
            out.insert(
                r.try_get(0)?,
                Holder {
                    id: r.try_get(1)?,
                    status: signature_status(&r.try_get::<String, _>(2)?)?,
                    strike_reason: if struck { Some(r.try_get(4)?) } else { None },
                    email_key: email_key(&email),
                },
            );
        }
    }
    Ok(out)
}

/// The mailbox an email address reaches, for telling a repeat from someone else. Stored
/// addresses were parsed when given; one that no longer parses is compared as written.
pub(crate) fn email_key(email: &str) -> String {
    Email::parse(email).map(|e| e.canonical()).unwrap_or_else(|_| email.to_lowercase())
}

/// Deletes attempts that expired more than [`KEEP_EXPIRED_FOR`] ago, confirmed or not. Their
/// personal data goes with them; a confirmed one's signature keeps its own copy.
pub async fn purge_expired(db: &Db, now: i64) -> Result<u64> {
    Ok(sqlx::query("DELETE FROM sign_attempts WHERE expires_at < $1")
        .bind(now - KEEP_EXPIRED_FOR)
        .execute(&db.pool)
        .await?
        .rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_read_back_as_written() {
        let places = vec![
            Place { key: "ab12".into(), elector: Some(7) },
            Place { key: "cd34".into(), elector: Some(1_000_000_000_000) },
        ];
        assert_eq!(decode_places(&encode_places(&places)).unwrap(), places);
        let unmatched = vec![Place { key: "ef56".into(), elector: None }];
        assert_eq!(encode_places(&unmatched), "ef56");
        assert_eq!(decode_places("ef56").unwrap(), unmatched);
    }

    #[test]
    fn unreadable_places_are_corrupt_not_guessed() {
        for bad in ["", "ab=x", "ab  cd", "=7"] {
            assert!(matches!(decode_places(bad), Err(StoreError::Corrupt(_))), "{bad:?}");
        }
    }
}
