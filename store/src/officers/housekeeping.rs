//! Deleting officer records nobody needs any more, run with the retention job: failure counts a
//! day after the last failure (the lockout forgets them then anyway), links a month after they
//! expired, and sessions a year after they were last used. Accounts are never deleted, only
//! disabled, so the audit trail always names who acted.

use petition_core::officer::lockout::FORGET_AFTER;

use crate::db::Db;
use crate::error::Result;

const DAY: i64 = 24 * 60 * 60;
/// Links are kept a while after they expire, so "this link has expired" can be told apart
/// from a link that never was in a support call.
pub const LINKS_KEPT: i64 = 30 * DAY;
/// Sessions are kept a year after their last use: the audit trail names sessions, and the
/// browser and times of one may be asked about.
pub const SESSIONS_KEPT: i64 = 365 * DAY;

/// Deletes what is due at `now`; returns how many rows went.
pub async fn purge(db: &Db, now: i64) -> Result<u64> {
    let failures = sqlx::query(
        "DELETE FROM sign_in_failures WHERE last_failed_at <= $1 AND (locked_until IS NULL OR locked_until <= $2)",
    )
    .bind(now - FORGET_AFTER)
    .bind(now)
    .execute(&db.pool)
    .await?;
    let links = sqlx::query("DELETE FROM officer_links WHERE expires_at <= $1")
        .bind(now - LINKS_KEPT)
        .execute(&db.pool)
        .await?;
    let sessions = sqlx::query("DELETE FROM officer_sessions WHERE last_seen_at <= $1")
        .bind(now - SESSIONS_KEPT)
        .execute(&db.pool)
        .await?;
    Ok(failures.rows_affected() + links.rows_affected() + sessions.rows_affected())
}
