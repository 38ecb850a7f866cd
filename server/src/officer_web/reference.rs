//! Reference data uploaded from the browser. The file is checked as it arrives (the whole import,
//! rolled back: `import::uploads`) and the officer is shown its report on the upload's own page;
//! only then can they import it, with one more press.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Extension;
use petition_core::reference::FileKind;
use petition_store::audit::{Actor, SignedIn};
use petition_store::import::uploads::{self, ConfirmError};
use petition_store::import::ImportError;

use super::posted::{text_of, Posted};
use super::{answer, field, see_other, unavailable, S};
use app::officer::OfficerPosted;

const PAGE: &str = "/officer/reference/upload";

pub async fn upload_post(
    State(s): State<S>,
    Extension(who): Extension<SignedIn>,
    headers: HeaderMap,
    mut posted: Posted,
) -> Response {
    let kind_name = field(&posted.fields, "kind", 40);
    let mut p = OfficerPosted { values: vec![("kind".into(), kind_name.clone())], ..Default::default() };
    let kind = FileKind::parse(&kind_name);
    if kind.is_none() {
        p.errors.push(("kind".into(), "Choose what the file holds".into()));
    }
    let text = match posted.take_file("file") {
        None => Err("Choose a file to upload".to_string()),
        Some(f) => {
            let name = f.name.clone();
            text_of(f).map(|t| (name, t))
        }
    };
    let (file, text) = match (kind, text) {
        (Some(_), Ok(t)) => t,
        (_, Err(e)) => {
            p.errors.push(("file".into(), e));
            return answer(&s, PAGE, &headers, Some(who), p, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        (None, Ok(_)) => return answer(&s, PAGE, &headers, Some(who), p, StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let kind = kind.expect("checked above");
    let now = petition_store::now();
    match uploads::check(&s.state.db, &s.config.non_local_markers, kind, &file, &text, who.account_id, now).await {
        Ok(id) => see_other(&format!("/officer/reference/uploads/{id}")),
        Err(e) => unavailable("checking an upload", e),
    }
}

pub async fn import_post(
    State(s): State<S>,
    Extension(who): Extension<SignedIn>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Ok(id) = id.parse::<i64>() else { return see_other("/officer/reference") };
    let page = format!("/officer/reference/uploads/{id}");
    let actor = Actor::Officer(who.clone());
    let now = petition_store::now();
    match uploads::confirm(&s.state.db, &s.config.non_local_markers, id, &actor, now).await {
        Ok(_) => see_other(&format!("/officer/reference?imported={id}")),
        Err(ConfirmError::Import(ImportError::Store(e))) => unavailable("importing an upload", e),
        Err(e) => {
            let why = match e {
                ConfirmError::Import(ImportError::Lines(lines)) => format!(
                    "The stored data has changed since the file was checked, and it no longer imports ({} problem(s), the first: {}). Upload it again to see them all.",
                    lines.len(),
                    lines.first().map(|l| l.to_string()).unwrap_or_default()
                ),
                ConfirmError::Import(ImportError::Refused(why)) => {
                    format!("The stored data has changed since the file was checked: {why}")
                }
                other => capitalised(&other.to_string()),
            };
            answer(&s, &page, &headers, Some(who), OfficerPosted::problem("import", why), StatusCode::CONFLICT).await
        }
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}
