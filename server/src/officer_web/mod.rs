//! The officer side over HTTP: the gate every officer request passes, the session cookie, and
//! the form posts (signing in, accounts, settings, petition actions). The pages are Leptos routes in
//! `app/src/routes/officer/`; a post's answer is rendered into them.

mod accounts;
mod actions;
mod bulk;
mod posted;
mod proposals;
mod reference;
mod settings;
mod sign_in;
mod verify;

use std::collections::HashMap;
use std::sync::Arc;

use app::officer::{access, Access, OfficerPosted};
use app::post::PostResult;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::Router;
use petition_store::audit::SignedIn;
use petition_store::officers::sessions;

use crate::web::{plain_page, render, Shared};

type S = Arc<Shared>;
pub(crate) type Fields = HashMap<String, String>;

pub const COOKIE: &str = "officer_session";

/// The officer form posts. Two of them carry files (reference data, a list of references), so
/// their bodies may be as large as `UPLOAD_MAX_MB`; the gate answers before any body is read, so
/// only a signed-in officer's upload is. Every other form is small, and may come from anyone.
pub fn routes(shared: S) -> Router {
    let files = Router::new()
        .route("/officer/petitions/{id}/bulk", post(bulk::bulk_post))
        .route("/officer/reference/upload", post(reference::upload_post))
        .layer(DefaultBodyLimit::max(shared.config.upload_max_bytes));
    Router::new()
        .route("/officer/sign-in", post(sign_in::password_post))
        .route("/officer/sign-in/code", post(sign_in::code_post))
        .route("/officer/sign-out", post(sign_in::sign_out_post))
        .route("/officer/forgot-password", post(sign_in::forgot_post))
        .route("/officer/reset/{token}", post(sign_in::reset_post))
        .route("/officer/set-up/{token}", post(sign_in::set_up_post))
        .route("/officer/account/sign-out-everywhere", post(accounts::sign_out_everywhere_post))
        .route("/officer/account/sessions/{id}/end", post(accounts::end_session_post))
        .route("/officer/accounts", post(accounts::invite_post))
        .route("/officer/accounts/{id}/{change}", post(accounts::change_post))
        .route("/officer/signatures/{id}/{change}", post(actions::signature_post))
        .route("/officer/reference/uploads/{id}/import", post(reference::import_post))
        .route("/officer/petitions/{id}/{change}", post(actions::petition_post).get(bulk::signatures_csv))
        .route("/officer/proposals/{id}/{decision}", post(proposals::decision_post))
        .route("/officer/settings", post(settings::settings_post))
        .layer(DefaultBodyLimit::max(64 * 1024))
        .merge(files)
        .with_state(shared)
}

/// The session cookie's secret, if the request carries one.
pub(crate) fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_string())
}

/// The cookie that holds a session's secret: never readable by scripts, never sent by another
/// site's request, only over HTTPS where the site is on HTTPS. No expiry: it goes when the
/// browser closes, and the server ends the session anyway.
pub(crate) fn set_cookie(s: &Shared, token: &str) -> HeaderValue {
    let secure = if s.config.public_url.starts_with("https://") { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict{secure}"))
        .expect("a token is a valid header value")
}

pub(crate) fn clear_cookie(s: &Shared) -> HeaderValue {
    let secure = if s.config.public_url.starts_with("https://") { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}"))
        .expect("valid header value")
}

/// The gate in front of every officer route: finds the signed-in officer from the cookie and
/// lets the request through only if their role may use the route (see [`access`]). Officer
/// responses are never stored by caches or browsers, and never indexed.
pub async fn gate(State(s): State<S>, mut req: Request, next: Next) -> Response {
    let post = req.method() == Method::POST;
    let path = req.uri().path().to_string();
    let need = access(post, &path);
    if need == Access::NotOfficer {
        return next.run(req).await;
    }
    let found = match cookie_token(req.headers()) {
        Some(t) => match s.state.officer_sessions().await {
            Ok(policy) => sessions::find(&s.state.db, &t, policy, petition_store::now()).await,
            Err(e) => Err(e),
        },
        None => Ok(None),
    };
    let who = match found {
        Ok(w) => w,
        Err(e) => {
            tracing::error!("reading an officer session failed: {e}");
            return plain_page(
                StatusCode::SERVICE_UNAVAILABLE,
                "Sorry, there is a problem with the service",
                "Try again in a few minutes.",
            );
        }
    };
    let mut res = match (need, who) {
        (Access::Signed(_), None) if !post && !path.starts_with("/api/") => {
            Redirect::to(&format!("/officer/sign-in?next={}", next_param(&path))).into_response()
        }
        (Access::Signed(_), None) => plain_page(
            StatusCode::UNAUTHORIZED,
            "Sign in to continue",
            "Your session has ended. Sign in again, then repeat what you were doing.",
        ),
        (Access::Signed(cap), Some(w)) if !w.role.may(cap) => {
            tracing::info!(path = %path, role = w.role.code(), "officer route refused for the role");
            plain_page(
                StatusCode::FORBIDDEN,
                "You do not have access to this page",
                "Your account's role does not include this. Ask an admin if you need it.",
            )
        }
        (_, who) => {
            if let Some(w) = who {
                req.extensions_mut().insert(w);
            }
            next.run(req).await
        }
    };
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert("x-robots-tag", HeaderValue::from_static("noindex"));
    res
}

/// Only a path on this site, so the sign-in page can never send anyone elsewhere.
fn next_param(path: &str) -> String {
    path.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '_')).take(200).collect()
}

/// Where to go after signing in: an officer page, never anywhere else.
pub(crate) fn safe_next(next: &str) -> String {
    let cleaned = next_param(next);
    if cleaned.starts_with("/officer") && !cleaned.starts_with("/officer/sign-in") {
        cleaned
    } else {
        "/officer".into()
    }
}

/// Renders an officer page with a form post's answer.
pub(crate) async fn answer(
    s: &S,
    uri: &str,
    headers: &HeaderMap,
    who: Option<SignedIn>,
    posted: OfficerPosted,
    status: StatusCode,
) -> Response {
    render(s, uri, headers, who, PostResult::Officer(posted), status).await
}

pub(crate) fn field(fields: &Fields, k: &str, max: usize) -> String {
    fields.get(k).map(|v| v.chars().take(max).collect()).unwrap_or_default()
}

pub(crate) fn unavailable(what: &str, e: impl std::fmt::Display) -> Response {
    tracing::error!("{what} failed: {e}");
    plain_page(
        StatusCode::SERVICE_UNAVAILABLE,
        "Sorry, there is a problem with the service",
        "Nothing was changed. Please try again in a few minutes.",
    )
}

/// After a change, back to the page it was made from (post, redirect, get).
pub(crate) fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_is_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("a=1; officer_session=abc; b=2"));
        assert_eq!(cookie_token(&h).as_deref(), Some("abc"));
        h.insert(header::COOKIE, HeaderValue::from_static("xofficer_session=abc"));
        assert_eq!(cookie_token(&h), None);
    }

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(next_param("/officer/petitions/3"), "/officer/petitions/3");
        assert_eq!(next_param("/officer/a b?c=<x>"), "/officer/abcx");
        assert_eq!(safe_next("/officer/petitions/3"), "/officer/petitions/3");
        for away in ["//evil.example/officer", "https://evil.example", "/petitions/3", "/officer/sign-in", ""] {
            assert_eq!(safe_next(away), "/officer", "{away}");
        }
    }
}
