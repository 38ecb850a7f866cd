//! Reading what the public pages show, and opening petitions.

use chrono::{DateTime, Duration, Utc};
use petition_core::engine::Terms;
use petition_core::threshold::{published_number, Day, Trigger, VerificationNumber};
use petition_core::views::{
    AddressOption, AreaCount, AreaRef, PetitionPage, PetitionSummary, PostcodeSearch, Standing,
};
use petition_core::{window, AreaCode, Percent, Postcode};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::{Db, Result, StoreError};

fn time(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap_or_default()
}

/// "Friday 10 July 2026" for the local day on which an instant falls.
pub fn day_label(at: DateTime<Utc>) -> String {
    window::local_date(at).format("%A %-d %B %Y").to_string()
}

/// "10:15:07 on Friday 10 July 2026", London time, for an instant in Unix seconds.
pub fn moment_label(at: i64) -> String {
    use chrono_tz::Europe::London;
    time(at).with_timezone(&London).format("%H:%M:%S on %A %-d %B %Y").to_string()
}

pub async fn area(db: &Db, code: &str) -> Result<Option<(AreaRef, Option<String>)>> {
    let row = sqlx::query("SELECT code, name, kind, parent_code FROM areas WHERE code = $1")
        .bind(code)
        .fetch_optional(&db.pool)
        .await?;
    Ok(match row {
        None => None,
        Some(r) => Some((
            AreaRef { code: r.try_get("code")?, name: r.try_get("name")?, kind: r.try_get("kind")? },
            r.try_get("parent_code")?,
        )),
    })
}

/// The area and everything it lies in, smallest first.
pub async fn area_chain(db: &Db, code: &str) -> Result<Vec<AreaRef>> {
    let mut out = Vec::new();
    let mut next = Some(code.to_string());
    while let Some(c) = next {
        match area(db, &c).await? {
            Some((a, parent)) if out.len() < 8 => {
                out.push(a);
                next = parent;
            }
            _ => break,
        }
    }
    Ok(out)
}

/// The ward a postcode lies in, if it is known.
pub async fn ward_of_postcode(db: &Db, postcode: &Postcode) -> Result<Option<String>> {
    Ok(sqlx::query("SELECT ward_code FROM postcodes WHERE postcode = $1")
        .bind(postcode.as_str())
        .fetch_optional(&db.pool)
        .await?
        .map(|r| r.try_get("ward_code"))
        .transpose()?)
}

struct PetitionRow {
    id: i64,
    title: String,
    body: String,
    area_code: String,
    opens_at: i64,
    closes_at: i64,
    electorate: i64,
    register_date: String,
    percent: String,
    required: i64,
    published_number: bool,
    reached: bool,
    paused: bool,
    closed: bool,
}

const PETITION_COLS: &str = "id, title, body, area_code, opens_at, closes_at, electorate, register_date, percent, required, published_number, reached, paused_since, closed_at";

fn petition_row(r: &AnyRow) -> Result<PetitionRow> {
    Ok(PetitionRow {
        id: r.try_get("id")?,
        title: r.try_get("title")?,
        body: r.try_get("body")?,
        area_code: r.try_get("area_code")?,
        opens_at: r.try_get("opens_at")?,
        closes_at: r.try_get("closes_at")?,
        electorate: r.try_get("electorate")?,
        register_date: r.try_get("register_date")?,
        percent: r.try_get("percent")?,
        required: r.try_get("required")?,
        published_number: r.try_get::<i64, _>("published_number")? != 0,
        reached: r.try_get::<i64, _>("reached")? != 0,
        paused: r.try_get::<Option<i64>, _>("paused_since")?.is_some(),
        closed: r.try_get::<Option<i64>, _>("closed_at")?.is_some(),
    })
}

/// Valid signatures per ward as the latest signed tally note states them, so that every count
/// residents see is one observers can check (it follows the counters within a second or two).
async fn ward_counts(db: &Db, petition_id: i64) -> Result<Vec<(String, u64)>> {
    let Some(note) = crate::log::tally(db, petition_id, None).await? else { return Ok(Vec::new()) };
    let bad = |e: String| StoreError::Invalid(format!("the tally note of petition {petition_id}: {e}"));
    let note = petition_log::note::Note::parse(note.as_bytes()).map_err(|e| bad(e.to_string()))?;
    let tally = petition_log::tally::Tally::parse(&note.text).map_err(|e| bad(e.to_string()))?;
    Ok(tally.areas.into_iter().map(|(area, c)| (area, c.valid())).filter(|(_, n)| *n > 0).collect())
}

async fn summary_of(db: &Db, p: &PetitionRow, valid: u64, now: DateTime<Utc>) -> Result<PetitionSummary> {
    let (area, _) = area(db, &p.area_code)
        .await?
        .ok_or_else(|| StoreError::Invalid(format!("petition {} names an unknown area", p.id)))?;
    let closes = time(p.closes_at);
    let in_window = !p.closed && (p.paused || window::in_window(now, time(p.opens_at), closes));
    let open = in_window && !p.paused;
    Ok(PetitionSummary {
        id: p.id,
        title: p.title.clone(),
        area,
        required: p.required as u64,
        valid,
        open,
        standing: Standing::of(in_window, p.paused, p.reached),
        last_day: day_label(closes - Duration::seconds(1)),
        days_left: window::days_left(now, closes),
    })
}

async fn load_petition(db: &Db, id: i64) -> Result<Option<PetitionRow>> {
    let row = sqlx::query(&format!("SELECT {PETITION_COLS} FROM petitions WHERE id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(petition_row).transpose()
}

pub async fn petition_summary(db: &Db, id: i64, now: DateTime<Utc>) -> Result<Option<PetitionSummary>> {
    let Some(p) = load_petition(db, id).await? else { return Ok(None) };
    let valid = ward_counts(db, p.id).await?.iter().map(|c| c.1).sum();
    Ok(Some(summary_of(db, &p, valid, now).await?))
}

pub async fn petition_page(db: &Db, id: i64, now: DateTime<Utc>) -> Result<Option<PetitionPage>> {
    let Some(p) = load_petition(db, id).await? else { return Ok(None) };
    let counts = ward_counts(db, p.id).await?;
    let valid = counts.iter().map(|c| c.1).sum();
    let mut by_ward = Vec::new();
    for (code, n) in counts {
        if let Some((a, _)) = area(db, &code).await? {
            by_ward.push(AreaCount { area: a, valid: n });
        }
    }
    by_ward.sort_by(|a, b| b.valid.cmp(&a.valid).then_with(|| a.area.name.cmp(&b.area.name)));
    Ok(Some(PetitionPage {
        summary: summary_of(db, &p, valid, now).await?,
        body: p.body.clone(),
        electorate: p.electorate as u64,
        percent: p.percent.clone(),
        register_date: p.register_date.clone(),
        published_number: p.published_number,
        opened: day_label(time(p.opens_at)),
        by_ward,
    }))
}

/// The open petitions covering a postcode's ward, district and county; `None` for a postcode
/// that is not in the lookup.
pub async fn search_postcode(db: &Db, postcode: &Postcode, now: DateTime<Utc>) -> Result<Option<PostcodeSearch>> {
    let Some(ward) = ward_of_postcode(db, postcode).await? else { return Ok(None) };
    let areas = area_chain(db, &ward).await?;
    let mut petitions = Vec::new();
    for a in &areas {
        let rows = sqlx::query(&format!(
            "SELECT {PETITION_COLS} FROM petitions WHERE area_code = $1 AND closed_at IS NULL AND opens_at <= $2
               AND (closes_at > $2 OR paused_since IS NOT NULL) ORDER BY closes_at, id"
        ))
        .bind(&a.code)
        .bind(now.timestamp())
        .fetch_all(&db.pool)
        .await?;
        for r in &rows {
            let p = petition_row(r)?;
            let valid = ward_counts(db, p.id).await?.iter().map(|c| c.1).sum();
            petitions.push(summary_of(db, &p, valid, now).await?);
        }
    }
    Ok(Some(PostcodeSearch { postcode: postcode.to_string(), areas, petitions }))
}

/// The gazetteer's addresses at a postcode, in a natural order for a list.
pub async fn addresses_at(db: &Db, postcode: &Postcode) -> Result<Vec<AddressOption>> {
    let rows = sqlx::query("SELECT uprn, lines FROM addresses WHERE postcode = $1")
        .bind(postcode.as_str())
        .fetch_all(&db.pool)
        .await?;
    let mut out: Vec<AddressOption> = rows
        .iter()
        .map(|r| Ok(AddressOption { uprn: r.try_get("uprn")?, label: r.try_get("lines")? }))
        .collect::<Result<_>>()?;
    out.sort_by(|a, b| natural_key(&a.label).cmp(&natural_key(&b.label)));
    Ok(out)
}

/// Sorts "2 High Street" before "10 High Street".
fn natural_key(s: &str) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut num = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            num.push(c);
        } else {
            if !num.is_empty() {
                out.push((std::mem::take(&mut text), num.parse().unwrap_or(u64::MAX)));
                num.clear();
            }
            text.push(c.to_ascii_lowercase());
        }
    }
    out.push((text, num.parse().unwrap_or(0)));
    out
}

/// Whether `ward` is `area` or lies inside it.
pub async fn lies_in(db: &Db, ward: &str, area: &str) -> Result<bool> {
    Ok(area_chain(db, ward).await?.iter().any(|a| a.code == area))
}

/// The electorate figure in force for an area at a date: the latest register on or before it.
pub async fn electorate_at(db: &Db, area: &str, day: Day) -> Result<Option<(u64, String)>> {
    let row = sqlx::query(
        "SELECT electorate, register_date FROM electorates WHERE area_code = $1 AND register_date <= $2
         ORDER BY register_date DESC LIMIT 1",
    )
    .bind(area)
    .bind(day.to_string())
    .fetch_optional(&db.pool)
    .await?;
    Ok(match row {
        Some(r) => Some((r.try_get::<i64, _>("electorate")? as u64, r.try_get("register_date")?)),
        None => None,
    })
}

pub async fn verification_numbers(db: &Db, area: &str) -> Result<Vec<VerificationNumber>> {
    let rows = sqlx::query(
        "SELECT area_code, number, in_force_from, in_force_to FROM verification_numbers WHERE area_code = $1",
    )
    .bind(area)
    .fetch_all(&db.pool)
    .await?;
    let mut out = Vec::new();
    for r in rows {
        let from: String = r.try_get("in_force_from")?;
        let to: String = r.try_get("in_force_to")?;
        if let (Some(in_force_from), Some(in_force_to)) = (Day::parse(&from), Day::parse(&to)) {
            out.push(VerificationNumber {
                area: r.try_get("area_code")?,
                number: r.try_get::<i64, _>("number")? as u64,
                in_force_from,
                in_force_to,
            });
        }
    }
    Ok(out)
}

/// Policy settings for new petitions.
#[derive(Clone, Copy, Debug)]
pub struct Policy {
    pub percent: Percent,
    pub months: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Policy { percent: Percent::DEFAULT, months: 6 }
    }
}

/// Opens a petition at `opens`, fixing its trigger from the figures in force at that moment.
pub async fn open_petition(
    db: &Db,
    title: &str,
    body: &str,
    area: &AreaCode,
    opens: DateTime<Utc>,
    policy: Policy,
) -> Result<i64> {
    let local = window::local_date(opens);
    let day = Day::parse(&local.format("%Y-%m-%d").to_string()).expect("a real date");
    let (electorate, register_date) = electorate_at(db, area.as_str(), day)
        .await?
        .ok_or_else(|| StoreError::Invalid(format!("no electorate figure for {area} on or before {day}")))?;
    let published = published_number(&verification_numbers(db, area.as_str()).await?, area.as_str(), day);
    let trigger = Trigger::fix(electorate, policy.percent, published);
    let closes = window::closes(opens, policy.months);
    let terms = Terms::new(opens.timestamp(), closes.timestamp(), trigger)
        .map_err(|e| StoreError::Invalid(format!("cannot open a petition for {area}: {e}")))?;
    let opened = terms.open();
    let mut tx = db.pool.begin().await?;
    let row = sqlx::query(
        "INSERT INTO petitions (title, body, area_code, created_at, opens_at, closes_at, base_closes_at, electorate,
           register_date, percent, required, published_number)
         VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(title)
    .bind(body)
    .bind(area.as_str())
    .bind(crate::now())
    .bind(terms.opens)
    .bind(terms.base_closes)
    .bind(terms.trigger.electorate as i64)
    .bind(register_date)
    .bind(terms.trigger.percent.to_string())
    .bind(terms.trigger.required as i64)
    .bind(terms.trigger.published as i64)
    .fetch_one(&mut *tx)
    .await?;
    let id: i64 = row.try_get("id")?;
    for e in &opened.events {
        crate::trigger::record(&mut tx, id, e, "", crate::now()).await?;
    }
    crate::log::queue(&mut tx, id, crate::log::Queued::Petition, crate::now()).await?;
    tx.commit().await?;
    Ok(id)
}
