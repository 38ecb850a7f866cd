//! Officers' changes to petitions and signatures, as form posts. Each is checked first and shown
//! back with what it will do ("this takes the petition below its trigger"); only the posted
//! confirmation (`confirm=yes`) makes it, audited with the officer and their reason.

use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Extension;
use petition_core::engine::StrikeReason;
use petition_store::audit::{Actor, SignedIn};
use petition_store::lifecycle::{self, ByOfficer};
use petition_store::signatures::{self, OfficerError, SignatureChange};
use petition_store::StoreError;

use super::{answer, field, see_other, unavailable, Fields, S};
use app::officer::{Check, OfficerPosted};

/// Where a check page renders (its route shows the posted check).
const CHECK_PAGE: &str = "/officer/check";

/// Words for a strike reason, as the forms offer them.
pub(crate) fn reason_label(r: StrikeReason) -> &'static str {
    app::routes::officer::strike_reason_label(r)
}

pub async fn signature_post(
    State(s): State<S>,
    Extension(who): Extension<SignedIn>,
    Path((id, change)): Path<(String, String)>,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else { return see_other("/officer") };
    let note = field(&f, "note", 500).trim().to_string();
    let back = field(&f, "back", 200);
    let back = if back.starts_with("/officer/") { back } else { "/officer".into() };
    let problem = |field: &str, message: String| {
        let mut p = OfficerPosted::problem(field, message);
        p.values = vec![("note".into(), note.clone()), ("signature".into(), id.to_string())];
        p
    };
    let change = match change.as_str() {
        "approve" => SignatureChange::Approve,
        "reinstate" => SignatureChange::Reinstate,
        "strike" => match StrikeReason::parse(&field(&f, "reason", 40)).filter(|r| *r != StrikeReason::Withdrawn) {
            Some(r) => SignatureChange::Strike(r),
            None => {
                let p = problem(&format!("reason-{id}"), "Choose a reason for striking the signature".into());
                return answer(&s, &back, &headers, Some(who), p, StatusCode::UNPROCESSABLE_ENTITY).await;
            }
        },
        _ => return see_other(&back),
    };
    if note.is_empty() && !matches!(change, SignatureChange::Approve) {
        let p = problem(
            &format!("note-{id}"),
            "Say why, for the audit trail: for example the letter or check that showed it".into(),
        );
        return answer(&s, &back, &headers, Some(who), p, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let (verb, code) = match change {
        SignatureChange::Approve => ("Approve", "approve"),
        SignatureChange::Reinstate => ("Reinstate", "reinstate"),
        SignatureChange::Strike(_) => ("Strike", "strike"),
    };
    let preview = match signatures::preview_change(&s.state.db, id, change).await {
        Ok(p) => p,
        Err(OfficerError::Store(e)) => return unavailable("checking a change", e),
        Err(e) => {
            let p = problem(&format!("signature-{id}"), e.to_string());
            return answer(&s, &back, &headers, Some(who), p, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    if field(&f, "confirm", 3) != "yes" {
        let mut rows = vec![
            ("Signature".to_string(), format!("Reference {id}, ward {}", preview.ward)),
            ("Petition".to_string(), format!("{}: {}", preview.petition_id, preview.title)),
        ];
        let mut hidden = vec![("note".to_string(), note.clone()), ("back".to_string(), back.clone())];
        if let SignatureChange::Strike(r) = change {
            rows.push(("Reason".into(), reason_label(r).into()));
            hidden.push(("reason".into(), r.code().into()));
        }
        rows.push((
            "Why (for the audit trail)".into(),
            if note.is_empty() { "(none given)".into() } else { note.clone() },
        ));
        let check = Check {
            heading: format!("{verb} signature {id}?"),
            rows,
            effect: preview.effect.describe(),
            action: format!("/officer/signatures/{id}/{code}"),
            hidden,
            button: format!("{verb} signature"),
            back,
            change: false,
        };
        let posted = OfficerPosted { check: Some(check), ..Default::default() };
        return answer(&s, CHECK_PAGE, &headers, Some(who), posted, StatusCode::OK).await;
    }
    let now = petition_store::now();
    match signatures::change_signature(
        &s.state.db,
        &s.state.mailing,
        id,
        change,
        &Actor::Officer(who.clone()),
        &note,
        now,
    )
    .await
    {
        Ok(_) => {
            s.wake_mailer.notify_one();
            let sep = if back.contains('?') { '&' } else { '?' };
            see_other(&format!("{back}{sep}done={code}&signature={id}"))
        }
        Err(OfficerError::Store(e)) if !e.is_retryable() => unavailable("changing a signature", e),
        Err(e) => {
            let p = problem(&format!("signature-{id}"), e.to_string());
            answer(&s, &back, &headers, Some(who), p, StatusCode::CONFLICT).await
        }
    }
}

pub async fn petition_post(
    State(s): State<S>,
    Extension(who): Extension<SignedIn>,
    Path((id, change)): Path<(String, String)>,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else { return see_other("/officer") };
    let page = format!("/officer/petitions/{id}");
    if change == "recount" {
        return recount(&s, &who, id).await;
    }
    if super::verify::STEPS.contains(&change.as_str()) {
        return super::verify::post(&s, who, id, &change, &headers, &f).await;
    }
    let reason = field(&f, "reason", 500).trim().to_string();
    let pausing = match change.as_str() {
        "pause" => true,
        "resume" => false,
        _ => return see_other(&page),
    };
    if reason.is_empty() {
        let mut p = OfficerPosted::problem(
            &change,
            if pausing { "Say why collection is paused" } else { "Say why collection resumes" },
        );
        p.values.push(("reason".into(), reason));
        return answer(&s, &page, &headers, Some(who), p, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let verb = if pausing { "Pause" } else { "Resume" };
    if field(&f, "confirm", 3) != "yes" {
        let effect = if pausing {
            "Nobody can sign or confirm until it resumes; withdrawals still work. The deadline moves on by as long as the pause lasts, and the pause is published in the transparency log."
        } else {
            "Signing and confirming start again. The deadline becomes the deadline before the pause plus the length of the pause, and the resumption is published in the transparency log."
        };
        let check = Check {
            heading: format!("{verb} petition {id}?"),
            rows: vec![("Reason (published in the audit trail, not the log)".into(), reason.clone())],
            effect: effect.into(),
            action: format!("/officer/petitions/{id}/{change}"),
            hidden: vec![("reason".into(), reason)],
            button: format!("{verb} collection"),
            back: page,
            change: false,
        };
        let posted = OfficerPosted { check: Some(check), ..Default::default() };
        return answer(&s, CHECK_PAGE, &headers, Some(who), posted, StatusCode::OK).await;
    }
    let actor = Actor::Officer(who.clone());
    let by = ByOfficer { actor: &actor, reason: &reason };
    let now = petition_store::now();
    let done = if pausing {
        lifecycle::pause(&s.state.db, &s.state.mailing, id, now, &by).await
    } else {
        lifecycle::resume(&s.state.db, &s.state.mailing, id, now, &by).await
    };
    match done {
        Ok(_) => see_other(&format!("{page}?done={change}")),
        Err(StoreError::Refused(r)) => {
            answer(&s, &page, &headers, Some(who), OfficerPosted::problem(&change, r.to_string()), StatusCode::CONFLICT)
                .await
        }
        Err(StoreError::NotFound(_)) => see_other("/officer"),
        Err(e) => unavailable("pausing or resuming", e),
    }
}

/// Recounts a petition from its signature rows now, compares with the counters, records the
/// check (the page shows it) and the officer's asking in the audit trail.
async fn recount(s: &S, who: &SignedIn, id: i64) -> Response {
    let now = petition_store::now();
    let diff = match petition_store::counts::check_and_record(&s.state.db, id, now).await {
        Ok(d) => d,
        Err(e) => return unavailable("a recount", e),
    };
    let a = petition_store::audit::Action {
        action: "recount",
        petition_id: Some(id),
        subject: format!("petition {id}"),
        reason: "",
        detail: if diff.is_empty() { "the counters agree".into() } else { format!("{} areas disagree", diff.len()) },
    };
    if let Err(e) = petition_store::audit::record_alone(&s.state.db, &Actor::Officer(who.clone()), &a, now).await {
        return unavailable("recording a recount", e);
    }
    see_other(&format!("/officer/petitions/{id}?done=recount"))
}
