//! Sponsors: electors of the proposal's area who back it, through the link the petitioner
//! shares. A sponsor is checked as a signer is (address in the area, name on the register at
//! it) and confirms by email; a confirmed sponsor found on the register counts. Whoever fills in
//! the form is told the same thing whether or not the register knew the name: the mailbox learns
//! it on confirming, as a signer does.

use petition_core::address::AddressChoice;
use petition_core::proposal::views::ProposalView;
use petition_core::proposal::{Change, Stage};
use petition_core::text::{Email, PersonName};
use petition_core::Postcode;
use sqlx::Row;

use crate::db::Db;
use crate::mail::links::Mailing;
use crate::mail::outbox::enqueue;
use crate::proposals::mails::confirm_sponsor_mail;
use crate::proposals::stored::{
    find, hold, person_key, required_now, set_stage, tell_with_office, ProposalError, ProposalPolicy,
};
use crate::secrets::{new_token, token_hash, Secrets};
use crate::signatures::sign::{electors_at, locate};

#[derive(Clone, Debug)]
pub struct SponsorRequest {
    pub code: String,
    pub name: PersonName,
    pub email: Email,
    pub postcode: Postcode,
    pub address: AddressChoice,
}

/// What a sponsor's confirmation link led to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SponsorConfirmed {
    /// Confirmed and counted: `counted` of the `needed` sponsors.
    Counted {
        title: String,
        counted: u32,
        needed: u32,
    },
    /// Confirmed, but the register does not show this name at this address, so it cannot count
    /// as a sponsor (they can still sign once the petition opens).
    NotOnRegister {
        title: String,
    },
    AlreadyConfirmed {
        title: String,
    },
    /// The office has decided on it already.
    TooLate {
        title: String,
    },
}

/// The proposal behind a sponsor link. The link is public and widely shared, so it shows the
/// texts only while the proposal asks for sponsors (the title too once it has opened, as the
/// petition's page does), and never the office's note or a refusal: a refused text the ground is
/// about must not stay readable here.
pub async fn sponsor_view(db: &Db, policy: &ProposalPolicy, code: &str) -> Result<Option<ProposalView>, ProposalError> {
    let mut conn = db.pool.acquire().await?;
    let Some(p) = find(&mut conn, "p.sponsor_code", code).await? else { return Ok(None) };
    drop(conn);
    let mut v = p.view(required_now(db, &p.area_code, policy).await, policy);
    v.return_note = None;
    v.refused = None;
    if !matches!(p.stage, Stage::Sponsoring { .. }) {
        if p.petition_id.is_none() {
            v.title = String::new();
        }
        v.question = String::new();
        v.background = String::new();
        v.texts = String::new();
    }
    Ok(Some(v))
}

/// How often a pending sponsor's confirmation link may be replaced by asking again: each new
/// link replaces the last, so this bounds how often someone who knows a sponsor's details can
/// spoil the link they hold.
pub const RESEND_AFTER: i64 = 10 * 60;

/// Records a sponsor, unconfirmed, and emails them the link that confirms them. Asking again
/// for the same elector sends a new link, unless they have confirmed already.
pub async fn sponsor(
    db: &Db,
    secrets: &Secrets,
    links: &Mailing,
    req: &SponsorRequest,
    now: i64,
) -> Result<(), ProposalError> {
    let mut conn = db.pool.acquire().await?;
    let p = find(&mut conn, "p.sponsor_code", &req.code).await?.ok_or(ProposalError::NoSuchProposal)?;
    if !matches!(p.stage, Stage::Sponsoring { .. }) {
        return Err(ProposalError::NotSponsoring);
    }
    let address = locate(&mut conn, &req.postcode, &req.address, &p.area_code).await?;
    let name_key = req.name.key();
    let key = person_key(secrets, &req.postcode, address.uprn.as_deref(), &address.address_text, &name_key);
    // The same person, however the address was given (listed one time, written the other).
    let petitioner_key = PersonName::parse(&p.name).map(|n| n.key()).unwrap_or_default();
    if key == p.place_key || (name_key == petitioner_key && req.postcode.as_str() == p.postcode) {
        return Err(ProposalError::OwnProposal);
    }
    let matched = match &address.uprn {
        Some(u) => !electors_at(&mut *conn, u, &name_key).await?.is_empty(),
        None => false,
    };
    drop(conn);
    let (token, hash) = new_token();
    let mut tx = db.pool.begin().await?;
    hold(&mut tx, p.id).await?;
    // Again under the hold: the office may have decided since it was read.
    let stage = find(&mut tx, "p.id", &p.id.to_string()).await?.ok_or(ProposalError::NoSuchProposal)?.stage;
    if !matches!(stage, Stage::Sponsoring { .. }) {
        return Err(ProposalError::NotSponsoring);
    }
    let existing = sqlx::query(
        "SELECT id, confirmed_at, created_at FROM proposal_sponsors WHERE proposal_id = $1 AND place_key = $2",
    )
    .bind(p.id)
    .bind(&key)
    .fetch_optional(&mut *tx)
    .await?;
    match existing {
        // Confirmed already; or asked within the last few minutes: the same answer, nothing sent.
        Some(r) if r.try_get::<Option<i64>, _>(1)?.is_some() => return Ok(()),
        Some(r) if now - r.try_get::<i64, _>(2)? < RESEND_AFTER => return Ok(()),
        Some(r) => {
            sqlx::query(
                "UPDATE proposal_sponsors SET name = $1, email = $2, confirm_token_hash = $3, created_at = $4
                 WHERE id = $5",
            )
            .bind(req.name.as_str())
            .bind(req.email.as_str())
            .bind(&hash)
            .bind(now)
            .bind(r.try_get::<i64, _>(0)?)
            .execute(&mut *tx)
            .await?;
        }
        None => {
            sqlx::query(
                "INSERT INTO proposal_sponsors (proposal_id, place_key, name, email, postcode, uprn, address_text,
                   ward_code, matched, confirm_token_hash, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(p.id)
            .bind(&key)
            .bind(req.name.as_str())
            .bind(req.email.as_str())
            .bind(req.postcode.as_str())
            .bind(address.uprn.clone())
            .bind(&address.address_text)
            .bind(&address.ward)
            .bind(i64::from(matched))
            .bind(&hash)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
    }
    enqueue(&mut tx, &confirm_sponsor_mail(links, &p.title, req.email.as_str(), &token), now).await?;
    tx.commit().await?;
    Ok(())
}

/// Confirms a sponsor. The sponsor that completes the number needed sends the proposal to the
/// office, and the petitioner is told.
pub async fn confirm_sponsor(
    db: &Db,
    links: &Mailing,
    policy: &ProposalPolicy,
    token: &str,
    now: i64,
) -> Result<SponsorConfirmed, ProposalError> {
    let row = sqlx::query("SELECT id, proposal_id FROM proposal_sponsors WHERE confirm_token_hash = $1")
        .bind(token_hash(token))
        .fetch_optional(&db.pool)
        .await?
        .ok_or(ProposalError::UnknownLink)?;
    let (sponsor, id): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
    let mut tx = db.pool.begin().await?;
    hold(&mut tx, id).await?;
    let before = find(&mut tx, "p.id", &id.to_string()).await?.ok_or(ProposalError::NoSuchProposal)?;
    let r = sqlx::query("SELECT confirmed_at, matched, texts_sha256 FROM proposal_sponsors WHERE id = $1")
        .bind(sponsor)
        .fetch_one(&mut *tx)
        .await?;
    let title = before.title.clone();
    let texts = before.texts_sha256();
    if r.try_get::<Option<i64>, _>(0)?.is_some() {
        if matches!(before.stage, Stage::Refused(_) | Stage::Withdrawn | Stage::Lapsed) {
            return Ok(SponsorConfirmed::TooLate { title });
        }
        // Confirmed before; a link sent after the texts changed backs the texts as they are now.
        if r.try_get::<Option<String>, _>(2)?.as_deref() == Some(texts.as_str()) || before.stage.has_opened() {
            return Ok(SponsorConfirmed::AlreadyConfirmed { title });
        }
        sqlx::query("UPDATE proposal_sponsors SET texts_sha256 = $1 WHERE id = $2")
            .bind(&texts)
            .bind(sponsor)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        if r.try_get::<i64, _>(1)? == 0 {
            return Ok(SponsorConfirmed::NotOnRegister { title });
        }
        return Ok(SponsorConfirmed::Counted {
            title,
            counted: before.sponsors_counted,
            needed: before.sponsors_needed,
        });
    }
    if before.stage.has_opened() || matches!(before.stage, Stage::Refused(_) | Stage::Withdrawn | Stage::Lapsed) {
        return Ok(SponsorConfirmed::TooLate { title });
    }
    // Recorded with the texts they back. (A confirmation while the office decides, or after it
    // sent the proposal back, is recorded too, and moves no stage.)
    sqlx::query("UPDATE proposal_sponsors SET confirmed_at = $1, texts_sha256 = $2 WHERE id = $3")
        .bind(now)
        .bind(&texts)
        .bind(sponsor)
        .execute(&mut *tx)
        .await?;
    if r.try_get::<i64, _>(1)? == 0 {
        tx.commit().await?;
        return Ok(SponsorConfirmed::NotOnRegister { title });
    }
    let after = find(&mut tx, "p.id", &id.to_string()).await?.ok_or(ProposalError::NoSuchProposal)?;
    if let Stage::Sponsoring { .. } = before.stage {
        let to = before.stage.apply(Change::SponsorConfirmed { needed: before.sponsors_needed })?;
        if to == Stage::Moderation {
            set_stage(&mut tx, id, to, now).await?;
            tell_with_office(&mut tx, links, policy, &after, now).await?;
        }
    }
    tx.commit().await?;
    Ok(SponsorConfirmed::Counted { title, counted: after.sponsors_counted, needed: after.sponsors_needed })
}

/// The texts of the proposal behind a sponsor's confirmation link (title, question, background),
/// for the page it opens: what the sponsor backs by confirming.
pub async fn sponsor_link_texts(db: &Db, token: &str) -> Result<Option<(String, String, String)>, ProposalError> {
    let row = sqlx::query(
        "SELECT p.title, p.question, p.background FROM proposal_sponsors s JOIN proposals p ON p.id = s.proposal_id
         WHERE s.confirm_token_hash = $1",
    )
    .bind(token_hash(token))
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(|r| Ok::<_, sqlx::Error>((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?))).transpose()?)
}
