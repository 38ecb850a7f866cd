//! An officer's own sessions, and admins' management of accounts, as form posts.

use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use axum::Extension;
use petition_core::officer::Role;
use petition_core::text::Email;
use petition_store::audit::{Actor, SignedIn};
use petition_store::officers::{accounts, sessions, AccountError};

use super::{answer, field, see_other, unavailable, Fields, S};
use app::officer::OfficerPosted;

pub async fn sign_out_everywhere_post(State(s): State<S>, Extension(who): Extension<SignedIn>) -> Response {
    match sessions::end_own(&s.state.db, &who, None, petition_store::now()).await {
        Ok(n) => see_other(&format!("/officer/account?ended={n}")),
        Err(e) => unavailable("ending sessions", e),
    }
}

pub async fn end_session_post(
    State(s): State<S>,
    Extension(who): Extension<SignedIn>,
    Path(id): Path<String>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else { return see_other("/officer/account") };
    match sessions::end_own(&s.state.db, &who, Some(id), petition_store::now()).await {
        Ok(n) => see_other(&format!("/officer/account?ended={n}")),
        Err(e) => unavailable("ending a session", e),
    }
}

pub async fn invite_post(
    State(s): State<S>,
    Extension(who): Extension<SignedIn>,
    headers: HeaderMap,
    uri: Uri,
    Form(f): Form<Fields>,
) -> Response {
    let email = field(&f, "email", 254);
    let role = field(&f, "role", 20);
    let mut posted = OfficerPosted {
        values: vec![("email".into(), email.clone()), ("role".into(), role.clone())],
        ..Default::default()
    };
    let parsed = Email::parse(&email)
        .map_err(|_| {
            posted
                .errors
                .push(("email".into(), "Enter an email address in the correct format, like name@example.com".into()))
        })
        .ok();
    let role = Role::parse(&role).or_else(|| {
        posted.errors.push(("role".into(), "Choose a role".into()));
        None
    });
    let (Some(email), Some(role)) = (parsed, role) else {
        return answer(&s, uri.path(), &headers, Some(who), posted, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let now = petition_store::now();
    match accounts::create(&s.state.db, &s.state.mailing, &Actor::Officer(who.clone()), &email, role, true, now).await {
        Ok((a, _)) => {
            s.wake_mailer.notify_one();
            see_other(&format!("/officer/accounts?invited={}", a.id))
        }
        Err(AccountError::Store(e)) => unavailable("inviting an officer", e),
        Err(e) => {
            posted.errors.push(("email".into(), e.to_string()));
            answer(&s, uri.path(), &headers, Some(who), posted, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

/// `role`, `disable` or `set-up-again` on one account.
pub async fn change_post(
    State(s): State<S>,
    Extension(who): Extension<SignedIn>,
    Path((id, change)): Path<(String, String)>,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else { return see_other("/officer/accounts") };
    let actor = Actor::Officer(who.clone());
    let now = petition_store::now();
    let reason = field(&f, "reason", 500);
    let done = match change.as_str() {
        "role" => match Role::parse(&field(&f, "role", 20)) {
            Some(role) => accounts::set_role(&s.state.db, &actor, id, role, now).await,
            None => return see_other("/officer/accounts"),
        },
        "disable" => accounts::disable(&s.state.db, &actor, id, &reason, now).await,
        "set-up-again" => {
            let r = accounts::reissue_set_up(&s.state.db, &s.state.mailing, &actor, id, &reason, now).await.map(|_| ());
            s.wake_mailer.notify_one();
            r
        }
        _ => return see_other("/officer/accounts"),
    };
    match done {
        Ok(()) => see_other(&format!("/officer/accounts?changed={id}")),
        Err(AccountError::Store(e)) => unavailable("changing an account", e),
        Err(e) => {
            let posted = OfficerPosted::problem(&format!("account-{id}"), e.to_string());
            answer(&s, "/officer/accounts", &headers, Some(who), posted, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}
