//! Signing, confirming by email, and withdrawing.
//!
//! One signature per elector per petition is enforced by a unique constraint on a keyed hash
//! (HMAC with the server's secret) of the petition and the elector, never on raw personal data.
//! A repeat attempt looks exactly like a first one to whoever makes it: the only difference is
//! an email to the address already on file.

use petition_core::text::{Email, PersonName};
use petition_core::{names, Postcode};
use sqlx::Row;

use crate::outbox::{enqueue, Mail};
use crate::secrets::{new_token, token_hash, Secrets};
use crate::trigger::{self, Hold};
use crate::{queries, Db, StoreError};

pub use crate::confirming::{confirm, confirm_all, ConfirmOutcome, Confirmer};

/// Where links in emails point, and who gets the notices meant for electoral officers.
#[derive(Clone, Debug)]
pub struct Mailing {
    pub base_url: String,
    pub officer_email: Option<String>,
}

impl Mailing {
    fn confirm(&self, token: &str) -> String {
        format!("{}/confirm/{token}", self.base_url.trim_end_matches('/'))
    }
    fn withdraw(&self, token: &str) -> String {
        format!("{}/withdraw/{token}", self.base_url.trim_end_matches('/'))
    }
    fn petition(&self, id: i64) -> String {
        format!("{}/petitions/{id}", self.base_url.trim_end_matches('/'))
    }
    pub(crate) fn officer_petition(&self, id: i64) -> String {
        format!("{}/officer/petitions/{id}", self.base_url.trim_end_matches('/'))
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AddressChoice {
    /// A property from the gazetteer list, by its UPRN.
    Listed(String),
    /// "My address is not listed", with the address as the signer wrote it.
    NotListed(String),
}

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

/// What the signer is told. The same for a first attempt and a repeat.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignOutcome {
    /// Found on the register at that address: confirm by email and it counts.
    Matched,
    /// Not found: confirm by email, then an officer checks.
    Unmatched,
}

pub(crate) struct PetitionInfo {
    pub(crate) title: String,
    pub(crate) area_code: String,
    pub(crate) area_name: String,
    pub(crate) opens_at: i64,
    pub(crate) closes_at: i64,
    pub(crate) paused: bool,
    pub(crate) closed: bool,
}

pub(crate) async fn petition_info(db: &Db, id: i64) -> Result<Option<PetitionInfo>, SignError> {
    let row = sqlx::query(
        "SELECT p.title, p.area_code, a.name, p.opens_at, p.closes_at, p.paused_since, p.closed_at
         FROM petitions p JOIN areas a ON a.code = p.area_code WHERE p.id = $1",
    )
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(match row {
        None => None,
        Some(r) => Some(PetitionInfo {
            title: r.try_get(0)?,
            area_code: r.try_get(1)?,
            area_name: r.try_get(2)?,
            opens_at: r.try_get(3)?,
            closes_at: r.try_get(4)?,
            paused: r.try_get::<Option<i64>, _>(5)?.is_some(),
            closed: r.try_get::<Option<i64>, _>(6)?.is_some(),
        }),
    })
}

fn is_open(p: &PetitionInfo, now: i64) -> bool {
    !p.closed && p.opens_at <= now && now < p.closes_at
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
) -> Result<(PetitionInfo, Place), SignError> {
    let p = petition_info(db, petition_id).await?.ok_or(SignError::NoSuchPetition)?;
    if !is_open(&p, now) {
        return Err(SignError::NotOpen);
    }
    if p.paused {
        return Err(SignError::Paused);
    }
    let (ward, uprn, text): (String, Option<String>, String) = match choice {
        AddressChoice::Listed(uprn) => {
            let row = sqlx::query("SELECT ward_code, lines FROM addresses WHERE uprn = $1 AND postcode = $2")
                .bind(uprn)
                .bind(postcode.as_str())
                .fetch_optional(&db.pool)
                .await?
                .ok_or(SignError::AddressNotAtPostcode)?;
            (row.try_get::<String, _>(0)?, Some(uprn.clone()), row.try_get::<String, _>(1)?)
        }
        AddressChoice::NotListed(text) => {
            let ward = queries::ward_of_postcode(db, postcode).await?.ok_or(SignError::UnknownPostcode)?;
            (ward, None, text.clone())
        }
    };
    if !queries::lies_in(db, &ward, &p.area_code).await? {
        return Err(SignError::OutsideArea(p.area_name));
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
    let elector: Option<i64> = match &uprn {
        Some(u) => sqlx::query(
            "SELECT id FROM electors WHERE uprn = $1 AND name_key = $2 AND local_franchise = 1 ORDER BY id LIMIT 1",
        )
        .bind(u)
        .bind(&name_key)
        .fetch_optional(&db.pool)
        .await?
        .map(|r| r.try_get(0))
        .transpose()?,
        None => None,
    };
    let pid = req.petition_id.to_string();
    let dedupe_key = match (elector, &uprn) {
        (Some(e), _) => secrets.keyed_hash(&["sig", &pid, "elector", &e.to_string()]),
        (None, Some(u)) => secrets.keyed_hash(&["sig", &pid, "property", u, &name_key]),
        (None, None) => secrets.keyed_hash(&[
            "sig",
            &pid,
            "unlisted",
            req.postcode.as_str(),
            &names::address_key([address_text.as_str()]),
            &name_key,
        ]),
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

/// Records a group of new signatures, with their confirmation emails, in one transaction. Says
/// for each whether it was recorded: one that was not is a repeat of an earlier signature (or of
/// one earlier in the group), for [`sign_again`].
async fn insert_group(db: &Db, links: &Mailing, group: &[NewSignature]) -> crate::Result<Vec<bool>> {
    let mut tx = db.pool.begin().await?;
    let mut first = std::collections::BTreeMap::new();
    for (i, s) in group.iter().enumerate() {
        first.entry((s.petition_id, s.dedupe_key.as_str())).or_insert(i);
    }
    let firsts: Vec<usize> = first.values().copied().collect();
    let mut recorded = vec![false; group.len()];
    for chunk in firsts.chunks(crate::db::ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO signatures (petition_id, dedupe_key, status, elector_id, uprn, postcode, address_text, ward_code,
               name, email, confirm_token_hash, created_at)
             VALUES {}
             ON CONFLICT (petition_id, dedupe_key) DO NOTHING RETURNING petition_id, dedupe_key",
            crate::db::values_list(chunk.len(), 12)
        );
        let mut q = sqlx::query(&sql);
        for &i in chunk {
            let s = &group[i];
            q = q
                .bind(s.petition_id)
                .bind(&s.dedupe_key)
                .bind("unconfirmed")
                .bind(s.elector)
                .bind(s.uprn.clone())
                .bind(&s.postcode)
                .bind(&s.address_text)
                .bind(&s.ward)
                .bind(&s.name)
                .bind(&s.email)
                .bind(&s.token_hash)
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
        .map(|(s, _)| (confirmation_mail(links, &s.title, &s.email, &s.token, s.outcome), s.now))
        .collect();
    crate::outbox::enqueue_all(&mut tx, &mails).await?;
    tx.commit().await?;
    Ok(recorded)
}

/// Records a group, or, if its transaction fails, each signature on its own, so that one that
/// cannot be written does not fail the others.
async fn record_group(db: &Db, links: &Mailing, group: &[NewSignature]) -> Vec<crate::Result<bool>> {
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
    writer: crate::group::Grouper<NewSignature>,
}

impl Signer {
    /// Starts the writer on the current Tokio runtime; `max_group` caps the signatures in one
    /// transaction.
    pub fn start(db: Db, secrets: Secrets, links: Mailing, max_group: usize) -> Signer {
        let (writer_db, writer_links) = (db.clone(), links.clone());
        let commit: crate::group::Commit<NewSignature> = Box::new(move |items: Vec<NewSignature>| {
            let (db, links) = (writer_db.clone(), writer_links.clone());
            Box::pin(async move {
                let results = record_group(&db, &links, &items).await;
                (items, results)
            })
        });
        Signer { db, secrets, links, writer: crate::group::Grouper::start(max_group, commit) }
    }

    /// Like [`sign`], as part of the next group: answers once the signature is durable.
    pub async fn sign(&self, req: &SignRequest, now: i64) -> Result<SignOutcome, SignError> {
        let s = prepare(&self.db, &self.secrets, req, now).await?;
        let (s, recorded) = self.writer.submit(s).await?;
        finish(&self.db, &self.links, s, recorded).await
    }
}

/// A repeat of an earlier signature by the same elector: the same answer as a first attempt, and
/// an email to the address on file.
async fn sign_again(db: &Db, links: &Mailing, s: &NewSignature) -> crate::Result<()> {
    let mut tx = db.pool.begin().await?;
    // Write before reading: this locks the row on PostgreSQL, and on SQLite takes the writer
    // lock first (a read-then-write transaction there fails if another writer commits between).
    sqlx::query("UPDATE signatures SET id = id WHERE petition_id = $1 AND dedupe_key = $2")
        .bind(s.petition_id)
        .bind(&s.dedupe_key)
        .execute(&mut *tx)
        .await?;
    let row = sqlx::query("SELECT id, status, email FROM signatures WHERE petition_id = $1 AND dedupe_key = $2")
        .bind(s.petition_id)
        .bind(&s.dedupe_key)
        .fetch_one(&mut *tx)
        .await?;
    let (id, status, email_on_file): (i64, String, String) = (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
    let (token, token_h, now, title) = (&s.token, &s.token_hash, s.now, &s.title);
    match status.as_str() {
        "unconfirmed" => {
            sqlx::query("UPDATE signatures SET confirm_token_hash = $1 WHERE id = $2")
                .bind(token_h)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            enqueue(&mut tx, &confirmation_mail(links, title, &email_on_file, token, s.outcome), now).await?;
        }
        "withdrawn" => {
            sqlx::query(
                "UPDATE signatures SET status = 'unconfirmed', elector_id = $1, uprn = $2, postcode = $3, address_text = $4,
                   ward_code = $5, name = $6, email = $7, confirm_token_hash = $8, withdraw_token_hash = NULL,
                   created_at = $9, confirmed_at = NULL, withdrawn_at = NULL, receipt_r = NULL, receipt_commit = NULL
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
            .execute(&mut *tx)
            .await?;
            enqueue(&mut tx, &confirmation_mail(links, title, &s.email, token, s.outcome), now).await?;
        }
        _ => {
            sqlx::query("UPDATE signatures SET withdraw_token_hash = $1 WHERE id = $2")
                .bind(token_h)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            enqueue(&mut tx, &already_signed_mail(links, title, s.petition_id, &email_on_file, token), now).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

fn confirmation_mail(links: &Mailing, title: &str, to: &str, token: &str, outcome: SignOutcome) -> Mail {
    let review = match outcome {
        SignOutcome::Matched => "",
        SignOutcome::Unmatched => "\nWe could not match your name to the electoral register at the address you gave, so an\nelectoral officer will check your signature after you confirm it. It counts once they have.\n",
    };
    Mail {
        recipient: to.to_string(),
        subject: format!("Confirm your signature: {title}"),
        body: format!(
            "You asked to sign the petition \"{title}\".\n\nTo confirm your signature, open this link and press the Confirm button:\n\n{}\n{review}\nIf you did not ask to sign, ignore this email: nothing will be counted.\n",
            links.confirm(token)
        ),
    }
}

fn already_signed_mail(links: &Mailing, title: &str, id: i64, to: &str, withdraw_token: &str) -> Mail {
    Mail {
        recipient: to.to_string(),
        subject: format!("You have already signed: {title}"),
        body: format!(
            "Someone asked to sign the petition \"{title}\" with your details.\n\nYour signature was already recorded, so nothing has changed and you do not need to do anything.\nThe petition: {}\n\nIf you want to withdraw your signature while the petition is open, use this link:\n\n{}\n",
            links.petition(id),
            links.withdraw(withdraw_token)
        ),
    }
}

pub(crate) fn counted_mail(
    links: &Mailing,
    title: &str,
    id: i64,
    to: &str,
    withdraw_token: &str,
    counted: bool,
) -> Mail {
    let state = if counted {
        "Your signature is confirmed and counted."
    } else {
        "Your email address is confirmed. An electoral officer will check your signature against the\nregister; it counts once they have."
    };
    Mail {
        recipient: to.to_string(),
        subject: format!("Thank you for signing: {title}"),
        body: format!(
            "{state}\n\nThe petition: {}\n\nIf you change your mind while the petition is open, you can withdraw your signature here:\n\n{}\n",
            links.petition(id),
            links.withdraw(withdraw_token)
        ),
    }
}

/// The petition a confirmation or withdrawal link belongs to, for the page with the button.
pub async fn link_petition(db: &Db, column: LinkKind, token: &str) -> Result<Option<(i64, String)>, StoreError> {
    let sql = format!(
        "SELECT p.id, p.title FROM signatures s JOIN petitions p ON p.id = s.petition_id WHERE s.{} = $1",
        column.column()
    );
    let row = sqlx::query(&sql).bind(token_hash(token)).fetch_optional(&db.pool).await?;
    Ok(match row {
        None => None,
        Some(r) => Some((r.try_get(0)?, r.try_get(1)?)),
    })
}

#[derive(Clone, Copy, Debug)]
pub enum LinkKind {
    Confirm,
    Withdraw,
}

impl LinkKind {
    fn column(self) -> &'static str {
        match self {
            LinkKind::Confirm => "confirm_token_hash",
            LinkKind::Withdraw => "withdraw_token_hash",
        }
    }
}

/// The change is committed and acknowledged whatever happens here; if settling fails, the
/// scheduler's next sweep records what is due.
pub(crate) async fn settle_after_commit(db: &Db, mailing: &Mailing, petition_id: i64, now: i64) {
    if let Err(e) = trigger::settle(db, mailing, petition_id, now).await {
        tracing::warn!(petition_id, error = %e, "settling after a committed change failed; the scheduler will retry");
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WithdrawOutcome {
    Withdrawn { petition_id: i64, title: String },
    AlreadyWithdrawn { petition_id: i64, title: String },
    Closed { petition_id: i64, title: String },
    UnknownLink,
}

pub async fn withdraw(db: &Db, mailing: &Mailing, token: &str, now: i64) -> Result<WithdrawOutcome, StoreError> {
    let row = sqlx::query(
        "SELECT s.id, p.id, p.title FROM signatures s JOIN petitions p ON p.id = s.petition_id WHERE s.withdraw_token_hash = $1",
    )
    .bind(token_hash(token))
    .fetch_optional(&db.pool)
    .await?;
    let Some(r) = row else { return Ok(WithdrawOutcome::UnknownLink) };
    let sig_id: i64 = r.try_get(0)?;
    let petition_id: i64 = r.try_get(1)?;
    let title: String = r.try_get(2)?;
    let mut tx = db.pool.begin().await?;
    trigger::hold(&mut tx, db.backend, petition_id, Hold::Shared).await?;
    let row = sqlx::query("SELECT status, struck_at, ward_code FROM signatures WHERE id = $1")
        .bind(sig_id)
        .fetch_one(&mut *tx)
        .await?;
    let status: String = row.try_get(0)?;
    let struck = row.try_get::<Option<i64>, _>(1)?.is_some();
    let ward: String = row.try_get(2)?;
    if status == "withdrawn" {
        return Ok(WithdrawOutcome::AlreadyWithdrawn { petition_id, title });
    }
    // Withdrawing is allowed while collection is paused, but not once the window has ended.
    let done = sqlx::query(
        "UPDATE signatures SET status = 'withdrawn', withdrawn_at = $2 WHERE id = $3 AND status <> 'withdrawn'
           AND EXISTS (SELECT 1 FROM petitions p WHERE p.id = $1 AND p.closed_at IS NULL AND p.opens_at <= $2 AND p.closes_at > $2)",
    )
    .bind(petition_id)
    .bind(now)
    .bind(sig_id)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(WithdrawOutcome::Closed { petition_id, title });
    }
    let counted = status == "confirmed" && !struck;
    if counted {
        trigger::add_to_tally(&mut tx, petition_id, &ward, sig_id, -1).await?;
        // The log has this signature (every confirmed one is queued); it no longer counts.
        crate::log::queue(
            &mut tx,
            petition_id,
            crate::log::Queued::Strike(sig_id, petition_log::entry::Reason::Withdrawn),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    if counted {
        settle_after_commit(db, mailing, petition_id, now).await;
    }
    Ok(WithdrawOutcome::Withdrawn { petition_id, title })
}
