//! The log queue: every change the transparency log records is queued in the same transaction
//! as the change, frozen as an entry there, so the database and the log cannot disagree and a
//! crash loses nothing. The sequencer appends queued entries in order.

use petition_core::signature::Status;
use sqlx::{AnyConnection, Row};

use crate::db::{values_list, Db, ROWS_PER_STATEMENT};
use crate::error::Result;
use crate::transparency::freeze::{freeze, freeze_sigs, Frozen};
use crate::transparency::pauses;
use crate::transparency::queued::{Kind, Queued};

/// Queues a log entry inside the transaction making the change it records.
pub(crate) async fn queue(conn: &mut AnyConnection, petition_id: i64, what: Queued, now: i64) -> Result<()> {
    queue_all(conn, &[(petition_id, what, now)]).await
}

/// Queues many log entries inside the transaction making the changes, each frozen as the rows
/// stand now (see [`crate::transparency::freeze`]). Signature entries go first, in as few
/// statements as the backends allow; the rest follow in the order given, so a strike always
/// comes after the signature entry it targets.
pub(crate) async fn queue_all(conn: &mut AnyConnection, items: &[(i64, Queued, i64)]) -> Result<()> {
    let sigs: Vec<i64> = items
        .iter()
        .filter_map(|(_, what, _)| match what {
            Queued::Sig(s) => Some(*s),
            _ => None,
        })
        .collect();
    let mut frozen_sigs = freeze_sigs(conn, &sigs).await?;
    let mut rows = Vec::with_capacity(items.len());
    for &(petition_id, what, now) in items.iter().filter(|(_, what, _)| matches!(what, Queued::Sig(_))) {
        let Queued::Sig(sig) = what else { unreachable!("filtered to signature entries") };
        let frozen = frozen_sigs.remove(&sig).unwrap_or_else(|| Frozen {
            refused: Some(format!("signature {sig} does not exist")),
            ..Frozen::default()
        });
        rows.push((petition_id, what, now, frozen));
    }
    insert(conn, &rows).await?;
    for &(petition_id, what, now) in items.iter().filter(|(_, what, _)| !matches!(what, Queued::Sig(_))) {
        let frozen = match what {
            Queued::Pause | Queued::Resume => pauses::freeze(conn, petition_id, what, now).await?,
            _ => freeze(conn, petition_id, what).await?,
        };
        insert(conn, &[(petition_id, what, now, frozen)]).await?;
    }
    Ok(())
}

async fn insert(conn: &mut AnyConnection, rows: &[(i64, Queued, i64, Frozen)]) -> Result<()> {
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO log_queue (kind, petition_id, signature_id, reason, queued_at, entry, target, sig_commit, refused)
             VALUES {}",
            values_list(chunk.len(), 9)
        );
        let mut q = sqlx::query(&sql);
        for (petition_id, what, now, frozen) in chunk {
            let (sig, reason) = what.columns();
            if let Some(why) = &frozen.refused {
                tracing::error!(petition_id, kind = what.kind().name(), "not logged: {why}");
            }
            q = q
                .bind(what.kind().name())
                .bind(*petition_id)
                .bind(sig)
                .bind(reason)
                .bind(*now)
                .bind(frozen.entry.clone())
                .bind(frozen.target)
                .bind(frozen.commit.clone())
                .bind(frozen.refused.clone());
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Queues whatever the log should hold but was never queued: for a database made before the log
/// existed, and for the demo's seeded signatures. Safe to run at every start. Each kind is
/// queued before the next, so every strike follows the signature entry it targets.
///
/// Pauses are not backfilled: one made before pauses were logged would be queued after the
/// signatures that followed it, and its petition's deadline already differs from the log's
/// window (see `transparency::pauses`, which refuses that petition's later pauses too).
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
        let mut items = Vec::with_capacity(rows.len());
        for r in rows {
            let what = Queued::read(kind.name(), r.try_get(1)?, r.try_get::<Option<String>, _>(2)?.as_deref())?;
            items.push((r.try_get::<i64, _>(0)?, what, now));
        }
        queue_all(&mut tx, &items).await?;
        n += items.len();
    }
    tx.commit().await?;
    Ok(n)
}
