//! Retention: personal data is erased once it is no longer needed, on the schedule in the
//! README's "Personal data" section, while every count, log entry and signed tally stays
//! checkable.
//!
//! A signature keeps what the count and the log need (its petition, ward, status, times, strike
//! and the receipt commitment the log publishes) and loses who signed it (name, email, postcode,
//! address, the register and gazetteer rows it matched, its keyed dedupe hash, and its links).
//! Attempts, conflicts and emails go altogether. Each step is idempotent, so the job can run on
//! every server at once and again after a crash.

use sqlx::Row;

use crate::db::Db;
use crate::error::Result;

/// How long personal data is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retention {
    /// Seconds after a petition's result is certified before its signers' personal data is
    /// erased: time for a challenge to the result. A result never certified keeps them twice
    /// this long after the close.
    pub after_close: i64,
    /// Seconds an email row is kept after it was queued, sent or not: its links have expired
    /// long before, and its recipient is personal data.
    pub mail: i64,
    /// Seconds an elector who left the register is kept, unless a signature still names them.
    pub removed_electors: i64,
}

impl Default for Retention {
    fn default() -> Self {
        const DAY: i64 = 24 * 60 * 60;
        Retention { after_close: 180 * DAY, mail: 30 * DAY, removed_electors: 180 * DAY }
    }
}

impl From<&petition_core::settings::Settings> for Retention {
    fn from(s: &petition_core::settings::Settings) -> Self {
        let days = i64::from(s.retain_personal_data_days) * 24 * 60 * 60;
        Retention { after_close: days, removed_electors: days, ..Retention::default() }
    }
}

/// What one run erased.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Erased {
    pub petitions: usize,
    pub signatures: u64,
    pub attempts: u64,
    pub conflicts: u64,
    pub mails: u64,
    pub electors: u64,
    /// Sign-in failure counts, officer links and sessions past their keeping.
    pub officer_records: u64,
    /// Reference data uploads a day old (`import::uploads`).
    pub uploads: u64,
    /// Proposals' petitioners and sponsors erased, and proposals never confirmed deleted.
    pub proposals: u64,
}

impl Erased {
    pub fn is_empty(&self) -> bool {
        *self == Erased::default()
    }
}

/// Erases what is due at `now`.
pub async fn erase_due(db: &Db, keep: &Retention, now: i64) -> Result<Erased> {
    let mut out = Erased::default();
    // Officers need the signers to verify and certify the result, and a challenge to it needs
    // them too: the period runs from the certificate. A result never certified does not keep
    // them for ever: twice the period from the close.
    let due = sqlx::query(
        "SELECT id FROM petitions WHERE closed_at IS NOT NULL AND personal_data_erased_at IS NULL
           AND ((certified_at IS NOT NULL AND certified_at <= $1) OR (certified_at IS NULL AND closed_at <= $2))
         ORDER BY id",
    )
    .bind(now - keep.after_close)
    .bind(now - 2 * keep.after_close)
    .fetch_all(&db.pool)
    .await?;
    for r in due {
        erase_petition(db, r.try_get(0)?, now, &mut out).await?;
        out.petitions += 1;
    }
    out.mails = sqlx::query("DELETE FROM outbox WHERE created_at < $1")
        .bind(now - keep.mail)
        .execute(&db.pool)
        .await?
        .rows_affected();
    // An elector a signature still names stays: that signature's petition is not yet due.
    out.electors = sqlx::query(
        "DELETE FROM electors WHERE removed_at IS NOT NULL AND removed_at < $1
           AND NOT EXISTS (SELECT 1 FROM signatures s WHERE s.elector_id = electors.id)",
    )
    .bind(now - keep.removed_electors)
    .execute(&db.pool)
    .await?
    .rows_affected();
    out.proposals = erase_proposals(db, keep, now).await?;
    out.officer_records = crate::officers::housekeeping::purge(db, now).await?;
    out.uploads = crate::import::uploads::purge(db, now).await?;
    Ok(out)
}

/// Erases one closed petition's signers' personal data in one transaction.
async fn erase_petition(db: &Db, id: i64, now: i64, out: &mut Erased) -> Result<()> {
    let mut tx = db.pool.begin().await?;
    // The dedupe key is a keyed hash of the elector's property and name: with the server's secret
    // it would confirm a guess of who signed, so it goes too (the petition takes no more
    // signatures; each row keeps a unique placeholder).
    out.signatures += sqlx::query(
        "UPDATE signatures SET name = '', email = '', postcode = '', address_text = '', uprn = NULL,
           elector_id = NULL, dedupe_key = 'erased-' || CAST(id AS TEXT), confirm_token_hash = NULL,
           withdraw_token_hash = NULL, receipt_r = NULL, notified_at = NULL
         WHERE petition_id = $1",
    )
    .bind(id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    out.attempts += sqlx::query("DELETE FROM sign_attempts WHERE petition_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    out.conflicts += sqlx::query("DELETE FROM sign_conflicts WHERE petition_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    // The petitioner and sponsors of the proposal it began as: they are among its signers.
    erase_proposal_people(&mut tx, "petition_id = $1", id).await?;
    sqlx::query("UPDATE petitions SET personal_data_erased_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    tracing::info!(petition = id, "erased the personal data of the petition's signers");
    Ok(())
}

/// Erases who proposed and sponsored the proposals matching `condition` (on `proposals`, with
/// `$1` bound to `value`): the texts, area and decision stay, for the public list of refusals.
async fn erase_proposal_people(conn: &mut sqlx::AnyConnection, condition: &str, value: i64) -> Result<u64> {
    let sponsors = sqlx::query(&format!(
        "DELETE FROM proposal_sponsors WHERE proposal_id IN (SELECT id FROM proposals WHERE {condition})"
    ))
    .bind(value)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    let petitioners = sqlx::query(&format!(
        "UPDATE proposals SET name = '', email = '', postcode = '', address_text = '', uprn = NULL,
           place_key = 'erased-' || CAST(id AS TEXT)
         WHERE {condition} AND place_key NOT LIKE 'erased-%'"
    ))
    .bind(value)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(sponsors + petitioners)
}

/// Proposals' personal data: a refused proposal's petitioner and sponsors once `after_close` has
/// passed since the refusal (time for a complaint about it); a proposal never confirmed, and a
/// sponsor never confirmed, and a withdrawn or lapsed proposal with its sponsors, once `mail` has
/// passed (their links are long dead). An opened
/// proposal's people go with its petition's signers.
async fn erase_proposals(db: &Db, keep: &Retention, now: i64) -> Result<u64> {
    let mut tx = db.pool.begin().await?;
    let mut n = erase_proposal_people(&mut tx, "stage = 'refused' AND decided_at < $1", now - keep.after_close).await?;
    n += sqlx::query("DELETE FROM proposal_sponsors WHERE confirmed_at IS NULL AND created_at < $1")
        .bind(now - keep.mail)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    // Withdrawn and lapsed proposals: nothing of them is public, so all of them goes.
    let ended = "SELECT id FROM proposals WHERE ended_at < $1";
    n += sqlx::query(&format!("DELETE FROM proposal_sponsors WHERE proposal_id IN ({ended})"))
        .bind(now - keep.mail)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    n += sqlx::query("DELETE FROM proposals WHERE ended_at < $1")
        .bind(now - keep.mail)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    n += sqlx::query("DELETE FROM proposals WHERE stage = 'unconfirmed' AND created_at < $1")
        .bind(now - keep.mail)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    tx.commit().await?;
    Ok(n)
}
