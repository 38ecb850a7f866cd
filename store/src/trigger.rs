//! Running the threshold engine ([`petition_core::engine`]) against the database.
//!
//! **Counting without a hot row.** Each change that makes a signature count or stop counting
//! adds +1 or −1 to one of [`SHARDS`] counter rows for its petition and ward, in the same
//! transaction as the change, so concurrent confirmations rarely touch the same row. The count is
//! the sum of the shards; [`recount`] rebuilds it from the signature rows as a slow check.
//!
//! **Detecting the trigger.** After every such change commits, the changer calls [`settle`]: it
//! reads the petition's state and count and, if the engine records an event, writes the new state
//! only if nobody else has written since (a compare-and-set on `state_seq`), then reads again
//! until the state agrees with the count. Whoever changes the count last therefore sees the state
//! brought into line, and every crossing is recorded exactly once, within the changer's request.
//!
//! **Closing exactly.** A close, pause or resume holds the petition exclusively while it reads
//! the count, and confirmations and withdrawals hold it shared while they write, so nothing is
//! counted after a close or missed by one: on PostgreSQL with transaction-scoped advisory locks
//! (no row is written to take them), on SQLite through its single writer. [`close_due`] runs on
//! a scheduler and at start-up, so a window closes on time even if nobody signs and after a
//! restart, dated its deadline.

use petition_core::engine::{Action, Event, EventKind, Phase, Refusal, State, Step, StrikeReason, Terms};
use petition_core::threshold::Trigger;
use petition_core::Percent;
use sqlx::{AnyConnection, Row};
use std::collections::BTreeMap;

use crate::log::{self, Queued};
use crate::outbox::{enqueue, Mail};
use crate::signing::Mailing;
use crate::{Backend, Db, Result, StoreError};

/// Counter rows per petition and ward.
pub const SHARDS: i64 = 16;

/// A namespace for the advisory lock keys of petitions.
const LOCK_CLASS: i64 = 0x5045;

#[derive(Clone, Debug)]
pub struct Petition {
    pub id: i64,
    pub title: String,
    pub area_code: String,
    pub register_date: String,
    pub terms: Terms,
    pub state: State,
    seq: i64,
}

const COLS: &str = "id, title, area_code, register_date, opens_at, base_closes_at, electorate, percent, required, \
                    published_number, valid_seen, reached, paused_since, paused_total, closed_at, state_seq";

fn petition_from(r: &sqlx::any::AnyRow) -> Result<Petition> {
    let percent: String = r.try_get("percent")?;
    let id: i64 = r.try_get("id")?;
    let bad = |what: &str| StoreError::Invalid(format!("petition {id} has {what}"));
    let trigger = Trigger {
        electorate: r.try_get::<i64, _>("electorate")? as u64,
        percent: Percent::parse(&percent).map_err(|_| bad("an unreadable percentage"))?,
        required: r.try_get::<i64, _>("required")? as u64,
        published: r.try_get::<i64, _>("published_number")? != 0,
    };
    Ok(Petition {
        id,
        title: r.try_get("title")?,
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
        seq: r.try_get("state_seq")?,
    })
}

pub async fn load(conn: &mut AnyConnection, id: i64) -> Result<Option<Petition>> {
    let row = sqlx::query(&format!("SELECT {COLS} FROM petitions WHERE id = $1")).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(petition_from).transpose()
}

pub async fn load_all(db: &Db) -> Result<Vec<Petition>> {
    let rows = sqlx::query(&format!("SELECT {COLS} FROM petitions ORDER BY id")).fetch_all(&db.pool).await?;
    rows.iter().map(petition_from).collect()
}

/// The valid count from the counters.
pub async fn valid_count(conn: &mut AnyConnection, id: i64) -> Result<u64> {
    let row = sqlx::query("SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) AS n FROM tallies WHERE petition_id = $1")
        .bind(id)
        .fetch_one(conn)
        .await?;
    Ok(row.try_get::<i64, _>("n")?.max(0) as u64)
}

/// Valid counts per ward from the counters.
pub async fn counts_by_ward(db: &Db, id: i64) -> Result<BTreeMap<String, u64>> {
    let rows = sqlx::query(
        "SELECT ward_code, CAST(SUM(n) AS BIGINT) AS n FROM tallies WHERE petition_id = $1 GROUP BY ward_code",
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

/// The slow path: valid counts per ward from the signature rows themselves.
pub async fn recount(db: &Db, id: i64) -> Result<BTreeMap<String, u64>> {
    let rows = sqlx::query(
        "SELECT s.ward_code, COUNT(*) AS n FROM signatures s JOIN petitions p ON p.id = s.petition_id
         WHERE s.petition_id = $1 AND s.status = 'confirmed' AND s.struck_at IS NULL
           AND s.confirmed_at >= p.opens_at AND s.confirmed_at < p.closes_at
         GROUP BY s.ward_code",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(|r| Ok((r.try_get("ward_code")?, r.try_get::<i64, _>("n")? as u64))).collect()
}

/// Adds `delta` to a ward's counter, in the caller's transaction. The shard follows the signature
/// so that its +1 and −1 land on the same row.
pub(crate) async fn add_to_tally(
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
        for chunk in rows.chunks(crate::db::ROWS_PER_STATEMENT) {
            let sql = format!(
                "INSERT INTO tallies (petition_id, ward_code, shard, n) VALUES {}
                 ON CONFLICT (petition_id, ward_code, shard) DO UPDATE SET n = tallies.n + excluded.n",
                crate::db::values_list(chunk.len(), 4)
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
        if matches!(e.kind, EventKind::ClosedReached | EventKind::ClosedNotReached) {
            log::queue(conn, p.id, Queued::Close, now).await?;
        }
        if e.kind == EventKind::ThresholdReached {
            if let Some(to) = &mailing.officer_email {
                enqueue(conn, &reached_mail(mailing, p, e, to), now).await?;
            }
        }
    }
    Ok(true)
}

pub(crate) async fn record(conn: &mut AnyConnection, petition_id: i64, e: &Event, note: &str, now: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO petition_events (petition_id, kind, at, valid, required, electorate, percent, deadline, note, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(petition_id)
    .bind(e.kind.name())
    .bind(e.at)
    .bind(e.valid as i64)
    .bind(e.required as i64)
    .bind(e.electorate as i64)
    .bind(e.percent.to_string())
    .bind(e.deadline)
    .bind(note)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

fn reached_mail(mailing: &Mailing, p: &Petition, e: &Event, to: &str) -> Mail {
    let t = &p.terms.trigger;
    let figure = if t.published {
        "the verification number published for the area".to_string()
    } else {
        format!("{}% of the electorate of {}, rounded up", t.percent, t.electorate)
    };
    Mail {
        recipient: to.to_string(),
        subject: format!("Petition {} has reached its trigger: {}", p.id, p.title),
        body: format!(
            "The petition \"{}\" (number {}, area {}) has {} valid signatures. It needs {}: {}.\n\
             Recorded at {} (Unix time {}).\n\nThe officer page shows its figures and history:\n\n{}\n\n\
             Signatures can still be struck before the result is certified; the page shows the current count.\n",
            p.title,
            p.id,
            p.area_code,
            e.valid,
            e.required,
            figure,
            crate::queries::moment_label(e.at),
            e.at,
            mailing.officer_petition(p.id),
        ),
    }
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
            recorded.extend(act(db, mailing, id, now, Action::Observe, "").await?.map_err(refused)?);
            continue;
        }
        let mut tx = db.pool.begin().await?;
        if write_step(&mut tx, mailing, &p, &step, now, "").await? {
            tx.commit().await?;
            recorded.extend(step.events);
        }
    }
    Err(StoreError::Invalid(format!("petition {id}: its state kept changing while being settled")))
}

fn refused(r: Refusal) -> StoreError {
    StoreError::Invalid(r.to_string())
}

/// Applies an action holding the petition alone: closes a due petition, pauses or resumes.
/// (It does not settle first: [`pause`] and [`resume`] do.)
/// `Ok(Err(refusal))` when the engine refuses it; nothing changes then.
pub async fn act(
    db: &Db,
    mailing: &Mailing,
    id: i64,
    now: i64,
    action: Action,
    note: &str,
) -> Result<std::result::Result<Vec<Event>, Refusal>> {
    loop {
        let mut tx = db.pool.begin().await?;
        hold(&mut tx, db.backend, id, Hold::Exclusive).await?;
        let Some(p) = load(&mut tx, id).await? else {
            return Err(StoreError::Invalid(format!("there is no petition {id}")));
        };
        let valid = valid_count(&mut tx, id).await?;
        let step = match p.terms.step(&p.state, now, valid, action) {
            Ok(step) => step,
            Err(r) => {
                tx.rollback().await?;
                return Ok(Err(r));
            }
        };
        if step.events.is_empty() {
            tx.rollback().await?;
            return Ok(Ok(Vec::new()));
        }
        if write_step(&mut tx, mailing, &p, &step, now, note).await? {
            tx.commit().await?;
            return Ok(Ok(step.events));
        }
        // A settle wrote in between (it does not hold the petition): read again.
    }
}

/// Pauses collection (an outage, an election period). The reason is recorded with the event.
/// A close that is due is recorded first, and then the pause is refused.
pub async fn pause(
    db: &Db,
    mailing: &Mailing,
    id: i64,
    now: i64,
    reason: &str,
) -> Result<std::result::Result<Vec<Event>, Refusal>> {
    settle(db, mailing, id, now).await?;
    act(db, mailing, id, now, Action::Pause, reason).await
}

pub async fn resume(
    db: &Db,
    mailing: &Mailing,
    id: i64,
    now: i64,
    note: &str,
) -> Result<std::result::Result<Vec<Event>, Refusal>> {
    settle(db, mailing, id, now).await?;
    act(db, mailing, id, now, Action::Resume, note).await
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

/// A recorded event, as read back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    pub event: Event,
    pub note: String,
    pub recorded_at: i64,
}

pub async fn events(db: &Db, id: i64) -> Result<Vec<Recorded>> {
    let rows = sqlx::query(
        "SELECT kind, at, valid, required, electorate, percent, deadline, note, recorded_at FROM petition_events
         WHERE petition_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            let kind: String = r.try_get("kind")?;
            let percent: String = r.try_get("percent")?;
            Ok(Recorded {
                event: Event {
                    kind: EventKind::parse(&kind)
                        .ok_or_else(|| StoreError::Invalid(format!("unknown event kind {kind}")))?,
                    at: r.try_get("at")?,
                    valid: r.try_get::<i64, _>("valid")? as u64,
                    required: r.try_get::<i64, _>("required")? as u64,
                    electorate: r.try_get::<i64, _>("electorate")? as u64,
                    percent: Percent::parse(&percent).map_err(|e| StoreError::Invalid(e.to_string()))?,
                    deadline: r.try_get("deadline")?,
                },
                note: r.try_get("note")?,
                recorded_at: r.try_get("recorded_at")?,
            })
        })
        .collect()
}

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

/// Applies an officer's change to a signature and settles its petition. After a deadline, the
/// close is recorded first, so it states the count at the deadline.
pub async fn change_signature(
    db: &Db,
    mailing: &Mailing,
    signature_id: i64,
    change: SignatureChange,
    now: i64,
) -> std::result::Result<Vec<Event>, OfficerError> {
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
    let r = sqlx::query("SELECT status, struck_at, ward_code, strike_reason FROM signatures WHERE id = $1")
        .bind(signature_id)
        .fetch_one(&mut *tx)
        .await?;
    let status: String = r.try_get(0)?;
    let struck = r.try_get::<Option<i64>, _>(1)?.is_some();
    let ward: String = r.try_get(2)?;
    let stored_reason: Option<String> = r.try_get(3)?;
    // Every confirmed signature is in the log (or queued for it); those awaiting review are not.
    let logged = status == "confirmed";
    let counted_before = status == "confirmed" && !struck;
    match status.as_str() {
        "unconfirmed" => return Err(OfficerError::Unconfirmed(signature_id)),
        "withdrawn" => return Err(OfficerError::Withdrawn(signature_id)),
        _ => {}
    }
    let counted_after = match change {
        SignatureChange::Approve => {
            if status != "review" {
                return Err(OfficerError::NotForReview(signature_id));
            }
            sqlx::query("UPDATE signatures SET status = 'confirmed', verified_at = $1 WHERE id = $2")
                .bind(now)
                .bind(signature_id)
                .execute(&mut *tx)
                .await?;
            log::queue(&mut tx, petition_id, Queued::Sig(signature_id), now).await?;
            if struck {
                // Struck while awaiting review: the log records the signature and its strike.
                let reason = stored_reason.as_deref().and_then(StrikeReason::parse).unwrap_or(StrikeReason::Correction);
                log::queue(&mut tx, petition_id, Queued::Strike(signature_id, reason), now).await?;
            }
            !struck
        }
        SignatureChange::Strike(reason) => {
            if struck {
                return Err(OfficerError::AlreadyStruck(signature_id));
            }
            sqlx::query("UPDATE signatures SET struck_at = $1, strike_reason = $2 WHERE id = $3")
                .bind(now)
                .bind(reason.code())
                .bind(signature_id)
                .execute(&mut *tx)
                .await?;
            if logged {
                log::queue(&mut tx, petition_id, Queued::Strike(signature_id, reason), now).await?;
            }
            false
        }
        SignatureChange::Reinstate => {
            if !struck {
                return Err(OfficerError::NotStruck(signature_id));
            }
            sqlx::query("UPDATE signatures SET struck_at = NULL, strike_reason = NULL WHERE id = $1")
                .bind(signature_id)
                .execute(&mut *tx)
                .await?;
            if logged {
                log::queue(&mut tx, petition_id, Queued::Reinstate(signature_id), now).await?;
            }
            status == "confirmed"
        }
    };
    add_to_tally(&mut tx, petition_id, &ward, signature_id, counted_after as i64 - counted_before as i64).await?;
    tx.commit().await?;
    recorded.extend(settle(db, mailing, petition_id, now).await?);
    Ok(recorded)
}

/// The counters set beside a recount from the rows, per ward, where they differ.
pub async fn check_counts(db: &Db, id: i64) -> Result<Vec<(String, u64, u64)>> {
    let fast = counts_by_ward(db, id).await?;
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

/// Whether a petition accepts signatures now, as the engine decides.
pub fn accepting(p: &Petition, now: i64) -> bool {
    p.terms.accepts(&p.state, now)
}

pub fn phase(p: &Petition) -> Phase {
    p.state.phase()
}
