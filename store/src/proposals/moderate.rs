//! The electoral office's decision on a proposal with its sponsors: open it, send it back with a
//! note, or refuse it on a listed ground with an explanation. Opening makes the petition (its
//! trigger and window are fixed at that moment) and then carries the petitioner and the confirmed
//! sponsors over as its first signatures. Every decision is in the audit trail and emailed to the
//! petitioner; refusals are listed publicly.

use petition_core::proposal::views::{ModerationView, QueueItem, RefusedView, SponsorRow};
use petition_core::proposal::{Change, Ground, Stage};
use petition_core::text::{Email, PersonName};
use petition_core::{AreaCode, Postcode};
use sqlx::Row;

use crate::audit::{self, Action, Actor};
use crate::db::Db;
use crate::error::StoreError;
use crate::lifecycle::open::{fix_terms, insert_petition, Texts};
use crate::mail::links::Mailing;
use crate::mail::outbox::enqueue;
use crate::proposals::alike::earlier_alike;
use crate::proposals::mails::{opened_mail, refused_mail, returned_mail, Carry, SponsorNews};
use crate::proposals::stored::{
    day_of, find, hold, overdue, required_now, set_stage, target_day, tell_sponsors, ProposalError, ProposalPolicy,
};
use crate::secrets::Secrets;
use crate::signatures::confirm::ConfirmOutcome;
use crate::signatures::sign::{sign_confirmed, AddressChoice, SignError, SignRequest, SignedIn};
use crate::time::{day_label, instant};

/// What the office decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    Open,
    /// Back to the petitioner, with what to change.
    Return(String),
    Refuse(Ground, String),
}

/// What a decision made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decided {
    Opened { petition_id: i64, first_signatures: usize },
    Returned,
    Refused,
}

/// Proposals waiting for the office, oldest first, with the date it aims to decide by.
pub async fn moderation_queue(db: &Db, policy: &ProposalPolicy, now: i64) -> Result<Vec<QueueItem>, ProposalError> {
    let rows = sqlx::query(
        "SELECT p.id, p.title, a.name, p.moderation_since FROM proposals p JOIN areas a ON a.code = p.area_code
         WHERE p.stage = 'moderation' AND p.ended_why IS NULL ORDER BY p.moderation_since, p.id",
    )
    .fetch_all(&db.pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let since: i64 = r.try_get(3)?;
        out.push(QueueItem {
            id: r.try_get(0)?,
            title: r.try_get(1)?,
            area: r.try_get(2)?,
            since: day_label(instant(since)),
            target: day_of(target_day(since, policy)),
            overdue: overdue(since, policy, now),
        });
    }
    Ok(out)
}

/// A proposal as officers see it: with the petitioner's details and the sponsors.
pub async fn moderation_view(
    db: &Db,
    policy: &ProposalPolicy,
    id: i64,
    now: i64,
) -> Result<Option<ModerationView>, ProposalError> {
    let mut conn = db.pool.acquire().await?;
    let Some(p) = find(&mut conn, "p.id", &id.to_string()).await? else { return Ok(None) };
    let sponsors = sqlx::query(
        "SELECT name, address_text, postcode, confirmed_at, matched FROM proposal_sponsors WHERE proposal_id = $1
         ORDER BY id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        Ok(SponsorRow {
            name: r.try_get(0)?,
            address: format!("{}, {}", r.try_get::<String, _>(1)?, r.try_get::<String, _>(2)?),
            confirmed: r.try_get::<Option<i64>, _>(3)?.is_some(),
            on_register: r.try_get::<i64, _>(4)? != 0,
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let alike = earlier_alike(&mut conn, &p, policy, now).await?;
    drop(conn);
    Ok(Some(ModerationView {
        alike,
        repeat_years: policy.repeat_years,
        petitioner: SponsorRow {
            name: p.name.clone(),
            address: format!("{}, {}", p.address_text, p.postcode),
            confirmed: p.stage != Stage::Unconfirmed,
            on_register: p.matched,
        },
        email: p.email.clone(),
        sponsors,
        overdue: p.stage == Stage::Moderation && p.moderation_since.is_some_and(|s| overdue(s, policy, now)),
        grounds: Ground::ALL.iter().map(|g| (g.code().to_string(), g.describe(policy.repeat_years))).collect(),
        proposal: p.view(required_now(db, &p.area_code, policy).await, policy),
    }))
}

/// Makes a decision on a proposal waiting for the office. `read` is the hash of the texts the
/// officer read (`ProposalView::texts`): if they have changed since (sent back, edited and sent
/// again meanwhile), nothing is decided.
#[allow(clippy::too_many_arguments)]
pub async fn decide(
    db: &Db,
    secrets: &Secrets,
    links: &Mailing,
    policy: &ProposalPolicy,
    id: i64,
    decision: &Decision,
    read: &str,
    actor: &Actor,
    now: i64,
) -> Result<Decided, ProposalError> {
    let mut conn = db.pool.acquire().await?;
    let p = find(&mut conn, "p.id", &id.to_string()).await?.ok_or(ProposalError::NoSuchProposal)?;
    drop(conn);
    // Checked here for the message, and again below with the proposal held.
    p.stage.apply(change_of(decision))?;
    let area = AreaCode::parse(&p.area_code)
        .map_err(|_| StoreError::Corrupt(format!("proposal {id} is for the area {:?}", p.area_code)))?;
    let fixed = match decision {
        Decision::Open => Some(fix_terms(db, &area, instant(now), policy.petition).await?),
        _ => None,
    };
    let mut tx = db.pool.begin().await?;
    hold(&mut tx, id).await?;
    let p = find(&mut tx, "p.id", &id.to_string()).await?.ok_or(ProposalError::NoSuchProposal)?;
    let to = p.stage.apply(change_of(decision))?;
    if p.texts_sha256() != read {
        return Err(ProposalError::Changed);
    }
    let subject = p.audit_subject();
    let (action, reason, detail, petition_id) = match decision {
        Decision::Open => {
            let fixed = fixed.as_ref().expect("fixed above for opening");
            let texts = Texts { title: &p.title, question: Some(&p.question), body: &p.background };
            let pid = insert_petition(&mut tx, texts, &area, fixed).await?;
            sqlx::query("UPDATE proposals SET petition_id = $1 WHERE id = $2")
                .bind(pid)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            let t = &fixed.terms.trigger;
            (
                "proposal-open",
                String::new(),
                format!("opened as petition {pid}: {} signatures required of {} electors", t.required, t.electorate),
                Some(pid),
            )
        }
        Decision::Return(note) => {
            sqlx::query("UPDATE proposals SET return_note = $1 WHERE id = $2")
                .bind(note)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            enqueue(&mut tx, &returned_mail(links, &p.title, &p.email, note), now).await?;
            tell_sponsors(&mut tx, links, &p, SponsorNews::Returned { note }, false, now).await?;
            ("proposal-return", note.clone(), "sent back to the petitioner".to_string(), None)
        }
        Decision::Refuse(ground, explanation) => {
            sqlx::query("UPDATE proposals SET refused_ground = $1, refused_explanation = $2 WHERE id = $3")
                .bind(ground.code())
                .bind(explanation)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            let words = ground.describe(policy.repeat_years);
            enqueue(&mut tx, &refused_mail(links, &p.title, &p.email, &words, explanation), now).await?;
            let news = SponsorNews::Refused { ground: &words, explanation };
            tell_sponsors(&mut tx, links, &p, news, false, now).await?;
            ("proposal-refuse", explanation.clone(), format!("refused: {words}"), None)
        }
    };
    set_stage(&mut tx, id, to, now).await?;
    sqlx::query("UPDATE proposals SET decided_at = $1 WHERE id = $2").bind(now).bind(id).execute(&mut *tx).await?;
    let a = Action { action, petition_id, subject, reason: &reason, detail };
    audit::record(&mut tx, actor, &a, now).await?;
    tx.commit().await?;
    Ok(match (decision, petition_id) {
        (Decision::Open, Some(pid)) => {
            // The petition is open whatever happens next; anyone not carried over now is taken
            // up by the scheduler's next run.
            let first_signatures = match carry_over(db, secrets, links, Some(id), now).await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(proposal = id, "carrying over first signatures failed (will retry): {e}");
                    0
                }
            };
            Decided::Opened { petition_id: pid, first_signatures }
        }
        (Decision::Return(_), _) => Decided::Returned,
        _ => Decided::Refused,
    })
}

fn change_of(d: &Decision) -> Change {
    match d {
        Decision::Open => Change::Open,
        Decision::Return(_) => Change::Return,
        Decision::Refuse(g, _) => Change::Refuse(*g),
    }
}

/// One person to carry over as a first signature.
struct Carried {
    sponsor: Option<i64>,
    petition_id: i64,
    name: String,
    email: String,
    postcode: String,
    uprn: Option<String>,
    address_text: String,
    /// For a sponsor, the texts they backed.
    backed: Option<String>,
}

/// How long one server may take to carry over a proposal's people before another may take it up.
const CARRY_LEASE: i64 = 300;

/// Makes the petitioner and confirmed sponsors of an opened proposal (`only`), or of every
/// opened proposal (`None`: at start-up and from the scheduler), the first signatures of its
/// petition, those not carried over yet. A sponsor is signed in only if the texts they backed are
/// the texts that opened; otherwise they are asked to sign it as it is. Each person is marked
/// once done, and each proposal is worked on by one server at a time (a lease, taken up again
/// after a crash); signing someone in again after a crash counts nobody twice (see
/// `signatures::sign_confirmed`). A petition paused just after opening is tried again later.
/// Returns how many were signed in.
pub async fn carry_over(
    db: &Db,
    secrets: &Secrets,
    links: &Mailing,
    only: Option<i64>,
    now: i64,
) -> Result<usize, ProposalError> {
    let due = sqlx::query(
        "SELECT p.id FROM proposals p WHERE p.stage = 'opened' AND ($1 IS NULL OR p.id = $1)
           AND (p.carried_at IS NULL OR EXISTS (SELECT 1 FROM proposal_sponsors s WHERE s.proposal_id = p.id
             AND s.confirmed_at IS NOT NULL AND s.carried_at IS NULL))
         ORDER BY p.id",
    )
    .bind(only)
    .fetch_all(&db.pool)
    .await?;
    let mut done = 0;
    for r in due {
        let id: i64 = r.try_get(0)?;
        let claimed = sqlx::query(
            "UPDATE proposals SET carrying_until = $1 WHERE id = $2 AND (carrying_until IS NULL OR carrying_until < $3)",
        )
        .bind(now + CARRY_LEASE)
        .bind(id)
        .bind(now)
        .execute(&db.pool)
        .await?
        .rows_affected();
        if claimed == 0 {
            continue;
        }
        let result = carry_proposal(db, secrets, links, id, now).await;
        sqlx::query("UPDATE proposals SET carrying_until = NULL WHERE id = $1").bind(id).execute(&db.pool).await?;
        done += result?;
    }
    Ok(done)
}

/// Carries over one opened proposal's people; the caller holds its lease.
async fn carry_proposal(
    db: &Db,
    secrets: &Secrets,
    links: &Mailing,
    id: i64,
    now: i64,
) -> Result<usize, ProposalError> {
    let mut conn = db.pool.acquire().await?;
    let p = find(&mut conn, "p.id", &id.to_string()).await?.ok_or(ProposalError::NoSuchProposal)?;
    let rows = sqlx::query(
        "SELECT NULL AS sponsor, p.name, p.email, p.postcode, p.uprn, p.address_text, NULL AS backed
         FROM proposals p WHERE p.id = $1 AND p.carried_at IS NULL
         UNION ALL
         SELECT s.id, s.name, s.email, s.postcode, s.uprn, s.address_text, s.texts_sha256
         FROM proposal_sponsors s WHERE s.proposal_id = $1 AND s.confirmed_at IS NOT NULL AND s.carried_at IS NULL",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    drop(conn);
    let petition_id =
        p.petition_id.ok_or_else(|| StoreError::Corrupt(format!("proposal {id} opened without a petition")))?;
    let texts = p.texts_sha256();
    let mut done = 0;
    for r in rows {
        let c = Carried {
            sponsor: r.try_get(0)?,
            petition_id,
            name: r.try_get(1)?,
            email: r.try_get(2)?,
            postcode: r.try_get(3)?,
            uprn: r.try_get(4)?,
            address_text: r.try_get(5)?,
            backed: r.try_get(6)?,
        };
        let carry = if c.sponsor.is_some() && c.backed.as_deref() != Some(texts.as_str()) {
            Carry::TextsChanged
        } else {
            match carry(db, secrets, links, &c, id, now).await? {
                Some(carry) => carry,
                // Paused: try again later.
                None => continue,
            }
        };
        done += usize::from(carry == Carry::Signed);
        let (table, row) = match c.sponsor {
            Some(s) => ("proposal_sponsors", s),
            None => ("proposals", id),
        };
        let mut tx = db.pool.begin().await?;
        sqlx::query(&format!("UPDATE {table} SET carried_at = $1 WHERE id = $2"))
            .bind(now)
            .bind(row)
            .execute(&mut *tx)
            .await?;
        enqueue(&mut tx, &opened_mail(links, &p.title, &c.email, petition_id, c.sponsor.is_some(), carry), now).await?;
        tx.commit().await?;
    }
    Ok(done)
}

/// Signs one person in. `None` if the petition is paused (try again later).
async fn carry(
    db: &Db,
    secrets: &Secrets,
    links: &Mailing,
    c: &Carried,
    proposal: i64,
    now: i64,
) -> Result<Option<Carry>, ProposalError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("proposal {proposal} holds an unusable {what}"));
    let req = SignRequest {
        petition_id: c.petition_id,
        name: PersonName::parse(&c.name).map_err(|_| corrupt("name"))?,
        email: Email::parse(&c.email).map_err(|_| corrupt("email"))?,
        postcode: Postcode::parse(&c.postcode).map_err(|_| corrupt("postcode"))?,
        address: match &c.uprn {
            Some(u) => AddressChoice::parse(u, "").map_err(|_| corrupt("address"))?,
            None => AddressChoice::parse("not-listed", &c.address_text).map_err(|_| corrupt("address"))?,
        },
    };
    Ok(match sign_confirmed(db, secrets, links, &req, now).await {
        Ok(SignedIn::AlreadySigned) => Some(Carry::Signed),
        Ok(SignedIn::Confirmed(o)) => match o {
            // Someone else holds the elector's place: they are told, and officers see it.
            ConfirmOutcome::Counted { .. }
            | ConfirmOutcome::SentForReview { .. }
            | ConfirmOutcome::AlreadyConfirmed { .. }
            | ConfirmOutcome::ElectorHasSigned { .. } => Some(Carry::Signed),
            ConfirmOutcome::Paused { .. } => None,
            ConfirmOutcome::Closed { .. }
            | ConfirmOutcome::Withdrawn { .. }
            | ConfirmOutcome::Expired { .. }
            | ConfirmOutcome::UnknownLink => Some(Carry::NotSigned),
        },
        Err(SignError::Paused) => None,
        Err(SignError::Store(e)) => return Err(e.into()),
        // The address no longer serves (a postcode terminated since, say), or the petition has
        // closed: they are asked to sign themselves.
        Err(e) => {
            tracing::info!(proposal, "a first signature could not be carried over: {e}");
            Some(Carry::NotSigned)
        }
    })
}

/// Refused proposals, latest first, for the public list. Where the ground is about the texts,
/// they are left out.
pub async fn refused_list(db: &Db, policy: &ProposalPolicy) -> Result<Vec<RefusedView>, ProposalError> {
    let rows = sqlx::query(
        "SELECT p.id, p.title, p.question, a.name, p.decided_at, p.refused_ground, p.refused_explanation
         FROM proposals p JOIN areas a ON a.code = p.area_code WHERE p.stage = 'refused'
         ORDER BY p.decided_at DESC, p.id DESC",
    )
    .fetch_all(&db.pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let id: i64 = r.try_get(0)?;
        let code: String = r.try_get(5)?;
        let ground = Ground::parse(&code)
            .ok_or_else(|| StoreError::Corrupt(format!("proposal {id} was refused on the ground {code:?}")))?;
        let shown = !ground.withholds_text();
        out.push(RefusedView {
            id,
            title: shown.then(|| r.try_get(1)).transpose()?,
            question: shown.then(|| r.try_get(2)).transpose()?,
            area: r.try_get(3)?,
            decided: day_label(instant(r.try_get(4)?)),
            ground: ground.describe(policy.repeat_years),
            explanation: r.try_get(6)?,
        });
    }
    Ok(out)
}
