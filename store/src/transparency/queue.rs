//! The log queue: every change the transparency log records is queued, as a reference to the
//! rows it describes, in the same transaction as the change, so the database and the log cannot
//! disagree and a crash loses nothing. The sequencer turns queued references into entries.

use petition_core::signature::Status;
use petition_tlog::entry::Reason;
use sqlx::{AnyConnection, Row};

use crate::db::{values_list, Db, ROWS_PER_STATEMENT};
use crate::error::{Result, StoreError};

/// What the log records, queued as references to the rows it describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Queued {
    Petition,
    Sig(i64),
    Strike(i64, Reason),
    Reinstate(i64),
    Close,
}

/// The kind of a queued reference, as the `log_queue.kind` column spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Petition,
    Sig,
    Strike,
    Reinstate,
    Close,
}

impl Kind {
    pub const ALL: [Kind; 5] = [Kind::Petition, Kind::Sig, Kind::Strike, Kind::Reinstate, Kind::Close];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Petition => "petition",
            Kind::Sig => "sig",
            Kind::Strike => "strike",
            Kind::Reinstate => "reinstate",
            Kind::Close => "close",
        }
    }

    pub fn parse(s: &str) -> Result<Kind> {
        Kind::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| StoreError::Corrupt(format!("log queue kind {s:?}")))
    }
}

impl Queued {
    pub fn kind(self) -> Kind {
        match self {
            Queued::Petition => Kind::Petition,
            Queued::Sig(_) => Kind::Sig,
            Queued::Strike(..) => Kind::Strike,
            Queued::Reinstate(_) => Kind::Reinstate,
            Queued::Close => Kind::Close,
        }
    }

    /// The signature it refers to, and the strike's reason.
    fn columns(self) -> (Option<i64>, Option<&'static str>) {
        match self {
            Queued::Petition | Queued::Close => (None, None),
            Queued::Sig(s) | Queued::Reinstate(s) => (Some(s), None),
            Queued::Strike(s, r) => (Some(s), Some(r.code())),
        }
    }

    /// Reads a queued reference back from its columns.
    pub fn read(kind: &str, signature_id: Option<i64>, reason: Option<&str>) -> Result<Queued> {
        let kind = Kind::parse(kind)?;
        let sig =
            || signature_id.ok_or_else(|| StoreError::Corrupt(format!("a queued {} names no signature", kind.name())));
        Ok(match kind {
            Kind::Petition => Queued::Petition,
            Kind::Sig => Queued::Sig(sig()?),
            Kind::Strike => Queued::Strike(
                sig()?,
                reason
                    .and_then(Reason::parse)
                    .ok_or_else(|| StoreError::Corrupt(format!("strike reason {reason:?}")))?,
            ),
            Kind::Reinstate => Queued::Reinstate(sig()?),
            Kind::Close => Queued::Close,
        })
    }
}

/// Queues a log entry inside the transaction making the change it records.
pub(crate) async fn queue(conn: &mut AnyConnection, petition_id: i64, what: Queued, now: i64) -> Result<()> {
    queue_all(conn, &[(petition_id, what, now)]).await
}

/// Queues many log entries, in the order given, inside the transaction making the changes.
pub(crate) async fn queue_all(conn: &mut AnyConnection, items: &[(i64, Queued, i64)]) -> Result<()> {
    for chunk in items.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO log_queue (kind, petition_id, signature_id, reason, queued_at) VALUES {}",
            values_list(chunk.len(), 5)
        );
        let mut q = sqlx::query(&sql);
        for &(petition_id, what, now) in chunk {
            let (sig, reason) = what.columns();
            q = q.bind(what.kind().name()).bind(petition_id).bind(sig).bind(reason).bind(now);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Queues whatever the log should hold but was never queued: for a database made before the log
/// existed, and for the demo's seeded signatures. Safe to run at every start.
pub async fn backfill(db: &Db, now: i64) -> Result<usize> {
    let mut tx = db.pool.begin().await?;
    sqlx::query("UPDATE log_head SET size = size WHERE id = 1").execute(&mut *tx).await?;
    let never = |kind: Kind, signature: bool| {
        let sig = if signature { "AND q.signature_id = x.id" } else { "" };
        format!(
            "NOT EXISTS (SELECT 1 FROM log_queue q WHERE q.kind = '{}' AND q.petition_id = x.petition_id {sig})",
            kind.name()
        )
    };
    let confirmed = Status::Confirmed.name();
    let mut n = 0;
    for (kind, sql) in [
        (
            Kind::Petition,
            format!(
                "SELECT x.petition_id, NULL, NULL FROM (SELECT id AS petition_id FROM petitions) x WHERE {} ORDER BY x.petition_id",
                never(Kind::Petition, false)
            ),
        ),
        (
            Kind::Sig,
            format!(
                "SELECT x.petition_id, x.id, NULL FROM signatures x WHERE x.status = '{confirmed}' AND x.receipt_commit IS NOT NULL
                   AND {} ORDER BY x.confirmed_at, x.id",
                never(Kind::Sig, true)
            ),
        ),
        (
            Kind::Strike,
            format!(
                "SELECT x.petition_id, x.id, x.strike_reason FROM signatures x WHERE x.status = '{confirmed}'
                   AND x.receipt_commit IS NOT NULL AND x.struck_at IS NOT NULL AND {} ORDER BY x.struck_at, x.id",
                never(Kind::Strike, true)
            ),
        ),
        (
            Kind::Close,
            format!(
                "SELECT x.petition_id, NULL, NULL FROM (SELECT id AS petition_id, closed_at FROM petitions WHERE closed_at IS NOT NULL) x
                 WHERE {} ORDER BY x.closed_at, x.petition_id",
                never(Kind::Close, false)
            ),
        ),
    ] {
        let rows = sqlx::query(&sql).fetch_all(&mut *tx).await?;
        for r in rows {
            sqlx::query(
                "INSERT INTO log_queue (kind, petition_id, signature_id, reason, queued_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(kind.name())
            .bind(r.try_get::<i64, _>(0)?)
            .bind(r.try_get::<Option<i64>, _>(1)?)
            .bind(r.try_get::<Option<String>, _>(2)?)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            n += 1;
        }
    }
    tx.commit().await?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_queued_reference_reads_back_as_written() {
        for q in
            [Queued::Petition, Queued::Sig(7), Queued::Strike(7, Reason::Fraud), Queued::Reinstate(7), Queued::Close]
        {
            let (sig, reason) = q.columns();
            assert_eq!(Queued::read(q.kind().name(), sig, reason).unwrap(), q);
        }
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.name()).unwrap(), k);
        }
        assert!(matches!(Kind::parse("closed"), Err(StoreError::Corrupt(_))), "no kind is assumed");
        assert!(Queued::read("strike", Some(7), None).is_err(), "a strike without its reason");
        assert!(Queued::read("sig", None, None).is_err(), "a signature entry without its signature");
    }
}
