//! Signing: checking a request against the petition, the gazetteer and the register, and
//! recording it with its confirmation email, in groups.
//!
//! One signature per elector per petition is enforced by a unique constraint on a keyed hash
//! (HMAC with the server's secret) of the petition and the elector, never on raw personal data.
//! A repeat attempt looks exactly like a first one to whoever makes it: the only difference is
//! an email to the address already on file.

use std::collections::BTreeMap;

use petition_core::signature::Status;
use petition_core::text::{Email, PersonName};
use petition_core::{names, Postcode};
use sqlx::Row;

use crate::counts::signature_status;
use crate::db::{values_list, Db, ROWS_PER_STATEMENT};
use crate::error::StoreError;
use crate::group::{Commit, Grouper};
use crate::mail::links::Mailing;
use crate::mail::outbox::{enqueue, enqueue_all, Mail};
use crate::petitions::{self, Petition};
use crate::places::{area, lies_in, ward_of_postcode};
use crate::secrets::{new_token, Secrets};
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
struct Place {
    ward: String,
    uprn: Option<String>,
    address_text: String,
}

/// Checks the petition and the address before anything is written.
async fn check_address(
    db: &Db,
    petition_id: i64,
    postcode: &Postcode,
    choice: &AddressChoice,
    now: i64,
) -> Result<(Petition, Place), SignError> {
    let p = petitions::fetch(db, petition_id).await?.ok_or(SignError::NoSuchPetition)?;
    if !p.terms.accepts(&p.state, now) {
        // Collecting but not accepting: paused.
        return Err(if p.terms.collecting(&p.state, now) { SignError::Paused } else { SignError::NotOpen });
    }
    let (ward, uprn, text): (String, Option<String>, String) = match choice {
        AddressChoice::Listed(uprn) => {
            let row = sqlx::query("SELECT ward_code, lines FROM addresses WHERE uprn = $1 AND postcode = $2")
                .bind(uprn.as_str())
                .bind(postcode.as_str())
                .fetch_optional(&db.pool)
                .await?
                .ok_or(SignError::AddressNotAtPostcode)?;
            (row.try_get::<String, _>(0)?, Some(uprn.to_string()), row.try_get::<String, _>(1)?)
        }
        AddressChoice::NotListed(text) => {
            let ward = ward_of_postcode(db, postcode).await?.ok_or(SignError::UnknownPostcode)?;
            (ward, None, text.clone())
        }
    };
    if !lies_in(db, &ward, &p.area_code).await? {
        let name = area(db, &p.area_code).await?.map_or_else(|| p.area_code.clone(), |(a, _)| a.name);
        return Err(SignError::OutsideArea(name));
    }
    Ok((p, Place { ward, uprn, address_text: text }))
}

/// A signature checked and ready to record.
pub(crate) struct NewSignature {
    petition_id: i64,
    title: String,
    dedupe_key: String,
    elector: Option<i64>,
    uprn: Option<String>,
    postcode: String,
    address_text: String,
    ward: String,
    name: String,
    email: String,
    token: String,
    token_hash: String,
    outcome: SignOutcome,
    now: i64,
}

/// Checks a request against the petition, the gazetteer and the register; writes nothing.
async fn prepare(db: &Db, secrets: &Secrets, req: &SignRequest, now: i64) -> Result<NewSignature, SignError> {
    let (p, Place { ward, uprn, address_text }) =
        check_address(db, req.petition_id, &req.postcode, &req.address, now).await?;
    let name_key = req.name.key();
    // Everyone of this name on the register at this property, who may vote locally.
    let electors: Vec<i64> = match &uprn {
        Some(u) => sqlx::query(
            "SELECT id FROM electors WHERE uprn = $1 AND name_key = $2 AND local_franchise = 1 AND removed_at IS NULL
             ORDER BY elector_number",
        )
        .bind(u)
        .bind(&name_key)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()?,
        None => Vec::new(),
    };
    let pid = req.petition_id.to_string();
    let (elector, dedupe_key) = match (electors.is_empty(), &uprn) {
        (false, Some(u)) => {
            let (e, key) = elector_slot(db, secrets, req.petition_id, u, &name_key, &electors).await?;
            (Some(e), key)
        }
        (_, Some(u)) => {
            let key = secrets.keyed_hash(&["sig", &pid, "property", u, &name_key]);
            held_keys(db, req.petition_id, std::slice::from_ref(&key)).await?;
            (None, key)
        }
        (_, None) => (
            None,
            secrets.keyed_hash(&[
                "sig",
                &pid,
                "unlisted",
                req.postcode.as_str(),
                &names::address_key([address_text.as_str()]),
                &name_key,
            ]),
        ),
    };
    let (token, token_hash) = new_token();
    Ok(NewSignature {
        petition_id: req.petition_id,
        title: p.title,
        dedupe_key,
        elector,
        uprn,
        postcode: req.postcode.as_str().to_string(),
        address_text,
        ward,
        name: req.name.as_str().to_string(),
        email: req.email.as_str().to_string(),
        token,
        token_hash,
        outcome: if elector.is_some() { SignOutcome::Matched } else { SignOutcome::Unmatched },
        now,
    })
}

/// The elector a signer is, among `electors` (all of one name at one property, in elector-number
/// order), and the key that stops them signing twice.
///
/// Two electors may share a name at an address (a father and a son), and their signatures cannot
/// be told apart; so each such property and name has one place per elector. A signer takes a
/// place whose signature was withdrawn if there is one (a struck one first, so that signing again
/// never sheds a strike), else the first free place; when every place holds a live signature it
/// is a repeat of the first. The key names the property, the name and the place, not the
/// elector's row, so a register re-imported with new elector numbers lets nobody sign twice.
async fn elector_slot(
    db: &Db,
    secrets: &Secrets,
    petition_id: i64,
    uprn: &str,
    name_key: &str,
    electors: &[i64],
) -> Result<(i64, String), SignError> {
    let pid = petition_id.to_string();
    let places: Vec<String> = (0..electors.len())
        .map(|k| secrets.keyed_hash(&["sig", &pid, "elector-at", uprn, name_key, &k.to_string()]))
        .collect();
    let held = held_keys(db, petition_id, &places).await?;
    // What each place holds: a withdrawn signature (struck or not), or nothing.
    let holding = |wanted: Option<(Status, bool)>| places.iter().position(|p| held.get(p).copied() == wanted);
    let k = holding(Some((Status::Withdrawn, true)))
        .or_else(|| holding(Some((Status::Withdrawn, false))))
        .or_else(|| holding(None))
        .unwrap_or(0);
    Ok((electors[k], places[k].clone()))
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

/// The status and strike of each of `keys` that a signature of the petition holds: one read,
/// whether or not the register knew the signer, so the two take alike.
async fn held_keys(db: &Db, petition_id: i64, keys: &[String]) -> Result<BTreeMap<String, (Status, bool)>, SignError> {
    let list: Vec<String> = (0..keys.len()).map(|i| format!("${}", i + 2)).collect();
    let sql = format!(
        "SELECT dedupe_key, status, struck_at FROM signatures WHERE petition_id = $1 AND dedupe_key IN ({})",
        list.join(", ")
    );
    let mut q = sqlx::query(&sql).bind(petition_id);
    for k in keys {
        q = q.bind(k);
    }
    let mut out = BTreeMap::new();
    for r in q.fetch_all(&db.pool).await? {
        let status = signature_status(&r.try_get::<String, _>(1)?)?;
        out.insert(r.try_get(0)?, (status, r.try_get::<Option<i64>, _>(2)?.is_some()));
    }
    Ok(out)
}

/// Records a group of new signatures, with their confirmation emails, in one transaction. Says
/// for each whether it was recorded: one that was not is a repeat of an earlier signature (or of
/// one earlier in the group), for [`sign_again`].
async fn insert_group(db: &Db, links: &Mailing, group: &[NewSignature]) -> crate::error::Result<Vec<bool>> {
    let mut tx = db.pool.begin().await?;
    let mut first = BTreeMap::new();
    for (i, s) in group.iter().enumerate() {
        first.entry((s.petition_id, s.dedupe_key.as_str())).or_insert(i);
    }
    let firsts: Vec<usize> = first.values().copied().collect();
    let mut recorded = vec![false; group.len()];
    for chunk in firsts.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO signatures (petition_id, dedupe_key, status, elector_id, uprn, postcode, address_text, ward_code,
               name, email, confirm_token_hash, created_at, notified_at)
             VALUES {}
             ON CONFLICT (petition_id, dedupe_key) DO NOTHING RETURNING petition_id, dedupe_key",
            values_list(chunk.len(), 13)
        );
        let mut q = sqlx::query(&sql);
        for &i in chunk {
            let s = &group[i];
            q = q
                .bind(s.petition_id)
                .bind(&s.dedupe_key)
                .bind(Status::Unconfirmed.name())
                .bind(s.elector)
                .bind(s.uprn.clone())
                .bind(&s.postcode)
                .bind(&s.address_text)
                .bind(&s.ward)
                .bind(&s.name)
                .bind(&s.email)
                .bind(&s.token_hash)
                .bind(s.now)
                // The confirmation email is the first notice: a repeat within the limit sends none.
                .bind(s.now);
        }
        for row in q.fetch_all(&mut *tx).await? {
            let key: (i64, String) = (row.try_get(0)?, row.try_get(1)?);
            recorded[first[&(key.0, key.1.as_str())]] = true;
        }
    }
    let mails: Vec<(Mail, i64)> = group
        .iter()
        .zip(&recorded)
        .filter(|(_, &r)| r)
        .map(|(s, _)| (confirmation_mail(links, &s.title, &s.email, &s.token), s.now))
        .collect();
    enqueue_all(&mut tx, &mails).await?;
    tx.commit().await?;
    Ok(recorded)
}

/// Records a group, or, if its transaction fails, each signature on its own, so that one that
/// cannot be written does not fail the others.
async fn record_group(db: &Db, links: &Mailing, group: &[NewSignature]) -> Vec<crate::error::Result<bool>> {
    if group.is_empty() {
        return Vec::new();
    }
    match insert_group(db, links, group).await {
        Ok(recorded) => recorded.into_iter().map(Ok).collect(),
        Err(e) if group.len() > 1 => {
            tracing::warn!(size = group.len(), error = %e, "a group of signatures failed; writing them one at a time");
            let mut out = Vec::with_capacity(group.len());
            for s in group {
                out.push(insert_group(db, links, std::slice::from_ref(s)).await.map(|r| r[0]));
            }
            out
        }
        Err(e) => vec![Err(e)],
    }
}

/// Records a signature (or finds the signer's earlier one) and queues the right email.
pub async fn sign(
    db: &Db,
    secrets: &Secrets,
    links: &Mailing,
    req: &SignRequest,
    now: i64,
) -> Result<SignOutcome, SignError> {
    let s = prepare(db, secrets, req, now).await?;
    let recorded = record_group(db, links, std::slice::from_ref(&s)).await.pop().expect("one result per signature")?;
    finish(db, links, s, recorded).await
}

async fn finish(db: &Db, links: &Mailing, s: NewSignature, recorded: bool) -> Result<SignOutcome, SignError> {
    if !recorded {
        sign_again(db, links, &s).await?;
    }
    Ok(s.outcome)
}

/// Records signatures in groups, as [`Confirmer`] does confirmations. Cheap to clone.
#[derive(Clone)]
pub struct Signer {
    db: Db,
    secrets: Secrets,
    links: Mailing,
    writer: Grouper<NewSignature>,
}

impl Signer {
    /// Starts the writer on the current Tokio runtime; `max_group` caps the signatures in one
    /// transaction.
    pub fn start(db: Db, secrets: Secrets, links: Mailing, max_group: usize) -> Signer {
        let (writer_db, writer_links) = (db.clone(), links.clone());
        let commit: Commit<NewSignature> = Box::new(move |items: Vec<NewSignature>| {
            let (db, links) = (writer_db.clone(), writer_links.clone());
            Box::pin(async move {
                let results = record_group(&db, &links, &items).await;
                (items, results)
            })
        });
        Signer { db, secrets, links, writer: Grouper::start(max_group, commit) }
    }

    /// Like [`sign`], as part of the next group: answers once the signature is durable.
    pub async fn sign(&self, req: &SignRequest, now: i64) -> Result<SignOutcome, SignError> {
        let s = prepare(&self.db, &self.secrets, req, now).await?;
        let (s, recorded) = self.writer.submit(s).await?;
        finish(&self.db, &self.links, s, recorded).await
    }
}

/// How often the email on file may be sent a new confirmation link by repeat attempts before it
/// is confirmed: each new link replaces the last, so this also bounds how often a stranger who
/// knows the signer's details can invalidate the link they hold.
pub const RESEND_CONFIRMATION_AFTER: i64 = 10 * 60;

/// How often the email on file may be told of repeat attempts once it has confirmed.
pub const REPEAT_NOTICE_AFTER: i64 = 24 * 60 * 60;

/// A repeat of an earlier signature by the same elector: the same answer as a first attempt, and
/// (at most so often) an email to the address on file.
async fn sign_again(db: &Db, links: &Mailing, s: &NewSignature) -> crate::error::Result<()> {
    let mut tx = db.pool.begin().await?;
    // Write before reading: this locks the row on PostgreSQL, and on SQLite takes the writer
    // lock first (a read-then-write transaction there fails if another writer commits between).
    sqlx::query("UPDATE signatures SET id = id WHERE petition_id = $1 AND dedupe_key = $2")
        .bind(s.petition_id)
        .bind(&s.dedupe_key)
        .execute(&mut *tx)
        .await?;
    let row =
        sqlx::query("SELECT id, status, email, notified_at FROM signatures WHERE petition_id = $1 AND dedupe_key = $2")
            .bind(s.petition_id)
            .bind(&s.dedupe_key)
            .fetch_one(&mut *tx)
            .await?;
    let (id, email_on_file): (i64, String) = (row.try_get(0)?, row.try_get(2)?);
    let status = signature_status(&row.try_get::<String, _>(1)?)?;
    let (token, token_h, now, title) = (&s.token, &s.token_hash, s.now, &s.title);
    let notified_within = |seconds: i64| -> crate::error::Result<bool> {
        Ok(row.try_get::<Option<i64>, _>(3)?.is_some_and(|at| now - at < seconds))
    };
    match status {
        Status::Unconfirmed if notified_within(RESEND_CONFIRMATION_AFTER)? => {}
        Status::Unconfirmed => {
            sqlx::query("UPDATE signatures SET confirm_token_hash = $1, notified_at = $2 WHERE id = $3")
                .bind(token_h)
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            enqueue(&mut tx, &confirmation_mail(links, title, &email_on_file, token), now).await?;
        }
        Status::Withdrawn => {
            sqlx::query(
                "UPDATE signatures SET status = $11, elector_id = $1, uprn = $2, postcode = $3, address_text = $4,
                   ward_code = $5, name = $6, email = $7, confirm_token_hash = $8, withdraw_token_hash = NULL,
                   created_at = $9, confirmed_at = NULL, withdrawn_at = NULL, receipt_r = NULL, receipt_commit = NULL,
                   notified_at = $9, log_index = NULL
                 WHERE id = $10",
            )
            .bind(s.elector)
            .bind(s.uprn.clone())
            .bind(&s.postcode)
            .bind(&s.address_text)
            .bind(&s.ward)
            .bind(&s.name)
            .bind(&s.email)
            .bind(token_h)
            .bind(now)
            .bind(id)
            .bind(Status::Unconfirmed.name())
            .execute(&mut *tx)
            .await?;
            enqueue(&mut tx, &confirmation_mail(links, title, &s.email, token), now).await?;
        }
        Status::Review | Status::Confirmed if notified_within(REPEAT_NOTICE_AFTER)? => {}
        Status::Review | Status::Confirmed => {
            sqlx::query("UPDATE signatures SET notified_at = $1 WHERE id = $2")
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            enqueue(&mut tx, &already_signed_mail(links, title, s.petition_id, &email_on_file), now).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}
