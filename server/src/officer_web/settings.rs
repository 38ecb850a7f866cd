//! Admins' changes to the council's settings, as form posts from `/officer/settings`: the form
//! (every setting and a reason), then a check page listing each change from its old value to its
//! new, then the save. Nothing is saved from a form with a mistake in it, or from a page read
//! before another admin's save.

use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Extension;
use petition_core::settings::Name;
use petition_store::audit::{Actor, SignedIn};
use petition_store::settings::{self, ChangeError};

use super::{answer, field, see_other, unavailable, Fields, S};
use app::officer::{Check, OfficerPosted};

const PAGE: &str = "/officer/settings";

/// The longest value taken: 50 lines of an email address.
const VALUE_MAX: usize = 50 * 256;

pub async fn settings_post(
    State(s): State<S>,
    Extension(who): Extension<SignedIn>,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Response {
    let texts: Vec<(Name, String)> = Name::ALL
        .into_iter()
        .filter(|n| f.contains_key(n.code()))
        .map(|n| (n, field(&f, n.code(), VALUE_MAX)))
        .collect();
    let reason = field(&f, "reason", 500).trim().to_string();
    let version = field(&f, "version", 20);
    let mut values: Vec<(String, String)> = texts.iter().map(|(n, t)| (n.code().to_string(), t.clone())).collect();
    values.push(("reason".into(), reason.clone()));
    values.push(("version".into(), version.clone()));
    let again = |errors: Vec<(String, String)>| OfficerPosted { values: values.clone(), errors, ..Default::default() };
    // "Change your answers" on the check page: the form again, as typed.
    if field(&f, "change", 3) == "yes" {
        return answer(&s, PAGE, &headers, Some(who), again(vec![]), StatusCode::OK).await;
    }
    let Ok(version) = version.parse::<i64>() else { return see_other(PAGE) };
    let st = &s.state;
    let now = match st.db.pool.acquire().await {
        Ok(mut conn) => match settings::in_force(&mut conn, st.settings.defaults()).await {
            Ok(n) => n,
            Err(e) => return unavailable("reading the settings", e),
        },
        Err(e) => return unavailable("reading the settings", e),
    };
    let refused = |e: ChangeError| -> Vec<(String, String)> {
        match e {
            ChangeError::Invalid(errors) => {
                errors.into_iter().map(|(n, e)| (n.code().to_string(), e.to_string())).collect()
            }
            ChangeError::NoReason => vec![("reason".into(), e.to_string())],
            e => vec![("settings-form".into(), e.to_string())],
        }
    };
    let mut errors = match settings::preview(&now, &texts) {
        Ok(_) => vec![],
        Err(e) => refused(e),
    };
    if reason.is_empty() {
        errors.push(("reason".into(), ChangeError::NoReason.to_string()));
    }
    if errors.is_empty() && now.version != version {
        errors.push(("settings-form".into(), ChangeError::Changed.to_string()));
    }
    if !errors.is_empty() {
        // Errors in the order of the fields.
        let order = |id: &str| Name::parse(id).map_or(if id == "reason" { 100 } else { 0 }, |n| n as usize + 1);
        errors.sort_by_key(|(id, _)| order(id));
        return answer(&s, PAGE, &headers, Some(who), again(errors), StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    if field(&f, "confirm", 3) != "yes" {
        let (next, changes) = settings::preview(&now, &texts).expect("checked above");
        let mut rows: Vec<(String, String)> = changes
            .iter()
            .map(|n| (n.label().to_string(), format!("{} (now {})", next.describe(*n), now.settings.describe(*n))))
            .collect();
        rows.push(("Why".into(), reason.clone()));
        let check = Check {
            heading: match changes.len() {
                1 => "Change 1 setting?".into(),
                n => format!("Change {n} settings?"),
            },
            rows,
            effect: "Every server uses the new values within a few seconds. They apply from then on: petitions \
                     already open keep their trigger and window, and decisions already made stand. Each change is \
                     recorded in the audit trail with your reason."
                .into(),
            action: PAGE.into(),
            hidden: values.clone(),
            button: "Save the settings".into(),
            back: PAGE.into(),
            change: true,
        };
        let posted = OfficerPosted { check: Some(check), ..Default::default() };
        return answer(&s, "/officer/check", &headers, Some(who), posted, StatusCode::OK).await;
    }
    let actor = Actor::Officer(who.clone());
    match settings::change(&st.db, st.settings.defaults(), &actor, version, &texts, &reason, petition_store::now())
        .await
    {
        Ok(changed) => {
            st.settings.forget();
            see_other(&format!("{PAGE}?saved={}", changed.len()))
        }
        Err(ChangeError::Store(e)) => unavailable("saving the settings", e),
        Err(e) => {
            let errors = refused(e);
            answer(&s, PAGE, &headers, Some(who), again(errors), StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}
