//! Signing: checking a request against the petition, the gazetteer and the register, and
//! recording it with its confirmation email, in groups.
//!
//! A request becomes an attempt (see [`crate::signatures::attempts`]); confirming it makes the
//! signature. One signature per elector per petition is enforced by a unique constraint on a
//! keyed hash (HMAC with the server's secret) of the petition and the elector's place, never on
//! raw personal data. A repeat looks exactly like a first attempt to whoever makes it: the only
//! difference is an email to the mailbox that made the first.

use std::collections::BTreeMap;

use petition_core::postcode::Terminated;
use petition_core::text::{Email, PersonName};
use petition_core::{names, Postcode};
use sqlx::{AnyConnection, Row};

use crate::counts::signature_status;
use crate::db::{values_list, Db, ROWS_PER_STATEMENT};
use crate::error::StoreError;
use crate::group::{Commit, Grouper};
use crate::mail::links::Mailing;
use crate::mail::outbox::{enqueue, enqueue_all, Mail};
use crate::petitions::{self, Petition};
use crate::places::{area, lies_in, postcode_status, terminated, PostcodeStatus};
use crate::secrets::{new_token, Secrets};
use crate::signatures::attempts::{encode_places, holders, Holder, Place};
use crate::signatures::mails::{already_signed_mail, confirmation_mail};

/// Where the signer says they live, as parsed from the form.
pub use petition_core::address::AddressChoice;

#[derive(Clone, Debug)]
pub struct SignRequest {
    pub petition_id: i64,
    pub name: PersonName,
    pub email: Email,
    pub postcode: Postcode,
    pub address: AddressChoice,
}

/// Why a signature was refused, in words for the signer.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("There is no petition with that number")]
    NoSuchPetition,
    #[error("This petition is not open for signatures")]
    NotOpen,
    #[error("Signing this petition is paused for now. The deadline is extended by the time it is paused; please try again later")]
    Paused,
    #[error("We do not have that postcode in this council's area")]
    UnknownPostcode,
    /// The postcode is no longer in use (see `places::PostcodeStatus`).
    #[error("{0}")]
    TerminatedPostcode(Terminated),
    #[error("Choose your address from the list, or choose \"My address is not listed\"")]
    AddressNotAtPostcode,
    #[error("That address is outside {0}, so you cannot sign this petition")]
    OutsideArea(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for SignError {
    fn from(e: sqlx::Error) -> Self {
        SignError::Store(StoreError::Db(e))
    }
}

/// Whether the register knew the signer, for the store's callers to log or test. Never shown to
/// whoever made the request: the page and the email are the same either way (and for a repeat),
/// since telling them would say whether a named person is registered at an address. The signer
/// learns it once they have confirmed from their mailbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignOutcome {
    /// Found on the register at that address: confirm by email and it counts.
    Matched,
    /// Not found: confirm by email, then an officer checks.
    Unmatched,
}

/// Where a signer lives, once checked against the gazetteer and the petition's area.
pub(crate) struct Address {
    pub ward: String,
    pub uprn: Option<String>,
    pub address_text: String,
}

/// Checks the petition and the address before anything is written.
async fn check_address(
    conn: &mut AnyConnection,
    petition_id: i64,
    postcode: &Postcode,
    choice: &AddressChoice,
    now: i64,
) -> Result<(Petition, Address), SignError> {
    let p = petitions::load(&mut *conn, petition_id).await?.ok_or(SignError::NoSuchPetition)?;
    if !p.terms.accepts(&p.state, now) {
        // Collecting but not accepting: paused.
        return Err(if p.terms.collecting(&p.state, now) { SignError::Paused } else { SignError::NotOpen });
    }
    let address = locate(conn, postcode, choice, &p.area_code).await?;
    Ok((p, address))
}

/// Finds where someone lives from the gazetteer (or, for an address it does not list, the
/// postcode's ward), and checks that it lies in `area_code`. Proposals and sponsors are checked
/// the same way as signers.
///
/// Its reads share the caller's connection: sqlx checks a connection each time it goes back to
/// the pool, which cost a signature as much as its reads when each took its own.
pub(crate) async fn locate(
    conn: &mut AnyConnection,
    postcode: &Postcode,
    choice: &AddressChoice,
    area_code: &str,
) -> Result<Address, SignError> {
    let (ward, uprn, text): (String, Option<String>, String) = match choice {
        AddressChoice::Listed(uprn) => {
            // The property's postcode may have been terminated since the gazetteer listed it.
            let row = sqlx::query(
                "SELECT a.ward_code, a.lines, p.terminated FROM addresses a
                 LEFT JOIN postcodes p ON p.postcode = a.postcode WHERE a.uprn = $1 AND a.postcode = $2",
            )
            .bind(uprn.as_str())
            .bind(postcode.as_str())
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(SignError::AddressNotAtPostcode)?;
            if let Some(t) = terminated(postcode, row.try_get(2)?)? {
                return Err(SignError::TerminatedPostcode(t));
            }
            (row.try_get::<String, _>(0)?, Some(uprn.to_string()), row.try_get::<String, _>(1)?)
        }
        AddressChoice::NotListed(text) => match postcode_status(&mut *conn, postcode).await? {
            PostcodeStatus::Live { ward } => (ward, None, text.clone()),
            PostcodeStatus::Terminated(t) => return Err(SignError::TerminatedPostcode(t)),
            PostcodeStatus::Unknown => return Err(SignError::UnknownPostcode),
        },
    };
    if !lies_in(&mut *conn, &ward, area_code).await? {
        let name = area(&mut *conn, area_code).await?.map_or_else(|| area_code.to_string(), |(a, _)| a.name);
        return Err(SignError::OutsideArea(name));
    }
    Ok(Address { ward, uprn, address_text: text })
}

/// Everyone of this name on the register at this property who may vote locally, in the order
/// of their elector numbers.
pub(crate) async fn electors_at(
    e: impl sqlx::Executor<'_, Database = sqlx::Any>,
    uprn: &str,
    name_key: &str,
) -> crate::error::Result<Vec<i64>> {
    let rows = sqlx::query(
        "SELECT id FROM electors WHERE uprn = $1 AND name_key = $2 AND local_franchise = 1 AND removed_at IS NULL
         ORDER BY elector_number",
    )
    .bind(uprn)
    .bind(name_key)
    .fetch_all(e)
    .await?;
    Ok(rows.iter().map(|r| r.try_get(0)).collect::<Result<_, _>>()?)
}

/// An attempt checked and ready to record.
pub(crate) struct NewAttempt {
    petition_id: i64,
    title: String,
    places: Vec<Place>,
    uprn: Option<String>,
    postcode: String,
    address_text: String,
    ward: String,
    name: String,
    email: String,
    email_key: String,
    token: String,
    token_hash: String,
    outcome: SignOutcome,
    now: i64,
    plan: Plan,
    /// Recorded without a confirmation email: the email is confirmed already (see
    /// [`sign_confirmed`]).
    quiet: bool,
}

/// What a request comes to, read before anything is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Plan {
    /// A new attempt, waiting beside any others for the same elector.
    New,
    /// The same mailbox's attempt for the same elector is waiting: resend its link (at most so
    /// often) rather than add another.
    RepeatOfAttempt(i64),
    /// The same mailbox's signature holds the elector's place: tell it (at most so often).
    RepeatOfSignature(i64),
}

/// Checks a request against the petition, the gazetteer and the register; writes nothing.
async fn prepare(db: &Db, secrets: &Secrets, req: &SignRequest, now: i64) -> Result<NewAttempt, SignError> {
    // One connection for all the reads (see `locate`).
    let mut conn = db.pool.acquire().await?;
    let (p, Address { ward, uprn, address_text }) =
        check_address(&mut conn, req.petition_id, &req.postcode, &req.address, now).await?;
    let name_key = req.name.key();
    // Everyone of this name on the register at this property, who may vote locally.
    let electors = match &uprn {
        Some(u) => electors_at(&mut *conn, u, &name_key).await?,
        None => Vec::new(),
    };
    let pid = req.petition_id.to_string();
    let places = match &uprn {
        Some(u) if !electors.is_empty() => electors
            .iter()
            .enumerate()
            .map(|(k, &e)| Place {
                key: secrets.keyed_hash(&["sig", &pid, "elector-at", u, &name_key, &k.to_string()]),
                elector: Some(e),
            })
            .collect(),
        Some(u) => vec![Place { key: secrets.keyed_hash(&["sig", &pid, "property", u, &name_key]), elector: None }],
        None => vec![Place {
            key: secrets.keyed_hash(&[
                "sig",
                &pid,
                "unlisted",
                req.postcode.as_str(),
                &names::address_key([address_text.as_str()]),
                &name_key,
            ]),
            elector: None,
        }],
    };
    let email_key = req.email.canonical();
    let plan = plan(&mut conn, req.petition_id, &places, &email_key, now).await?;
    let (token, token_hash) = new_token();
    Ok(NewAttempt {
        petition_id: req.petition_id,
        title: p.title,
        outcome: if electors.is_empty() { SignOutcome::Unmatched } else { SignOutcome::Matched },
        places,
        uprn,
        postcode: req.postcode.as_str().to_string(),
        address_text,
        ward,
        name: req.name.as_str().to_string(),
        email: req.email.as_str().to_string(),
        email_key,
        token,
        token_hash,
        now,
        plan,
        quiet: false,
    })
}

/// Whether a request is a new attempt or a repeat by the same mailbox.
///
/// Two electors may share a name at an address (a father and a son), and their signatures cannot
/// be told apart; so each such property and name has one place per elector, and a signer may
/// take any place not held by a confirmed signature. While one is free, a request is a new
/// attempt, unless the same mailbox already has one waiting. Once every place is held, a request
/// from the mailbox of one of the holders is a repeat of that signature; from any other mailbox
/// it is a new attempt, which will be told on confirming that the elector has signed (and which
/// officers then see as a possible impersonation). The key names the property, the name and the
/// place, not the elector's row, so a register re-imported with new elector numbers lets nobody
/// sign twice.
async fn plan(
    conn: &mut AnyConnection,
    petition_id: i64,
    places: &[Place],
    email_key: &str,
    now: i64,
) -> Result<Plan, SignError> {
    let keys: Vec<String> = places.iter().map(|p| p.key.clone()).collect();
    let held = holders(&mut *conn, petition_id, &keys).await?;
    let holders: Vec<&Holder> = keys.iter().filter_map(|k| held.get(k)).filter(|h| h.status.holds_place()).collect();
    if holders.len() == keys.len() {
        if let Some(h) = holders.iter().find(|h| h.email_key == email_key) {
            return Ok(Plan::RepeatOfSignature(h.id));
        }
    }
    let waiting = sqlx::query(
        "SELECT id FROM sign_attempts WHERE petition_id = $1 AND dedupe_key = $2 AND email_key = $3
           AND decided_at IS NULL AND expires_at > $4
         ORDER BY id DESC LIMIT 1",
    )
    .bind(petition_id)
    .bind(&keys[0])
    .bind(email_key)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match waiting {
        Some(r) => Plan::RepeatOfAttempt(r.try_get(0)?),
        None => Plan::New,
    })
}

/// Re-keys signatures made before keys had places (keyed by the elector's row), so that a
/// register re-imported with new elector numbers cannot let their signers sign twice. Each takes
/// the first free place of its elector's name and property. Run at start-up; a no-op once done.
pub async fn rekey_elector_signatures(db: &Db, secrets: &Secrets) -> crate::error::Result<usize> {
    // Find them without holding anything: once re-keyed, there are none, and a start-up (of
    // several servers at once, say) writes nothing and blocks nobody.
    let rows = sqlx::query(
        "SELECT s.id, s.petition_id, s.dedupe_key, s.elector_id, e.uprn, e.name_key
         FROM signatures s JOIN electors e ON e.id = s.elector_id WHERE e.uprn IS NOT NULL ORDER BY s.id",
    )
    .fetch_all(&db.pool)
    .await?;
    let mut old = Vec::new();
    for r in rows {
        let (id, petition_id, key, elector): (i64, i64, String, i64) =
            (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?);
        if key == secrets.keyed_hash(&["sig", &petition_id.to_string(), "elector", &elector.to_string()]) {
            old.push((id, petition_id, key, r.try_get::<String, _>(4)?, r.try_get::<String, _>(5)?));
        }
    }
    if old.is_empty() {
        return Ok(0);
    }
    let mut tx = db.pool.begin().await?;
    let mut done = 0;
    for (id, petition_id, key, uprn, name_key) in old {
        let pid = petition_id.to_string();
        for k in 0.. {
            let place = secrets.keyed_hash(&["sig", &pid, "elector-at", &uprn, &name_key, &k.to_string()]);
            let held = sqlx::query("SELECT 1 AS held FROM signatures WHERE petition_id = $1 AND dedupe_key = $2")
                .bind(petition_id)
                .bind(&place)
                .fetch_optional(&mut *tx)
                .await?;
            if held.is_none() {
                // Only if still keyed the old way: another server may have moved it meanwhile.
                done += sqlx::query("UPDATE signatures SET dedupe_key = $1 WHERE id = $2 AND dedupe_key = $3")
                    .bind(&place)
                    .bind(id)
                    .bind(&key)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected() as usize;
                break;
            }
        }
    }
    tx.commit().await?;
    Ok(done)
}

/// The signatures holding any of `keys`, read outside a transaction.
async fn held_keys(db: &Db, petition_id: i64, keys: &[String]) -> Result<BTreeMap<String, Holder>, SignError> {
    let mut conn = db.pool.acquire().await?;
    Ok(holders(&mut conn, petition_id, keys).await?)
}

/// Records a group of new attempts, with their confirmation emails, in one transaction.
async fn insert_group(db: &Db, links: &Mailing, group: &[&NewAttempt]) -> crate::error::Result<()> {
    let _turn = db.write_turn().await;
    let mut tx = db.pool.begin().await?;
    for chunk in group.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO sign_attempts (petition_id, dedupe_key, places, uprn, postcode, address_text, ward_code,
               name, email, email_key, confirm_token_hash, created_at, notified_at, expires_at)
             VALUES {}",
            values_list(chunk.len(), 14)
        );
        let mut q = sqlx::query(&sql);
        for s in chunk {
            q = q
                .bind(s.petition_id)
                .bind(&s.places[0].key)
                .bind(encode_places(&s.places))
                .bind(s.uprn.clone())
                .bind(&s.postcode)
                .bind(&s.address_text)
                .bind(&s.ward)
                .bind(&s.name)
                .bind(&s.email)
                .bind(&s.email_key)
                .bind(&s.token_hash)
                .bind(s.now)
                // The confirmation email is the first notice: a repeat within the limit sends none.
                .bind(s.now)
                .bind(s.now + links.attempt_lifetime);
        }
        q.execute(&mut *tx).await?;
    }
    let mails: Vec<(Mail, i64)> = group
        .iter()
        .filter(|s| !s.quiet)
        .map(|s| (confirmation_mail(links, &s.title, &s.email, &s.token), s.now))
        .collect();
    enqueue_all(&mut tx, &mails).await?;
    tx.commit().await?;
    Ok(())
}

/// Records a group, or, if its transaction fails, each attempt on its own, so that one that
/// cannot be written does not fail the others.
async fn record_group(db: &Db, links: &Mailing, group: &[NewAttempt]) -> Vec<crate::error::Result<()>> {
    if group.is_empty() {
        return Vec::new();
    }
    let all: Vec<&NewAttempt> = group.iter().collect();
    match insert_group(db, links, &all).await {
        Ok(()) => group.iter().map(|_| Ok(())).collect(),
        Err(e) if group.len() > 1 => {
            tracing::warn!(size = group.len(), error = %e, "a group of attempts failed; writing them one at a time");
            let mut out = Vec::with_capacity(group.len());
            for s in &all {
                out.push(insert_group(db, links, std::slice::from_ref(s)).await);
            }
            out
        }
        Err(e) => vec![Err(e)],
    }
}

/// Records an attempt (or treats it as a repeat of the same mailbox's earlier one) and queues
/// the right email.
pub async fn sign(
    db: &Db,
    secrets: &Secrets,
    links: &Mailing,
    req: &SignRequest,
    now: i64,
) -> Result<SignOutcome, SignError> {
    let s = prepare(db, secrets, req, now).await?;
    if !repeat(db, links, &s).await? {
        record_group(db, links, std::slice::from_ref(&s)).await.pop().expect("one result per attempt")?;
    }
    Ok(s.outcome)
}

/// What signing someone in with a confirmed email came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignedIn {
    /// Their mailbox already holds one of the elector's places: nothing was done.
    AlreadySigned,
    Confirmed(crate::signatures::confirm::ConfirmOutcome),
}

/// Signs for someone whose email address is already confirmed (a proposal's petitioner and
/// sponsors, when it opens): the same checks and the same record as [`sign`], then the same
/// confirmation, with no email asking for it. The signer gets the usual thank-you email with its
/// withdrawal link.
///
/// Safe to run again after a crash at any point: if the mailbox already holds one of the
/// elector's places, nothing is done (so an elector who shares a name at an address is not given
/// a second place); if its attempt was recorded but not confirmed, that attempt is confirmed.
pub async fn sign_confirmed(
    db: &Db,
    secrets: &Secrets,
    links: &Mailing,
    req: &SignRequest,
    now: i64,
) -> Result<SignedIn, SignError> {
    let mut s = prepare(db, secrets, req, now).await?;
    let keys: Vec<String> = s.places.iter().map(|p| p.key.clone()).collect();
    let held = held_keys(db, req.petition_id, &keys).await?;
    if held.values().any(|h| h.email_key == s.email_key && h.status.holds_place()) {
        return Ok(SignedIn::AlreadySigned);
    }
    let waiting = match s.plan {
        // Recorded before a crash, never confirmed: confirm that attempt, under a new link.
        Plan::RepeatOfAttempt(attempt) => sqlx::query(
            "UPDATE sign_attempts SET confirm_token_hash = $1, expires_at = $2 WHERE id = $3 AND decided_at IS NULL",
        )
        .bind(&s.token_hash)
        .bind(now + links.attempt_lifetime)
        .bind(attempt)
        .execute(&db.pool)
        .await?
        .rows_affected()
            == 1,
        _ => false,
    };
    if !waiting {
        s.quiet = true;
        insert_group(db, links, &[&s]).await?;
    }
    Ok(SignedIn::Confirmed(crate::signatures::confirm::confirm(db, links, &s.token, now).await?))
}

/// Records attempts in groups, as [`Confirmer`](crate::signatures::Confirmer) does
/// confirmations. Cheap to clone.
#[derive(Clone)]
pub struct Signer {
    db: Db,
    secrets: Secrets,
    links: Mailing,
    writer: Grouper<NewAttempt, ()>,
}

impl Signer {
    /// Starts the writer on the current Tokio runtime; `max_group` caps the attempts in one
    /// transaction.
    pub fn start(db: Db, secrets: Secrets, links: Mailing, max_group: usize) -> Signer {
        let (writer_db, writer_links) = (db.clone(), links.clone());
        let commit: Commit<NewAttempt, ()> = Box::new(move |items: Vec<NewAttempt>| {
            let (db, links) = (writer_db.clone(), writer_links.clone());
            Box::pin(async move {
                let results = record_group(&db, &links, &items).await;
                (items, results)
            })
        });
        Signer { db, secrets, links, writer: Grouper::start(max_group, commit) }
    }

    /// Like [`sign`], as part of the next group: answers once the attempt is durable.
    pub async fn sign(&self, req: &SignRequest, now: i64) -> Result<SignOutcome, SignError> {
        let s = prepare(&self.db, &self.secrets, req, now).await?;
        if repeat(&self.db, &self.links, &s).await? {
            return Ok(s.outcome);
        }
        let (s, ()) = self.writer.submit(s).await?;
        Ok(s.outcome)
    }
}

/// How often the email on file may be sent a new confirmation link by repeat attempts before it
/// is confirmed: each new link replaces the last, so this also bounds how often a stranger who
/// knows the signer's details can invalidate the link they hold.
pub const RESEND_CONFIRMATION_AFTER: i64 = 10 * 60;

/// How often the email on file may be told of repeat attempts once it has confirmed.
pub const REPEAT_NOTICE_AFTER: i64 = 24 * 60 * 60;

/// Handles a repeat by the same mailbox: the same answer as a first attempt, and (at most so
/// often) an email to that mailbox. Says whether it was one; if what it repeated changed since
/// it was read (confirmed, withdrawn, expired), the request is recorded as a new attempt instead.
async fn repeat(db: &Db, links: &Mailing, s: &NewAttempt) -> crate::error::Result<bool> {
    let (now, title) = (s.now, &s.title);
    let notified_within = |at: Option<i64>, seconds: i64| at.is_some_and(|at| now - at < seconds);
    if s.plan == Plan::New {
        return Ok(false);
    }
    let mut tx = db.pool.begin().await?;
    match s.plan {
        Plan::New => unreachable!("answered above"),
        Plan::RepeatOfAttempt(id) => {
            // Write before reading: this locks the row on PostgreSQL, and on SQLite takes the
            // writer lock first (a read-then-write transaction there fails if another writer
            // commits between).
            sqlx::query("UPDATE sign_attempts SET id = id WHERE id = $1").bind(id).execute(&mut *tx).await?;
            let row = sqlx::query(
                "SELECT email, notified_at FROM sign_attempts WHERE id = $1 AND decided_at IS NULL AND expires_at > $2",
            )
            .bind(id)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(row) = row else { return Ok(false) };
            if !notified_within(row.try_get(1)?, RESEND_CONFIRMATION_AFTER) {
                sqlx::query(
                    "UPDATE sign_attempts SET confirm_token_hash = $1, notified_at = $2, expires_at = $3 WHERE id = $4",
                )
                .bind(&s.token_hash)
                .bind(now)
                .bind(now + links.attempt_lifetime)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                let to: String = row.try_get(0)?;
                enqueue(&mut tx, &confirmation_mail(links, title, &to, &s.token), now).await?;
            }
        }
        Plan::RepeatOfSignature(id) => {
            sqlx::query("UPDATE signatures SET id = id WHERE id = $1").bind(id).execute(&mut *tx).await?;
            let row = sqlx::query("SELECT status, email, notified_at FROM signatures WHERE id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
            if !signature_status(&row.try_get::<String, _>(0)?)?.holds_place() {
                return Ok(false);
            }
            if !notified_within(row.try_get(2)?, REPEAT_NOTICE_AFTER) {
                sqlx::query("UPDATE signatures SET notified_at = $1 WHERE id = $2")
                    .bind(now)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                let to: String = row.try_get(1)?;
                enqueue(&mut tx, &already_signed_mail(links, title, s.petition_id, &to), now).await?;
            }
        }
    }
    tx.commit().await?;
    Ok(true)
}
