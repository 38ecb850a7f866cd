//! Verification after the close and the certificate (`../shared/docs/transparency.md`,
//! *Verification and certificate*): the seed's source announced while the petition collects, the
//! sample drawn from the log with the seed once it has closed, and the certified result.
//!
//! **Figures from the log, not the rows.** Observers recompute `sample/v1` and `certify/v1` from
//! the log alone, so the office computes them the same way: from the petition's entries the log
//! holds, read through the queue rows that know their indexes. That is exact only when the log
//! holds every change made to the petition so far, so sampling and certifying wait until it does
//! (the sequencer appends within seconds), and hold the petition exclusively: strikes, which hold
//! it shared, cannot slip in between the figures and the entry that states them.

use std::collections::BTreeSet;

use petition_core::proposal::{Change, Stage, StageError};
use petition_core::verification::{Seed, SeedPlan};
use petition_tlog::certify::{full_outcome, projected, sample_outcome};
use petition_tlog::entry::{Entry, Ident, Method, Outcome};
use petition_tlog::sample::draw;
use sqlx::{AnyConnection, Row};

use crate::audit::{self, Action};
use crate::db::{values_list, Db, ROWS_PER_STATEMENT};
use crate::error::{Result, StoreError};
use crate::lifecycle::settle::{settle, ByOfficer};
use crate::mail::links::Mailing;
use crate::mail::outbox::{enqueue, Mail};
use crate::petitions::{hold, load, Hold, Petition};
use crate::settings::notice_list;
use crate::time::moment_label;
use crate::transparency::queue::queue;
use crate::transparency::queued::{Kind, Queued};

/// Why a step of verification was refused. Nothing changed.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("There is no petition {0}")]
    NoSuchPetition(i64),
    #[error("This cannot be done now: {0}")]
    Stage(#[from] StageError),
    #[error("The source of the seed can only be announced while the petition collects signatures")]
    PlanAfterClose,
    #[error("That is the source already announced: nothing changed")]
    PlanUnchanged,
    #[error(
        "The source of the seed has been announced {0} times already, the most a petition's page lists: \
         keep the one in force"
    )]
    TooManyPlans(usize),
    #[error(
        "No source for the seed was announced before the petition closed, so no sample can be drawn: \
         check every signature instead (a full check)"
    )]
    NoPlan,
    #[error("No sample has been drawn: certify after a full check instead")]
    NoSample,
    #[error("The result has not been certified yet: the council's decision is published after the certificate")]
    NotCertified,
    #[error(
        "The petition did not reach its trigger, so there is no referendum to date: publish the council's response"
    )]
    NoReferendum,
    #[error(
        "The log has not yet recorded {0} change(s) to this petition. It records them within seconds: try again \
         shortly"
    )]
    LogBehind(i64),
    #[error("{0} signature(s) of this petition are waiting for review: strike them, or approve them if the petition is still open")]
    Reviews(i64),
    #[error(
        "{0} valid signature(s) have not been marked checked. A full check certifies only once every valid \
         signature has been checked against the register: mark them on the signatures page (\"Valid, not yet \
         checked\"), striking any that are not valid"
    )]
    Unchecked(i64),
    #[error(
        "The transparency log refused {0} change(s) to this petition, so its figures and the log's differ. The \
         server's log names each and why: they must be resolved before the result is certified"
    )]
    LogRefused(i64),
    #[error(
        "The sample projects {projected} valid signatures against the {required} required: between 95% and 110% \
         of the requirement, where a sample could be wrong either way. Check every signature (a full check) and \
         certify that"
    )]
    InBand { projected: u64, required: u64 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for VerifyError {
    fn from(e: sqlx::Error) -> Self {
        VerifyError::Store(StoreError::Db(e))
    }
}

/// The announcement of where the seed will come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Planned {
    pub plan: String,
    pub at: i64,
}

/// The sample, as drawn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Drawn {
    /// 64 lowercase hex digits, as `sample/v1` writes it.
    pub seed: String,
    pub source: String,
    pub at: i64,
    /// `V`: the valid signatures it was drawn from.
    pub pool: u64,
    /// `n`: how many it holds.
    pub size: u64,
}

/// The certified result, as `certify/v1` states it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Certified {
    pub at: i64,
    pub outcome: Outcome,
    pub method: Method,
    pub valid: u64,
    pub projected: u64,
}

/// Where a petition's verification stands.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Verification {
    pub plan: Option<Planned>,
    /// Announcements the one in force replaced, oldest first.
    pub earlier_plans: Vec<Planned>,
    pub sample: Option<Drawn>,
    pub certificate: Option<Certified>,
    /// Set by the council after a certificate: the referendum's date, or its written response.
    pub referendum_date: Option<String>,
    pub council_response: Option<String>,
}

impl Verification {
    /// The petition's stage after it opened, for the stage machine's refusals.
    fn stage(&self, p: &Petition) -> Stage {
        match (p.state.closed_at, &self.sample, &self.certificate) {
            (_, _, Some(_)) => Stage::Certified,
            (None, _, None) => Stage::Open,
            (Some(_), Some(_), None) => Stage::Sampled,
            (Some(_), None, None) => Stage::Closed,
        }
    }
}

const COLS: &str = "seed_plan, seed_plan_at, sample_seed, sample_source, sampled_at, sample_pool, sample_size, \
                    certified_at, certified_outcome, certified_method, certified_valid, certified_projected, \
                    referendum_date, council_response";

async fn read(conn: &mut AnyConnection, id: i64) -> Result<Option<Verification>> {
    let Some(r) =
        sqlx::query(&format!("SELECT {COLS} FROM petitions WHERE id = $1")).bind(id).fetch_optional(&mut *conn).await?
    else {
        return Ok(None);
    };
    let bad = |what: &str| StoreError::Corrupt(format!("petition {id}'s {what}"));
    let n = |col: &str| -> Result<u64> { Ok(r.try_get::<Option<i64>, _>(col)?.unwrap_or(0) as u64) };
    let plan = match (r.try_get::<Option<String>, _>("seed_plan")?, r.try_get::<Option<i64>, _>("seed_plan_at")?) {
        (Some(plan), Some(at)) => Some(Planned { plan, at }),
        _ => None,
    };
    let sample = match (
        r.try_get::<Option<String>, _>("sample_seed")?,
        r.try_get::<Option<String>, _>("sample_source")?,
        r.try_get::<Option<i64>, _>("sampled_at")?,
    ) {
        (Some(seed), Some(source), Some(at)) => {
            Some(Drawn { seed, source, at, pool: n("sample_pool")?, size: n("sample_size")? })
        }
        _ => None,
    };
    let certificate = match r.try_get::<Option<i64>, _>("certified_at")? {
        Some(at) => Some(Certified {
            at,
            outcome: r
                .try_get::<Option<String>, _>("certified_outcome")?
                .as_deref()
                .and_then(Outcome::parse)
                .ok_or_else(|| bad("certified outcome"))?,
            method: r
                .try_get::<Option<String>, _>("certified_method")?
                .as_deref()
                .and_then(Method::parse)
                .ok_or_else(|| bad("certified method"))?,
            valid: n("certified_valid")?,
            projected: n("certified_projected")?,
        }),
        None => None,
    };
    let mut earlier_plans = sqlx::query("SELECT plan, announced_at FROM seed_plans WHERE petition_id = $1 ORDER BY id")
        .bind(id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| Ok(Planned { plan: r.try_get(0)?, at: r.try_get(1)? }))
        .collect::<Result<Vec<_>>>()?;
    // The last is the one in force.
    earlier_plans.pop();
    Ok(Some(Verification {
        plan,
        earlier_plans,
        sample,
        certificate,
        referendum_date: r.try_get("referendum_date")?,
        council_response: r.try_get("council_response")?,
    }))
}

/// Where a petition's verification stands; `None` if there is no such petition.
pub async fn verification(db: &Db, id: i64) -> Result<Option<Verification>> {
    let mut conn = db.pool.acquire().await?;
    read(&mut conn, id).await
}

/// The petition's signature entries in the log, in log order, each with its signature, and the
/// indexes struck at the log's end: replayed from the strike and reinstatement entries themselves.
struct Logged {
    sigs: Vec<(u64, i64)>,
    struck: BTreeSet<u64>,
}

impl Logged {
    fn valid(&self) -> u64 {
        self.sigs.iter().filter(|(i, _)| !self.struck.contains(i)).count() as u64
    }
}

async fn logged(conn: &mut AnyConnection, id: i64) -> Result<Logged> {
    let rows = sqlx::query(
        "SELECT q.log_index, q.signature_id, e.entry FROM log_queue q JOIN log_entries e ON e.idx = q.log_index
         WHERE q.petition_id = $1 AND q.kind IN ($2, $3, $4) ORDER BY q.log_index",
    )
    .bind(id)
    .bind(Kind::Sig.name())
    .bind(Kind::Strike.name())
    .bind(Kind::Reinstate.name())
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Logged { sigs: Vec::new(), struck: BTreeSet::new() };
    for r in rows {
        let index = r.try_get::<i64, _>(0)? as u64;
        let text: String = r.try_get(2)?;
        let entry =
            Entry::parse(text.as_bytes()).map_err(|e| StoreError::Corrupt(format!("log entry {index}: {e}")))?;
        match entry {
            Entry::Sig { .. } => {
                let sig: Option<i64> = r.try_get(1)?;
                let sig = sig.ok_or_else(|| StoreError::Corrupt(format!("log entry {index} names no signature")))?;
                out.sigs.push((index, sig));
            }
            Entry::Strike { target, .. } => {
                out.struck.insert(target);
            }
            Entry::Reinstate { target, .. } => {
                out.struck.remove(&target);
            }
            other => return Err(StoreError::Corrupt(format!("log entry {index} is {}", other.kind()))),
        }
    }
    Ok(out)
}

/// Refuses while the log lacks any change queued for the petition, or signatures wait for review
/// (deciding one changes the count the certificate states).
async fn settled_in_log(conn: &mut AnyConnection, id: i64) -> std::result::Result<(), VerifyError> {
    let waiting: i64 =
        sqlx::query("SELECT COUNT(*) FROM log_queue WHERE petition_id = $1 AND log_index IS NULL AND refused IS NULL")
            .bind(id)
            .fetch_one(&mut *conn)
            .await?
            .try_get(0)?;
    if waiting > 0 {
        return Err(VerifyError::LogBehind(waiting));
    }
    let closed: i64 =
        sqlx::query("SELECT COUNT(*) FROM log_queue WHERE petition_id = $1 AND kind = $2 AND log_index IS NOT NULL")
            .bind(id)
            .bind(Kind::Close.name())
            .fetch_one(&mut *conn)
            .await?
            .try_get(0)?;
    // A change the log refused leaves the site's count and the log's apart: the certificate
    // would state the log's figure while the pages show the other, so nothing is certified until
    // an officer has looked (the server's log names each refusal and why).
    let refused: i64 = sqlx::query("SELECT COUNT(*) FROM log_queue WHERE petition_id = $1 AND refused IS NOT NULL")
        .bind(id)
        .fetch_one(&mut *conn)
        .await?
        .try_get(0)?;
    if refused > 0 || closed == 0 {
        return Err(VerifyError::LogRefused(refused.max(1)));
    }
    // Struck ones wait for nobody.
    let reviews: i64 = sqlx::query(
        "SELECT COUNT(*) FROM signatures WHERE petition_id = $1 AND status = 'review' AND struck_at IS NULL",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await?
    .try_get(0)?;
    if reviews > 0 {
        return Err(VerifyError::Reviews(reviews));
    }
    Ok(())
}

/// Records a step in the audit trail, in its transaction.
async fn audited(
    conn: &mut AnyConnection,
    by: &ByOfficer<'_>,
    id: i64,
    action: &str,
    detail: String,
    now: i64,
) -> Result<()> {
    let a = Action { action, petition_id: Some(id), subject: format!("petition {id}"), reason: by.reason, detail };
    audit::record(conn, by.actor, &a, now).await
}

/// Opens the transaction every step takes: the petition held alone, read with its verification.
async fn begin(
    db: &Db,
    id: i64,
) -> std::result::Result<(sqlx::Transaction<'static, sqlx::Any>, Petition, Verification), VerifyError> {
    let mut tx = db.pool.begin().await?;
    hold(&mut tx, db.backend, id, Hold::Exclusive).await?;
    let p = load(&mut tx, id).await?.ok_or(VerifyError::NoSuchPetition(id))?;
    let v = read(&mut tx, id).await?.ok_or(VerifyError::NoSuchPetition(id))?;
    Ok((tx, p, v))
}

/// How many times a petition's seed source may be announced.
pub const MAX_PLANS: usize = 20;

/// Announces, while the petition collects, where its sample's seed will come from. It may be
/// changed until the close; each announcement stays public (`seed_plans`) and is in the audit
/// trail.
pub async fn announce_seed(
    db: &Db,
    mailing: &Mailing,
    id: i64,
    plan: &SeedPlan,
    by: &ByOfficer<'_>,
    now: i64,
) -> std::result::Result<(), VerifyError> {
    settle(db, mailing, id, now).await?;
    let (mut tx, p, v) = begin(db, id).await?;
    if p.state.closed_at.is_some() || v.certificate.is_some() {
        return Err(VerifyError::PlanAfterClose);
    }
    if v.plan.as_ref().is_some_and(|old| old.plan == plan.as_str()) {
        return Err(VerifyError::PlanUnchanged);
    }
    // Every announcement stays on the public page: a page that lists hundreds helps nobody.
    let made = v.earlier_plans.len() + usize::from(v.plan.is_some());
    if made >= MAX_PLANS {
        return Err(VerifyError::TooManyPlans(made));
    }
    sqlx::query("UPDATE petitions SET seed_plan = $1, seed_plan_at = $2 WHERE id = $3")
        .bind(plan.as_str())
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO seed_plans (petition_id, plan, announced_at) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(plan.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await?;
    let detail = match &v.plan {
        Some(old) => format!("seed source: {} (was: {})", plan.as_str(), old.plan),
        None => format!("seed source: {}", plan.as_str()),
    };
    audited(&mut tx, by, id, "seed-plan", detail, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Draws the sample with the seed from the announced source, and queues its `sample/v1`.
pub async fn draw_sample(
    db: &Db,
    mailing: &Mailing,
    id: i64,
    seed: Seed,
    source: &Ident,
    by: &ByOfficer<'_>,
    now: i64,
) -> std::result::Result<Drawn, VerifyError> {
    settle(db, mailing, id, now).await?;
    let (mut tx, p, v) = begin(db, id).await?;
    v.stage(&p).apply(Change::Sample)?;
    if v.plan.is_none() {
        return Err(VerifyError::NoPlan);
    }
    settled_in_log(&mut tx, id).await?;
    let logged = logged(&mut tx, id).await?;
    let candidates: Vec<u64> = logged.sigs.iter().map(|(i, _)| *i).filter(|i| !logged.struck.contains(i)).collect();
    let pool = candidates.len() as u64;
    let pid = Ident::parse(&id.to_string()).ok_or_else(|| StoreError::Corrupt(format!("petition id {id}")))?;
    let sample = draw(&pid, &seed.0, candidates);
    let signature_of: std::collections::BTreeMap<u64, i64> = logged.sigs.iter().copied().collect();
    for chunk in sample.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO sample_members (petition_id, log_index, signature_id) VALUES {}",
            values_list(chunk.len(), 3)
        );
        let mut q = sqlx::query(&sql);
        for index in chunk {
            q = q.bind(id).bind(*index as i64).bind(signature_of[index]);
        }
        q.execute(&mut *tx).await?;
    }
    let drawn =
        Drawn { seed: seed.hex(), source: source.as_str().to_string(), at: now, pool, size: sample.len() as u64 };
    sqlx::query(
        "UPDATE petitions SET sample_seed = $1, sample_source = $2, sampled_at = $3, sample_pool = $4, sample_size = $5
         WHERE id = $6",
    )
    .bind(&drawn.seed)
    .bind(&drawn.source)
    .bind(now)
    .bind(pool as i64)
    .bind(drawn.size as i64)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    queue(&mut tx, id, Queued::Sample, now).await?;
    audited(
        &mut tx,
        by,
        id,
        "sample",
        format!("seed {} from {}; {} of {} valid signatures drawn", drawn.seed, drawn.source, drawn.size, pool),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(drawn)
}

/// One signature in the sample, for the officers' worklist.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub signature_id: i64,
    pub log_index: u64,
    pub ward: String,
    /// The strike's reason, if it is struck now.
    pub struck: Option<String>,
}

/// The sample, in log order, as the signatures stand now.
pub async fn sample_members(db: &Db, id: i64) -> Result<Vec<Member>> {
    let rows = sqlx::query(
        "SELECT m.signature_id, m.log_index, s.ward_code, s.struck_at, s.strike_reason FROM sample_members m
         JOIN signatures s ON s.id = m.signature_id WHERE m.petition_id = $1 ORDER BY m.log_index",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            let struck_at: Option<i64> = r.try_get(3)?;
            let reason: Option<String> = r.try_get(4)?;
            Ok(Member {
                signature_id: r.try_get(0)?,
                log_index: r.try_get::<i64, _>(1)? as u64,
                ward: r.try_get(2)?,
                struck: struck_at.map(|_| reason.unwrap_or_default()),
            })
        })
        .collect()
}

/// What a sample projects, and what it may certify.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Projection {
    pub pool: u64,
    pub size: u64,
    pub struck: u64,
    pub projected: u64,
    pub required: u64,
    /// The outcome a sample certificate may state; `None` in the band where only a full check may.
    pub allows: Option<Outcome>,
}

impl Projection {
    pub fn of(pool: u64, size: u64, struck: u64, required: u64) -> Projection {
        let p = projected(pool, size, struck);
        Projection { pool, size, struck, projected: p, required, allows: sample_outcome(p, required) }
    }
}

/// What the sample projects now, counting the sampled signatures struck so far.
pub async fn projection(db: &Db, p: &Petition, v: &Verification) -> Result<Option<Projection>> {
    let Some(d) = &v.sample else { return Ok(None) };
    let struck = sample_members(db, p.id).await?.iter().filter(|m| m.struck.is_some()).count() as u64;
    Ok(Some(Projection::of(d.pool, d.size, struck, p.terms.trigger.required)))
}

/// Certifies the result by `method` and queues its `certify/v1`; tells the officers by email.
pub async fn certify(
    db: &Db,
    mailing: &Mailing,
    id: i64,
    method: Method,
    by: &ByOfficer<'_>,
    now: i64,
) -> std::result::Result<Certified, VerifyError> {
    settle(db, mailing, id, now).await?;
    let (mut tx, p, v) = begin(db, id).await?;
    v.stage(&p).apply(Change::Certify)?;
    settled_in_log(&mut tx, id).await?;
    let logged = logged(&mut tx, id).await?;
    let valid = logged.valid();
    let required = p.terms.trigger.required;
    if method == Method::Full {
        let left = unchecked(&mut tx, id).await?;
        if left > 0 {
            return Err(VerifyError::Unchecked(left));
        }
    }
    let (outcome, projected) = match method {
        Method::Full => (full_outcome(valid, required), valid),
        Method::Sample => {
            let Some(d) = &v.sample else { return Err(VerifyError::NoSample) };
            let members: Vec<i64> = sqlx::query("SELECT log_index FROM sample_members WHERE petition_id = $1")
                .bind(id)
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|r| r.try_get(0))
                .collect::<std::result::Result<_, _>>()?;
            let struck = members.iter().filter(|i| logged.struck.contains(&(**i as u64))).count() as u64;
            let pr = Projection::of(d.pool, d.size, struck, required);
            let outcome = pr.allows.ok_or(VerifyError::InBand { projected: pr.projected, required })?;
            (outcome, pr.projected)
        }
    };
    let c = Certified { at: now, outcome, method, valid, projected };
    sqlx::query(
        "UPDATE petitions SET certified_at = $1, certified_outcome = $2, certified_method = $3, certified_valid = $4,
           certified_projected = $5 WHERE id = $6",
    )
    .bind(now)
    .bind(outcome.code())
    .bind(method.code())
    .bind(valid as i64)
    .bind(projected as i64)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    queue(&mut tx, id, Queued::Certify, now).await?;
    audited(
        &mut tx,
        by,
        id,
        "certify",
        format!(
            "{} by a {} check: {valid} valid, {projected} projected, {required} required",
            outcome.code(),
            method.code()
        ),
        now,
    )
    .await?;
    // The officers' notice list, and the petitioner of a petition a resident started (unless
    // their details have been erased).
    let petitioner = sqlx::query("SELECT email FROM proposals WHERE petition_id = $1 AND email <> ''")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| r.try_get::<String, _>(0))
        .transpose()?;
    for to in notice_list(&mut tx, mailing).await?.into_iter().chain(petitioner) {
        enqueue(&mut tx, &certified_mail(mailing, &p, &c, &to), now).await?;
    }
    tx.commit().await?;
    Ok(c)
}

/// Valid signatures of a petition not yet marked checked (see [`mark_checked`]).
pub async fn unchecked(conn: &mut AnyConnection, id: i64) -> Result<i64> {
    let row = sqlx::query(
        "SELECT COUNT(*) FROM signatures WHERE petition_id = $1 AND status = 'confirmed' AND struck_at IS NULL
           AND checked_at IS NULL",
    )
    .bind(id)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get(0)?)
}

/// Marks valid signatures of a closed petition as checked against the register, for a full
/// check: those of `ids` that are the petition's, confirmed, not struck and not marked already.
/// Struck ones need no mark (the strike is the check). Refused before the close and after the
/// certificate. Returns how many were marked.
pub async fn mark_checked(
    db: &Db,
    id: i64,
    ids: &[i64],
    by: &ByOfficer<'_>,
    now: i64,
) -> std::result::Result<u64, VerifyError> {
    let (mut tx, p, v) = begin(db, id).await?;
    v.stage(&p).apply(Change::Certify)?;
    let officer = by.actor.name();
    let mut marked = 0;
    for chunk in ids.chunks(ROWS_PER_STATEMENT) {
        let list = (0..chunk.len()).map(|i| format!("${}", i + 4)).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "UPDATE signatures SET checked_at = $1, checked_by = $2 WHERE petition_id = $3 AND status = 'confirmed'
               AND struck_at IS NULL AND checked_at IS NULL AND id IN ({list})"
        );
        let mut q = sqlx::query(&sql).bind(now).bind(&officer).bind(id);
        for s in chunk {
            q = q.bind(*s);
        }
        marked += q.execute(&mut *tx).await?.rows_affected();
    }
    if marked > 0 {
        let left = unchecked(&mut tx, id).await?;
        audited(
            &mut tx,
            by,
            id,
            "check",
            format!("{marked} signature(s) marked checked; {left} valid left to check"),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(marked)
}

/// What happens after a certificate, set by the council: the referendum's date (once set) where
/// the outcome was reached, or its written response where it was not.
pub async fn record_council_decision(
    db: &Db,
    id: i64,
    referendum_date: Option<&str>,
    response: Option<&str>,
    by: &ByOfficer<'_>,
    now: i64,
) -> std::result::Result<(), VerifyError> {
    let (mut tx, _, v) = begin(db, id).await?;
    let Some(c) = &v.certificate else { return Err(VerifyError::NotCertified) };
    if c.outcome == Outcome::NotReached && referendum_date.is_some() {
        return Err(VerifyError::NoReferendum);
    }
    sqlx::query("UPDATE petitions SET referendum_date = $1, council_response = $2 WHERE id = $3")
        .bind(referendum_date)
        .bind(response)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let detail = match (referendum_date, response) {
        (Some(d), _) => format!("referendum on {d}"),
        (None, Some(_)) => "council's response published".to_string(),
        (None, None) => "council's decision cleared".to_string(),
    };
    audited(&mut tx, by, id, "council-decision", detail, now).await?;
    tx.commit().await?;
    Ok(())
}

fn certified_mail(mailing: &Mailing, p: &Petition, c: &Certified, to: &str) -> Mail {
    let outcome = match c.outcome {
        Outcome::Reached => "reached its trigger: the council must hold a referendum",
        Outcome::NotReached => "did not reach its trigger",
    };
    let how = match c.method {
        Method::Full => format!("every signature was checked; {} are valid", c.valid),
        Method::Sample => format!(
            "a random sample was checked; it projects {} valid signatures ({} before the check)",
            c.projected, c.valid
        ),
    };
    Mail {
        recipient: to.to_string(),
        subject: format!("Petition {} certified: {}", p.id, c.outcome.code()),
        body: format!(
            "The petition \"{}\" (number {}, area {}) {outcome}.\n\nIt needed {} valid signatures; {how}.\n\
             Certified at {}.\n\nThe certificate, with its proof from the transparency log:\n\n{}\n",
            p.title,
            p.id,
            p.area_code,
            p.terms.trigger.required,
            moment_label(c.at),
            mailing.certificate(p.id),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_projection_allows_a_sample_certificate_only_clear_of_the_band() {
        // 1,000 required; a sample of 500 from 2,000.
        let p = Projection::of(2000, 500, 0, 1000);
        assert_eq!((p.projected, p.allows), (2000, Some(Outcome::Reached)));
        // 1,100 projected is exactly 110%.
        assert_eq!(Projection::of(2000, 500, 225, 1000).projected, 1100);
        assert_eq!(Projection::of(2000, 500, 225, 1000).allows, Some(Outcome::Reached));
        assert_eq!(Projection::of(2000, 500, 226, 1000).allows, None);
        // 950 is exactly 95%: still in the band; one fewer is clear below it.
        assert_eq!(Projection::of(1900, 500, 250, 1000).projected, 950);
        assert_eq!(Projection::of(1900, 500, 250, 1000).allows, None);
        assert_eq!(Projection::of(1898, 500, 250, 1000).allows, Some(Outcome::NotReached));
        assert_eq!(Projection::of(0, 0, 0, 1000).projected, 0);
    }
}
