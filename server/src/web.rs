//! The HTTP side: Leptos pages for every GET, plain form posts for signing, confirming and
//! withdrawing, and the guards around them.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use app::post::{
    ConfirmKind, Confirmed, PostResult, ReceiptChecked, ReceiptVerdict, SignForm, Signing, WithdrawKind, Withdrawn,
};
use app::state::AppState;
use app::{shell, App};
use axum::body::Body;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Form, Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use petition_core::Postcode;
use petition_store::signatures::{self, ConfirmOutcome, SignError, SignRequest, WithdrawOutcome};
use tokio::sync::Notify;

use crate::clients::ClientKey;
use crate::config::Config;

pub struct Shared {
    pub state: AppState,
    pub options: LeptosOptions,
    pub config: Config,
    pub wake_mailer: Arc<Notify>,
    /// Makes the sequencer append what is queued now rather than at its next round.
    pub wake_log: Arc<Notify>,
    /// The log key, to check receipts against the log as an observer would.
    pub log_key: petition_tlog::note::VerifierKey,
    /// The public pages a surge reads, kept rendered.
    pub pages: Arc<crate::page_cache::PageCache>,
    groups: Groups,
    per_ip: DefaultKeyedRateLimiter<ClientKey>,
    per_email: DefaultKeyedRateLimiter<String>,
    /// Receipt checks (the page and the proof files), per client: each reads the log.
    receipt_checks: DefaultKeyedRateLimiter<ClientKey>,
    /// Officer sign-in and password-reset posts, per client: the per-address lockout stops
    /// guessing at one account, this stops one client trying many.
    sign_in: DefaultKeyedRateLimiter<ClientKey>,
}

impl Shared {
    pub fn new(
        state: AppState,
        options: LeptosOptions,
        config: Config,
        wake_mailer: Arc<Notify>,
        wake_log: Arc<Notify>,
        log_key: petition_tlog::note::VerifierKey,
        groups: Groups,
    ) -> Arc<Shared> {
        let ip = NonZeroU32::new(config.sign_per_ip_per_minute).expect("checked");
        let email = NonZeroU32::new(config.sign_per_email_per_hour).expect("checked");
        let receipts = NonZeroU32::new(config.receipt_checks_per_ip_per_minute).expect("checked");
        Arc::new(Shared {
            state,
            options,
            per_ip: RateLimiter::keyed(Quota::per_minute(ip)),
            per_email: RateLimiter::keyed(Quota::per_hour(email)),
            receipt_checks: RateLimiter::keyed(Quota::per_minute(receipts)),
            sign_in: RateLimiter::keyed(Quota::per_minute(
                NonZeroU32::new(config.sign_in_per_ip_per_minute).expect("checked"),
            )),
            config,
            log_key,
            pages: crate::page_cache::PageCache::new(),
            groups,
            wake_mailer,
            wake_log,
        })
    }
}

impl Shared {
    /// Whether a client may post another sign-in or reset form now.
    pub(crate) fn sign_in_allowed(&self, peer: SocketAddr, headers: &HeaderMap) -> bool {
        self.sign_in.check_key(&self.client(peer, headers)).is_ok()
    }

    /// Whether a client may post another form that writes for a resident (signing, starting a
    /// petition, sponsoring) now.
    pub(crate) fn sign_allowed(&self, peer: SocketAddr, headers: &HeaderMap) -> bool {
        self.per_ip.check_key(&self.client(peer, headers)).is_ok()
    }

    /// Whether another such form may name this (canonical) email address this hour.
    pub(crate) fn email_allowed(&self, email_key: &str) -> bool {
        self.per_email.check_key(&email_key.to_string()).is_ok()
    }

    /// Whether another password-reset email may go to this address this hour.
    pub(crate) fn reset_mail_allowed(&self, email: &str) -> bool {
        self.per_email.check_key(&format!("officer-reset:{}", email.to_ascii_lowercase())).is_ok()
    }

    /// The key a request's client is counted under.
    fn client(&self, peer: SocketAddr, headers: &HeaderMap) -> ClientKey {
        ClientKey::of(peer.ip(), headers, self.config.trusted_proxy_header.as_ref())
    }

    /// Forgets clients whose limits have fully recovered, so that a flood of addresses (an IPv6
    /// client has many /64s, a botnet many addresses) does not grow memory without bound.
    pub fn prune_limits(&self) {
        self.per_ip.retain_recent();
        self.per_email.retain_recent();
        self.receipt_checks.retain_recent();
        self.sign_in.retain_recent();
        self.sign_in.shrink_to_fit();
        self.per_ip.shrink_to_fit();
        self.per_email.shrink_to_fit();
        self.receipt_checks.shrink_to_fit();
    }
}

/// The writers that commit signatures and confirmations in groups.
pub struct Groups {
    pub signer: signatures::Signer,
    pub confirmer: signatures::Confirmer,
}

type S = Arc<Shared>;

/// The whole site: pages, forms and `log` (the transparency log's files), all behind [`guard`].
pub fn router(shared: S, log: Router) -> Router {
    let options = shared.options.clone();
    let routes = generate_route_list(App);
    let state = shared.state.clone();
    let pages = Router::new()
        .leptos_routes_with_context(&options, routes, move || provide_context(state.clone()), {
            let options = options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler(shell))
        .with_state(options);
    let forms = Router::new()
        .route("/petitions/{id}/sign", post(sign_post))
        .route("/confirm/{token}", post(confirm_post))
        .route("/withdraw/{token}", post(withdraw_post))
        .route("/receipt", post(receipt_post))
        .route("/petitions/{id}/counts.csv", get(counts_csv))
        .route("/petitions/{id}/counts.json", get(counts_json))
        .route("/healthz", get(|| async { "ok" }))
        .layer(DefaultBodyLimit::max(16 * 1024))
        .with_state(shared.clone());
    forms
        .merge(crate::officer_web::routes(shared.clone()))
        .merge(crate::proposals_web::routes(shared.clone()))
        .merge(log)
        .merge(pages)
        .layer(middleware::from_fn_with_state(shared.clone(), crate::officer_web::gate))
        .layer(middleware::from_fn_with_state(shared.pages.clone(), crate::page_cache::serve))
        .layer(middleware::from_fn_with_state(shared.clone(), guard))
}

/// Refuses cross-site form posts, sets safe headers, and logs without personal data.
async fn guard(State(s): State<S>, req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    if method == Method::POST && cross_site(&s.config, req.headers()) {
        tracing::info!(%method, path = %loggable_path(&path), status = 403, "cross-site post refused");
        return plain_page(StatusCode::FORBIDDEN, "Sorry, we could not accept that form",
            "The form was sent from another website, so we refused it to protect you. Go to the petition on this site and try again.");
    }
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
    let receipt_check = (method == Method::POST && path == "/receipt") || path.starts_with("/log/proof/");
    if let (true, Some(peer)) = (receipt_check, peer) {
        if s.receipt_checks.check_key(&s.client(peer, req.headers())).is_err() {
            tracing::info!(%method, path = %loggable_path(&path), status = 429, "too many receipt checks");
            let mut res = plain_page(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many receipt checks",
                "Too many receipts were checked from your connection. Wait a minute, then try again.",
            );
            security_headers(&s.config, res.headers_mut(), false);
            return res;
        }
    }
    let started = std::time::Instant::now();
    let mut res = next.run(req).await;
    let not_modified = res.status() == StatusCode::NOT_MODIFIED;
    // A file that is not there (a page of another release asking) must not be kept for a year
    // by a cache in front.
    let found = matches!(res.status(), StatusCode::OK | StatusCode::NOT_MODIFIED);
    let h = res.headers_mut();
    security_headers(&s.config, h, not_modified);
    if !h.contains_key(header::CACHE_CONTROL) {
        let value = match (path.starts_with("/pkg/") && found, s.options.hash_files) {
            (true, true) => crate::assets::HASHED,
            (true, false) => crate::assets::UNHASHED,
            (false, _) => "no-store",
        };
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    }
    if path.starts_with("/pkg/") && !h.contains_key(header::VARY) {
        // The same name is sent as brotli, gzip or plain, as each browser accepts: a shared cache
        // must keep them apart.
        h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    let shown = loggable_path(&path);
    tracing::info!(%method, path = %shown, status = res.status().as_u16(), ms = started.elapsed().as_millis() as u64);
    res
}

/// Headers on every response, pages, forms, static files and the log alike.
fn security_headers(cfg: &Config, h: &mut HeaderMap, not_modified: bool) {
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    // Links in emails carry secrets: never pass them on to other sites. (Not "no-referrer", which
    // would make browsers send `Origin: null` on this site's own form posts.)
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"),
    );
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    // A page sets its own policy as it renders (with its nonce, or, from the page cache, its
    // scripts' hashes); everything else gets the policy that runs no inline script. Except a 304
    // without one: its headers replace those stored with the page, whose scripts a policy
    // without them would block.
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) && !not_modified {
        if let Ok(v) = HeaderValue::from_str(&app::csp::content_security_policy(None)) {
            h.insert(header::CONTENT_SECURITY_POLICY, v);
        }
    }
    // Only over HTTPS: a browser told this over plain HTTP ignores it anyway, and a demo on
    // http://localhost must not pin the name to HTTPS.
    if cfg.public_url.starts_with("https://") {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
}

/// The path as the request log shows it: no query string, and no secret or identifying last
/// segment (a link's token; a receipt's commitment, which names one signer's log entry).
fn loggable_path(path: &str) -> String {
    // A petitioner's link holds its secret in the middle: /proposals/<token>/edit.
    if path.starts_with("/proposals/") {
        return "/proposals/…".into();
    }
    const SECRET_LAST: [&str; 4] = ["/confirm/", "/withdraw/", "/log/proof/", "/sponsor/confirm/"];
    match SECRET_LAST.iter().any(|p| path.starts_with(p)) {
        true => path.rsplit_once('/').map(|(p, _)| format!("{p}/…")).unwrap_or_default(),
        false => path.to_string(),
    }
}

fn cross_site(cfg: &Config, headers: &HeaderMap) -> bool {
    // Browsers that send Sec-Fetch-Site say exactly where a request came from; trust it alone.
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return site != "same-origin" && site != "none";
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
        let same_host = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://")) == Some(host);
        if origin != cfg.public_origin() && !same_host {
            return true;
        }
    }
    false
}

pub(crate) fn plain_page(status: StatusCode, title: &str, text: &str) -> Response {
    let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let html = format!(
        "<!DOCTYPE html><html lang=\"en-GB\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{t}</title><link rel=\"stylesheet\" href=\"{css}\"></head><body><main class=\"wrap\"><h1>{t}</h1><p>{x}</p>\
         <p><a href=\"/\">Find petitions by postcode</a></p></main></body></html>",
        t = esc(title),
        x = esc(text),
        css = crate::assets::stylesheet()
    );
    (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CACHE_CONTROL, "no-store")], html)
        .into_response()
}

/// Renders the Leptos page at `uri` with the result of a post in context, as seen by `who` (the
/// signed-in officer, on officer pages).
pub(crate) async fn render(
    s: &S,
    uri: &str,
    headers: &HeaderMap,
    who: Option<petition_store::audit::SignedIn>,
    result: PostResult,
    status: StatusCode,
) -> Response {
    let state = s.state.clone();
    let handler = leptos_axum::render_app_async_with_context(
        move || {
            provide_context(state.clone());
            provide_context(result.clone());
        },
        {
            let options = s.options.clone();
            move || shell(options.clone())
        },
    );
    let mut req = axum::http::Request::builder().method(Method::GET).uri(uri);
    for name in [header::ACCEPT, header::ACCEPT_LANGUAGE, header::HOST, header::USER_AGENT] {
        if let Some(v) = headers.get(&name) {
            req = req.header(name, v);
        }
    }
    let mut req = req.body(Body::empty()).expect("valid request");
    if let Some(w) = who {
        req.extensions_mut().insert(w);
    }
    let mut res = handler(req).await;
    if res.status() == StatusCode::OK {
        *res.status_mut() = status;
    }
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

async fn sign_post(
    State(s): State<S>,
    Path(id): Path<String>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    uri: Uri,
    Form(fields): Form<HashMap<String, String>>,
) -> Response {
    let Ok(petition_id) = id.parse::<i64>() else {
        return render(&s, uri.path(), &headers, None, PostResult::None, StatusCode::NOT_FOUND).await;
    };
    let field = |k: &str| fields.get(k).cloned().unwrap_or_default();
    let page_uri = |pc: &str| format!("/petitions/{petition_id}/sign?postcode={}", pc.replace(' ', "+"));
    let mut form = SignForm::posted(field);
    let Ok(postcode) = Postcode::parse(&form.postcode) else {
        // Only a forged or damaged form lacks a valid postcode: start again at step 1.
        let uri = format!("/petitions/{petition_id}/sign?postcode={}", query_safe(&field("postcode")));
        return render(&s, &uri, &headers, None, PostResult::None, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    // The form again, with what was typed and what is wrong with it.
    let form_uri = page_uri(postcode.as_str());
    let again = |form: SignForm, status| render(&s, &form_uri, &headers, None, PostResult::Sign(form), status);
    if s.per_ip.check_key(&s.client(addr, &headers)).is_err() {
        form.errors.push((
            "sign-form".into(),
            "Too many attempts from your connection. Wait a minute, then try again.".into(),
        ));
        return again(form, StatusCode::TOO_MANY_REQUESTS).await;
    }
    let Signing { postcode, name, email, address } = match form.parse() {
        Ok(signing) => signing,
        Err(errors) => {
            form.errors = errors;
            return again(form, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    if s.per_email.check_key(&email.canonical()).is_err() {
        form.errors.push(("sign-form".into(), "Too many attempts with this email address. Try again later.".into()));
        return again(form, StatusCode::TOO_MANY_REQUESTS).await;
    }
    let req = SignRequest { petition_id, name, email, postcode: postcode.clone(), address };
    match s.groups.signer.sign(&req, petition_store::now()).await {
        // The same answer whether or not the register knew them (see SignOutcome).
        Ok(_) => {
            s.wake_mailer.notify_one();
            Redirect::to(&format!("/petitions/{petition_id}/signed")).into_response()
        }
        Err(SignError::NoSuchPetition) => {
            render(&s, uri.path(), &headers, None, PostResult::None, StatusCode::NOT_FOUND).await
        }
        Err(SignError::NotOpen | SignError::Paused) => {
            render(&s, &page_uri(postcode.as_str()), &headers, None, PostResult::None, StatusCode::UNPROCESSABLE_ENTITY)
                .await
        }
        Err(SignError::Store(e)) => {
            tracing::error!("signing failed: {e}");
            plain_page(
                StatusCode::SERVICE_UNAVAILABLE,
                "Sorry, there is a problem with the service",
                "Your signature was not recorded. Please try again in a few minutes.",
            )
        }
        Err(
            e @ (SignError::AddressNotAtPostcode
            | SignError::OutsideArea(_)
            | SignError::UnknownPostcode
            | SignError::TerminatedPostcode(_)),
        ) => {
            form.errors.push(("address".into(), e.to_string()));
            render(
                &s,
                &page_uri(postcode.as_str()),
                &headers,
                None,
                PostResult::Sign(form),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// A petition's counts per area as its latest signed tally states them, for anyone: CSV.
async fn counts_csv(State(s): State<S>, Path(id): Path<String>) -> Response {
    counts_download(&s, &id, |c| ("text/csv; charset=utf-8", petition_store::read::exports::area_counts_csv(c))).await
}

/// The same as JSON.
async fn counts_json(State(s): State<S>, Path(id): Path<String>) -> Response {
    counts_download(&s, &id, |c| ("application/json", serde_json::to_string_pretty(c).unwrap_or_default())).await
}

async fn counts_download(
    s: &S,
    id: &str,
    render: impl Fn(&petition_core::views::PublicCounts) -> (&'static str, String),
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return plain_page(StatusCode::NOT_FOUND, "Page not found", "There is no such petition.");
    };
    match petition_store::read::exports::area_counts(&s.state.db, id).await {
        Ok(Some(c)) => {
            let (kind, body) = render(&c);
            (
                [
                    (header::CONTENT_TYPE, kind),
                    (header::CACHE_CONTROL, "public, max-age=5"),
                    (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
                ],
                body,
            )
                .into_response()
        }
        Ok(None) => plain_page(
            StatusCode::NOT_FOUND,
            "No published count yet",
            "This petition has no signed tally yet. Counts are published within seconds of a petition opening.",
        ),
        Err(e) => {
            tracing::error!("reading counts failed: {e}");
            plain_page(
                StatusCode::SERVICE_UNAVAILABLE,
                "Sorry, there is a problem with the service",
                "Try again in a few minutes.",
            )
        }
    }
}

/// Keeps only letters and digits (at most 20), so that anything typed can go in a query string.
fn query_safe(s: &str) -> String {
    s.chars().take(20).filter(|c| c.is_ascii_alphanumeric()).collect()
}

fn token_ok(t: &str) -> bool {
    t.len() == 43 && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

async fn confirm_post(State(s): State<S>, Path(token): Path<String>, headers: HeaderMap, uri: Uri) -> Response {
    let outcome = if token_ok(&token) {
        match s.groups.confirmer.confirm(&token, petition_store::now()).await {
            Ok(o) => o,
            Err(e) => {
                tracing::error!("confirming failed: {e}");
                return plain_page(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Sorry, there is a problem with the service",
                    "Your signature was not confirmed. Please use the link in your email again in a few minutes.",
                );
            }
        }
    } else {
        ConfirmOutcome::UnknownLink
    };
    s.wake_mailer.notify_one();
    let c = match outcome {
        ConfirmOutcome::Counted { petition_id, title, receipt } => Confirmed {
            kind: ConfirmKind::Counted,
            petition_id: Some(petition_id),
            title,
            receipt: Some(receipt.to_text()),
        },
        ConfirmOutcome::SentForReview { petition_id, title, receipt } => Confirmed {
            kind: ConfirmKind::SentForReview,
            petition_id: Some(petition_id),
            title,
            receipt: Some(receipt.to_text()),
        },
        ConfirmOutcome::AlreadyConfirmed { petition_id, title } => {
            Confirmed { kind: ConfirmKind::AlreadyConfirmed, petition_id: Some(petition_id), title, receipt: None }
        }
        ConfirmOutcome::ElectorHasSigned { petition_id, title } => {
            Confirmed { kind: ConfirmKind::ElectorHasSigned, petition_id: Some(petition_id), title, receipt: None }
        }
        ConfirmOutcome::Closed { petition_id, title } => {
            Confirmed { kind: ConfirmKind::Closed, petition_id: Some(petition_id), title, receipt: None }
        }
        ConfirmOutcome::Paused { petition_id, title } => {
            Confirmed { kind: ConfirmKind::Paused, petition_id: Some(petition_id), title, receipt: None }
        }
        ConfirmOutcome::Withdrawn { petition_id, title } => {
            Confirmed { kind: ConfirmKind::Withdrawn, petition_id: Some(petition_id), title, receipt: None }
        }
        ConfirmOutcome::Expired { petition_id, title } => {
            Confirmed { kind: ConfirmKind::Expired, petition_id: Some(petition_id), title, receipt: None }
        }
        ConfirmOutcome::UnknownLink => {
            Confirmed { kind: ConfirmKind::UnknownLink, petition_id: None, title: String::new(), receipt: None }
        }
    };
    let status = if c.kind == ConfirmKind::UnknownLink { StatusCode::NOT_FOUND } else { StatusCode::OK };
    render(&s, uri.path(), &headers, None, PostResult::Confirm(c), status).await
}

async fn withdraw_post(State(s): State<S>, Path(token): Path<String>, headers: HeaderMap, uri: Uri) -> Response {
    let outcome = if token_ok(&token) {
        match signatures::withdraw(&s.state.db, &s.state.mailing, &token, petition_store::now()).await {
            Ok(o) => o,
            Err(e) => {
                tracing::error!("withdrawing failed: {e}");
                return plain_page(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Sorry, there is a problem with the service",
                    "Your signature was not withdrawn. Please try again in a few minutes.",
                );
            }
        }
    } else {
        WithdrawOutcome::UnknownLink
    };
    let w = match outcome {
        WithdrawOutcome::Withdrawn { petition_id, title } => {
            Withdrawn { kind: WithdrawKind::Withdrawn, petition_id: Some(petition_id), title }
        }
        WithdrawOutcome::AlreadyWithdrawn { petition_id, title } => {
            Withdrawn { kind: WithdrawKind::AlreadyWithdrawn, petition_id: Some(petition_id), title }
        }
        WithdrawOutcome::Closed { petition_id, title } => {
            Withdrawn { kind: WithdrawKind::Closed, petition_id: Some(petition_id), title }
        }
        WithdrawOutcome::UnknownLink => {
            Withdrawn { kind: WithdrawKind::UnknownLink, petition_id: None, title: String::new() }
        }
    };
    let status = if w.kind == WithdrawKind::UnknownLink { StatusCode::NOT_FOUND } else { StatusCode::OK };
    render(&s, uri.path(), &headers, None, PostResult::Withdraw(w), status).await
}

/// Checks a pasted receipt against the log: the proof the log publishes for it, verified with
/// the log key as an observer would, and any strike of it since.
async fn receipt_post(
    State(s): State<S>,
    headers: HeaderMap,
    uri: Uri,
    Form(fields): Form<HashMap<String, String>>,
) -> Response {
    let text = fields.get("receipt").map(|t| t.replace("\r\n", "\n")).unwrap_or_default();
    let text = if text.is_empty() || text.ends_with('\n') { text } else { format!("{text}\n") };
    let verdict = match check_receipt(&s, &text).await {
        Ok(v) => v,
        Err(e) => {
            tracing::error!("checking a receipt failed: {e}");
            return plain_page(
                StatusCode::SERVICE_UNAVAILABLE,
                "Sorry, there is a problem with the service",
                "Your receipt could not be checked. Please try again in a few minutes.",
            );
        }
    };
    let status =
        if matches!(verdict, ReceiptVerdict::Invalid(_)) { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    render(&s, uri.path(), &headers, None, PostResult::Receipt(ReceiptChecked { receipt: text, verdict }), status).await
}

async fn check_receipt(s: &S, text: &str) -> Result<ReceiptVerdict, petition_store::StoreError> {
    use petition_tlog::proof::{strike_of, verify_receipt, LogProof};
    if text.trim().is_empty() {
        return Ok(ReceiptVerdict::Invalid("Paste your receipt: all five lines, starting petition-receipt/v1".into()));
    }
    let receipt = match petition_tlog::receipt::Receipt::parse(text) {
        Ok(r) => r,
        Err(e) => {
            return Ok(ReceiptVerdict::Invalid(format!(
                "That is not a receipt ({e}). Copy all five lines of the file you downloaded"
            )))
        }
    };
    let Ok(petition_id) = receipt.petition_id.parse::<i64>() else { return Ok(ReceiptVerdict::NotYet) };
    let commit = petition_tlog::checkpoint::parse_hash(&receipt.commitment()).expect("a commitment is a hash");
    let Some(proof) = petition_store::transparency::proof(&s.state.db, petition_id, &commit).await? else {
        return Ok(ReceiptVerdict::NotYet);
    };
    let checked = LogProof::parse(&proof)
        .map_err(|e| e.to_string())
        .and_then(|p| verify_receipt(&p, &receipt, &s.log_key, s.log_key.name()).map_err(|e| e.to_string()));
    let (index, _, cp) = match checked {
        Ok(x) => x,
        Err(e) => {
            return Ok(ReceiptVerdict::Invalid(format!("The log's proof for this receipt does not check out: {e}")))
        }
    };
    let later = petition_store::transparency::strikes_after(&s.state.db, index, cp.size).await?;
    Ok(match strike_of(index, later.iter().map(|e| e.as_bytes())) {
        None => ReceiptVerdict::Counted { index, size: cp.size },
        Some(r) => ReceiptVerdict::Struck { index, size: cp.size, reason: r.code().into() },
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_request_log_shows_no_token_and_no_commitment() {
        let shown = super::loggable_path;
        assert_eq!(shown("/confirm/abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"), "/confirm/…");
        assert_eq!(shown("/withdraw/abc"), "/withdraw/…");
        assert_eq!(shown("/log/proof/3/c29tZSBjb21taXQ"), "/log/proof/3/…");
        assert_eq!(shown("/petitions/3/sign"), "/petitions/3/sign");
        assert_eq!(shown("/proposals/abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG/edit"), "/proposals/…");
        assert_eq!(shown("/sponsor/confirm/abc"), "/sponsor/confirm/…");
        assert_eq!(shown("/log/tile/0/000"), "/log/tile/0/000");
    }
}
