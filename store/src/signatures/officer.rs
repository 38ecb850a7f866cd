//! What an officer does to one signature: approve one that could not be matched, strike one
//! with a reason, or reinstate one struck in error.

use petition_core::engine::{Event, StrikeReason};
use petition_core::officer::Effect;
use petition_core::signature::{count_delta, Status};
use sqlx::Row;

use crate::audit::{self, Action, Actor};
use crate::counts;
use crate::db::Db;
use crate::error::StoreError;
use crate::lifecycle::settle::settle;
use crate::mail::links::Mailing;
use crate::petitions::{self, hold, Hold};
use crate::signatures::stored::Stored;
use crate::transparency::queue::queue;
use crate::transparency::queued::Queued;

/// Why an officer's change to a signature was refused.
#[derive(Debug, thiserror::Error)]
pub enum OfficerError {
    #[error("There is no signature {0}")]
    NoSuchSignature(i64),
    #[error("Signature {0} has not been confirmed by its signer")]
    Unconfirmed(i64),
    #[error("Signature {0} was withdrawn by its signer")]
    Withdrawn(i64),
    #[error("Signature {0} is already struck")]
    AlreadyStruck(i64),
    #[error("Signature {0} is not struck")]
    NotStruck(i64),
    #[error("Signature {0} is not waiting for review")]
    NotForReview(i64),
    #[error("Choose a reason: {0}")]
    Reason(String),
    #[error("The result of petition {0} has been certified: its signatures can no longer be changed")]
    Certified(i64),
    #[error(
        "Petition {0} has closed, and the published log takes no signature after its close: a signature awaiting \
         review can only be struck now"
    )]
    ApproveAfterClose(i64),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for OfficerError {
    fn from(e: sqlx::Error) -> Self {
        OfficerError::Store(StoreError::Db(e))
    }
}

/// What an officer does to one signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureChange {
    /// Accepts a signature that could not be matched to the register.
    Approve,
    Strike(StrikeReason),
    Reinstate,
}

/// Applies an officer's change to a signature and settles its petition, recording who made it
/// and why in the audit trail in the same transaction. After a deadline, the close is recorded
/// first, so it states the count at the deadline. Each change is made only if
/// the row's status and strike are still as read (on PostgreSQL another change may commit in
/// between), so two changes at once cannot both move the count; the later one is refused as a
/// conflict.
pub async fn change_signature(
    db: &Db,
    mailing: &Mailing,
    signature_id: i64,
    change: SignatureChange,
    actor: &Actor,
    note: &str,
    now: i64,
) -> Result<Vec<Event>, OfficerError> {
    if let SignatureChange::Strike(StrikeReason::Withdrawn) = change {
        let officers: Vec<&str> = StrikeReason::for_officers().map(|r| r.code()).collect();
        return Err(OfficerError::Reason(officers.join(", ")));
    }
    let row = sqlx::query("SELECT petition_id FROM signatures WHERE id = $1")
        .bind(signature_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(OfficerError::NoSuchSignature(signature_id))?;
    let petition_id: i64 = row.try_get(0)?;
    let mut recorded = settle(db, mailing, petition_id, now).await?;

    let mut tx = db.pool.begin().await?;
    hold(&mut tx, db.backend, petition_id, Hold::Shared).await?;
    let p = petitions::load(&mut tx, petition_id)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("petition {petition_id}")))?;
    if p.certified_at.is_some() {
        return Err(OfficerError::Certified(petition_id));
    }
    if change == SignatureChange::Approve && p.state.closed_at.is_some() {
        return Err(OfficerError::ApproveAfterClose(petition_id));
    }
    let s = Stored::read(&mut tx, signature_id).await?.ok_or(OfficerError::NoSuchSignature(signature_id))?;
    refuse(&s, change, signature_id)?;
    let after = match change {
        SignatureChange::Approve => {
            let sql = format!(
                "UPDATE signatures SET status = $1, verified_at = $2 WHERE id = $3 AND status = $4 AND {}",
                s.strike_as_read()
            );
            let done = sqlx::query(&sql)
                .bind(Status::Confirmed.name())
                .bind(now)
                .bind(signature_id)
                .bind(Status::Review.name())
                .execute(&mut *tx)
                .await?;
            changed_as_read(done.rows_affected(), signature_id)?;
            queue(&mut tx, petition_id, Queued::Sig(signature_id), now).await?;
            if s.struck {
                // Struck while awaiting review: the log records the signature and its strike.
                let reason =
                    s.strike_reason.as_deref().and_then(StrikeReason::parse).unwrap_or(StrikeReason::Correction);
                queue(&mut tx, petition_id, Queued::Strike(signature_id, reason), now).await?;
            }
            s.facts_with(Status::Confirmed, s.struck)
        }
        SignatureChange::Strike(reason) => {
            let done = sqlx::query(
                "UPDATE signatures SET struck_at = $1, strike_reason = $2 WHERE id = $3 AND status = $4 AND struck_at IS NULL",
            )
            .bind(now)
            .bind(reason.code())
            .bind(signature_id)
            .bind(s.status.name())
            .execute(&mut *tx)
            .await?;
            changed_as_read(done.rows_affected(), signature_id)?;
            if s.status.is_logged() {
                queue(&mut tx, petition_id, Queued::Strike(signature_id, reason), now).await?;
            }
            s.facts_with(s.status, true)
        }
        SignatureChange::Reinstate => {
            let done = sqlx::query(
                "UPDATE signatures SET struck_at = NULL, strike_reason = NULL WHERE id = $1 AND status = $2 AND struck_at IS NOT NULL",
            )
            .bind(signature_id)
            .bind(s.status.name())
            .execute(&mut *tx)
            .await?;
            changed_as_read(done.rows_affected(), signature_id)?;
            if s.status.is_logged() {
                queue(&mut tx, petition_id, Queued::Reinstate(signature_id), now).await?;
            }
            s.facts_with(s.status, false)
        }
    };
    let delta = count_delta(&p.terms, &p.state, &s.facts(), &after);
    let before = counts::valid_count(&mut tx, petition_id).await?;
    counts::add(&mut tx, petition_id, &s.ward, signature_id, delta).await?;
    let (action, what) = match change {
        SignatureChange::Approve => ("approve", "approved after review".to_string()),
        SignatureChange::Strike(r) => ("strike", format!("struck: {}", r.code())),
        SignatureChange::Reinstate => ("reinstate", "reinstated".to_string()),
    };
    let detail = format!("{what}; valid {before} to {}", before.saturating_add_signed(delta));
    let a = Action {
        action,
        petition_id: Some(petition_id),
        subject: format!("signature {signature_id}"),
        reason: note,
        detail,
    };
    audit::record(&mut tx, actor, &a, now).await?;
    tx.commit().await?;
    recorded.extend(settle(db, mailing, petition_id, now).await?);
    Ok(recorded)
}

/// Why a change cannot be made to a signature as it stands, if it cannot.
fn refuse(s: &Stored, change: SignatureChange, signature_id: i64) -> Result<(), OfficerError> {
    match s.status {
        Status::Unconfirmed => return Err(OfficerError::Unconfirmed(signature_id)),
        Status::Withdrawn => return Err(OfficerError::Withdrawn(signature_id)),
        Status::Review | Status::Confirmed => {}
    }
    match change {
        SignatureChange::Approve if s.status != Status::Review => Err(OfficerError::NotForReview(signature_id)),
        SignatureChange::Strike(_) if s.struck => Err(OfficerError::AlreadyStruck(signature_id)),
        SignatureChange::Reinstate if !s.struck => Err(OfficerError::NotStruck(signature_id)),
        _ => Ok(()),
    }
}

/// What a change would do, shown to the officer before they confirm it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangePreview {
    pub petition_id: i64,
    pub title: String,
    pub ward: String,
    pub effect: Effect,
}

/// Checks a change as [`change_signature`] would and says what it would do to the count,
/// changing nothing.
pub async fn preview_change(
    db: &Db,
    signature_id: i64,
    change: SignatureChange,
) -> Result<ChangePreview, OfficerError> {
    if let SignatureChange::Strike(StrikeReason::Withdrawn) = change {
        let officers: Vec<&str> = StrikeReason::for_officers().map(|r| r.code()).collect();
        return Err(OfficerError::Reason(officers.join(", ")));
    }
    let mut conn = db.pool.acquire().await?;
    let s = Stored::read(&mut conn, signature_id).await?.ok_or(OfficerError::NoSuchSignature(signature_id))?;
    refuse(&s, change, signature_id)?;
    let row = sqlx::query("SELECT petition_id FROM signatures WHERE id = $1")
        .bind(signature_id)
        .fetch_one(&mut *conn)
        .await?;
    let petition_id: i64 = row.try_get(0)?;
    let p = petitions::load(&mut conn, petition_id)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("petition {petition_id}")))?;
    if p.certified_at.is_some() {
        return Err(OfficerError::Certified(petition_id));
    }
    if change == SignatureChange::Approve && p.state.closed_at.is_some() {
        return Err(OfficerError::ApproveAfterClose(petition_id));
    }
    let after = match change {
        SignatureChange::Approve => s.facts_with(Status::Confirmed, s.struck),
        SignatureChange::Strike(_) => s.facts_with(s.status, true),
        SignatureChange::Reinstate => s.facts_with(s.status, false),
    };
    let delta = count_delta(&p.terms, &p.state, &s.facts(), &after);
    let valid = counts::valid_count(&mut conn, petition_id).await?;
    Ok(ChangePreview {
        petition_id,
        title: p.title,
        ward: s.ward,
        effect: Effect::of(valid, delta, p.terms.trigger.required),
    })
}

/// A conditional update that found the row changed since it was read: someone else acted first.
fn changed_as_read(rows: u64, signature_id: i64) -> Result<(), OfficerError> {
    match rows {
        1 => Ok(()),
        _ => {
            Err(StoreError::Conflict(format!("signature {signature_id} was changed by someone else; look again"))
                .into())
        }
    }
}
