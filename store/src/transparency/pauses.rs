//! Freezing `pause/v1` and `resume/v1` entries, in the transaction that pauses or resumes.
//!
//! The log's replay demands exact figures: a resume's `closes` must be the end in force before
//! its pause plus the time paused, to the second. The threshold engine keeps its deadline as the
//! window's end plus every completed pause (`base_closes + paused_total`), so the two agree only
//! if the log has seen every pause the engine has. That is checked here, against what the log
//! holds or will hold: the petition's pauses and resumes already queued and not refused.
//!
//! A petition paused before pauses were logged (before migration 0011) has a deadline the log
//! cannot reach: its window in the log ends at the `petition/v1`'s `closes`, while the engine's
//! is later. Its pauses and resumes are refused here, with the reason, and never reach the log;
//! that petition's log goes on as before (signatures confirmed in the extension are refused by
//! the sequencer and reported). Inventing the old pauses now would date entries long after the
//! signatures that follow them in time, so it is not done.

use petition_tlog::entry::Entry;
use sqlx::{AnyConnection, Row};

use crate::error::{Result, StoreError};
use crate::transparency::freeze::{pid, Frozen};
use crate::transparency::queued::{Kind, Queued};

/// The petition row's window after the pause or resume was written.
struct Window {
    base_closes: i64,
    paused_since: Option<i64>,
    paused_total: i64,
    deadline: i64,
}

async fn petition(conn: &mut AnyConnection, petition_id: i64) -> Result<Window> {
    let r = sqlx::query("SELECT base_closes_at, paused_since, paused_total, closes_at FROM petitions WHERE id = $1")
        .bind(petition_id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(Window {
        base_closes: r.try_get(0)?,
        paused_since: r.try_get(1)?,
        paused_total: r.try_get(2)?,
        deadline: r.try_get(3)?,
    })
}

/// The petition's last two pauses or resumes the log holds or will hold, newest first.
async fn latest(conn: &mut AnyConnection, petition_id: i64) -> Result<Vec<Entry>> {
    let rows = sqlx::query(
        "SELECT entry FROM log_queue WHERE petition_id = $1 AND kind IN ($2, $3) AND refused IS NULL
         ORDER BY id DESC LIMIT 2",
    )
    .bind(petition_id)
    .bind(Kind::Pause.name())
    .bind(Kind::Resume.name())
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            let text: Option<String> = r.try_get(0)?;
            let bad =
                |why: String| StoreError::Corrupt(format!("a queued pause or resume of petition {petition_id}: {why}"));
            let text = text.ok_or_else(|| bad("no entry".into()))?;
            Entry::parse(text.as_bytes()).map_err(|e| bad(e.to_string()))
        })
        .collect()
}

/// The window's end in force in the log once `earlier` (the queued pause or resume before the one
/// in hand) is in it: that resume's `closes`, or with none the window's end; `Err(why)` if it is
/// a pause, which the log would not take twice in a row.
fn end_in_force(earlier: Option<&Entry>, base_closes: i64) -> std::result::Result<i64, String> {
    match earlier {
        Some(Entry::Resume { closes, .. }) => Ok(*closes as i64),
        None => Ok(base_closes),
        Some(other) => Err(format!("two pauses are queued in a row, the first {}", other.encode())),
    }
}

/// Freezes the `pause/v1` or `resume/v1` entry of a pause or resume just written, made at `at`.
pub(crate) async fn freeze(conn: &mut AnyConnection, petition_id: i64, what: Queued, at: i64) -> Result<Frozen> {
    let row = petition(conn, petition_id).await?;
    let latest = latest(conn, petition_id).await?;
    let built = match what {
        Queued::Pause => pause(petition_id, &row, &latest)?,
        Queued::Resume => resume(petition_id, &row, &latest, at)?,
        other => return Err(StoreError::Corrupt(format!("{} is not a pause or resume", other.kind().name()))),
    };
    Ok(Frozen::of(built))
}

/// A pause: dated when the engine paused, and logged only if the log's end in force is the
/// engine's deadline, so that its resume can move both alike.
fn pause(petition_id: i64, row: &Window, latest: &[Entry]) -> Result<std::result::Result<Entry, String>> {
    let Some(since) = row.paused_since else { return Ok(Err(format!("petition {petition_id} is not paused"))) };
    if let Some(Entry::Pause { at, .. }) = latest.first() {
        return Ok(Err(format!("the log has petition {petition_id} paused since {at} already")));
    }
    let end = match end_in_force(latest.first(), row.base_closes) {
        Ok(end) => end,
        Err(why) => return Ok(Err(why)),
    };
    // Pausing leaves paused_total as it was: this is the deadline in force just before.
    let deadline = row.base_closes.saturating_add(row.paused_total);
    if end != deadline {
        return Ok(Err(format!(
            "petition {petition_id}'s window ends at {end} in the log but at {deadline} here: an earlier pause is \
             not in the log (made before pauses were logged, or refused), so no later one can be"
        )));
    }
    // Another server's clock may lag this one's: a pause dated before the last resume would
    // overlap it, which the log's rules refuse.
    if let Some(Entry::Resume { at, .. }) = latest.first() {
        if (*at as i64) > since {
            return Ok(Err(format!("the pause at {since} is dated before the last resume, at {at}")));
        }
    }
    Ok(Ok(Entry::Pause { id: pid(petition_id)?, at: since as u64 }))
}

/// A resume: dated `at`, or at its pause if a lagging clock put `at` earlier (the engine then
/// adds no time either), with the engine's new deadline as `closes`, logged only if that is the
/// end in force before the pause plus the time paused, as the log's rules demand.
fn resume(petition_id: i64, row: &Window, latest: &[Entry], at: i64) -> Result<std::result::Result<Entry, String>> {
    let Some(Entry::Pause { at: paused, .. }) = latest.first() else {
        return Ok(Err(format!(
            "the log does not have petition {petition_id} paused (its pause was made before pauses were logged, \
             or refused)"
        )));
    };
    let paused = *paused as i64;
    let at = at.max(paused);
    let before = match end_in_force(latest.get(1), row.base_closes) {
        Ok(end) => end,
        Err(why) => return Ok(Err(why)),
    };
    let want = before.saturating_add(at - paused);
    if row.deadline != want {
        return Ok(Err(format!(
            "petition {petition_id}'s new deadline {} is not the log's end {before} plus the {} seconds paused",
            row.deadline,
            at - paused
        )));
    }
    Ok(Ok(Entry::Resume { id: pid(petition_id)?, at: at as u64, closes: row.deadline as u64 }))
}
