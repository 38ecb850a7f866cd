//! The petitioner's link: confirming their email, following the proposal, changing its texts
//! until it goes to the office (and after the office sends it back), and sending it back.

use petition_core::proposal::views::ProposalView;
use petition_core::proposal::{Change, Stage};

use crate::audit::{self, Action, Actor};
use crate::db::Db;
use crate::mail::links::Mailing;
use crate::mail::outbox::enqueue;
use crate::proposals::mails::ask_sponsors_mail;
use crate::proposals::start::ProposalTexts;
use crate::proposals::stored::{
    find, hold, required_now, set_stage, tell_with_office, ProposalError, ProposalPolicy, Stored,
};
use crate::secrets::token_hash;

async fn by_token(db: &Db, token: &str) -> Result<Stored, ProposalError> {
    let mut conn = db.pool.acquire().await?;
    find(&mut conn, "p.manage_token_hash", &token_hash(token)).await?.ok_or(ProposalError::UnknownLink)
}

/// The proposal behind a petitioner's link, held for the rest of a new transaction and read
/// under the hold (an officer's decision may land between the two).
pub(crate) async fn hold_by_token(
    db: &Db,
    token: &str,
) -> Result<(sqlx::Transaction<'static, sqlx::Any>, Stored), ProposalError> {
    let id = by_token(db, token).await?.id;
    let mut tx = db.pool.begin().await?;
    hold(&mut tx, id).await?;
    let p = find(&mut tx, "p.id", &id.to_string()).await?.ok_or(ProposalError::NoSuchProposal)?;
    Ok((tx, p))
}

/// The proposal behind a petitioner's link.
pub async fn manage_view(db: &Db, policy: &ProposalPolicy, token: &str) -> Result<Option<ProposalView>, ProposalError> {
    match by_token(db, token).await {
        Ok(p) => Ok(Some(p.view(required_now(db, &p.area_code, policy).await, policy))),
        Err(ProposalError::UnknownLink) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Confirms the petitioner's email. With sponsors to find, they are sent the link to share; with
/// none needed, the proposal goes straight to the office. Confirming again changes nothing.
pub async fn confirm_petitioner(
    db: &Db,
    links: &Mailing,
    policy: &ProposalPolicy,
    token: &str,
    now: i64,
) -> Result<ProposalView, ProposalError> {
    let (mut tx, p) = hold_by_token(db, token).await?;
    let id = p.id;
    if p.stage == Stage::Unconfirmed {
        let to = p.stage.apply(Change::ConfirmEmail { sponsors_needed: p.sponsors_needed })?;
        set_stage(&mut tx, id, to, now).await?;
        sqlx::query("UPDATE proposals SET confirmed_at = $1 WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if to == Stage::Moderation {
            tell_with_office(&mut tx, links, policy, &p, now).await?;
        } else {
            let mail = ask_sponsors_mail(links, &p.title, &p.email, token, &p.sponsor_code, p.sponsors_needed);
            enqueue(&mut tx, &mail, now).await?;
        }
    }
    tx.commit().await?;
    let p = by_token(db, token).await?;
    Ok(p.view(required_now(db, &p.area_code, policy).await, policy))
}

/// Changes the texts: before the proposal goes to the office, and after the office sends it back.
pub async fn edit(db: &Db, token: &str, texts: &ProposalTexts, now: i64) -> Result<(), ProposalError> {
    let (mut tx, p) = hold_by_token(db, token).await?;
    let id = p.id;
    p.stage.apply(Change::Edit)?;
    let changed: Vec<&str> = [
        ("the title", p.title != texts.title.as_str()),
        ("the question", p.question != texts.question.as_str()),
        ("the background", p.background != texts.background.as_str()),
    ]
    .into_iter()
    .filter_map(|(what, differs)| differs.then_some(what))
    .collect();
    if changed.is_empty() {
        return Ok(());
    }
    // The office sees what changed between its note and the texts it is asked to decide on.
    let action = Action {
        action: "proposal-edit",
        petition_id: None,
        subject: format!("proposal {id}: {}", texts.title.as_str()),
        reason: "",
        detail: format!("changed {}", changed.join(" and ")),
    };
    audit::record(&mut tx, &Actor::Petitioner { proposal_id: id }, &action, now).await?;
    sqlx::query("UPDATE proposals SET title = $1, question = $2, background = $3 WHERE id = $4")
        .bind(texts.title.as_str())
        .bind(texts.question.as_str())
        .bind(texts.background.as_str())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Sends a proposal the office returned back to it, changed.
pub async fn resubmit(
    db: &Db,
    links: &Mailing,
    policy: &ProposalPolicy,
    token: &str,
    now: i64,
) -> Result<(), ProposalError> {
    let (mut tx, p) = hold_by_token(db, token).await?;
    let id = p.id;
    let to = p.stage.apply(Change::Resubmit)?;
    set_stage(&mut tx, id, to, now).await?;
    let action = Action {
        action: "proposal-resubmit",
        petition_id: None,
        subject: p.audit_subject(),
        reason: "",
        detail: "sent back to the office, changed".to_string(),
    };
    audit::record(&mut tx, &Actor::Petitioner { proposal_id: id }, &action, now).await?;
    tell_with_office(&mut tx, links, policy, &p, now).await?;
    tx.commit().await?;
    Ok(())
}
