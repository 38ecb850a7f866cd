//! Striking in bulk, and the officers' CSV export, over HTTP.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use chrono::NaiveDate;
use petition_core::engine::StrikeReason;
use petition_store::audit::{self, Actor, SignedIn};
use petition_store::lifecycle::ByOfficer;
use petition_store::signatures::bulk::{self, Selection};
use petition_store::signatures::OfficerError;

use super::posted::{text_of, Posted};
use super::{answer, field, see_other, unavailable, Fields, S};
use app::officer::{Check, OfficerPosted};

/// The selection a bulk-strike form describes, or the field to fix and why.
fn selection(f: &Fields) -> Result<Selection, (String, String)> {
    let day = |k: &str| NaiveDate::parse_from_str(field(f, k, 20).trim(), "%Y-%m-%d").ok();
    match field(f, "by", 20).as_str() {
        "domain" => {
            let d = field(f, "domain", 200).trim().trim_start_matches('@').to_ascii_lowercase();
            let ok = d.contains('.') && d.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
            if ok {
                Ok(Selection::EmailDomain(d))
            } else {
                Err(("domain".into(), "Enter an email domain, like example.org".into()))
            }
        }
        "time" => match (day("from"), day("to")) {
            (Some(a), Some(b)) if a <= b => Ok(Selection::ConfirmedBetween(
                petition_core::window::start_of_local_day(a).timestamp(),
                petition_core::window::start_of_local_day(b + chrono::Duration::days(1)).timestamp(),
            )),
            (Some(_), Some(_)) => Err(("from".into(), "The first day must not be after the last".into())),
            _ => Err(("from".into(), "Enter the first and last days, like 2026-11-29".into())),
        },
        "ward" => match petition_core::AreaCode::parse(field(f, "ward", 20).trim()) {
            Ok(w) => Ok(Selection::Ward(w.as_str().to_string())),
            Err(_) => Err(("ward".into(), "Enter a ward code, like E05012345".into())),
        },
        // Read whole: a list cut short could end in part of a reference, which is another one.
        "list" => match bulk::parse_references(f.get("references").map(String::as_str).unwrap_or_default()) {
            Ok(ids) if ids.len() > bulk::MOST => Err((
                "references".into(),
                format!("The list has {} references: strike at most {} at once", ids.len(), bulk::MOST),
            )),
            Ok(ids) if !ids.is_empty() => Ok(Selection::References(ids)),
            Ok(_) => Err(("references".into(), "Paste or upload the signature references, one a line".into())),
            Err(e) => Err(("references".into(), e)),
        },
        _ => Err(("by".into(), "Choose how to select the signatures".into())),
    }
}

pub async fn bulk_post(
    State(s): State<S>,
    Extension(who): Extension<SignedIn>,
    Path(id): Path<String>,
    headers: HeaderMap,
    mut posted: Posted,
) -> Response {
    let Ok(id) = id.parse::<i64>() else { return see_other("/officer") };
    let page = format!("/officer/petitions/{id}/bulk");
    let mut f = posted.fields.clone();
    // A file's references count as if they were pasted, after any that were; the check page
    // then carries them as a list.
    if let Some(file) = posted.take_file("references_file") {
        let name = file.name.clone();
        match text_of(file).and_then(|t| bulk::references_in_file(&t).map_err(|e| format!("{name}: {e}"))) {
            Ok(refs) => {
                let pasted = f.entry("references".into()).or_default();
                for r in refs {
                    if !pasted.trim().is_empty() {
                        pasted.push('\n');
                    }
                    pasted.push_str(&r.to_string());
                }
                // A file is a list of references: with another selection chosen, it is not
                // clear what was meant.
                match field(&f, "by", 20).as_str() {
                    "" | "list" => {
                        f.insert("by".into(), "list".into());
                    }
                    _ => {
                        let mut p = OfficerPosted::problem(
                            "by",
                            "To strike the signatures in a file, choose \"A list of signature references\"",
                        );
                        p.values =
                            posted.fields.iter().map(|(k, v)| (k.clone(), v.chars().take(200_000).collect())).collect();
                        return answer(&s, &page, &headers, Some(who), p, StatusCode::UNPROCESSABLE_ENTITY).await;
                    }
                }
            }
            Err(e) => {
                let mut p = OfficerPosted::problem("references_file", e);
                p.values = posted.fields.iter().map(|(k, v)| (k.clone(), v.chars().take(200_000).collect())).collect();
                return answer(&s, &page, &headers, Some(who), p, StatusCode::UNPROCESSABLE_ENTITY).await;
            }
        }
    }
    let keep = ["by", "domain", "from", "to", "ward", "references", "reason", "note"];
    let mut posted = OfficerPosted {
        values: keep.iter().map(|k| (k.to_string(), field(&f, k, 200_000))).collect(),
        ..Default::default()
    };
    let sel = selection(&f).map_err(|e| posted.errors.push(e)).ok();
    let reason = StrikeReason::parse(&field(&f, "reason", 40)).filter(|r| *r != StrikeReason::Withdrawn);
    if reason.is_none() {
        posted.errors.push(("reason".into(), "Choose a reason for striking them".into()));
    }
    let note = field(&f, "note", 500).trim().to_string();
    if note.is_empty() {
        posted
            .errors
            .push(("note".into(), "Say why, for the audit trail: what shows these signatures are invalid".into()));
    }
    let (Some(sel), Some(reason)) = (sel, reason) else {
        return answer(&s, &page, &headers, Some(who), posted, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    if !posted.errors.is_empty() {
        return answer(&s, &page, &headers, Some(who), posted, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    if field(&f, "confirm", 3) != "yes" {
        let preview = match bulk::preview(&s.state.db, id, &sel, reason).await {
            Ok(p) => p,
            Err(OfficerError::Store(e)) => return unavailable("previewing a bulk strike", e),
            Err(e) => {
                posted.errors.push(("by".into(), e.to_string()));
                return answer(&s, &page, &headers, Some(who), posted, StatusCode::UNPROCESSABLE_ENTITY).await;
            }
        };
        if preview.count == 0 {
            posted
                .errors
                .push(("by".into(), "No signature that counts or awaits review matches this selection".into()));
            return answer(&s, &page, &headers, Some(who), posted, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        let wards = preview.by_ward.iter().map(|(w, n)| format!("{w}: {n}")).collect::<Vec<_>>().join(", ");
        let check = Check {
            heading: format!("Strike {} signatures of petition {id}?", preview.count),
            rows: vec![
                ("Selection".into(), sel.describe()),
                ("Signatures".into(), preview.count.to_string()),
                ("By ward".into(), wards),
                ("Reason".into(), crate::officer_web::actions::reason_label(reason).into()),
                ("Why (for the audit trail)".into(), note.clone()),
            ],
            effect: preview.effect.describe(),
            action: page.clone(),
            hidden: posted.values.iter().filter(|(_, v)| !v.is_empty()).cloned().collect(),
            button: format!("Strike {} signatures", preview.count),
            back: page,
            change: false,
        };
        let posted = OfficerPosted { check: Some(check), ..Default::default() };
        return answer(&s, "/officer/check", &headers, Some(who), posted, StatusCode::OK).await;
    }
    let actor = Actor::Officer(who.clone());
    let by = ByOfficer { actor: &actor, reason: &note };
    match bulk::strike_all(&s.state.db, &s.state.mailing, id, &sel, reason, &by, petition_store::now()).await {
        Ok((done, _)) => {
            see_other(&format!("/officer/petitions/{id}/signatures?show=struck&done=bulk&signature={}", done.count))
        }
        Err(OfficerError::Store(e)) if !e.is_retryable() => unavailable("a bulk strike", e),
        Err(e) => {
            posted.errors.push(("by".into(), e.to_string()));
            answer(&s, &page, &headers, Some(who), posted, StatusCode::CONFLICT).await
        }
    }
}

/// A petition's signatures as CSV, for the office's own checks; each download is audited.
pub async fn signatures_csv(
    State(s): State<S>,
    Extension(who): Extension<SignedIn>,
    Path(file): Path<(String, String)>,
) -> Response {
    let (id, name) = file;
    let Ok(id) = id.parse::<i64>() else { return see_other("/officer") };
    if name != "signatures.csv" {
        return see_other(&format!("/officer/petitions/{id}"));
    }
    let (csv, rows) = match petition_store::read::exports::signers_csv(&s.state.db, id).await {
        Ok(x) => x,
        Err(e) => return unavailable("an export", e),
    };
    let now = petition_store::now();
    let a = audit::Action {
        action: "export",
        petition_id: Some(id),
        subject: format!("petition {id}"),
        reason: "",
        detail: format!("signatures as CSV: {rows} rows"),
    };
    if let Err(e) = audit::record_alone(&s.state.db, &Actor::Officer(who), &a, now).await {
        // No record, no download: every export of personal data is in the trail.
        return unavailable("recording an export", e);
    }
    let mut res = csv.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"petition-{id}-signatures.csv\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}
