//! Opening a petition: the moment that fixes its trigger and its window.

use chrono::{DateTime, Utc};
use petition_core::engine::Terms;
use petition_core::threshold::{published_number, Day, Trigger};
use petition_core::{window, AreaCode, Percent};
use sqlx::Row;

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
    let (electorate, register_date) = electorate_at(db, area.as_str(), day).await?.ok_or_else(|| {
        StoreError::CannotOpen(format!("there is no electorate figure for {area} on or before {day}"))
    })?;
    let published = published_number(&verification_numbers(db, area.as_str()).await?, area.as_str(), day);
    let trigger = Trigger::fix(electorate, policy.percent, published);
    let closes = window::closes(opens, policy.months);
    let terms = Terms::new(opens.timestamp(), closes.timestamp(), trigger)
        .map_err(|e| StoreError::CannotOpen(format!("cannot open a petition for {area}: {e}")))?;
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
    .bind(now())
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
        record(&mut tx, id, e, "", now()).await?;
    }
    queue(&mut tx, id, Queued::Petition, now()).await?;
    tx.commit().await?;
    Ok(id)
}
