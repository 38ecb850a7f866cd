//! The verification steps as form posts, from `/officer/petitions/:id/verify`: announcing the
//! seed's source, drawing the sample, certifying, and publishing the council's decision. Drawing
//! and certifying go into the log for good, so each is shown on a check page first and made only
//! with `confirm=yes`; every step is audited.

use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use petition_core::verification::{parse_method, parse_source, Seed, SeedPlan};
use petition_store::audit::{Actor, SignedIn};
use petition_store::lifecycle::{self, ByOfficer, VerifyError};
use petition_tlog::entry::Method;

use super::{answer, field, see_other, unavailable, Fields, S};
use app::officer::{Check, OfficerPosted};

/// The longest response of the council the petition's page shows.
const RESPONSE_MAX: usize = 5000;

/// What a certificate by `method` would state, for its check page.
fn certify_rows(v: &petition_core::views::VerificationView, method: Method) -> Vec<(String, String)> {
    let outcome = |reached: bool| if reached { "Reached" } else { "Not reached" }.to_string();
    let mut rows =
        vec![("Valid signatures now".to_string(), v.valid.to_string()), ("Required".into(), v.required.to_string())];
    match (method, &v.sample) {
        (Method::Sample, Some(s)) => {
            rows.push(("Projected valid signatures".into(), s.projected.to_string()));
            rows.push((
                "Outcome".into(),
                s.allows
                    .as_deref()
                    .map_or("None: a sample cannot certify this".to_string(), |o| outcome(o == "reached")),
            ));
        }
        _ => rows.push(("Outcome".into(), outcome(v.valid >= v.required))),
    }
    rows
}

/// How long drawing or certifying waits for the log to record the petition's last changes (a
/// strike made a moment before, say) before telling the officer to try again.
const LOG_WAIT: Duration = Duration::from_secs(5);

/// Runs `step`, and while it is refused only because the log has not yet recorded a change to
/// the petition, wakes the sequencer and tries again, for up to [`LOG_WAIT`]. The sequencer
/// otherwise appends once a second, and an officer who strikes a signature and then certifies
/// should not be told to come back.
async fn once_logged<T, F, Fut>(s: &S, mut step: F) -> Result<T, VerifyError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, VerifyError>>,
{
    let started = tokio::time::Instant::now();
    loop {
        match step().await {
            Err(VerifyError::LogBehind(_)) if started.elapsed() < LOG_WAIT => {
                s.wake_log.notify_one();
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            done => return done,
        }
    }
}

/// The steps this handles, by the last segment of their path.
pub const STEPS: [&str; 5] = ["seed-plan", "sample", "certify", "council", "check"];

/// The most signatures one "mark checked" post takes (a page shows 50).
const CHECK_MAX: usize = 200;

pub async fn post(s: &S, who: SignedIn, id: i64, step: &str, headers: &HeaderMap, f: &Fields) -> Response {
    let page = format!("/officer/petitions/{id}/verify");
    let values = |keys: &[&str]| keys.iter().map(|k| (k.to_string(), field(f, k, 5000))).collect::<Vec<_>>();
    let refuse = |field: &str, message: String, values: Vec<(String, String)>| {
        let mut p = OfficerPosted::problem(field, message);
        p.values = values;
        p
    };
    let actor = Actor::Officer(who.clone());
    let by = ByOfficer { actor: &actor, reason: "" };
    let now = petition_store::now();
    let (db, mailing) = (&s.state.db, &s.state.mailing);
    let done = match step {
        "seed-plan" => {
            let plan = match SeedPlan::parse(&field(f, "plan", 600)) {
                Ok(p) => p,
                Err(e) => {
                    let p = refuse("plan", format!("Where the seed will come from: {e}"), values(&["plan"]));
                    return answer(s, &page, headers, Some(who), p, StatusCode::UNPROCESSABLE_ENTITY).await;
                }
            };
            lifecycle::announce_seed(db, mailing, id, &plan, &by, now).await.map(|_| ())
        }
        "sample" => {
            let (seed, source) = (Seed::parse(&field(f, "seed", 200)), parse_source(&field(f, "source", 100)));
            let (seed, source) = match (seed, source) {
                (Ok(seed), Ok(source)) => (seed, source),
                (seed, source) => {
                    let mut p = OfficerPosted { values: values(&["seed", "source"]), ..Default::default() };
                    if let Err(e) = seed {
                        p.errors.push(("seed".into(), e.to_string()));
                    }
                    if let Err(e) = source {
                        p.errors.push(("source".into(), e.to_string()));
                    }
                    return answer(s, &page, headers, Some(who), p, StatusCode::UNPROCESSABLE_ENTITY).await;
                }
            };
            if field(f, "confirm", 3) != "yes" {
                let check = Check {
                    heading: format!("Draw the sample of petition {id}?"),
                    rows: vec![("Seed".into(), seed.hex()), ("Source".into(), source.as_str().to_string())],
                    effect:
                        "The seed and its source go into the transparency log for good, and the sample is drawn from \
                             the valid signatures exactly as the published format fixes, so that anyone can draw it \
                             again. A petition is sampled once."
                            .into(),
                    action: format!("/officer/petitions/{id}/sample"),
                    hidden: vec![("seed".into(), seed.hex()), ("source".into(), source.as_str().to_string())],
                    button: "Draw the sample".into(),
                    back: page,
                    change: false,
                };
                let posted = OfficerPosted { check: Some(check), ..Default::default() };
                return answer(s, "/officer/check", headers, Some(who), posted, StatusCode::OK).await;
            }
            once_logged(s, || lifecycle::draw_sample(db, mailing, id, seed, &source, &by, now)).await.map(|_| ())
        }
        "check" => {
            let ids: Vec<i64> =
                field(f, "ids", 4000).split(',').filter_map(|x| x.trim().parse().ok()).take(CHECK_MAX).collect();
            let back = field(f, "back", 300);
            let back =
                if back.starts_with(&format!("/officer/petitions/{id}/signatures")) { back } else { page.clone() };
            return match lifecycle::mark_checked(db, id, &ids, &by, now).await {
                Ok(_) => see_other(&format!("{back}&done=check")),
                Err(VerifyError::Store(e)) if !e.is_retryable() => unavailable("marking signatures checked", e),
                Err(e) => {
                    let p = refuse("check-form", e.to_string(), vec![]);
                    answer(s, &back, headers, Some(who), p, StatusCode::CONFLICT).await
                }
            };
        }
        "certify" => {
            let Some(method) = parse_method(&field(f, "method", 10)) else {
                let p = refuse(
                    "certify",
                    "Choose how the signatures were checked: by a sample, or all of them".into(),
                    vec![],
                );
                return answer(s, &page, headers, Some(who), p, StatusCode::UNPROCESSABLE_ENTITY).await;
            };
            if field(f, "confirm", 3) != "yes" {
                let how = match method {
                    Method::Full => "after a full check of every signature",
                    Method::Sample => "by the sample's projection",
                };
                let rows = match petition_store::read::verification::page(db, id, now).await {
                    Ok(Some(v)) => certify_rows(&v, method),
                    Ok(None) => return see_other("/officer"),
                    Err(e) => return unavailable("checking a certificate", e),
                };
                let check = Check {
                    heading: format!("Certify the result of petition {id} {how}?"),
                    rows,
                    effect:
                        "The result goes into the transparency log for good, and no signature of this petition can \
                             be struck or reinstated after it. The officers on the notice list are emailed."
                            .into(),
                    action: format!("/officer/petitions/{id}/certify"),
                    hidden: vec![("method".into(), method.code().into())],
                    button: "Certify the result".into(),
                    back: page,
                    change: false,
                };
                let posted = OfficerPosted { check: Some(check), ..Default::default() };
                return answer(s, "/officer/check", headers, Some(who), posted, StatusCode::OK).await;
            }
            once_logged(s, || lifecycle::certify(db, mailing, id, method, &by, now)).await.map(|_| ())
        }
        _ => {
            let date = field(f, "referendum_date", 20).trim().to_string();
            let response = match field(f, "council_response", 6000).trim() {
                "" => None,
                text => match petition_core::text::clean(text, RESPONSE_MAX, true) {
                    Ok(text) => Some(text),
                    Err(e) => {
                        let p = refuse(
                            "council_response",
                            format!("The council's written response: {e}"),
                            values(&["council_response"]),
                        );
                        return answer(s, &page, headers, Some(who), p, StatusCode::UNPROCESSABLE_ENTITY).await;
                    }
                },
            };
            let date = match date.as_str() {
                "" => None,
                d => match chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d") {
                    Ok(day) => Some(day.format("%-d %B %Y").to_string()),
                    Err(_) => {
                        let p = refuse(
                            "referendum_date",
                            "Enter the date as year-month-day, for example 2027-09-16".into(),
                            values(&["referendum_date"]),
                        );
                        return answer(s, &page, headers, Some(who), p, StatusCode::UNPROCESSABLE_ENTITY).await;
                    }
                },
            };
            lifecycle::record_council_decision(db, id, date.as_deref(), response.as_deref(), &by, now).await
        }
    };
    match done {
        Ok(()) => {
            s.wake_mailer.notify_one();
            see_other(&format!("{page}?done={step}"))
        }
        Err(VerifyError::NoSuchPetition(_)) => see_other("/officer"),
        Err(VerifyError::Store(e)) if !e.is_retryable() => unavailable("a verification step", e),
        Err(e) => {
            let field = match step {
                "seed-plan" => "plan",
                "sample" => "seed",
                "council" => "council_response",
                _ => "certify",
            };
            let p = refuse(
                field,
                e.to_string(),
                values(&["plan", "seed", "source", "referendum_date", "council_response"]),
            );
            answer(s, &page, headers, Some(who), p, StatusCode::CONFLICT).await
        }
    }
}
