//! Signing in and out, setting an account up, and resetting a password, as form posts.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Form, Path, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::Response;
use axum::Extension;
use petition_core::officer::{NewPassword, PasswordError};
use petition_store::audit::SignedIn;
use petition_store::officers::sign_in::{self, PasswordOutcome, Refusal, SecondFactorOutcome};
use petition_store::officers::{accounts, sessions, AccountError};

use super::{answer, clear_cookie, cookie_token, field, safe_next, see_other, set_cookie, unavailable, Fields, S};
use app::officer::OfficerPosted;

fn refusal_text(r: Refusal) -> String {
    match r {
        Refusal::Wrong => "The email address, password or code is not right".into(),
        Refusal::Wait(1) => "Too many attempts. Wait a second, then try again".into(),
        Refusal::Wait(s) => format!("Too many attempts. Wait {s} seconds, then try again"),
        Refusal::Locked(until) => format!(
            "Too many attempts. Signing in to this account is locked until {}. Ask an admin if you need in sooner",
            petition_store::time::moment_label(until)
        ),
    }
}

fn device(headers: &HeaderMap) -> String {
    sessions::device(headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or(""))
}

/// The answer to a client that posts sign-in forms too fast, whatever the address.
const TOO_FAST: &str = "Too many attempts from your connection. Wait a minute, then try again";

pub async fn password_post(
    State(s): State<S>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    uri: Uri,
    Form(f): Form<Fields>,
) -> Response {
    let email = field(&f, "email", 254);
    let password = field(&f, "password", 200);
    let next = safe_next(&field(&f, "next", 200));
    let mut posted = OfficerPosted {
        values: vec![("email".into(), email.clone()), ("next".into(), next.clone())],
        ..Default::default()
    };
    if email.trim().is_empty() {
        posted.errors.push(("email".into(), "Enter your email address".into()));
    }
    if password.is_empty() {
        posted.errors.push(("password".into(), "Enter your password".into()));
    }
    if !posted.errors.is_empty() {
        return answer(&s, uri.path(), &headers, None, posted, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    if !s.sign_in_allowed(peer, &headers) {
        posted.errors.push(("email".into(), TOO_FAST.into()));
        return answer(&s, uri.path(), &headers, None, posted, StatusCode::TOO_MANY_REQUESTS).await;
    }
    let now = petition_store::now();
    match sign_in::password(&s.state.db, &s.state.secrets, &email, &password, &device(&headers), now).await {
        Ok(PasswordOutcome::SecondFactor(token)) => {
            let mut res = see_other(&format!("/officer/sign-in/code?next={next}"));
            res.headers_mut().insert(header::SET_COOKIE, set_cookie(&s, &token));
            res
        }
        Ok(PasswordOutcome::Refused(r)) => {
            posted.errors.push(("email".into(), refusal_text(r)));
            let status =
                if r == Refusal::Wrong { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::TOO_MANY_REQUESTS };
            answer(&s, uri.path(), &headers, None, posted, status).await
        }
        Err(e) => unavailable("signing in", e),
    }
}

pub async fn code_post(
    State(s): State<S>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    uri: Uri,
    Form(f): Form<Fields>,
) -> Response {
    let code = field(&f, "code", 40);
    let next = safe_next(&field(&f, "next", 200));
    let posted = |message: String| OfficerPosted {
        values: vec![("next".into(), next.clone())],
        errors: vec![("code".into(), message)],
        ..Default::default()
    };
    if code.trim().is_empty() {
        let p = posted("Enter the 6-digit code from your authenticator app, or a recovery code".into());
        return answer(&s, uri.path(), &headers, None, p, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    if !s.sign_in_allowed(peer, &headers) {
        return answer(&s, uri.path(), &headers, None, posted(TOO_FAST.into()), StatusCode::TOO_MANY_REQUESTS).await;
    }
    let Some(token) = cookie_token(&headers) else { return see_other("/officer/sign-in") };
    match sign_in::second_factor(&s.state.db, &s.state.secrets, &token, &code, petition_store::now()).await {
        Ok(SecondFactorOutcome::SignedIn { token, recovery_codes_left }) => {
            let to = if recovery_codes_left < 3 { "/officer/account?codes=low".to_string() } else { next };
            let mut res = see_other(&to);
            res.headers_mut().insert(header::SET_COOKIE, set_cookie(&s, &token));
            res
        }
        Ok(SecondFactorOutcome::StartAgain) => see_other("/officer/sign-in?again=1"),
        Ok(SecondFactorOutcome::Refused(r)) => {
            let status =
                if r == Refusal::Wrong { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::TOO_MANY_REQUESTS };
            answer(&s, uri.path(), &headers, None, posted(refusal_text(r)), status).await
        }
        Err(e) => unavailable("signing in", e),
    }
}

pub async fn sign_out_post(State(s): State<S>, Extension(who): Extension<SignedIn>) -> Response {
    if let Err(e) = sessions::sign_out(&s.state.db, &who, petition_store::now()).await {
        return unavailable("signing out", e);
    }
    let mut res = see_other("/officer/sign-in?signed-out=1");
    res.headers_mut().insert(header::SET_COOKIE, clear_cookie(&s));
    res
}

pub async fn forgot_post(
    State(s): State<S>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    uri: Uri,
    Form(f): Form<Fields>,
) -> Response {
    let email = field(&f, "email", 254);
    let Ok(parsed) = petition_core::text::Email::parse(&email) else {
        let mut p =
            OfficerPosted::problem("email", "Enter an email address in the correct format, like name@example.com");
        p.values.push(("email".into(), email));
        return answer(&s, uri.path(), &headers, None, p, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    if !s.sign_in_allowed(peer, &headers) {
        let mut p = OfficerPosted::problem("email", TOO_FAST);
        p.values.push(("email".into(), email));
        return answer(&s, uri.path(), &headers, None, p, StatusCode::TOO_MANY_REQUESTS).await;
    }
    // The page says the same whether or not an email went: a flood of requests for one address
    // sends at most a few an hour.
    if !s.reset_mail_allowed(parsed.as_str()) {
        return see_other("/officer/forgot-password?sent=1");
    }
    if let Err(e) = accounts::request_reset(&s.state.db, &s.state.mailing, parsed.as_str(), petition_store::now()).await
    {
        return unavailable("a password reset", e);
    }
    s.wake_mailer.notify_one();
    see_other("/officer/forgot-password?sent=1")
}

/// The new password's two copies, checked against the rules.
fn new_password(f: &Fields, email: &str) -> Result<NewPassword, PasswordError> {
    NewPassword::parse(&field(f, "password", 400), &field(f, "password_again", 400), email)
}

pub async fn reset_post(
    State(s): State<S>,
    Path(token): Path<String>,
    headers: HeaderMap,
    uri: Uri,
    Form(f): Form<Fields>,
) -> Response {
    let now = petition_store::now();
    let email = match accounts::reset_page(&s.state.db, &token, now).await {
        Ok(Some(e)) => e,
        Ok(None) => return see_other(uri.path()),
        Err(e) => return unavailable("a password reset", e),
    };
    let password = match new_password(&f, &email) {
        Ok(p) => p,
        Err(e) => {
            let p = OfficerPosted::problem("password", e.to_string());
            return answer(&s, uri.path(), &headers, None, p, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    match accounts::complete_reset(&s.state.db, &token, &password, now).await {
        Ok(()) => see_other("/officer/sign-in?reset=1"),
        Err(AccountError::Store(e)) => unavailable("a password reset", e),
        Err(e) => {
            answer(
                &s,
                uri.path(),
                &headers,
                None,
                OfficerPosted::problem("password", e.to_string()),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

pub async fn set_up_post(
    State(s): State<S>,
    Path(token): Path<String>,
    headers: HeaderMap,
    uri: Uri,
    Form(f): Form<Fields>,
) -> Response {
    let now = petition_store::now();
    let email = match accounts::set_up_page(&s.state.db, &token, now).await {
        Ok(Some((email, _))) => email,
        Ok(None) => return see_other(uri.path()),
        Err(e) => return unavailable("setting up an account", e),
    };
    let code = field(&f, "code", 40);
    let mut problems = OfficerPosted::default();
    let password = new_password(&f, &email).map_err(|e| problems.errors.push(("password".into(), e.to_string()))).ok();
    if code.trim().is_empty() {
        problems.errors.push(("code".into(), "Enter the 6-digit code your authenticator app shows".into()));
    }
    let Some(password) = password.filter(|_| problems.errors.is_empty()) else {
        return answer(&s, uri.path(), &headers, None, problems, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    match accounts::complete_set_up(&s.state.db, &s.state.secrets, &token, &password, &code, now).await {
        Ok(codes) => {
            let done = OfficerPosted { recovery_codes: codes, ..Default::default() };
            answer(&s, uri.path(), &headers, None, done, StatusCode::OK).await
        }
        Err(AccountError::Store(e)) => unavailable("setting up an account", e),
        Err(e @ AccountError::WrongCode) => {
            answer(
                &s,
                uri.path(),
                &headers,
                None,
                OfficerPosted::problem("code", e.to_string()),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(_) => see_other(uri.path()),
    }
}
