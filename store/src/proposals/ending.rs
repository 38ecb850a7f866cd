//! A proposal that ends without the office's decision: its petitioner withdraws it (at any
//! stage before it opens), or it lapses, having found no sponsors, or not come back after the
//! office sent it back, within `lapse_days`. Either way the petitioner and the confirmed
//! sponsors are told, the trail records it, and retention deletes it 30 days later.

use petition_core::proposal::{Change, Stage};
use sqlx::Row;

use crate::audit::{self, Action, Actor};
use crate::db::Db;
use crate::mail::links::Mailing;
use crate::mail::outbox::enqueue;
use crate::proposals::mails::{ended_mail, SponsorNews};
use crate::proposals::manage::hold_by_token;
use crate::proposals::stored::{find, hold, set_stage, tell_sponsors, ProposalError, ProposalPolicy, Stored};

/// Ends a held proposal with `change` (withdraw or lapse), telling everyone, in the caller's
/// transaction.
async fn end(
    tx: &mut sqlx::AnyConnection,
    links: &Mailing,
    policy: &ProposalPolicy,
    p: &Stored,
    change: Change,
    actor: &Actor,
    now: i64,
) -> Result<(), ProposalError> {
    let to = p.stage.apply(change)?;
    set_stage(&mut *tx, p.id, to, now).await?;
    let (action, detail, news, lapsed_after) = match to {
        Stage::Lapsed => (
            "proposal-lapse",
            format!("lapsed after {} days without moving on", policy.lapse_days),
            SponsorNews::Lapsed,
            Some(policy.lapse_days),
        ),
        _ => ("proposal-withdraw", "withdrawn by the petitioner".to_string(), SponsorNews::Withdrawn, None),
    };
    let a = Action { action, petition_id: None, subject: p.audit_subject(), reason: "", detail };
    audit::record(&mut *tx, actor, &a, now).await?;
    enqueue(&mut *tx, &ended_mail(links, &p.title, &p.email, lapsed_after), now).await?;
    tell_sponsors(tx, links, p, news, false, now).await
}

/// The petitioner withdraws their proposal through their link.
pub async fn withdraw(
    db: &Db,
    links: &Mailing,
    policy: &ProposalPolicy,
    token: &str,
    now: i64,
) -> Result<(), ProposalError> {
    let (mut tx, p) = hold_by_token(db, token).await?;
    end(&mut tx, links, policy, &p, Change::Withdraw, &Actor::Petitioner { proposal_id: p.id }, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Lapses every proposal whose time has run out; returns how many. Each is its own transaction,
/// so one that fails (and is tried again next time) does not hold up the rest.
pub async fn lapse_stalled(db: &Db, links: &Mailing, policy: &ProposalPolicy, now: i64) -> Result<u64, ProposalError> {
    let before = now - i64::from(policy.lapse_days) * 86_400;
    let ids: Vec<i64> = sqlx::query(
        "SELECT id FROM proposals WHERE ended_why IS NULL
           AND ((stage = 'sponsoring' AND confirmed_at < $1) OR (stage = 'returned' AND decided_at < $1))
         ORDER BY id",
    )
    .bind(before)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| r.try_get(0))
    .collect::<Result<_, _>>()?;
    let mut lapsed = 0;
    for id in ids {
        match lapse_one(db, links, policy, id, now).await {
            Ok(true) => lapsed += 1,
            Ok(false) => {}
            Err(e) => tracing::warn!(proposal = id, "lapsing a proposal failed (will retry): {e}"),
        }
    }
    Ok(lapsed)
}

async fn lapse_one(
    db: &Db,
    links: &Mailing,
    policy: &ProposalPolicy,
    id: i64,
    now: i64,
) -> Result<bool, ProposalError> {
    let mut tx = db.pool.begin().await?;
    hold(&mut tx, id).await?;
    let Some(p) = find(&mut tx, "p.id", &id.to_string()).await? else { return Ok(false) };
    // A sponsor or a resubmission may have moved it on since the list was read.
    if p.lapses_at(policy).is_none_or(|at| at >= now) {
        return Ok(false);
    }
    end(&mut tx, links, policy, &p, Change::Lapse, &Actor::Schedule, now).await?;
    tx.commit().await?;
    Ok(true)
}
