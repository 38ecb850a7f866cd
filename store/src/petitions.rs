//! Petitions as stored: one type, [`Petition`], read one way, with the terms and state the
//! threshold engine ([`petition_core::engine`]) decides from; and the hold a transaction takes on
//! a petition while it changes the count or the state.

use petition_core::engine::{State, Terms};
use petition_core::threshold::Trigger;
use petition_core::Percent;
use sqlx::{AnyConnection, Row};

use crate::db::{Backend, Db};
use crate::error::{Result, StoreError};

/// A namespace for the advisory lock keys of petitions.
const LOCK_CLASS: i64 = 0x5045;

/// A petition: its published text, the terms fixed when it opened and where it stands now.
#[derive(Clone, Debug)]
pub struct Petition {
    pub id: i64,
    pub title: String,
    pub body: String,
    /// The referendum question of a petition that began as a resident's proposal.
    pub question: Option<String>,
    pub area_code: String,
    pub register_date: String,
    pub terms: Terms,
    pub state: State,
    /// When its result was certified: its signatures can no longer change.
    pub certified_at: Option<i64>,
    /// Bumped by every change of state, for compare-and-set writes.
    pub(crate) seq: i64,
}

const COLS: &str = "id, title, body, question, area_code, register_date, opens_at, base_closes_at, electorate, percent, \
                    required, published_number, valid_seen, reached, paused_since, paused_total, closed_at, certified_at, state_seq";

fn petition_from(r: &sqlx::any::AnyRow) -> Result<Petition> {
    let percent: String = r.try_get("percent")?;
    let id: i64 = r.try_get("id")?;
    let trigger = Trigger {
        electorate: r.try_get::<i64, _>("electorate")? as u64,
        percent: Percent::parse(&percent)
            .ok_or_else(|| StoreError::Corrupt(format!("petition {id} has the percentage {percent:?}")))?,
        required: r.try_get::<i64, _>("required")? as u64,
        published: r.try_get::<i64, _>("published_number")? != 0,
    };
    Ok(Petition {
        id,
        title: r.try_get("title")?,
        body: r.try_get("body")?,
        question: r.try_get("question")?,
        area_code: r.try_get("area_code")?,
        register_date: r.try_get("register_date")?,
        terms: Terms { opens: r.try_get("opens_at")?, base_closes: r.try_get("base_closes_at")?, trigger },
        state: State {
            valid: r.try_get::<i64, _>("valid_seen")? as u64,
            reached: r.try_get::<i64, _>("reached")? != 0,
            paused_since: r.try_get("paused_since")?,
            paused_total: r.try_get("paused_total")?,
            closed_at: r.try_get("closed_at")?,
        },
        certified_at: r.try_get("certified_at")?,
        seq: r.try_get("state_seq")?,
    })
}

/// One petition, read on the caller's connection (inside its transaction, if it has one).
pub async fn load(conn: &mut AnyConnection, id: i64) -> Result<Option<Petition>> {
    let row = sqlx::query(&format!("SELECT {COLS} FROM petitions WHERE id = $1")).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(petition_from).transpose()
}

/// One petition, read from the pool.
pub async fn fetch(db: &Db, id: i64) -> Result<Option<Petition>> {
    let mut conn = db.pool.acquire().await?;
    load(&mut conn, id).await
}

/// Every petition, oldest first.
pub async fn load_all(db: &Db) -> Result<Vec<Petition>> {
    let rows = sqlx::query(&format!("SELECT {COLS} FROM petitions ORDER BY id")).fetch_all(&db.pool).await?;
    rows.iter().map(petition_from).collect()
}

/// The petitions in an area that are collecting signatures at `now` (open or paused), soonest
/// deadline first. The query narrows; [`Terms::collecting`] decides.
pub async fn collecting_in(db: &Db, area_code: &str, now: i64) -> Result<Vec<Petition>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLS} FROM petitions WHERE area_code = $1 AND closed_at IS NULL AND opens_at <= $2 ORDER BY closes_at, id"
    ))
    .bind(area_code)
    .bind(now)
    .fetch_all(&db.pool)
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        let p = petition_from(r)?;
        if p.terms.collecting(&p.state, now) {
            out.push(p);
        }
    }
    Ok(out)
}

/// How a transaction holds a petition while it changes the count or the state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Hold {
    /// Changing the count: many at once.
    Shared,
    /// Reading the count for a close, pause or resume: alone.
    Exclusive,
}

/// Takes the hold inside the caller's transaction; it ends with the transaction.
pub(crate) async fn hold(conn: &mut AnyConnection, backend: Backend, id: i64, how: Hold) -> Result<()> {
    match (backend, how) {
        (Backend::Postgres, Hold::Shared) => {
            sqlx::query("SELECT 1 AS held FROM (SELECT pg_advisory_xact_lock_shared(CAST($1 AS INTEGER), CAST($2 AS INTEGER))) AS l")
                .bind(LOCK_CLASS)
                .bind(id)
                .fetch_one(conn)
                .await?;
        }
        (Backend::Postgres, Hold::Exclusive) => {
            sqlx::query(
                "SELECT 1 AS held FROM (SELECT pg_advisory_xact_lock(CAST($1 AS INTEGER), CAST($2 AS INTEGER))) AS l",
            )
            .bind(LOCK_CLASS)
            .bind(id)
            .fetch_one(conn)
            .await?;
        }
        // SQLite has one writer: a write takes it, and every later read in the transaction sees
        // the latest data.
        (Backend::Sqlite, _) => {
            sqlx::query("UPDATE petitions SET state_seq = state_seq WHERE id = $1").bind(id).execute(conn).await?;
        }
    }
    Ok(())
}
