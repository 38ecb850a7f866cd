//! Admins' changes to the council's settings, as form posts from `/officer/settings`: the form
//! (every setting and a reason), then a check page listing each change from its old value to its
//! new, then the save. Nothing is saved from a form with a mistake in it, or from a page read
//! before another admin's save.

use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Extension;
use petition_core::settings::{Name, Settings};
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
    // What the form showed when it was read (`was-…`), to tell the fields the admin changed.
    let shown: Vec<(Name, String)> = Name::ALL
        .into_iter()
        .filter_map(|n| f.get(&format!("was-{}", n.code())).map(|v| (n, v.chars().take(VALUE_MAX).collect())))
        .collect();
    let reason = field(&f, "reason", 500).trim().to_string();
    let version = field(&f, "version", 20);
    let mut values: Vec<(String, String)> = texts.iter().map(|(n, t)| (n.code().to_string(), t.clone())).collect();
    values.extend(shown.iter().map(|(n, w)| (format!("was-{}", n.code()), w.clone())));
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
    // After another admin's save, a field this admin left as it was shows the value now in force,
    // and one they changed keeps what they typed, with the value in force beneath it. The form
    // then remembers the values in force as what it showed, and the new count of saves:
    // continuing again checks against them.
    let again = |errors: Vec<(String, String)>| {
        let mut p = again(errors);
        if p.errors.iter().any(|(id, _)| id == "settings-form") {
            let untouched = |n: Name, typed: &str| {
                shown.iter().any(|(m, was)| {
                    let (mut a, mut b) = (Settings::default(), Settings::default());
                    *m == n && a.set(n, was).is_ok() && b.set(n, typed).is_ok() && a.show(n) == b.show(n)
                })
            };
            p.values = p
                .values
                .into_iter()
                .filter(|(k, _)| k != "version" && !k.starts_with("was-"))
                .map(|(k, v)| match Name::parse(&k) {
                    Some(n) if untouched(n, &v) => (k, now.settings.show(n)),
                    _ => (k, v),
                })
                .collect();
            p.values.extend(Name::ALL.map(|n| (format!("was-{}", n.code()), now.settings.show(n))));
            p.values.push(("version".into(), now.version.to_string()));
        }
        p
    };
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
        let mut effect = "Every server uses the new values within a few seconds. Petitions already open keep their \
                          trigger and window, and decisions already made stand. Each change is recorded in the audit \
                          trail with your reason."
            .to_string();
        // Two settings reach back: they are measured from moments already past.
        if next.retain_personal_data_days < now.settings.retain_personal_data_days {
            effect.push_str(&format!(
                " A shorter time for keeping personal data applies to results already certified and petitions \
                 already closed: signers' details older than {} days by the new rule are erased within ten minutes, \
                 and cannot be brought back.",
                next.retain_personal_data_days
            ));
        }
        if next.proposal_lapse_days < now.settings.proposal_lapse_days {
            effect.push_str(&format!(
                " A shorter lapse period applies to proposals already waiting: those past {} days lapse within ten \
                 minutes, and their petitioners and sponsors are told.",
                next.proposal_lapse_days
            ));
        }
        let check = Check {
            heading: match changes.len() {
                1 => "Change 1 setting?".into(),
                n => format!("Change {n} settings?"),
            },
            rows,
            effect,
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
