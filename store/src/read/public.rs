//! What the public pages show: petitions, their counts and where they stand, and the petitions
//! a postcode can sign. Every count is the one the latest signed tally note states.

use chrono::{DateTime, Duration, Utc};
use petition_core::postcode::Terminated;
use petition_core::views::{AreaCount, PetitionPage, PetitionSummary, PostcodeSearch, Standing};
use petition_core::{window, Postcode};

use crate::db::Db;
use crate::error::{Result, StoreError};
use crate::petitions::{self, Petition};
use crate::places::{area, area_chain, postcode_status, PostcodeStatus};
use crate::time::{day_label, instant};
use crate::transparency::publish::latest_tally;

/// Valid signatures per ward as the latest signed tally note states them, so that every count
/// residents see is one observers can check (it follows the counters within a second or two).
async fn ward_counts(db: &Db, petition_id: i64) -> Result<Vec<(String, u64)>> {
    let Some(tally) = latest_tally(db, petition_id).await? else { return Ok(Vec::new()) };
    Ok(tally.areas.into_iter().map(|(area, c)| (area, c.valid())).filter(|(_, n)| *n > 0).collect())
}

async fn summary_of(db: &Db, p: &Petition, valid: u64, now: DateTime<Utc>) -> Result<PetitionSummary> {
    let (area, _) = area(&db.pool, &p.area_code)
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("petition {} names an unknown area", p.id)))?;
    let (terms, state, at) = (&p.terms, &p.state, now.timestamp());
    // While paused the deadline moves on; until it resumes, show the one it would have now.
    let closes = instant(terms.deadline(state).unwrap_or(terms.base_closes + state.paused_total));
    Ok(PetitionSummary {
        id: p.id,
        title: p.title.clone(),
        area,
        required: terms.trigger.required,
        valid,
        open: terms.accepts(state, at),
        standing: Standing::at(terms, state, at),
        last_day: day_label(closes - Duration::seconds(1)),
        days_left: window::days_left(now, closes),
    })
}

pub async fn petition_summary(db: &Db, id: i64, now: DateTime<Utc>) -> Result<Option<PetitionSummary>> {
    let Some(p) = petitions::fetch(db, id).await? else { return Ok(None) };
    let valid = ward_counts(db, p.id).await?.iter().map(|c| c.1).sum();
    Ok(Some(summary_of(db, &p, valid, now).await?))
}

pub async fn petition_page(db: &Db, id: i64, now: DateTime<Utc>) -> Result<Option<PetitionPage>> {
    let Some(p) = petitions::fetch(db, id).await? else { return Ok(None) };
    let counts = ward_counts(db, p.id).await?;
    let valid = counts.iter().map(|c| c.1).sum();
    let mut by_ward = Vec::new();
    for (code, n) in counts {
        if let Some((a, _)) = area(&db.pool, &code).await? {
            by_ward.push(AreaCount { area: a, valid: n });
        }
    }
    by_ward.sort_by(|a, b| b.valid.cmp(&a.valid).then_with(|| a.area.name.cmp(&b.area.name)));
    let t = &p.terms.trigger;
    let v = crate::lifecycle::verify::verification(db, id).await?.unwrap_or_default();
    Ok(Some(PetitionPage {
        summary: summary_of(db, &p, valid, now).await?,
        question: p.question.clone(),
        body: p.body.clone(),
        electorate: t.electorate,
        percent: t.percent.to_string(),
        register_date: p.register_date.clone(),
        published_number: t.published,
        opened: day_label(instant(p.terms.opens)),
        by_ward,
        seed_plan_at: v.plan.as_ref().map(|x| crate::time::moment_label(x.at)),
        earlier_seed_plans: v.earlier_plans.iter().map(|x| (crate::time::moment_label(x.at), x.plan.clone())).collect(),
        seed_plan: v.plan.map(|x| x.plan),
        sample: v.sample.map(|d| (d.seed, d.source)),
        certificate: v.certificate.as_ref().map(|c| crate::read::verification::certificate_view(c, t.required)),
        referendum_date: v.referendum_date,
        council_response: v.council_response,
    }))
}

/// What a postcode search finds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PostcodeFinds {
    Petitions(PostcodeSearch),
    /// A postcode no longer in use: it finds nothing, and the resident is told why.
    Terminated(Terminated),
    /// A postcode the lookup does not have.
    Unknown,
}

/// The petitions collecting signatures in a postcode's ward, district and county.
pub async fn search_postcode(db: &Db, postcode: &Postcode, now: DateTime<Utc>) -> Result<PostcodeFinds> {
    let ward = match postcode_status(&db.pool, postcode).await? {
        PostcodeStatus::Live { ward } => ward,
        PostcodeStatus::Terminated(t) => return Ok(PostcodeFinds::Terminated(t)),
        PostcodeStatus::Unknown => return Ok(PostcodeFinds::Unknown),
    };
    let areas = area_chain(&db.pool, &ward).await?;
    let mut found = Vec::new();
    for a in &areas {
        for p in petitions::collecting_in(db, &a.code, now.timestamp()).await? {
            let valid = ward_counts(db, p.id).await?.iter().map(|c| c.1).sum();
            found.push(summary_of(db, &p, valid, now).await?);
        }
    }
    Ok(PostcodeFinds::Petitions(PostcodeSearch { postcode: postcode.to_string(), areas, petitions: found }))
}
