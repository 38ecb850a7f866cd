//! Opening a petition: the moment that fixes its trigger and its window.

use chrono::{DateTime, Utc};
use petition_core::engine::Terms;
use petition_core::threshold::{published_number, Day, Trigger};
use petition_core::{window, AreaCode, Percent};
use sqlx::{AnyConnection, Row};

use crate::db::Db;
use crate::error::{Result, StoreError};
use crate::lifecycle::events::record;
use crate::places::{electorate_at, verification_numbers};
use crate::time::now;
use crate::transparency::queue::queue;
use crate::transparency::queued::Queued;

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

/// The texts a petition opens with. `question` is the referendum question of a petition that
/// began as a resident's proposal; petitions made before proposals have none.
#[derive(Clone, Copy, Debug)]
pub struct Texts<'a> {
    pub title: &'a str,
    pub question: Option<&'a str>,
    pub body: &'a str,
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
    let fixed = fix_terms(db, area, opens, policy).await?;
    let mut tx = db.pool.begin().await?;
    let id = insert_petition(&mut tx, Texts { title, question: None, body }, area, &fixed).await?;
    tx.commit().await?;
    Ok(id)
}

/// A petition's terms, and the date of the register its electorate figure comes from.
#[derive(Clone, Debug)]
pub struct Fixed {
    pub terms: Terms,
    pub register_date: String,
}

/// The terms a petition for `area` opening at `opens` would have: its window and its trigger,
/// from the electorate and any published verification number in force that day.
pub async fn fix_terms(db: &Db, area: &AreaCode, opens: DateTime<Utc>, policy: Policy) -> Result<Fixed> {
    let local = window::local_date(opens);
    let day = Day::parse(&local.format("%Y-%m-%d").to_string()).expect("a real date");
    let (electorate, register_date) = electorate_at(db, area.as_str(), day).await?.ok_or_else(|| {
        StoreError::CannotOpen(format!("there is no electorate figure for {area} on or before {day}"))
    })?;
    let published = published_number(&verification_numbers(db, area.as_str()).await?, area.as_str(), day);
    let trigger = Trigger::fix(electorate, policy.percent, published);
    let closes = window::closes(opens, policy.months);
    let terms = Terms::new(opens.timestamp(), closes.timestamp(), trigger)
        .map_err(|e| StoreError::CannotOpen(format!("cannot open a petition for {area}: {e}")))?;
    Ok(Fixed { terms, register_date })
}

/// Writes a petition with `terms` in the caller's transaction, with its opening events and its
/// `petition/v1` entry queued for the log.
pub async fn insert_petition(
    conn: &mut AnyConnection,
    texts: Texts<'_>,
    area: &AreaCode,
    fixed: &Fixed,
) -> Result<i64> {
    let (terms, register_date) = (&fixed.terms, &fixed.register_date);
    let opened = terms.open();
    let row = sqlx::query(
        "INSERT INTO petitions (title, body, question, area_code, created_at, opens_at, closes_at, base_closes_at,
           electorate, register_date, percent, required, published_number)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(texts.title)
    .bind(texts.body)
    .bind(texts.question)
    .bind(area.as_str())
    .bind(now())
    .bind(terms.opens)
    .bind(terms.base_closes)
    .bind(terms.trigger.electorate as i64)
    .bind(register_date)
    .bind(terms.trigger.percent.to_string())
    .bind(terms.trigger.required as i64)
    .bind(terms.trigger.published as i64)
    .fetch_one(&mut *conn)
    .await?;
    let id: i64 = row.try_get("id")?;
    for e in &opened.events {
        record(&mut *conn, id, e, "", now()).await?;
    }
    queue(&mut *conn, id, Queued::Petition, now()).await?;
    Ok(id)
}
