//! Starting a proposal: the petitioner's address checked as a signer's is, the area it is for
//! (one their address lies in), and the texts; then a link to confirm their email.

use petition_core::address::AddressChoice;
use petition_core::proposal::views::AreaOption;
use petition_core::proposal::{Background, Question, Title};
use petition_core::text::{Email, PersonName};
use petition_core::{AreaCode, Postcode};

use crate::db::Db;
use crate::lifecycle::open::fix_terms;
use crate::mail::links::Mailing;
use crate::mail::outbox::enqueue;
use crate::places::{area_chain, postcode_status, PostcodeStatus};
use crate::proposals::mails::confirm_petitioner_mail;
use crate::proposals::stored::{person_key, ProposalError, ProposalPolicy};
use crate::secrets::{new_token, Secrets};
use crate::signatures::sign::SignError;
use crate::signatures::sign::{electors_at, locate};

/// Who proposes, as the form gives them.
#[derive(Clone, Debug)]
pub struct Petitioner {
    pub name: PersonName,
    pub email: Email,
    pub postcode: Postcode,
    pub address: AddressChoice,
}

/// A proposal's texts, each parsed.
#[derive(Clone, Debug)]
pub struct ProposalTexts {
    pub title: Title,
    pub question: Question,
    pub background: Background,
}

#[derive(Clone, Debug)]
pub struct NewProposal {
    pub petitioner: Petitioner,
    pub texts: ProposalTexts,
    pub area: AreaCode,
}

/// What a proposal started: its number and the petitioner's link (also emailed).
#[derive(Clone, Debug)]
pub struct Started {
    pub id: i64,
    pub token: String,
}

/// The areas an address at `postcode` lies in that a petition could be for today (those with an
/// electorate figure), smallest first, with what a petition there would need.
pub async fn area_options(
    db: &Db,
    postcode: &Postcode,
    policy: &ProposalPolicy,
) -> Result<Vec<AreaOption>, ProposalError> {
    let ward = match postcode_status(&db.pool, postcode).await? {
        PostcodeStatus::Live { ward } => ward,
        PostcodeStatus::Terminated(t) => return Err(ProposalError::Address(SignError::TerminatedPostcode(t))),
        PostcodeStatus::Unknown => return Err(ProposalError::Address(SignError::UnknownPostcode)),
    };
    let mut out = Vec::new();
    for area in area_chain(&db.pool, &ward).await? {
        let Some(code) = AreaCode::parse(&area.code).ok() else { continue };
        if let Ok(fixed) = fix_terms(db, &code, crate::time::now_utc(), policy.petition).await {
            out.push(AreaOption {
                area,
                electorate: fixed.terms.trigger.electorate,
                required: fixed.terms.trigger.required,
            });
        }
    }
    Ok(out)
}

/// Records a proposal, unconfirmed, and emails the petitioner the link that confirms it.
pub async fn start(
    db: &Db,
    secrets: &Secrets,
    links: &Mailing,
    policy: &ProposalPolicy,
    p: &NewProposal,
    now: i64,
) -> Result<Started, ProposalError> {
    let who = &p.petitioner;
    if !area_options(db, &who.postcode, policy).await?.iter().any(|o| o.area.code == p.area.as_str()) {
        return Err(ProposalError::AreaNotForAddress);
    }
    let mut conn = db.pool.acquire().await?;
    let address = locate(&mut conn, &who.postcode, &who.address, p.area.as_str()).await?;
    let name_key = who.name.key();
    let matched = match &address.uprn {
        Some(u) => !electors_at(&mut *conn, u, &name_key).await?.is_empty(),
        None => false,
    };
    drop(conn);
    let place_key = person_key(secrets, &who.postcode, address.uprn.as_deref(), &address.address_text, &name_key);
    let (token, token_hash) = new_token();
    // The sponsor code is shared openly; it only finds the proposal.
    let code: String = new_token().0.chars().take(16).collect();
    let mut tx = db.pool.begin().await?;
    let id: i64 = sqlx::Row::try_get(
        &sqlx::query(
            "INSERT INTO proposals (stage, manage_token_hash, sponsor_code, title, question, background, area_code,
               name, email, postcode, uprn, address_text, ward_code, matched, place_key, sponsors_needed, created_at)
             VALUES ('unconfirmed', $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id",
        )
        .bind(&token_hash)
        .bind(&code)
        .bind(p.texts.title.as_str())
        .bind(p.texts.question.as_str())
        .bind(p.texts.background.as_str())
        .bind(p.area.as_str())
        .bind(who.name.as_str())
        .bind(who.email.as_str())
        .bind(who.postcode.as_str())
        .bind(address.uprn.clone())
        .bind(&address.address_text)
        .bind(&address.ward)
        .bind(i64::from(matched))
        .bind(&place_key)
        .bind(i64::from(policy.sponsors))
        .bind(now)
        .fetch_one(&mut *tx)
        .await?,
        0,
    )?;
    enqueue(&mut tx, &confirm_petitioner_mail(links, p.texts.title.as_str(), who.email.as_str(), &token), now).await?;
    tx.commit().await?;
    Ok(Started { id, token })
}
