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
use crate::proposals::mails::{opened_mail, refused_mail, returned_mail};
use crate::proposals::manage::{required_now, set_stage};
use crate::proposals::stored::{day_of, find, hold, overdue, target_day, ProposalError, ProposalPolicy};
use crate::secrets::Secrets;
use crate::signatures::sign::{sign_confirmed, AddressChoice, SignError, SignRequest};
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
         WHERE p.stage = 'moderation' ORDER BY p.moderation_since, p.id",
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
    drop(conn);
    Ok(Some(ModerationView {
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

/// Makes a decision on a proposal waiting for the office.
#[allow(clippy::too_many_arguments)]
pub async fn decide(
    db: &Db,
    secrets: &Secrets,
    links: &Mailing,
    policy: &ProposalPolicy,
    id: i64,
    decision: &Decision,
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
    let subject = format!("proposal {id}: {}", p.title);
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
            let first_signatures = carry_over(db, secrets, links, Some(id), now).await?;
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
    proposal: i64,
    petition_id: i64,
    title: String,
    name: String,
    email: String,
    postcode: String,
    uprn: Option<String>,
    address_text: String,
}

/// Makes the petitioner and confirmed sponsors of an opened proposal (`only`), or of every
/// opened proposal (`None`, at start-up), the first signatures of its petition, those not carried
/// over yet. Each is marked once signed; one interrupted by a crash is found again at the next
/// start, and signing it again counts nobody twice (the signature's place is taken by the same
/// mailbox, so it is skipped). The server that opens a proposal carries over only that one, so
/// that two servers opening two proposals at once do not both sign the same people. Returns how
/// many were carried over.
pub async fn carry_over(
    db: &Db,
    secrets: &Secrets,
    links: &Mailing,
    only: Option<i64>,
    now: i64,
) -> Result<usize, ProposalError> {
    let rows = sqlx::query(
        "SELECT NULL AS sponsor, p.id, p.petition_id, p.title, p.name, p.email, p.postcode, p.uprn, p.address_text
         FROM proposals p WHERE p.stage = 'opened' AND p.carried_at IS NULL AND ($1 IS NULL OR p.id = $1)
         UNION ALL
         SELECT s.id, p.id, p.petition_id, p.title, s.name, s.email, s.postcode, s.uprn, s.address_text
         FROM proposal_sponsors s JOIN proposals p ON p.id = s.proposal_id
         WHERE p.stage = 'opened' AND s.confirmed_at IS NOT NULL AND s.carried_at IS NULL AND ($1 IS NULL OR p.id = $1)",
    )
    .bind(only)
    .fetch_all(&db.pool)
    .await?;
    let mut done = 0;
    for r in rows {
        let c = Carried {
            sponsor: r.try_get(0)?,
            proposal: r.try_get(1)?,
            petition_id: r.try_get(2)?,
            title: r.try_get(3)?,
            name: r.try_get(4)?,
            email: r.try_get(5)?,
            postcode: r.try_get(6)?,
            uprn: r.try_get(7)?,
            address_text: r.try_get(8)?,
        };
        let carried = match carry(db, secrets, links, &c, now).await {
            Ok(()) => true,
            // The address no longer serves (a postcode terminated since, say): this one person
            // is not carried over, and the email asks them to sign themselves.
            Err(ProposalError::Address(e)) => {
                tracing::info!(proposal = c.proposal, "a first signature could not be carried over: {e}");
                false
            }
            Err(e) => return Err(e),
        };
        done += usize::from(carried);
        let (table, id) = match c.sponsor {
            Some(s) => ("proposal_sponsors", s),
            None => ("proposals", c.proposal),
        };
        let mut tx = db.pool.begin().await?;
        sqlx::query(&format!("UPDATE {table} SET carried_at = $1 WHERE id = $2"))
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        enqueue(&mut tx, &opened_mail(links, &c.title, &c.email, c.petition_id, c.sponsor.is_some(), carried), now)
            .await?;
        tx.commit().await?;
    }
    Ok(done)
}

async fn carry(db: &Db, secrets: &Secrets, links: &Mailing, c: &Carried, now: i64) -> Result<(), ProposalError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("proposal {} holds an unusable {what}", c.proposal));
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
    match sign_confirmed(db, secrets, links, &req, now).await {
        Ok(_) => Ok(()),
        Err(SignError::Store(e)) => Err(e.into()),
        Err(e) => Err(ProposalError::Address(e)),
    }
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
