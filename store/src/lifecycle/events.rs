//! The history of each petition: every event the threshold engine records, written in the
//! transaction that makes the change, and read back for officers.

use petition_core::engine::{Event, EventKind};
use petition_core::Percent;
use sqlx::{AnyConnection, Row};

use crate::db::Db;
use crate::error::{Result, StoreError};
use crate::mail::links::Mailing;
use crate::mail::outbox::Mail;
use crate::petitions::Petition;
use crate::time::moment_label;

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

/// When collection of a petition last resumed, if it ever did.
pub(crate) async fn last_resumed(conn: &mut AnyConnection, petition_id: i64) -> Result<Option<i64>> {
    let r = sqlx::query("SELECT MAX(at) FROM petition_events WHERE petition_id = $1 AND kind = $2")
        .bind(petition_id)
        .bind(EventKind::Resumed.name())
        .fetch_one(conn)
        .await?;
    Ok(r.try_get(0)?)
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
                    kind: EventKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("event kind {kind:?}")))?,
                    at: r.try_get("at")?,
                    valid: r.try_get::<i64, _>("valid")? as u64,
                    required: r.try_get::<i64, _>("required")? as u64,
                    electorate: r.try_get::<i64, _>("electorate")? as u64,
                    percent: Percent::parse(&percent)
                        .ok_or_else(|| StoreError::Corrupt(format!("an event has the percentage {percent:?}")))?,
                    deadline: r.try_get("deadline")?,
                },
                note: r.try_get("note")?,
                recorded_at: r.try_get("recorded_at")?,
            })
        })
        .collect()
}

/// The email that tells officers a petition has reached its trigger.
pub(crate) fn reached_mail(mailing: &Mailing, p: &Petition, e: &Event, to: &str) -> Mail {
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
            moment_label(e.at),
            e.at,
            mailing.officer_petition(p.id),
        ),
    }
}
