//! Running the threshold engine ([`petition_core::engine`]) against the database.
//!
//! **Detecting the trigger.** After every change to the count commits, the changer calls
//! [`settle`]: it reads the petition's state and count and, if the engine records an event, writes
//! the new state only if nobody else has written since (a compare-and-set on `state_seq`), then
//! reads again until the state agrees with the count. Whoever changes the count last therefore
//! sees the state brought into line, and every crossing is recorded exactly once, within the
//! changer's request.
//!
//! **Closing exactly.** A close, pause or resume holds the petition exclusively while it reads
//! the count, and confirmations and withdrawals hold it shared while they write, so nothing is
//! counted after a close or missed by one: on PostgreSQL with transaction-scoped advisory locks
//! (no row is written to take them), on SQLite through its single writer. [`close_due`] runs on
//! a scheduler and at start-up, so a window closes on time even if nobody signs and after a
//! restart, dated its deadline.

use petition_core::engine::{Action, Event, EventKind, Step};
use sqlx::{AnyConnection, Row};

use crate::audit::{self, Actor};
use crate::counts::valid_count;
use crate::db::Db;
use crate::error::{Result, StoreError};
use crate::lifecycle::events::{reached_mail, record};
use crate::mail::links::Mailing;
use crate::mail::outbox::enqueue;
use crate::petitions::{hold, load, Hold, Petition};
use crate::settings::notice_list;
use crate::transparency::queue::queue;
use crate::transparency::queued::Queued;

/// Writes a step if nobody has written since `p` was read. False if someone had.
async fn write_step(
    conn: &mut AnyConnection,
    mailing: &Mailing,
    p: &Petition,
    step: &Step,
    now: i64,
    note: &str,
) -> Result<bool> {
    let s = &step.state;
    let deadline = p.terms.deadline(s).unwrap_or(p.terms.base_closes + s.paused_total);
    let done = sqlx::query(
        "UPDATE petitions SET valid_seen = $1, reached = $2, paused_since = $3, paused_total = $4, closed_at = $5,
           closes_at = $6, state_seq = state_seq + 1
         WHERE id = $7 AND state_seq = $8",
    )
    .bind(s.valid as i64)
    .bind(s.reached as i64)
    .bind(s.paused_since)
    .bind(s.paused_total)
    .bind(s.closed_at)
    .bind(deadline)
    .bind(p.id)
    .bind(p.seq)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    for e in &step.events {
        let note = if matches!(e.kind, EventKind::Paused | EventKind::Resumed) { note } else { "" };
        record(conn, p.id, e, note, now).await?;
        // The log's entry goes in the same transaction as the event (its figures are read from
        // the row just written); a pause or resume is dated as its event is.
        match e.kind {
            EventKind::ClosedReached | EventKind::ClosedNotReached => queue(conn, p.id, Queued::Close, now).await?,
            EventKind::Paused => queue(conn, p.id, Queued::Pause, e.at).await?,
            EventKind::Resumed => queue(conn, p.id, Queued::Resume, e.at).await?,
            _ => {}
        }
        if e.kind == EventKind::ThresholdReached {
            for to in notice_list(conn, mailing).await? {
                enqueue(conn, &reached_mail(mailing, p, e, &to), now).await?;
            }
        }
    }
    Ok(true)
}

/// Brings a petition's state into line with its count, recording any events. Called after every
/// change to the count has committed, and by the scheduler. Returns the events it recorded.
pub async fn settle(db: &Db, mailing: &Mailing, id: i64, now: i64) -> Result<Vec<Event>> {
    let mut recorded = Vec::new();
    for _ in 0..100 {
        let mut conn = db.pool.acquire().await?;
        let Some(p) = load(&mut conn, id).await? else { return Ok(recorded) };
        let valid = valid_count(&mut conn, id).await?;
        drop(conn);
        let step = p.terms.step(&p.state, now, valid, Action::Observe).expect("an observation is never refused");
        if step.events.is_empty() {
            return Ok(recorded);
        }
        if step.state.closed_at.is_some() && p.state.closed_at.is_none() {
            // A close reads the count alone.
            recorded.extend(act(db, mailing, id, now, Action::Observe, None).await?);
            continue;
        }
        let mut tx = db.pool.begin().await?;
        if write_step(&mut tx, mailing, &p, &step, now, "").await? {
            tx.commit().await?;
            recorded.extend(step.events);
        }
    }
    Err(StoreError::Conflict(format!("petition {id}: its state kept changing while being settled")))
}

/// Settles after a change the caller has already committed and acknowledged: if settling fails
/// here, the scheduler's next sweep records what is due.
pub(crate) async fn settle_after_commit(db: &Db, mailing: &Mailing, petition_id: i64, now: i64) {
    if let Err(e) = settle(db, mailing, petition_id, now).await {
        tracing::warn!(petition_id, error = %e, "settling after a committed change failed; the scheduler will retry");
    }
}

/// An officer's action and why: recorded with its events and in the audit trail.
pub struct ByOfficer<'a> {
    pub actor: &'a Actor,
    pub reason: &'a str,
}

/// Applies an action holding the petition alone: closes a due petition, pauses or resumes.
/// (It does not settle first: [`pause`] and [`resume`] do.) An officer's action is audited in
/// the same transaction. [`StoreError::Refused`] when the engine refuses it; nothing changes then.
pub async fn act(
    db: &Db,
    mailing: &Mailing,
    id: i64,
    now: i64,
    action: Action,
    by: Option<&ByOfficer<'_>>,
) -> Result<Vec<Event>> {
    let note = by.map_or("", |b| b.reason);
    loop {
        let mut tx = db.pool.begin().await?;
        hold(&mut tx, db.backend, id, Hold::Exclusive).await?;
        let Some(p) = load(&mut tx, id).await? else {
            return Err(StoreError::NotFound(format!("petition {id}")));
        };
        let valid = valid_count(&mut tx, id).await?;
        let step = match p.terms.step(&p.state, now, valid, action) {
            Ok(step) => step,
            Err(r) => {
                tx.rollback().await?;
                return Err(StoreError::Refused(r));
            }
        };
        if step.events.is_empty() {
            tx.rollback().await?;
            return Ok(Vec::new());
        }
        if write_step(&mut tx, mailing, &p, &step, now, note).await? {
            if let Some(by) = by {
                let mut detail = step.events.iter().map(|e| e.kind.label()).collect::<Vec<_>>().join("; ");
                if let Some(deadline) = p.terms.deadline(&step.state) {
                    detail.push_str(&format!("; deadline {}", crate::time::moment_label(deadline)));
                }
                let a = audit::Action {
                    action: match action {
                        Action::Pause => "pause",
                        Action::Resume => "resume",
                        _ => "close",
                    },
                    petition_id: Some(id),
                    subject: format!("petition {id}"),
                    reason: by.reason,
                    detail,
                };
                audit::record(&mut tx, by.actor, &a, now).await?;
            }
            tx.commit().await?;
            return Ok(step.events);
        }
        // A settle wrote in between (it does not hold the petition): read again.
    }
}

/// Pauses collection (an outage, an election period). The reason is recorded with the event.
/// A close that is due is recorded first, and then the pause is refused.
pub async fn pause(db: &Db, mailing: &Mailing, id: i64, now: i64, by: &ByOfficer<'_>) -> Result<Vec<Event>> {
    settle(db, mailing, id, now).await?;
    act(db, mailing, id, now, Action::Pause, Some(by)).await
}

pub async fn resume(db: &Db, mailing: &Mailing, id: i64, now: i64, by: &ByOfficer<'_>) -> Result<Vec<Event>> {
    settle(db, mailing, id, now).await?;
    act(db, mailing, id, now, Action::Resume, Some(by)).await
}

/// Records every close that is due, and any crossing not yet recorded (after a crash between a
/// commit and its settle). Returns the number of petitions that changed.
pub async fn close_due(db: &Db, mailing: &Mailing, now: i64) -> Result<usize> {
    let rows = sqlx::query(
        "SELECT id FROM petitions WHERE closed_at IS NULL AND paused_since IS NULL AND closes_at <= $1 ORDER BY closes_at",
    )
    .bind(now)
    .fetch_all(&db.pool)
    .await?;
    let mut changed = 0;
    for r in rows {
        if !settle(db, mailing, r.try_get("id")?, now).await?.is_empty() {
            changed += 1;
        }
    }
    Ok(changed)
}

/// Settles every petition: at start-up, so nothing a crash interrupted stays unrecorded.
pub async fn settle_all(db: &Db, mailing: &Mailing, now: i64) -> Result<usize> {
    let ids = sqlx::query("SELECT id FROM petitions WHERE closed_at IS NULL OR reached <> 0 ORDER BY id")
        .fetch_all(&db.pool)
        .await?;
    let mut changed = 0;
    for r in ids {
        if !settle(db, mailing, r.try_get("id")?, now).await?.is_empty() {
            changed += 1;
        }
    }
    Ok(changed)
}

/// The next deadline of a petition that is collecting, for the scheduler.
pub async fn next_deadline(db: &Db) -> Result<Option<i64>> {
    let row = sqlx::query("SELECT MIN(closes_at) AS d FROM petitions WHERE closed_at IS NULL AND paused_since IS NULL")
        .fetch_one(&db.pool)
        .await?;
    Ok(row.try_get("d")?)
}

/// The newest moment the site's history has recorded (when it was written, not what it is
/// about): the petitions' events, the log's queue (every signature, strike, pause... as logged)
/// and the officers' audit trail. A server whose clock reads earlier than this would date new
/// entries before old ones.
pub async fn latest_record(db: &Db) -> Result<Option<i64>> {
    // The newest rows by id, so that none of it reads a whole table.
    let row = sqlx::query(
        "SELECT (SELECT MAX(recorded_at) FROM petition_events) AS events,
           (SELECT queued_at FROM log_queue ORDER BY id DESC LIMIT 1) AS queued,
           (SELECT at FROM officer_audit ORDER BY id DESC LIMIT 1) AS audited",
    )
    .fetch_one(&db.pool)
    .await?;
    let times: [Option<i64>; 3] = [row.try_get("events")?, row.try_get("queued")?, row.try_get("audited")?];
    Ok(times.into_iter().flatten().max())
}
