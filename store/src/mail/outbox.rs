//! The durable mail outbox. An email is a row written in the same transaction as the change it
//! reports, so it exists exactly when the change does. A sender claims a row with a lease, sends
//! it, and marks it sent only if its claim still holds; a sender that dies mid-way leaves the row
//! to be claimed again when the lease runs out. Each row carries a stable Message-ID so that a
//! resend after a crash between the SMTP server's acceptance and the mark is recognisably the
//! same message.

use sqlx::{AnyConnection, Row};

use crate::db::{values_list, Db, ROWS_PER_STATEMENT};
use crate::error::Result;
use crate::secrets;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mail {
    pub recipient: String,
    pub subject: String,
    pub body: String,
}

/// Queues an email inside the caller's transaction.
pub async fn enqueue(conn: &mut AnyConnection, mail: &Mail, now: i64) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO outbox (recipient, subject, body, created_at, attempts, next_attempt_at)
         VALUES ($1, $2, $3, $4, 0, $4) RETURNING id",
    )
    .bind(&mail.recipient)
    .bind(&mail.subject)
    .bind(&mail.body)
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

/// Queues many emails inside the caller's transaction, each with the time it was asked for, in
/// as few statements as the backends allow.
pub(crate) async fn enqueue_all(conn: &mut AnyConnection, mails: &[(Mail, i64)]) -> Result<()> {
    for chunk in mails.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO outbox (recipient, subject, body, created_at, attempts, next_attempt_at) VALUES {}",
            values_list(chunk.len(), 6)
        );
        let mut q = sqlx::query(&sql);
        for (mail, now) in chunk {
            q = q.bind(&mail.recipient).bind(&mail.subject).bind(&mail.body).bind(*now).bind(0i64).bind(*now);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

#[derive(Clone, Debug)]
pub struct Claimed {
    pub id: i64,
    pub created_at: i64,
    pub attempts: i64,
    pub claim: String,
    pub mail: Mail,
}

impl Claimed {
    /// The same Message-ID for every attempt at this row.
    pub fn message_id(&self, domain: &str) -> String {
        format!("<outbox-{}-{}@{}>", self.id, self.created_at, domain)
    }
}

/// Seconds to wait before the next attempt after `attempts` failures: 30 s doubling to 1 hour.
pub fn backoff(attempts: i64) -> i64 {
    let a = attempts.clamp(1, 20) as u32;
    (30i64 << (a - 1)).min(3600)
}

/// The claim of the oldest due emails, up to `max`, for `lease` seconds: one write however many
/// it claims, so that a surge's emails do not each take the database's write lock twice.
///
/// The oldest due rows are found through `outbox_unsent`, an index of the unsent rows alone in
/// the order they were queued, so a claim reads about `max` rows however long the outbox or its
/// backlog (finding them by due time instead meant sorting the whole backlog for every claim).
pub const CLAIM_SQL: &str = "UPDATE outbox SET claimed_until = $1, claim = $2, attempts = attempts + 1
     WHERE id IN (SELECT id FROM outbox
                  WHERE sent_at IS NULL AND next_attempt_at <= $3 AND (claimed_until IS NULL OR claimed_until < $3)
                  ORDER BY id LIMIT $4)
       AND sent_at IS NULL AND (claimed_until IS NULL OR claimed_until < $3)
     RETURNING id, created_at, attempts, recipient, subject, body";

/// Claims the oldest due emails, up to `max`, for `lease` seconds, oldest first.
pub async fn claim_due(db: &Db, now: i64, lease: i64, max: usize) -> Result<Vec<Claimed>> {
    let claim = secrets::hex(&rand::random::<[u8; 16]>());
    // The outer conditions are checked again on each row itself, so two senders racing for the
    // same rows cannot both win one.
    let _turn = db.write_turn().await;
    let rows = sqlx::query(CLAIM_SQL)
        .bind(now + lease)
        .bind(&claim)
        .bind(now)
        .bind(max.max(1) as i64)
        .fetch_all(&db.pool)
        .await?;
    let mut out = rows
        .iter()
        .map(|r| {
            Ok(Claimed {
                id: r.try_get("id")?,
                created_at: r.try_get("created_at")?,
                attempts: r.try_get("attempts")?,
                claim: claim.clone(),
                mail: Mail {
                    recipient: r.try_get("recipient")?,
                    subject: r.try_get("subject")?,
                    body: r.try_get("body")?,
                },
            })
        })
        .collect::<Result<Vec<_>>>()?;
    out.sort_by_key(|c| c.id);
    Ok(out)
}

/// Claims the oldest due email for `lease` seconds.
pub async fn claim_next(db: &Db, now: i64, lease: i64) -> Result<Option<Claimed>> {
    Ok(claim_due(db, now, lease, 1).await?.pop())
}

/// Records delivery (false when the claim had been lost: another sender now owns the row) and
/// empties the body: it held links that act for the signer, which must not stay usable by
/// whoever can read the database. Recipient and subject stay, as the record of what was sent.
pub async fn mark_sent(db: &Db, c: &Claimed, now: i64) -> Result<bool> {
    Ok(mark_all_sent(db, std::slice::from_ref(c), now).await? == 1)
}

/// [`mark_sent`] for many in one transaction; says how many were still claimed and are now
/// marked (the others' claims had lapsed: another sender owns them).
pub async fn mark_all_sent(db: &Db, sent: &[Claimed], now: i64) -> Result<usize> {
    if sent.is_empty() {
        return Ok(0);
    }
    let _turn = db.write_turn().await;
    let mut tx = db.pool.begin().await?;
    let mut marked = 0;
    // A batch shares one claim; rows from several batches are marked claim by claim.
    let mut by_claim: std::collections::BTreeMap<&str, Vec<i64>> = std::collections::BTreeMap::new();
    for c in sent {
        by_claim.entry(&c.claim).or_default().push(c.id);
    }
    for (claim, ids) in by_claim {
        for chunk in ids.chunks(ROWS_PER_STATEMENT) {
            let list: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 3)).collect();
            let sql = format!(
                "UPDATE outbox SET sent_at = $1, claimed_until = NULL, last_error = NULL, body = ''
                 WHERE claim = $2 AND sent_at IS NULL AND id IN ({})",
                list.join(", ")
            );
            let mut q = sqlx::query(&sql).bind(now).bind(claim);
            for id in chunk {
                q = q.bind(*id);
            }
            marked += q.execute(&mut *tx).await?.rows_affected() as usize;
        }
    }
    tx.commit().await?;
    Ok(marked)
}

/// Records a failed attempt and schedules the next with backoff.
pub async fn mark_failed(db: &Db, c: &Claimed, now: i64, error: &str) -> Result<()> {
    let error: String = error.chars().take(500).collect();
    sqlx::query(
        "UPDATE outbox SET claimed_until = NULL, next_attempt_at = $1, last_error = $2 WHERE id = $3 AND claim = $4 AND sent_at IS NULL",
    )
    .bind(now + backoff(c.attempts))
    .bind(error)
    .bind(c.id)
    .bind(&c.claim)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Emails not yet sent.
pub async fn pending(db: &Db) -> Result<i64> {
    Ok(sqlx::query("SELECT COUNT(*) AS n FROM outbox WHERE sent_at IS NULL").fetch_one(&db.pool).await?.try_get("n")?)
}

#[cfg(test)]
mod tests {
    #[test]
    fn backoff_doubles_to_an_hour() {
        assert_eq!(super::backoff(1), 30);
        assert_eq!(super::backoff(2), 60);
        assert_eq!(super::backoff(3), 120);
        assert_eq!(super::backoff(8), 3600);
        assert_eq!(super::backoff(1000), 3600);
    }
}
