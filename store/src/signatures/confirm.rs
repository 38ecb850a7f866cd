//! Confirming signatures, committed in groups.
//!
//! Confirming turns an attempt (see [`crate::signatures::attempts`]) into a signature: it takes
//! the first place the attempt could take that no confirmed signature holds, or, when none is
//! left, tells the signer that their elector has signed already and shows officers the conflict.
//! It is a few small writes (the signature, its counter, its log entry, the thank-you email);
//! what costs is the commit, which waits for the disk. In a surge, a [`Confirmer`] gathers the
//! confirmations that arrive while its previous group is being written and commits them all in
//! one transaction (group commit), then settles each petition the group touched once and answers
//! everyone. Nobody is told their signature counts before it is durable; a crash before the
//! commit leaves the whole group unconfirmed, and the same links confirm it again.
//!
//! [`confirm`] writes one confirmation on its own through the same code, for callers without a
//! `Confirmer` (tests, tools).

use std::collections::{BTreeMap, BTreeSet};

use petition_core::receipt::{Receipt, Secret};
use sqlx::{AnyConnection, Row};

use petition_core::engine::StrikeReason;
use petition_core::signature::{SignatureFacts, Status};

use crate::counts::{signature_status, Deltas};
use crate::db::{values_list, Db, ROWS_PER_STATEMENT};
use crate::error::{Result, StoreError};
use crate::group::{Commit, Grouper};
use crate::lifecycle::events::last_resumed;
use crate::lifecycle::settle::settle_after_commit;
use crate::mail::links::Mailing;
use crate::mail::outbox::{enqueue_all, Mail};
use crate::petitions::{self, hold, Hold};
use crate::secrets::{new_token, token_hash};
use crate::settings::notice_list;
use crate::signatures::attempts::{decode_places, holders, Holder, Place};
use crate::signatures::conflicts::{self, Claimant};
use crate::signatures::mails::{counted_mail, elector_has_signed_mail, Thanks};
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
    /// Someone else confirmed a signature as the same elector first; officers see the conflict.
    ElectorHasSigned {
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
    /// The attempt expired (see [`crate::signatures::attempts`]): signing again sends a new link.
    Expired {
        petition_id: i64,
        title: String,
    },
    UnknownLink,
}

/// A confirmation looked up and ready to write.
struct Pending {
    attempt_id: i64,
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
    attempted_at: i64,
    receipt: Receipt,
    withdraw_token: String,
    withdraw_hash: String,
    now: i64,
}

impl Pending {
    /// Matched to the register: it counts once confirmed. Otherwise an officer reviews it.
    fn matched(&self) -> bool {
        self.places[0].elector.is_some()
    }

    /// The status confirming gives it.
    fn status(&self) -> Status {
        if self.matched() {
            Status::Confirmed
        } else {
            Status::Review
        }
    }

    /// What the signer is told, given any strike the place kept from before a withdrawal.
    fn thanks(&self, strike: Option<StrikeReason>) -> Thanks {
        match (strike, self.matched()) {
            // A strike kept from before a withdrawal stands until an officer looks again; the
            // signer is told just that, since whoever signed again may not be who was struck.
            (Some(_), _) | (None, false) => Thanks::ForReview,
            (None, true) => Thanks::Counted,
        }
    }

    fn claimant(&self) -> Claimant<'_> {
        Claimant {
            name: &self.name,
            email: &self.email,
            postcode: &self.postcode,
            address_text: &self.address_text,
            attempted_at: self.attempted_at,
        }
    }
}

/// What became of one confirmation in its group's transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Written {
    /// It became this signature: a new one, or a withdrawn one revived with any strike it kept.
    Signed { signature_id: i64, strike: Option<StrikeReason> },
    /// Every place it could take is held: someone else signed as this elector first.
    Taken,
    /// Not written: another request confirmed it first, or its petition was not accepting.
    Not,
    /// Its place changed hands between the read and the write (on PostgreSQL, another server
    /// confirmed for the same elector at that instant): nothing was written; try again.
    Raced,
}

enum Looked {
    Answered(ConfirmOutcome),
    Pending(Box<Pending>),
}

/// What a decided attempt's link now leads to.
async fn decided(db: &Db, signature_id: Option<i64>, petition_id: i64, title: String) -> Result<ConfirmOutcome> {
    let Some(id) = signature_id else { return Ok(ConfirmOutcome::ElectorHasSigned { petition_id, title }) };
    let status: String =
        sqlx::query("SELECT status FROM signatures WHERE id = $1").bind(id).fetch_one(&db.pool).await?.try_get(0)?;
    Ok(match signature_status(&status)? {
        Status::Withdrawn => ConfirmOutcome::Withdrawn { petition_id, title },
        _ => ConfirmOutcome::AlreadyConfirmed { petition_id, title },
    })
}

async fn look_up(db: &Db, token: &str, now: i64) -> Result<Looked> {
    let hash = token_hash(token);
    let row = sqlx::query(
        "SELECT a.id, a.petition_id, p.title, a.places, a.uprn, a.postcode, a.address_text, a.ward_code, a.name,
           a.email, a.email_key, a.created_at, a.expires_at, a.decided_at, a.signature_id
         FROM sign_attempts a JOIN petitions p ON p.id = a.petition_id WHERE a.confirm_token_hash = $1",
    )
    .bind(&hash)
    .fetch_optional(&db.pool)
    .await?;
    let Some(r) = row else { return Ok(Looked::Answered(legacy_link(db, &hash).await?)) };
    let petition_id: i64 = r.try_get(1)?;
    let title: String = r.try_get(2)?;
    if r.try_get::<Option<i64>, _>(13)?.is_some() {
        return Ok(Looked::Answered(decided(db, r.try_get(14)?, petition_id, title).await?));
    }
    if now >= r.try_get::<i64, _>(12)? {
        return Ok(Looked::Answered(ConfirmOutcome::Expired { petition_id, title }));
    }
    let ward: String = r.try_get(7)?;
    let (withdraw_token, withdraw_hash) = new_token();
    Ok(Looked::Pending(Box::new(Pending {
        attempt_id: r.try_get(0)?,
        petition_id,
        title,
        places: decode_places(&r.try_get::<String, _>(3)?)?,
        uprn: r.try_get(4)?,
        postcode: r.try_get(5)?,
        address_text: r.try_get(6)?,
        receipt: Receipt { petition_id: petition_id.to_string(), area: ward.clone(), r: Secret(rand::random()) },
        ward,
        name: r.try_get(8)?,
        email: r.try_get(9)?,
        email_key: r.try_get(10)?,
        attempted_at: r.try_get(11)?,
        withdraw_token,
        withdraw_hash,
        now,
    })))
}

/// A link sent before attempts had rows of their own, when it named the signature itself.
async fn legacy_link(db: &Db, hash: &str) -> Result<ConfirmOutcome> {
    let row = sqlx::query(
        "SELECT s.status, p.id, p.title FROM signatures s JOIN petitions p ON p.id = s.petition_id
         WHERE s.confirm_token_hash = $1",
    )
    .bind(hash)
    .fetch_optional(&db.pool)
    .await?;
    let Some(r) = row else { return Ok(ConfirmOutcome::UnknownLink) };
    let (petition_id, title) = (r.try_get(1)?, r.try_get(2)?);
    Ok(match signature_status(&r.try_get::<String, _>(0)?)? {
        Status::Withdrawn => ConfirmOutcome::Withdrawn { petition_id, title },
        _ => ConfirmOutcome::AlreadyConfirmed { petition_id, title },
    })
}

/// Where a claimed attempt goes.
enum Choice {
    /// A place nobody has held.
    New(usize),
    /// A place whose signature was withdrawn: it is revived, keeping any strike.
    Revive(usize, i64, Option<Option<String>>),
    Taken,
}

/// The place an attempt takes: one whose withdrawn signature kept a strike first (so that
/// signing again never sheds a strike), then any withdrawn one, then one never held.
fn choose(p: &Pending, held: &BTreeMap<(i64, String), Holder>) -> Choice {
    let holder = |k: usize| held.get(&(p.petition_id, p.places[k].key.clone()));
    let find = |want: &dyn Fn(Option<&Holder>) -> bool| (0..p.places.len()).find(|&k| want(holder(k)));
    if let Some(k) = find(&|h| h.is_some_and(|h| h.frees_place() && h.strike_reason.is_some())) {
        let h = holder(k).expect("found");
        return Choice::Revive(k, h.id, h.strike_reason.clone());
    }
    if let Some(k) = find(&|h| h.is_some_and(Holder::frees_place)) {
        return Choice::Revive(k, holder(k).expect("found").id, None);
    }
    match find(&|h| h.is_none()) {
        Some(k) => Choice::New(k),
        None => Choice::Taken,
    }
}

/// A strike as stored: one whose reason was lost still stands, as "correction", the neutral one.
fn strike_of(reason: &Option<Option<String>>) -> Option<StrikeReason> {
    reason.as_ref().map(|r| r.as_deref().and_then(StrikeReason::parse).unwrap_or(StrikeReason::Correction))
}

/// Marks attempts decided, each only if it was not already; returns those it marked.
async fn claim(conn: &mut AnyConnection, ids: &[i64], now: i64) -> Result<BTreeSet<i64>> {
    let mut claimed = BTreeSet::new();
    for chunk in ids.chunks(ROWS_PER_STATEMENT) {
        let list: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "UPDATE sign_attempts SET decided_at = $1 WHERE decided_at IS NULL AND id IN ({}) RETURNING id",
            list.join(", ")
        );
        let mut q = sqlx::query(&sql).bind(now);
        for id in chunk {
            q = q.bind(id);
        }
        for r in q.fetch_all(&mut *conn).await? {
            claimed.insert(r.try_get::<i64, _>(0)?);
        }
    }
    Ok(claimed)
}

/// Inserts signatures at places nobody has held; returns the new row of each place written.
/// A place another server took since it was read is left out.
async fn insert_new(conn: &mut AnyConnection, new: &[(&Pending, usize)]) -> Result<BTreeMap<(i64, String), i64>> {
    let mut ids = BTreeMap::new();
    for chunk in new.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO signatures (petition_id, dedupe_key, status, elector_id, uprn, postcode, address_text,
               ward_code, name, email, created_at, confirmed_at, receipt_commit, withdraw_token_hash)
             VALUES {}
             ON CONFLICT (petition_id, dedupe_key) DO NOTHING RETURNING id, petition_id, dedupe_key",
            values_list(chunk.len(), 14)
        );
        let mut q = sqlx::query(&sql);
        for &(p, k) in chunk {
            q = bind_signer(q.bind(p.petition_id).bind(&p.places[k].key), p, k);
        }
        for r in q.fetch_all(&mut *conn).await? {
            ids.insert((r.try_get(1)?, r.try_get(2)?), r.try_get(0)?);
        }
    }
    Ok(ids)
}

type Query<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// Binds what a signature takes from its attempt, in the order of the columns that both
/// [`insert_new`] and [`revive`] write.
fn bind_signer<'q>(q: Query<'q>, p: &'q Pending, k: usize) -> Query<'q> {
    q.bind(p.status().name())
        .bind(p.places[k].elector)
        .bind(p.uprn.clone())
        .bind(&p.postcode)
        .bind(&p.address_text)
        .bind(&p.ward)
        .bind(&p.name)
        .bind(&p.email)
        .bind(p.attempted_at)
        .bind(p.now)
        // Only the commitment: the receipt's secret is the signer's alone.
        .bind(p.receipt.commitment())
        .bind(&p.withdraw_hash)
}

/// Revives a withdrawn signature for a new signer, keeping its strike; false if the row changed
/// since it was read.
async fn revive(conn: &mut AnyConnection, p: &Pending, k: usize, id: i64, struck: bool) -> Result<bool> {
    let sql = format!(
        "UPDATE signatures SET status = $1, elector_id = $2, uprn = $3, postcode = $4, address_text = $5,
           ward_code = $6, name = $7, email = $8, created_at = $9, confirmed_at = $10, receipt_commit = $11,
           withdraw_token_hash = $12, confirm_token_hash = NULL, withdrawn_at = NULL, receipt_r = NULL,
           notified_at = NULL, log_index = NULL
         WHERE id = $13 AND status = $14 AND struck_at IS {}NULL",
        if struck { "NOT " } else { "" }
    );
    let done = bind_signer(sqlx::query(&sql), p, k).bind(id).bind(Status::Withdrawn.name()).execute(&mut *conn).await?;
    Ok(done.rows_affected() == 1)
}

/// Records which signature each attempt became.
async fn link_attempts(conn: &mut AnyConnection, became: &[(i64, i64)]) -> Result<()> {
    for chunk in became.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "UPDATE sign_attempts SET signature_id = v.column2 FROM (VALUES {}) AS v WHERE sign_attempts.id = v.column1",
            values_list(chunk.len(), 2)
        );
        let mut q = sqlx::query(&sql);
        for &(attempt, signature) in chunk {
            q = q.bind(attempt).bind(signature);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Another mailbox's attempt, waiting for a place that is now held.
struct Waiting {
    id: i64,
    places: Vec<Place>,
    name: String,
    email: String,
    email_key: String,
    postcode: String,
    address_text: String,
    attempted_at: i64,
}

/// The attempts of one petition still waiting for any place that starts with one of `keys`.
async fn waiting_for(conn: &mut AnyConnection, petition_id: i64, keys: &[String]) -> Result<Vec<Waiting>> {
    let mut out = Vec::new();
    for chunk in keys.chunks(ROWS_PER_STATEMENT) {
        let list: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT id, places, name, email, email_key, postcode, address_text, created_at FROM sign_attempts
             WHERE petition_id = $1 AND decided_at IS NULL AND dedupe_key IN ({})",
            list.join(", ")
        );
        let mut q = sqlx::query(&sql).bind(petition_id);
        for k in chunk {
            q = q.bind(k);
        }
        for r in q.fetch_all(&mut *conn).await? {
            out.push(Waiting {
                id: r.try_get(0)?,
                places: decode_places(&r.try_get::<String, _>(1)?)?,
                name: r.try_get(2)?,
                email: r.try_get(3)?,
                email_key: r.try_get(4)?,
                postcode: r.try_get(5)?,
                address_text: r.try_get(6)?,
                attempted_at: r.try_get(7)?,
            });
        }
    }
    Ok(out)
}

/// Tells every attempt still waiting for an elector whose places are now all held that the
/// elector has signed, and shows officers each one from another mailbox than the holder's.
async fn turn_away_waiting(
    conn: &mut AnyConnection,
    mailing: &Mailing,
    signed: &[&Pending],
    now: i64,
    mails: &mut Vec<(Mail, i64)>,
) -> Result<()> {
    let mut by_petition: BTreeMap<i64, (String, BTreeSet<String>)> = BTreeMap::new();
    for p in signed {
        by_petition
            .entry(p.petition_id)
            .or_insert_with(|| (p.title.clone(), BTreeSet::new()))
            .1
            .insert(p.places[0].key.clone());
    }
    for (petition_id, (title, keys)) in by_petition {
        let keys: Vec<String> = keys.into_iter().collect();
        let waiting = waiting_for(conn, petition_id, &keys).await?;
        if waiting.is_empty() {
            continue;
        }
        let all_keys: Vec<String> = waiting.iter().flat_map(|w| w.places.iter().map(|p| p.key.clone())).collect();
        let held = holders(conn, petition_id, &all_keys).await?;
        for w in waiting {
            let holding: Vec<&Holder> =
                w.places.iter().filter_map(|p| held.get(&p.key)).filter(|h| h.status.holds_place()).collect();
            if holding.len() < w.places.len() {
                continue;
            }
            if claim(conn, &[w.id], now).await?.is_empty() {
                continue;
            }
            if holding.iter().any(|h| h.email_key == w.email_key) {
                // The holder's own mailbox: nothing to tell anyone.
                continue;
            }
            let claimant = Claimant {
                name: &w.name,
                email: &w.email,
                postcode: &w.postcode,
                address_text: &w.address_text,
                attempted_at: w.attempted_at,
            };
            conflicts::record(conn, petition_id, holding[0].id, &claimant, now).await?;
            let office = notice_list(conn, mailing).await?.into_iter().next();
            mails.push((elector_has_signed_mail(mailing, office.as_deref(), &title, petition_id, &w.email), now));
        }
    }
    Ok(())
}

/// Writes a group of confirmations in one transaction and commits it, saying what became of
/// each.
async fn write_group(db: &Db, mailing: &Mailing, group: &[&Pending]) -> Result<Vec<Written>> {
    let _turn = db.write_turn().await;
    let mut tx = db.pool.begin().await?;
    let ids: BTreeSet<i64> = group.iter().map(|p| p.petition_id).collect();
    let mut accepting = BTreeMap::new();
    for &id in &ids {
        hold(&mut tx, db.backend, id, Hold::Shared).await?;
        // Under the shared hold no close, pause or resume can slip in before the commit, so the
        // engine's answer read now holds for the whole transaction.
        if let Some(p) = petitions::load(&mut tx, id).await? {
            // A link opened during a pause may reach its group only after the resume: the engine,
            // which knows the state now but not when earlier pauses were, would accept it, and
            // its `sig/v1` would be dated inside the pause, which the log refuses. So nothing
            // dated before the last resume is written now; the signer is told collection is
            // paused, and the same link works when opened again. (Never paused: no resume.)
            let resumed = if p.state.paused_total > 0 { last_resumed(&mut tx, id).await? } else { None };
            accepting.insert(id, (p.terms, p.state, resumed));
        }
    }
    let accepts = |p: &Pending| {
        accepting
            .get(&p.petition_id)
            .is_some_and(|(terms, state, resumed)| terms.accepts(state, p.now) && resumed.is_none_or(|r| p.now >= r))
    };
    let latest = group.iter().map(|p| p.now).max().unwrap_or_default();
    // Each attempt is claimed once, by the first of the group to confirm it, and only if its
    // petition accepts signatures at its moment and nobody confirmed it before. A link opened
    // twice at once is written once.
    let mut first = BTreeMap::new();
    for (i, p) in group.iter().enumerate() {
        if accepts(p) {
            first.entry(p.attempt_id).or_insert(i);
        }
    }
    let claimed = claim(&mut tx, &first.keys().copied().collect::<Vec<_>>(), latest).await?;
    let mut claimed: Vec<usize> = first.iter().filter(|(a, _)| claimed.contains(a)).map(|(_, &i)| i).collect();
    claimed.sort_unstable();

    // Who holds every place the claimed attempts could take.
    let mut held: BTreeMap<(i64, String), Holder> = BTreeMap::new();
    for &id in &ids {
        let keys: Vec<String> = claimed
            .iter()
            .map(|&i| group[i])
            .filter(|p| p.petition_id == id)
            .flat_map(|p| p.places.iter().map(|pl| pl.key.clone()))
            .collect();
        for (k, h) in holders(&mut tx, id, &keys).await? {
            held.insert((id, k), h);
        }
    }
    // Each takes a place in group order; a place taken here is held for the rest of the group.
    let mut written = vec![Written::Not; group.len()];
    let (mut new, mut revived) = (Vec::new(), Vec::new());
    for &i in &claimed {
        let p = group[i];
        let k = match choose(p, &held) {
            Choice::Taken => {
                written[i] = Written::Taken;
                continue;
            }
            Choice::New(k) => {
                new.push((i, k));
                k
            }
            Choice::Revive(k, id, strike) => {
                revived.push((i, k, id, strike));
                k
            }
        };
        let taken = Holder { id: 0, status: p.status(), strike_reason: None, email_key: p.email_key.clone() };
        held.insert((p.petition_id, p.places[k].key.clone()), taken);
    }
    let inserted = insert_new(&mut tx, &new.iter().map(|&(i, k)| (group[i], k)).collect::<Vec<_>>()).await?;
    for &(i, k) in &new {
        let p = group[i];
        written[i] = match inserted.get(&(p.petition_id, p.places[k].key.clone())) {
            Some(&signature_id) => Written::Signed { signature_id, strike: None },
            None => Written::Raced,
        };
    }
    let revived_at: Vec<(usize, usize)> = revived.iter().map(|&(i, k, _, _)| (i, k)).collect();
    for (i, k, id, strike) in revived {
        written[i] = if revive(&mut tx, group[i], k, id, strike.is_some()).await? {
            Written::Signed { signature_id: id, strike: strike_of(&strike) }
        } else {
            Written::Raced
        };
    }
    // An attempt whose place changed hands is left to be confirmed again.
    for (i, _) in written.iter().enumerate().filter(|(_, w)| **w == Written::Raced) {
        sqlx::query("UPDATE sign_attempts SET decided_at = NULL WHERE id = $1")
            .bind(group[i].attempt_id)
            .execute(&mut *tx)
            .await?;
    }
    // Places taken in this group now have their rows, for conflicts recorded below.
    for (i, k) in new.iter().copied().chain(revived_at.iter().copied()) {
        if let Written::Signed { signature_id, .. } = written[i] {
            let p = group[i];
            if let Some(h) = held.get_mut(&(p.petition_id, p.places[k].key.clone())) {
                h.id = signature_id;
            }
        }
    }
    let became: Vec<(i64, i64)> = written
        .iter()
        .enumerate()
        .filter_map(|(i, w)| match w {
            Written::Signed { signature_id, .. } => Some((group[i].attempt_id, *signature_id)),
            _ => None,
        })
        .collect();
    link_attempts(&mut tx, &became).await?;

    let mut deltas = Deltas::new();
    let mut entries = Vec::new();
    let mut mails: Vec<(Mail, i64)> = Vec::new();
    let mut signed = Vec::new();
    for (p, w) in group.iter().zip(&written) {
        match *w {
            Written::Signed { signature_id, strike } => {
                signed.push(*p);
                // Whether it counts is the engine's answer for the row as written, at its moment.
                let facts = SignatureFacts::of(p.status(), Some(p.now), strike.is_some());
                let counts = accepting.get(&p.petition_id).is_some_and(|(terms, state, _)| facts.counts(terms, state));
                if counts {
                    deltas.add(p.petition_id, &p.ward, signature_id, 1);
                }
                if p.status().is_logged() {
                    entries.push((p.petition_id, Queued::Sig(signature_id), p.now));
                    if let Some(reason) = strike {
                        // The log gets the new signature and the strike it kept, as for an approval.
                        entries.push((p.petition_id, Queued::Strike(signature_id, reason), p.now));
                    }
                }
                let thanks = p.thanks(strike);
                mails
                    .push((counted_mail(mailing, &p.title, p.petition_id, &p.email, &p.withdraw_token, thanks), p.now));
            }
            Written::Taken => {
                // Confirmed after every place was held: shown to officers unless it came from
                // the holder's own mailbox.
                let holder =
                    p.places.iter().filter_map(|pl| held.get(&(p.petition_id, pl.key.clone()))).find(|h| h.id != 0);
                if let Some(h) = holder.filter(|h| h.email_key != p.email_key) {
                    conflicts::record(&mut tx, p.petition_id, h.id, &p.claimant(), p.now).await?;
                }
            }
            Written::Not | Written::Raced => {}
        }
    }
    turn_away_waiting(&mut tx, mailing, &signed, latest, &mut mails).await?;
    deltas.apply(&mut tx).await?;
    queue_all(&mut tx, &entries).await?;
    enqueue_all(&mut tx, &mails).await?;
    tx.commit().await?;
    Ok(written)
}

/// What the signer is told, once the group holding their confirmation has committed.
async fn answer(db: &Db, p: Pending, written: Written) -> Result<ConfirmOutcome> {
    let (petition_id, title) = (p.petition_id, p.title.clone());
    match written {
        Written::Signed { strike, .. } => {
            let receipt = p.receipt.clone();
            return Ok(match p.thanks(strike) {
                Thanks::Counted => ConfirmOutcome::Counted { petition_id, title, receipt },
                Thanks::ForReview => ConfirmOutcome::SentForReview { petition_id, title, receipt },
            });
        }
        Written::Taken => return Ok(ConfirmOutcome::ElectorHasSigned { petition_id, title }),
        Written::Raced => {
            return Err(StoreError::Conflict(format!(
                "attempt {}: its place was taken while it was confirmed",
                p.attempt_id
            )))
        }
        Written::Not => {}
    }
    let row = sqlx::query("SELECT decided_at, signature_id FROM sign_attempts WHERE id = $1")
        .bind(p.attempt_id)
        .fetch_optional(&db.pool)
        .await?;
    if let Some(r) = row {
        if r.try_get::<Option<i64>, _>(0)?.is_some() {
            return decided(db, r.try_get(1)?, petition_id, title).await;
        }
    }
    // Not written and still waiting: its petition was not accepting signatures. Collecting but
    // not accepting means paused, and the link works again once collection resumes.
    let paused = petitions::fetch(db, petition_id).await?.is_some_and(|q| q.terms.collecting(&q.state, p.now));
    Ok(if paused {
        ConfirmOutcome::Paused { petition_id, title }
    } else {
        ConfirmOutcome::Closed { petition_id, title }
    })
}

/// Brings the state of every petition whose count the group changed into line with it.
async fn settle_group(db: &Db, mailing: &Mailing, group: &[&Pending], written: &[Written]) {
    let mut latest: BTreeMap<i64, i64> = BTreeMap::new();
    for (p, w) in group.iter().zip(written) {
        if let Written::Signed { strike, .. } = w {
            if p.thanks(*strike) == Thanks::Counted {
                let at = latest.entry(p.petition_id).or_insert(p.now);
                *at = (*at).max(p.now);
            }
        }
    }
    for (id, now) in latest {
        settle_after_commit(db, mailing, id, now).await;
    }
}

/// Writes and settles a group. If the group's transaction fails, each confirmation is tried in a
/// transaction of its own, so that one that cannot be written does not fail the others.
async fn commit_group(db: &Db, mailing: &Mailing, group: &[&Pending]) -> Vec<Result<Written>> {
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
            Ok(Looked::Pending(p)) => Some(&**p),
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
                Ok(written) => answer(db, *p, written).await,
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
    writer: Grouper<Pending, Written>,
}

impl Confirmer {
    /// Starts the writer on the current Tokio runtime. `max_group` caps the confirmations in one
    /// transaction.
    pub fn start(db: Db, mailing: Mailing, max_group: usize) -> Confirmer {
        let writer_db = db.clone();
        let commit: Commit<Pending, Written> = Box::new(move |items: Vec<Pending>| {
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
            Looked::Pending(p) => *p,
        };
        let (p, written) = self.writer.submit(p).await?;
        answer(&self.db, p, written).await
    }
}
