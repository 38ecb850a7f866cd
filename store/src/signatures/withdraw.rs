//! Withdrawing a signature by the link in the thank-you email, and finding the petition a link
//! belongs to.

use petition_core::signature::{count_delta, Status};
use petition_tlog::entry::Reason;
use sqlx::Row;

use crate::counts;
use crate::db::Db;
use crate::error::{Result, StoreError};
use crate::lifecycle::settle::settle_after_commit;
use crate::mail::links::Mailing;
use crate::petitions::{self, hold, Hold};
use crate::secrets::token_hash;
use crate::signatures::stored::Stored;
use crate::transparency::queue::queue;
use crate::transparency::queued::Queued;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WithdrawOutcome {
    Withdrawn { petition_id: i64, title: String },
    AlreadyWithdrawn { petition_id: i64, title: String },
    Closed { petition_id: i64, title: String },
    UnknownLink,
}

/// Withdraws the signature a link belongs to, while its petition's window runs (paused or not).
pub async fn withdraw(db: &Db, mailing: &Mailing, token: &str, now: i64) -> Result<WithdrawOutcome> {
    let row = sqlx::query(
        "SELECT s.id, p.id, p.title FROM signatures s JOIN petitions p ON p.id = s.petition_id WHERE s.withdraw_token_hash = $1",
    )
    .bind(token_hash(token))
    .fetch_optional(&db.pool)
    .await?;
    let Some(r) = row else { return Ok(WithdrawOutcome::UnknownLink) };
    let (sig_id, petition_id): (i64, i64) = (r.try_get(0)?, r.try_get(1)?);
    let title: String = r.try_get(2)?;
    // An officer's change to the same row can commit between the read and the write (on
    // PostgreSQL); the write then changes nothing and the signer's request is simply made again.
    for _ in 0..3 {
        let Some(outcome) = try_withdraw(db, sig_id, petition_id, now).await? else { continue };
        return Ok(match outcome {
            Tried::Withdrawn { counted } => {
                if counted {
                    settle_after_commit(db, mailing, petition_id, now).await;
                }
                WithdrawOutcome::Withdrawn { petition_id, title }
            }
            Tried::AlreadyWithdrawn => WithdrawOutcome::AlreadyWithdrawn { petition_id, title },
            Tried::Closed => WithdrawOutcome::Closed { petition_id, title },
        });
    }
    Err(StoreError::Conflict(format!("signature {sig_id} kept changing while being withdrawn")))
}

enum Tried {
    /// `counted`: it counted until now, so the petition must be settled.
    Withdrawn {
        counted: bool,
    },
    AlreadyWithdrawn,
    Closed,
}

/// One attempt in one transaction; `None` if the row changed after it was read.
async fn try_withdraw(db: &Db, sig_id: i64, petition_id: i64, now: i64) -> Result<Option<Tried>> {
    let mut tx = db.pool.begin().await?;
    hold(&mut tx, db.backend, petition_id, Hold::Shared).await?;
    let p = petitions::load(&mut tx, petition_id)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("petition {petition_id}")))?;
    let s = Stored::read(&mut tx, sig_id).await?.ok_or_else(|| StoreError::NotFound(format!("signature {sig_id}")))?;
    if s.status == Status::Withdrawn {
        return Ok(Some(Tried::AlreadyWithdrawn));
    }
    if !p.terms.collecting(&p.state, now) {
        return Ok(Some(Tried::Closed));
    }
    // Only if the row is still as read, since the count and the log entry below follow the read.
    let sql = format!(
        "UPDATE signatures SET status = $1, withdrawn_at = $2 WHERE id = $3 AND status = $4 AND {}",
        s.strike_as_read()
    );
    let done = sqlx::query(&sql)
        .bind(Status::Withdrawn.name())
        .bind(now)
        .bind(sig_id)
        .bind(s.status.name())
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() != 1 {
        tx.rollback().await?;
        return Ok(None);
    }
    let delta = count_delta(&p.terms, &p.state, &s.facts(), &s.facts_with(Status::Withdrawn, s.struck));
    if delta != 0 {
        counts::add(&mut tx, petition_id, &s.ward, sig_id, delta).await?;
        // The log has this signature (every confirmed one is queued); it no longer counts.
        queue(&mut tx, petition_id, Queued::Strike(sig_id, Reason::Withdrawn), now).await?;
    }
    tx.commit().await?;
    Ok(Some(Tried::Withdrawn { counted: delta != 0 }))
}

/// The petition a confirmation or withdrawal link belongs to, for the page with the button. A
/// confirmation link names an attempt (or, if sent before attempts had rows, a signature).
pub async fn link_petition(db: &Db, kind: LinkKind, token: &str) -> Result<Option<(i64, String)>> {
    let hash = token_hash(token);
    let from_attempt = "SELECT p.id, p.title FROM sign_attempts a JOIN petitions p ON p.id = a.petition_id
         WHERE a.confirm_token_hash = $1";
    let from_signature = format!(
        "SELECT p.id, p.title FROM signatures s JOIN petitions p ON p.id = s.petition_id WHERE s.{} = $1",
        kind.column()
    );
    let tables = match kind {
        LinkKind::Confirm => vec![from_attempt.to_string(), from_signature],
        LinkKind::Withdraw => vec![from_signature],
    };
    for sql in tables {
        if let Some(r) = sqlx::query(&sql).bind(&hash).fetch_optional(&db.pool).await? {
            return Ok(Some((r.try_get(0)?, r.try_get(1)?)));
        }
    }
    Ok(None)
}

#[derive(Clone, Copy, Debug)]
pub enum LinkKind {
    Confirm,
    Withdraw,
}

impl LinkKind {
    fn column(self) -> &'static str {
        match self {
            LinkKind::Confirm => "confirm_token_hash",
            LinkKind::Withdraw => "withdraw_token_hash",
        }
    }
}
