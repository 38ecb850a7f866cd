//! Confirming signatures, committed in groups.
//!
//! A confirmation is a few small writes (the signature, its counter, its log entry, the thank-you
//! email); what costs is the commit, which waits for the disk. In a surge, a [`Confirmer`] gathers
//! the confirmations that arrive while its previous group is being written and commits them all
//! in one transaction (group commit), then settles each petition the group touched once and
//! answers everyone. Nobody is told their signature counts before it is durable; a crash before
//! the commit leaves the whole group unconfirmed, and the same links confirm it again.
//!
//! [`confirm`] writes one confirmation on its own through the same code, for callers without a
//! `Confirmer` (tests, tools).

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine;
use petition_core::receipt::{Receipt, Secret};
use sqlx::Row;

use petition_core::engine::StrikeReason;
use petition_core::signature::{SignatureFacts, Status};

use crate::counts::{signature_status, Deltas};
use crate::db::{values_list, Db, ROWS_PER_STATEMENT};
use crate::error::Result;
use crate::group::{Commit, Grouper};
use crate::lifecycle::settle::settle_after_commit;
use crate::mail::links::Mailing;
use crate::mail::outbox::{enqueue_all, Mail};
use crate::petitions::{self, hold, Hold};
use crate::secrets::{new_token, token_hash};
use crate::signatures::mails::{counted_mail, Thanks};
use crate::transparency::queue::queue_all;
use crate::transparency::queued::Queued;

/// What a confirmation link leads to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfirmOutcome {
    /// Confirmed and counted; the receipt is shown this once.
    Counted {
        petition_id: i64,
        title: String,
        receipt: Receipt,
    },
    /// Email confirmed; an officer will check the signature. The receipt is shown this once.
    SentForReview {
        petition_id: i64,
        title: String,
        receipt: Receipt,
    },
    AlreadyConfirmed {
        petition_id: i64,
        title: String,
    },
    Closed {
        petition_id: i64,
        title: String,
    },
    /// Collection is paused: the link still works once it resumes.
    Paused {
        petition_id: i64,
        title: String,
    },
    Withdrawn {
        petition_id: i64,
        title: String,
    },
    /// The link is older than [`CONFIRM_LINK_LIFETIME`]: signing again sends a new one.
    Expired {
        petition_id: i64,
        title: String,
    },
    UnknownLink,
}

/// How long a confirmation link works: long enough for a slow mailbox, short enough that a link
/// found later in an old mailbox or a leaked database does nothing.
pub const CONFIRM_LINK_LIFETIME: i64 = 48 * 60 * 60;

/// A confirmation looked up and ready to write.
struct Pending {
    signature_id: i64,
    petition_id: i64,
    title: String,
    ward: String,
    email: String,
    /// Matched to the register: it counts once confirmed. Otherwise an officer reviews it.
    matched: bool,
    /// An officer's strike the row kept through a withdrawal and a new signing. Officers cannot
    /// change an unconfirmed row, so it cannot change before the write.
    strike: Option<StrikeReason>,
    receipt: Receipt,
    withdraw_token: String,
    withdraw_hash: String,
    now: i64,
}

impl Pending {
    /// The status confirming gives it.
    fn status(&self) -> Status {
        if self.matched {
            Status::Confirmed
        } else {
            Status::Review
        }
    }

    fn thanks(&self) -> Thanks {
        match (self.strike, self.matched) {
            // A strike kept from before a withdrawal stands until an officer looks again; the
            // signer is told just that, since whoever signed again may not be who was struck.
            (Some(_), _) | (None, false) => Thanks::ForReview,
            (None, true) => Thanks::Counted,
        }
    }
}

enum Looked {
    Answered(ConfirmOutcome),
    Pending(Pending),
}

async fn look_up(db: &Db, token: &str, now: i64) -> Result<Looked> {
    let row = sqlx::query(
        "SELECT s.id, s.status, s.elector_id, s.ward_code, s.email, p.id, p.title, s.struck_at, s.strike_reason,
           COALESCE(s.notified_at, s.created_at)
         FROM signatures s JOIN petitions p ON p.id = s.petition_id WHERE s.confirm_token_hash = $1",
    )
    .bind(token_hash(token))
    .fetch_optional(&db.pool)
    .await?;
    let Some(r) = row else { return Ok(Looked::Answered(ConfirmOutcome::UnknownLink)) };
    let status = signature_status(&r.try_get::<String, _>(1)?)?;
    let petition_id: i64 = r.try_get(5)?;
    let title: String = r.try_get(6)?;
    match status {
        Status::Confirmed | Status::Review => {
            return Ok(Looked::Answered(ConfirmOutcome::AlreadyConfirmed { petition_id, title }))
        }
        Status::Withdrawn => return Ok(Looked::Answered(ConfirmOutcome::Withdrawn { petition_id, title })),
        Status::Unconfirmed => {}
    }
    // The link was sent when the row was last notified (a resend replaces it).
    if now >= r.try_get::<i64, _>(9)? + CONFIRM_LINK_LIFETIME {
        return Ok(Looked::Answered(ConfirmOutcome::Expired { petition_id, title }));
    }
    let ward: String = r.try_get(3)?;
    let (withdraw_token, withdraw_hash) = new_token();
    Ok(Looked::Pending(Pending {
        signature_id: r.try_get(0)?,
        petition_id,
        title,
        receipt: Receipt { petition_id: petition_id.to_string(), area: ward.clone(), r: Secret(rand::random()) },
        ward,
        email: r.try_get(4)?,
        matched: r.try_get::<Option<i64>, _>(2)?.is_some(),
        strike: match r.try_get::<Option<i64>, _>(7)? {
            None => None,
            // A strike whose reason was lost still stands; "correction" is the neutral reason.
            Some(_) => Some(
                r.try_get::<Option<String>, _>(8)?
                    .as_deref()
                    .and_then(StrikeReason::parse)
                    .unwrap_or(StrikeReason::Correction),
            ),
        },
        withdraw_token,
        withdraw_hash,
        now,
    }))
}

/// Writes a group of confirmations in one transaction and commits it. Returns, for each, whether
/// it was written; one that was not had been confirmed by another request first, or its petition
/// was not accepting signatures at its moment.
async fn write_group(db: &Db, mailing: &Mailing, group: &[&Pending]) -> Result<Vec<bool>> {
    let mut tx = db.pool.begin().await?;
    let ids: BTreeSet<i64> = group.iter().map(|p| p.petition_id).collect();
    let mut accepting = BTreeMap::new();
    for &id in &ids {
        hold(&mut tx, db.backend, id, Hold::Shared).await?;
        // Under the shared hold no close, pause or resume can slip in before the commit, so the
        // engine's answer read now holds for the whole transaction.
        if let Some(p) = petitions::load(&mut tx, id).await? {
            accepting.insert(id, (p.terms, p.state));
        }
    }
    let accepts = |p: &Pending| accepting.get(&p.petition_id).is_some_and(|(terms, state)| terms.accepts(state, p.now));
    // One statement writes the whole group, each signature only if its petition accepts
    // signatures at its moment and it is still unconfirmed. A signature in the group twice (its
    // link opened twice at once) is written once, for the first.
    let mut first = BTreeMap::new();
    for (i, p) in group.iter().enumerate() {
        if accepts(p) {
            first.entry(p.signature_id).or_insert(i);
        }
    }
    let mut written = vec![false; group.len()];
    let firsts: Vec<usize> = first.values().copied().collect();
    for chunk in firsts.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "UPDATE signatures SET status = v.column2, confirmed_at = v.column3, receipt_r = v.column4,
               receipt_commit = v.column5, withdraw_token_hash = v.column6,
               notified_at = NULL
             FROM (VALUES {}) AS v
             WHERE signatures.id = v.column1 AND signatures.status = '{}'
             RETURNING signatures.id",
            values_list(chunk.len(), 6),
            Status::Unconfirmed.name()
        );
        let mut q = sqlx::query(&sql);
        for &i in chunk {
            let p = group[i];
            q = q
                .bind(p.signature_id)
                .bind(p.status().name())
                .bind(p.now)
                .bind(base64::engine::general_purpose::STANDARD.encode(p.receipt.r.0))
                .bind(p.receipt.commitment())
                .bind(&p.withdraw_hash);
        }
        for row in q.fetch_all(&mut *tx).await? {
            written[first[&row.try_get::<i64, _>(0)?]] = true;
        }
    }
    let mut deltas = Deltas::new();
    let mut entries = Vec::new();
    let mut mails: Vec<(Mail, i64)> = Vec::new();
    for (p, _) in group.iter().zip(&written).filter(|(_, &w)| w) {
        // Whether it counts is the engine's answer for the row as written, at its moment.
        let facts = SignatureFacts::of(p.status(), Some(p.now), p.strike.is_some());
        let counts = accepting.get(&p.petition_id).is_some_and(|(terms, state)| facts.counts(terms, state));
        if counts {
            deltas.add(p.petition_id, &p.ward, p.signature_id, 1);
        }
        if p.status().is_logged() {
            entries.push((p.petition_id, Queued::Sig(p.signature_id), p.now));
            if let Some(reason) = p.strike {
                // The log gets the new signature and the strike it kept, as for an approval.
                entries.push((p.petition_id, Queued::Strike(p.signature_id, reason), p.now));
            }
        }
        mails.push((counted_mail(mailing, &p.title, p.petition_id, &p.email, &p.withdraw_token, p.thanks()), p.now));
    }
    deltas.apply(&mut tx).await?;
    queue_all(&mut tx, &entries).await?;
    enqueue_all(&mut tx, &mails).await?;
    tx.commit().await?;
    Ok(written)
}

/// What the signer is told, once the group holding their confirmation has committed.
async fn answer(db: &Db, p: Pending, written: bool) -> Result<ConfirmOutcome> {
    let thanks = p.thanks();
    let (petition_id, title) = (p.petition_id, p.title);
    if written {
        let receipt = p.receipt;
        return Ok(match thanks {
            Thanks::Counted => ConfirmOutcome::Counted { petition_id, title, receipt },
            Thanks::ForReview => ConfirmOutcome::SentForReview { petition_id, title, receipt },
        });
    }
    let status: String = sqlx::query("SELECT status FROM signatures WHERE id = $1")
        .bind(p.signature_id)
        .fetch_one(&db.pool)
        .await?
        .try_get(0)?;
    match signature_status(&status)? {
        Status::Unconfirmed => {}
        Status::Withdrawn => return Ok(ConfirmOutcome::Withdrawn { petition_id, title }),
        Status::Confirmed | Status::Review => return Ok(ConfirmOutcome::AlreadyConfirmed { petition_id, title }),
    }
    // Not written and still unconfirmed: its petition was not accepting signatures. Collecting
    // but not accepting means paused, and the link works again once collection resumes.
    let paused = petitions::fetch(db, petition_id).await?.is_some_and(|q| q.terms.collecting(&q.state, p.now));
    Ok(if paused {
        ConfirmOutcome::Paused { petition_id, title }
    } else {
        ConfirmOutcome::Closed { petition_id, title }
    })
}

/// Brings the state of every petition whose count the group changed into line with it.
async fn settle_group(db: &Db, mailing: &Mailing, group: &[&Pending], written: &[bool]) {
    let mut latest: BTreeMap<i64, i64> = BTreeMap::new();
    for (p, _) in group.iter().zip(written).filter(|(p, &w)| w && p.thanks() == Thanks::Counted) {
        let at = latest.entry(p.petition_id).or_insert(p.now);
        *at = (*at).max(p.now);
    }
    for (id, now) in latest {
        settle_after_commit(db, mailing, id, now).await;
    }
}

/// Writes and settles a group. If the group's transaction fails, each confirmation is tried in a
/// transaction of its own, so that one that cannot be written does not fail the others.
async fn commit_group(db: &Db, mailing: &Mailing, group: &[&Pending]) -> Vec<Result<bool>> {
    if group.is_empty() {
        return Vec::new();
    }
    match write_group(db, mailing, group).await {
        Ok(written) => {
            settle_group(db, mailing, group, &written).await;
            written.into_iter().map(Ok).collect()
        }
        Err(e) if group.len() > 1 => {
            tracing::warn!(size = group.len(), error = %e, "a group of confirmations failed; writing them one at a time");
            let mut results = Vec::with_capacity(group.len());
            for p in group {
                let one = write_group(db, mailing, &[p]).await;
                if let Ok(w) = &one {
                    settle_group(db, mailing, &[p], w).await;
                }
                results.push(one.map(|w| w[0]));
            }
            results
        }
        Err(e) => vec![Err(e)],
    }
}

/// Confirms a group of signatures, each link with its own moment, in one transaction, and says
/// what happened to each, in order.
pub async fn confirm_all(db: &Db, mailing: &Mailing, links: &[(&str, i64)]) -> Vec<Result<ConfirmOutcome>> {
    let mut looked = Vec::with_capacity(links.len());
    for &(token, now) in links {
        looked.push(look_up(db, token, now).await);
    }
    let group: Vec<&Pending> = looked
        .iter()
        .filter_map(|l| match l {
            Ok(Looked::Pending(p)) => Some(p),
            _ => None,
        })
        .collect();
    let mut results = commit_group(db, mailing, &group).await.into_iter();
    let mut out = Vec::with_capacity(links.len());
    for l in looked {
        out.push(match l {
            Err(e) => Err(e),
            Ok(Looked::Answered(o)) => Ok(o),
            Ok(Looked::Pending(p)) => match results.next().expect("one result per pending confirmation") {
                Ok(written) => answer(db, p, written).await,
                Err(e) => Err(e),
            },
        });
    }
    out
}

/// Confirms one signature on its own: looks up the link, writes and commits, settles the
/// petition, and says what happened.
pub async fn confirm(db: &Db, mailing: &Mailing, token: &str, now: i64) -> Result<ConfirmOutcome> {
    confirm_all(db, mailing, &[(token, now)]).await.pop().expect("one answer per link")
}

/// Confirms signatures in groups: one background writer per server commits whatever has arrived
/// while it was busy, up to a limit, in one transaction (see [`crate::group`]). Cheap to clone.
#[derive(Clone)]
pub struct Confirmer {
    db: Db,
    writer: Grouper<Pending>,
}

impl Confirmer {
    /// Starts the writer on the current Tokio runtime. `max_group` caps the confirmations in one
    /// transaction.
    pub fn start(db: Db, mailing: Mailing, max_group: usize) -> Confirmer {
        let writer_db = db.clone();
        let commit: Commit<Pending> = Box::new(move |items: Vec<Pending>| {
            let (db, mailing) = (writer_db.clone(), mailing.clone());
            Box::pin(async move {
                let group: Vec<&Pending> = items.iter().collect();
                let results = commit_group(&db, &mailing, &group).await;
                (items, results)
            })
        });
        Confirmer { db, writer: Grouper::start(max_group, commit) }
    }

    /// Confirms one signature as part of the next group, answering once that group is durable
    /// and its petitions are settled.
    pub async fn confirm(&self, token: &str, now: i64) -> Result<ConfirmOutcome> {
        let p = match look_up(&self.db, token, now).await? {
            Looked::Answered(o) => return Ok(o),
            Looked::Pending(p) => p,
        };
        let (p, written) = self.writer.submit(p).await?;
        answer(&self.db, p, written).await
    }
}
