//! What the officer page shows: every petition's state, the figures fixed at opening, counts per
//! area (from the counters, ahead of the signed tallies) and the event history. Read-only; no
//! personal data.

use petition_core::signature::Status;
use petition_core::views::{AreaCount, OfficerEvent, OfficerPetition, Standing};
use sqlx::Row;
use std::collections::BTreeMap;

use crate::counts;
use crate::db::Db;
use crate::error::{Result, StoreError};
use crate::lifecycle::events::events;
use crate::petitions::{self, Petition};
use crate::places::{area, area_chain};
use crate::time::moment_label;

fn days(seconds: i64) -> String {
    let d = seconds as f64 / 86_400.0;
    if seconds == 0 {
        "none".into()
    } else {
        format!("{d:.1} days")
    }
}

async fn count_where(db: &Db, id: i64, condition: &str, status: Option<Status>) -> Result<u64> {
    let row = match status {
        Some(status) => {
            let sql =
                format!("SELECT COUNT(*) AS n FROM signatures WHERE petition_id = $1 AND {condition} AND status = $2");
            sqlx::query(&sql).bind(id).bind(status.name()).fetch_one(&db.pool).await?
        }
        None => {
            let sql = format!("SELECT COUNT(*) AS n FROM signatures WHERE petition_id = $1 AND {condition}");
            sqlx::query(&sql).bind(id).fetch_one(&db.pool).await?
        }
    };
    Ok(row.try_get::<i64, _>("n")? as u64)
}

/// Conflicts between two claimants to one elector that no officer has resolved.
async fn open_conflicts(db: &Db, id: i64) -> Result<u64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM sign_conflicts WHERE petition_id = $1 AND resolved_at IS NULL")
        .bind(id)
        .fetch_one(&db.pool)
        .await?;
    Ok(row.try_get::<i64, _>("n")? as u64)
}

async fn view(db: &Db, p: &Petition, now: i64, full: bool) -> Result<OfficerPetition> {
    let (petition_area, _) = area(&db.pool, &p.area_code)
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("petition {} names an unknown area", p.id)))?;
    let wards = counts::by_ward(db, p.id).await?;
    let valid: u64 = wards.values().sum();
    // Each ward's count also counts for every area between it and the petition's area.
    let mut by_code: BTreeMap<String, AreaCount> = BTreeMap::new();
    for (ward, n) in &wards {
        for a in area_chain(&db.pool, ward).await? {
            if a.code == p.area_code {
                break;
            }
            by_code.entry(a.code.clone()).or_insert(AreaCount { area: a, valid: 0 }).valid += n;
        }
    }
    let rank = |kind: &str| match kind {
        "county" => 0,
        "district" => 1,
        _ => 2,
    };
    let mut by_area: Vec<AreaCount> = by_code.into_values().collect();
    by_area.sort_by(|a, b| rank(&a.area.kind).cmp(&rank(&b.area.kind)).then_with(|| a.area.name.cmp(&b.area.name)));

    let s = &p.state;
    let deadline = p.terms.base_closes + s.paused_total;
    let t = &p.terms.trigger;
    let events = if full {
        events(db, p.id)
            .await?
            .into_iter()
            .map(|r| OfficerEvent {
                kind: r.event.kind.name().to_string(),
                label: r.event.kind.label().to_string(),
                at: moment_label(r.event.at),
                valid: r.event.valid,
                required: r.event.required,
                electorate: r.event.electorate,
                percent: r.event.percent.to_string(),
                deadline: r.event.deadline.map(moment_label).unwrap_or_else(|| "moves on while paused".into()),
                note: r.note,
                recorded: moment_label(r.recorded_at),
            })
            .collect()
    } else {
        Vec::new()
    };
    // The schedulers' latest check, not a recount per view: an officer page is cheap to reload.
    let check = if full { counts::last_check(db, p.id).await? } else { None };
    let checked = check.as_ref().map(|(at, _)| moment_label(*at));
    let mismatches = check.map(|(_, d)| d).unwrap_or_default();
    let paused_so_far = s.paused_total + s.paused_since.map_or(0, |since| (now - since).max(0));
    Ok(OfficerPetition {
        id: p.id,
        title: p.title.clone(),
        area: petition_area,
        standing: Standing::at(&p.terms, s, now),
        valid,
        required: t.required,
        electorate: t.electorate,
        register_date: p.register_date.clone(),
        percent: t.percent.to_string(),
        published_number: t.published,
        opened: moment_label(p.terms.opens),
        window_end: moment_label(p.terms.base_closes),
        deadline: match s.paused_since {
            Some(since) => format!(
                "{} if collection resumed now (it moves on while paused)",
                moment_label(deadline + (now - since).max(0))
            ),
            None => moment_label(deadline),
        },
        paused_days: days(paused_so_far),
        by_area,
        events,
        mismatches,
        checked,
        awaiting_review: count_where(db, p.id, "struck_at IS NULL", Some(Status::Review)).await?,
        struck: count_where(db, p.id, "struck_at IS NOT NULL", None).await?,
        possible_impersonations: open_conflicts(db, p.id).await?,
    })
}

/// Every petition, newest first, without their histories.
pub async fn petitions(db: &Db, now: i64) -> Result<Vec<OfficerPetition>> {
    let mut out = Vec::new();
    for p in petitions::load_all(db).await?.iter().rev() {
        out.push(view(db, p, now, false).await?);
    }
    Ok(out)
}

/// One petition with its event history and a recount checked against the counters.
pub async fn petition(db: &Db, id: i64, now: i64) -> Result<Option<OfficerPetition>> {
    let Some(p) = petitions::fetch(db, id).await? else { return Ok(None) };
    Ok(Some(view(db, &p, now, true).await?))
}
