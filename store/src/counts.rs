//! The valid count of each petition, kept without a hot row.
//!
//! Each change that makes a signature count or stop counting adds +1 or −1 to one of [`SHARDS`]
//! counter rows for its petition and ward, in the same transaction as the change, so concurrent
//! confirmations rarely touch the same row. The count is the sum of the shards; [`recount`]
//! rebuilds it from the signature rows, asking the engine's rule which of them count, as a slow
//! check on the fast path.

use petition_core::signature::{SignatureFacts, Status};
use sqlx::{AnyConnection, Row};
use std::collections::BTreeMap;

use crate::db::{values_list, Db, ROWS_PER_STATEMENT};
use crate::error::{Result, StoreError};
use crate::petitions;

/// Counter rows per petition and ward.
pub const SHARDS: i64 = 16;

/// The valid count from the counters.
pub async fn valid_count(conn: &mut AnyConnection, id: i64) -> Result<u64> {
    let row = sqlx::query("SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) AS n FROM count_shards WHERE petition_id = $1")
        .bind(id)
        .fetch_one(conn)
        .await?;
    Ok(row.try_get::<i64, _>("n")?.max(0) as u64)
}

/// Valid counts per ward from the counters.
pub async fn by_ward(db: &Db, id: i64) -> Result<BTreeMap<String, u64>> {
    let rows = sqlx::query(
        "SELECT ward_code, CAST(SUM(n) AS BIGINT) AS n FROM count_shards WHERE petition_id = $1 GROUP BY ward_code",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?;
    let mut out = BTreeMap::new();
    for r in rows {
        let n: i64 = r.try_get("n")?;
        if n != 0 {
            out.insert(r.try_get("ward_code")?, n.max(0) as u64);
        }
    }
    Ok(out)
}

/// The slow path: valid counts per ward from the signature rows themselves, each judged by
/// [`SignatureFacts::counts`].
pub async fn recount(db: &Db, id: i64) -> Result<BTreeMap<String, u64>> {
    let Some(p) = petitions::fetch(db, id).await? else { return Ok(BTreeMap::new()) };
    let rows = sqlx::query(
        "SELECT ward_code, status, confirmed_at, struck_at FROM signatures WHERE petition_id = $1 AND status <> $2",
    )
    .bind(id)
    .bind(Status::Unconfirmed.name())
    .fetch_all(&db.pool)
    .await?;
    let mut out = BTreeMap::new();
    for r in rows {
        let status = signature_status(&r.try_get::<String, _>("status")?)?;
        let struck = r.try_get::<Option<i64>, _>("struck_at")?.is_some();
        let facts = SignatureFacts::of(status, r.try_get("confirmed_at")?, struck);
        if facts.counts(&p.terms, &p.state) {
            *out.entry(r.try_get("ward_code")?).or_insert(0) += 1;
        }
    }
    Ok(out)
}

/// A stored signature status, which only [`Status::name`] ever writes.
pub(crate) fn signature_status(s: &str) -> Result<Status> {
    Status::parse(s).ok_or_else(|| StoreError::Corrupt(format!("a signature has the status {s:?}")))
}

/// The counters set beside a recount from the rows, per ward, where they differ.
pub async fn check(db: &Db, id: i64) -> Result<Vec<(String, u64, u64)>> {
    let fast = by_ward(db, id).await?;
    let slow = recount(db, id).await?;
    let wards: std::collections::BTreeSet<&String> = fast.keys().chain(slow.keys()).collect();
    Ok(wards
        .into_iter()
        .filter_map(|w| {
            let (f, s) = (fast.get(w).copied().unwrap_or(0), slow.get(w).copied().unwrap_or(0));
            (f != s).then(|| (w.clone(), f, s))
        })
        .collect())
}

/// Checks a petition's counters against a recount and records the result for the officer pages,
/// which show the latest rather than recount on every view.
pub async fn check_and_record(db: &Db, id: i64, now: i64) -> Result<Vec<(String, u64, u64)>> {
    // The counters and the rows are read by two statements, so a confirmation committing in
    // between shows as a difference that is gone a moment later: only one that lasts through
    // three checks is recorded.
    let mut diff = check(db, id).await?;
    for _ in 0..2 {
        if diff.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        diff = check(db, id).await?;
    }
    let text: Vec<String> = diff.iter().map(|(w, f, s)| format!("{w} {f} {s}")).collect();
    sqlx::query(
        "INSERT INTO count_checks (petition_id, checked_at, mismatches) VALUES ($1, $2, $3)
         ON CONFLICT (petition_id) DO UPDATE SET checked_at = excluded.checked_at, mismatches = excluded.mismatches",
    )
    .bind(id)
    .bind(now)
    .bind(text.join("\n"))
    .execute(&db.pool)
    .await?;
    Ok(diff)
}

/// The latest recorded check of a petition's counters: when, and where they disagreed.
pub async fn last_check(db: &Db, id: i64) -> Result<Option<(i64, Vec<(String, u64, u64)>)>> {
    let Some(r) = sqlx::query("SELECT checked_at, mismatches FROM count_checks WHERE petition_id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
    else {
        return Ok(None);
    };
    let text: String = r.try_get(1)?;
    let corrupt = || StoreError::Corrupt(format!("the recorded count check of petition {id}: {text:?}"));
    let mut diff = Vec::new();
    for line in text.lines() {
        let mut parts = line.split(' ');
        let (Some(w), Some(f), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err(corrupt());
        };
        diff.push((w.to_string(), f.parse().map_err(|_| corrupt())?, s.parse().map_err(|_| corrupt())?));
    }
    Ok(Some((r.try_get(0)?, diff)))
}

/// Adds `delta` to a ward's counter, in the caller's transaction. The shard follows the signature
/// so that its +1 and −1 land on the same row.
pub(crate) async fn add(
    conn: &mut AnyConnection,
    petition_id: i64,
    ward: &str,
    signature_id: i64,
    delta: i64,
) -> Result<()> {
    let mut deltas = Deltas::new();
    deltas.add(petition_id, ward, signature_id, delta);
    deltas.apply(conn).await
}

/// Changes to the counters, gathered per counter row so that a group of changes writes each row
/// once, in one order (two groups writing the same rows then wait for each other rather than
/// deadlock).
#[derive(Default)]
pub(crate) struct Deltas(BTreeMap<(i64, String, i64), i64>);

impl Deltas {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    pub(crate) fn add(&mut self, petition_id: i64, ward: &str, signature_id: i64, delta: i64) {
        *self.0.entry((petition_id, ward.to_string(), signature_id.rem_euclid(SHARDS))).or_default() += delta;
    }

    pub(crate) async fn apply(&self, conn: &mut AnyConnection) -> Result<()> {
        let rows: Vec<_> = self.0.iter().filter(|(_, &n)| n != 0).collect();
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let sql = format!(
                "INSERT INTO count_shards (petition_id, ward_code, shard, n) VALUES {}
                 ON CONFLICT (petition_id, ward_code, shard) DO UPDATE SET n = count_shards.n + excluded.n",
                values_list(chunk.len(), 4)
            );
            let mut q = sqlx::query(&sql);
            for ((petition_id, ward, shard), n) in chunk {
                q = q.bind(*petition_id).bind(ward.as_str()).bind(*shard).bind(**n);
            }
            q.execute(&mut *conn).await?;
        }
        Ok(())
    }
}
