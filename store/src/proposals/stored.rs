//! Proposals as stored: the policy they follow, why a change to one is refused, reading one back
//! with where it stands, and the moves every path shares (to the office, with the petitioner
//! told and stale sponsors asked again).

use petition_core::names;
use petition_core::proposal::bank_holidays;
use petition_core::proposal::views::{ProposalStage, ProposalView};
use petition_core::proposal::working_days::{add_working_days, Day};
use petition_core::proposal::{Ground, Stage, StageError};
use petition_core::settings::Settings;
use petition_core::window;
use petition_core::{AreaCode, Postcode};
use sqlx::{AnyConnection, Row};

use crate::db::Db;
use crate::error::StoreError;
use crate::lifecycle::open::{fix_terms, Policy};
use crate::mail::links::Mailing;
use crate::mail::outbox::enqueue;
use crate::proposals::mails::{sponsor_news_mail, texts_changed_mail, with_office_mail, SponsorNews};
use crate::secrets::{new_token, Secrets};
use crate::signatures::sign::SignError;
use crate::time::{day_label, instant};

/// The council's settings for proposals (from [`Settings`], as admins keep them).
#[derive(Clone, Debug)]
pub struct ProposalPolicy {
    /// Sponsors a proposal needs before it goes to the office.
    pub sponsors: u32,
    /// Working days the office aims to decide within, once a proposal has its sponsors.
    pub target_working_days: u32,
    /// How far back a refusal on the ground of repetition may look.
    pub repeat_years: u32,
    /// The terms the petition opens with.
    pub petition: Policy,
    /// Days a proposal may spend finding its sponsors, or sent back for changes, before it lapses.
    pub lapse_days: u32,
    /// Days off beyond England and Wales's bank holidays by rule (a jubilee, a moved May
    /// holiday's new date), and days the rules give that are not (a moved holiday's usual date).
    pub extra_holidays: Vec<Day>,
    pub cancelled_holidays: Vec<Day>,
}

impl From<&Settings> for ProposalPolicy {
    fn from(s: &Settings) -> Self {
        ProposalPolicy {
            sponsors: s.sponsors_needed,
            target_working_days: s.moderation_working_days,
            repeat_years: s.repeat_refusal_years,
            lapse_days: s.proposal_lapse_days,
            petition: Policy::default(),
            extra_holidays: s.extra_bank_holidays.clone(),
            cancelled_holidays: s.cancelled_bank_holidays.clone(),
        }
    }
}

impl Default for ProposalPolicy {
    fn default() -> Self {
        ProposalPolicy::from(&Settings::default())
    }
}

/// Why a proposal, a sponsor or a decision was refused, in words for whoever asked. Nothing
/// changed.
#[derive(Debug, thiserror::Error)]
pub enum ProposalError {
    #[error("This link does not work. Check that you copied all of it from the email")]
    UnknownLink,
    #[error("There is no such proposal")]
    NoSuchProposal,
    /// The address could not be used (not at the postcode, outside the area...).
    #[error("{0}")]
    Address(SignError),
    #[error("Choose the area the petition is for: one that your address is in")]
    AreaNotForAddress,
    #[error("This petition is not asking for sponsors now")]
    NotSponsoring,
    #[error(
        "The petition has changed since you read it (the petitioner changed its texts, or another officer decided \
         on it): read it again before deciding"
    )]
    Changed,
    #[error("You started this petition, so you cannot also sponsor it: ask other electors in the area")]
    OwnProposal,
    #[error("This cannot be done now: {0}")]
    Stage(#[from] StageError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for ProposalError {
    fn from(e: sqlx::Error) -> Self {
        ProposalError::Store(StoreError::Db(e))
    }
}

impl From<SignError> for ProposalError {
    fn from(e: SignError) -> Self {
        match e {
            SignError::Store(e) => ProposalError::Store(e),
            e => ProposalError::Address(e),
        }
    }
}

pub(crate) fn stage_code(s: Stage) -> &'static str {
    match s {
        Stage::Unconfirmed => "unconfirmed",
        Stage::Sponsoring { .. } => "sponsoring",
        Stage::Moderation => "moderation",
        Stage::Returned => "returned",
        Stage::Refused(_) => "refused",
        // An ended proposal keeps the stage it ended at (`set_stage` writes `ended_why` instead):
        // a value the table's CHECK refuses, should anything ever try to write one.
        Stage::Withdrawn | Stage::Lapsed => "ended",
        _ => "opened",
    }
}

/// A stored proposal, with the facts its rules need.
#[derive(Clone, Debug)]
pub(crate) struct Stored {
    pub id: i64,
    pub stage: Stage,
    pub title: String,
    pub question: String,
    pub background: String,
    pub area_code: String,
    pub area_name: String,
    pub name: String,
    pub email: String,
    pub postcode: String,
    pub address_text: String,
    pub matched: bool,
    pub place_key: String,
    pub sponsors_needed: u32,
    pub sponsors_counted: u32,
    pub sponsor_code: String,
    pub moderation_since: Option<i64>,
    pub return_note: Option<String>,
    pub refused_explanation: Option<String>,
    pub petition_id: Option<i64>,
    /// When the petitioner confirmed their email, and when the office last decided.
    pub confirmed_at: Option<i64>,
    pub decided_at: Option<i64>,
    pub ended_at: Option<i64>,
}

const COLS: &str = "p.id, p.stage, p.title, p.question, p.background, p.area_code, a.name AS area_name, p.name, \
    p.email, p.postcode, p.uprn, p.address_text, p.matched, p.place_key, p.sponsors_needed, p.sponsor_code, \
    p.moderation_since, p.return_note, p.refused_ground, p.refused_explanation, p.petition_id, p.confirmed_at, \
    p.decided_at, p.ended_at, p.ended_why";

/// Reads a proposal by a condition on `p` (its id, its link's hash, its sponsor code).
pub(crate) async fn find(
    conn: &mut AnyConnection,
    condition: &str,
    value: &str,
) -> Result<Option<Stored>, ProposalError> {
    let sql = format!("SELECT {COLS} FROM proposals p JOIN areas a ON a.code = p.area_code WHERE {condition} = $1");
    let row = if condition == "p.id" {
        let id: i64 = value.parse().map_err(|_| ProposalError::NoSuchProposal)?;
        sqlx::query(&sql).bind(id).fetch_optional(&mut *conn).await?
    } else {
        sqlx::query(&sql).bind(value).fetch_optional(&mut *conn).await?
    };
    let Some(r) = row else { return Ok(None) };
    let id: i64 = r.try_get("id")?;
    let counted: i64 = sqlx::query(
        "SELECT COUNT(*) FROM proposal_sponsors WHERE proposal_id = $1 AND confirmed_at IS NOT NULL AND matched = 1",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await?
    .try_get(0)?;
    let code: String = r.try_get("stage")?;
    let ground: Option<String> = r.try_get("refused_ground")?;
    let stage = match code.as_str() {
        "unconfirmed" => Stage::Unconfirmed,
        "sponsoring" => Stage::Sponsoring { confirmed: counted as u32 },
        "moderation" => Stage::Moderation,
        "returned" => Stage::Returned,
        "refused" => Stage::Refused(
            ground
                .as_deref()
                .and_then(Ground::parse)
                .ok_or_else(|| StoreError::Corrupt(format!("proposal {id} was refused on the ground {ground:?}")))?,
        ),
        "opened" => Stage::Open,
        other => return Err(StoreError::Corrupt(format!("proposal {id} is at the stage {other:?}")).into()),
    };
    let stage = match r.try_get::<Option<String>, _>("ended_why")?.as_deref() {
        None => stage,
        Some("withdrawn") => Stage::Withdrawn,
        Some("lapsed") => Stage::Lapsed,
        Some(other) => return Err(StoreError::Corrupt(format!("proposal {id} ended as {other:?}")).into()),
    };
    Ok(Some(Stored {
        id,
        stage,
        title: r.try_get("title")?,
        question: r.try_get("question")?,
        background: r.try_get("background")?,
        area_code: r.try_get("area_code")?,
        area_name: r.try_get("area_name")?,
        name: r.try_get("name")?,
        email: r.try_get("email")?,
        postcode: r.try_get("postcode")?,
        address_text: r.try_get("address_text")?,
        matched: r.try_get::<i64, _>("matched")? != 0,
        place_key: r.try_get("place_key")?,
        sponsors_needed: r.try_get::<i64, _>("sponsors_needed")? as u32,
        sponsors_counted: counted as u32,
        sponsor_code: r.try_get("sponsor_code")?,
        moderation_since: r.try_get("moderation_since")?,
        return_note: r.try_get("return_note")?,
        refused_explanation: r.try_get("refused_explanation")?,
        petition_id: r.try_get("petition_id")?,
        confirmed_at: r.try_get("confirmed_at")?,
        decided_at: r.try_get("decided_at")?,
        ended_at: r.try_get("ended_at")?,
    }))
}

/// Holds a proposal for the rest of the transaction: a write first, which locks the row on
/// PostgreSQL and takes the writer's lock on SQLite, so that two changes cannot both read the
/// same stage.
pub(crate) async fn hold(conn: &mut AnyConnection, id: i64) -> Result<(), ProposalError> {
    sqlx::query("UPDATE proposals SET id = id WHERE id = $1").bind(id).execute(conn).await?;
    Ok(())
}

/// What a petition in the proposal's area would need if it opened today (0 if it could not).
pub(crate) async fn required_now(db: &Db, area_code: &str, policy: &ProposalPolicy) -> u64 {
    let Ok(code) = AreaCode::parse(area_code) else { return 0 };
    fix_terms(db, &code, crate::time::now_utc(), policy.petition).await.map_or(0, |f| f.terms.trigger.required)
}

/// Moves a held proposal to `to`, with when it reached the office if it has.
pub(crate) async fn set_stage(tx: &mut sqlx::AnyConnection, id: i64, to: Stage, now: i64) -> Result<(), ProposalError> {
    let ended = match to {
        Stage::Withdrawn => Some("withdrawn"),
        Stage::Lapsed => Some("lapsed"),
        _ => None,
    };
    if let Some(why) = ended {
        sqlx::query("UPDATE proposals SET ended_why = $1, ended_at = $2 WHERE id = $3")
            .bind(why)
            .bind(now)
            .bind(id)
            .execute(tx)
            .await?;
        return Ok(());
    }
    let since = if to == Stage::Moderation { Some(now) } else { None };
    sqlx::query("UPDATE proposals SET stage = $1, moderation_since = COALESCE($2, moderation_since) WHERE id = $3")
        .bind(stage_code(to))
        .bind(since)
        .bind(id)
        .execute(tx)
        .await?;
    Ok(())
}

/// Tells the petitioner and the sponsors that the proposal is with the office. Sponsors who
/// backed other texts are asked to back these instead (which tells them the same).
pub(crate) async fn tell_with_office(
    tx: &mut sqlx::AnyConnection,
    links: &Mailing,
    policy: &ProposalPolicy,
    p: &Stored,
    now: i64,
) -> Result<(), ProposalError> {
    let target = day_of(target_day(now, policy));
    enqueue(&mut *tx, &with_office_mail(links, &p.title, &p.email, &target), now).await?;
    tell_sponsors(tx, links, p, SponsorNews::WithOffice { target: &target }, true, now).await?;
    reask_stale_sponsors(tx, links, p, now).await
}

/// Emails each confirmed sponsor `news`; with `backing_these`, only those who backed the
/// proposal's texts as they are now.
pub(crate) async fn tell_sponsors(
    tx: &mut sqlx::AnyConnection,
    links: &Mailing,
    p: &Stored,
    news: SponsorNews<'_>,
    backing_these: bool,
    now: i64,
) -> Result<(), ProposalError> {
    let rows = sqlx::query(
        "SELECT email, texts_sha256 FROM proposal_sponsors WHERE proposal_id = $1 AND confirmed_at IS NOT NULL ORDER BY id",
    )
    .bind(p.id)
    .fetch_all(&mut *tx)
    .await?;
    let current = p.texts_sha256();
    for r in rows {
        let backed: Option<String> = r.try_get(1)?;
        if backing_these && backed.as_deref() != Some(current.as_str()) {
            continue;
        }
        let to: String = r.try_get(0)?;
        enqueue(&mut *tx, &sponsor_news_mail(links, &p.title, &to, news), now).await?;
    }
    Ok(())
}

/// Asks each confirmed sponsor who backed other texts than the proposal's now (the petitioner
/// changed them) to read it again and confirm, with a new link: only sponsors of the texts that
/// open become its first signatures.
pub(crate) async fn reask_stale_sponsors(
    tx: &mut sqlx::AnyConnection,
    links: &Mailing,
    p: &Stored,
    now: i64,
) -> Result<(), ProposalError> {
    let stale = sqlx::query(
        "SELECT id, email FROM proposal_sponsors WHERE proposal_id = $1 AND confirmed_at IS NOT NULL
           AND (texts_sha256 IS NULL OR texts_sha256 <> $2) ORDER BY id",
    )
    .bind(p.id)
    .bind(p.texts_sha256())
    .fetch_all(&mut *tx)
    .await?;
    for r in stale {
        let (token, hash) = new_token();
        sqlx::query("UPDATE proposal_sponsors SET confirm_token_hash = $1 WHERE id = $2")
            .bind(&hash)
            .bind(r.try_get::<i64, _>(0)?)
            .execute(&mut *tx)
            .await?;
        let to: String = r.try_get(1)?;
        enqueue(&mut *tx, &texts_changed_mail(links, &p.title, &to, &token), now).await?;
    }
    Ok(())
}

/// The day (since 1970-01-01, in local time) of a moment.
fn local_day(at: i64) -> Day {
    (window::local_date(instant(at)) - chrono::NaiveDate::default()).num_days()
}

/// The date the office aims to decide by: so many working days after the proposal reached it,
/// skipping weekends and bank holidays.
pub(crate) fn target_day(since: i64, policy: &ProposalPolicy) -> Day {
    use chrono::Datelike;
    let year = i64::from(window::local_date(instant(since)).year());
    // A year has about 250 working days: holidays for enough years to hold any target.
    let years = i64::from(policy.target_working_days / 200) + 2;
    let mut holidays: Vec<Day> = (year..year + years)
        .flat_map(bank_holidays::england_and_wales)
        .filter(|d| !policy.cancelled_holidays.contains(d))
        .collect();
    holidays.extend_from_slice(&policy.extra_holidays);
    holidays.sort_unstable();
    add_working_days(local_day(since), policy.target_working_days, &holidays)
}

pub(crate) fn overdue(since: i64, policy: &ProposalPolicy, now: i64) -> bool {
    local_day(now) > target_day(since, policy)
}

pub(crate) fn day_of(day: Day) -> String {
    (chrono::NaiveDate::default() + chrono::Duration::days(day)).format("%A %-d %B %Y").to_string()
}

impl Stored {
    /// How the audit trail names the proposal (its officer page finds its history so).
    pub(crate) fn audit_subject(&self) -> String {
        format!("proposal {}: {}", self.id, self.title)
    }

    /// The hash of the texts as they stand: what a sponsor backed, what an officer read.
    pub(crate) fn texts_sha256(&self) -> String {
        texts_sha256(&self.title, &self.question, &self.background)
    }

    pub(crate) fn view(&self, required: u64, policy: &ProposalPolicy) -> ProposalView {
        let stage = match self.stage {
            Stage::Unconfirmed => ProposalStage::Unconfirmed,
            Stage::Sponsoring { .. } => ProposalStage::Sponsoring,
            Stage::Moderation => ProposalStage::Moderation,
            Stage::Returned => ProposalStage::Returned,
            Stage::Refused(_) => ProposalStage::Refused,
            Stage::Withdrawn => ProposalStage::Withdrawn,
            Stage::Lapsed => ProposalStage::Lapsed,
            _ => ProposalStage::Opened,
        };
        ProposalView {
            id: self.id,
            stage,
            title: self.title.clone(),
            question: self.question.clone(),
            background: self.background.clone(),
            area: petition_core::views::AreaRef {
                code: self.area_code.clone(),
                name: self.area_name.clone(),
                kind: String::new(),
            },
            required,
            sponsors_needed: self.sponsors_needed,
            sponsors_counted: self.sponsors_counted,
            sponsor_code: self.sponsor_code.clone(),
            return_note: self.return_note.clone(),
            refused: match self.stage {
                Stage::Refused(g) => {
                    Some((g.describe(policy.repeat_years), self.refused_explanation.clone().unwrap_or_default()))
                }
                _ => None,
            },
            petition_id: self.petition_id,
            texts: self.texts_sha256(),
            moderation: match (self.stage, self.moderation_since) {
                (Stage::Moderation, Some(since)) => {
                    Some((day_label(instant(since)), day_of(target_day(since, policy))))
                }
                _ => None,
            },
            lapses: self.lapses_at(policy).map(|at| day_label(instant(at))),
            ended: self.ended_at.map(|at| day_label(instant(at))),
        }
    }

    /// When the proposal lapses if nothing moves it on: the time allowed after the petitioner
    /// confirmed (to find sponsors) or after the office sent it back (to come back).
    pub(crate) fn lapses_at(&self, policy: &ProposalPolicy) -> Option<i64> {
        let allowed = i64::from(policy.lapse_days) * 86_400;
        match self.stage {
            Stage::Sponsoring { .. } => self.confirmed_at.map(|t| t + allowed),
            Stage::Returned => self.decided_at.map(|t| t + allowed),
            _ => None,
        }
    }
}

/// The hex SHA-256 of a proposal's title, question and background, each on its own line.
pub(crate) fn texts_sha256(title: &str, question: &str, background: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for part in [title, question, background] {
        h.update(part.as_bytes());
        h.update(b"\n");
    }
    crate::secrets::hex(&h.finalize())
}

/// A person's place, for telling sponsors apart and from the petitioner: a keyed hash of the
/// property (or the address as written at the postcode) and the name, as a signature's is.
pub(crate) fn person_key(
    secrets: &Secrets,
    postcode: &Postcode,
    uprn: Option<&str>,
    address: &str,
    name_key: &str,
) -> String {
    match uprn {
        Some(u) => secrets.keyed_hash(&["proposal-person", "property", u, name_key]),
        None => secrets.keyed_hash(&[
            "proposal-person",
            "unlisted",
            postcode.as_str(),
            &names::address_key([address]),
            name_key,
        ]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use petition_core::proposal::bank_holidays::day_of;

    fn noon(y: i64, m: u32, d: u32) -> i64 {
        day_of(y, m, d) * 86_400 + 12 * 3600
    }

    #[test]
    fn the_target_skips_christmas_and_new_year() {
        let policy = ProposalPolicy::default();
        // Friday 18 December 2026: ten working days, with 25 and 28 December and 1 January off.
        assert_eq!(target_day(noon(2026, 12, 18), &policy), day_of(2027, 1, 6));
        // A day the office adds (a jubilee, say) moves it one more.
        let extra = ProposalPolicy { extra_holidays: vec![day_of(2027, 1, 4)], ..policy.clone() };
        assert_eq!(target_day(noon(2026, 12, 18), &extra), day_of(2027, 1, 7));
        // A holiday moved away is a working day again: 28 December 2026 back, one day sooner.
        let moved = ProposalPolicy { cancelled_holidays: vec![day_of(2026, 12, 28)], ..policy.clone() };
        assert_eq!(target_day(noon(2026, 12, 18), &moved), day_of(2027, 1, 5));
        // No holidays in the way: two calendar weeks.
        assert_eq!(target_day(noon(2026, 11, 30), &policy), day_of(2026, 12, 14));
    }
}
