//! A petition's verification as the pages show it: the officers' worklist page, and the
//! certificate on the public pages. No personal data: signatures appear by reference and ward.

use petition_core::signature::Status;
use petition_core::views::{CertificateView, SampleMemberView, SampleView, Standing, VerificationView};
use sqlx::Row;

use crate::counts;
use crate::db::Db;
use crate::error::Result;
use crate::lifecycle::verify::{projection, sample_members, verification, Certified};
use crate::petitions;
use crate::time::moment_label;

/// A certificate for people.
pub fn certificate_view(c: &Certified, required: u64) -> CertificateView {
    CertificateView {
        at: moment_label(c.at),
        outcome: c.outcome.code().to_string(),
        method: c.method.code().to_string(),
        valid: c.valid,
        projected: c.projected,
        required,
    }
}

/// The officers' verification page of a petition; `None` if there is no such petition.
pub async fn page(db: &Db, id: i64, now: i64) -> Result<Option<VerificationView>> {
    let Some(p) = petitions::fetch(db, id).await? else { return Ok(None) };
    let Some(v) = verification(db, id).await? else { return Ok(None) };
    let mut conn = db.pool.acquire().await?;
    let valid = counts::valid_count(&mut conn, id).await?;
    let reviews: i64 = sqlx::query("SELECT COUNT(*) FROM signatures WHERE petition_id = $1 AND status = $2")
        .bind(id)
        .bind(Status::Review.name())
        .fetch_one(&mut *conn)
        .await?
        .try_get(0)?;
    let unchecked = crate::lifecycle::verify::unchecked(&mut conn, id).await?;
    drop(conn);
    let required = p.terms.trigger.required;
    let sample = match (&v.sample, projection(db, &p, &v).await?) {
        (Some(d), Some(pr)) => Some(SampleView {
            seed: d.seed.clone(),
            source: d.source.clone(),
            drawn: moment_label(d.at),
            pool: d.pool,
            size: d.size,
            struck: pr.struck,
            projected: pr.projected,
            allows: pr.allows.map(|o| o.code().to_string()),
        }),
        _ => None,
    };
    let members = if v.sample.is_some() {
        sample_members(db, id)
            .await?
            .into_iter()
            .map(|m| SampleMemberView {
                signature_id: m.signature_id,
                log_index: m.log_index,
                ward: m.ward,
                struck: m.struck,
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(Some(VerificationView {
        id,
        title: p.title.clone(),
        standing: Standing::at(&p.terms, &p.state, now),
        valid,
        required,
        awaiting_review: reviews as u64,
        unchecked: unchecked as u64,
        plan: v.plan.as_ref().map(|x| x.plan.clone()),
        plan_at: v.plan.as_ref().map(|x| moment_label(x.at)),
        sample,
        members,
        certificate: v.certificate.as_ref().map(|c| certificate_view(c, required)),
        referendum_date: v.referendum_date,
        council_response: v.council_response,
    }))
}
