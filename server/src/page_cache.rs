//! The public pages a surge reads (the home page, a postcode search, a petition page, and the
//! petition figures its hydrated page refreshes every 15 seconds) served from memory. Their counts come from signed tally notes, so a page rendered once stays right until
//! the log grows: each copy is kept for the log size it was rendered at, and for a few seconds
//! at most (what the log does not carry, such as the seed's announced source, a council's
//! response, or "3 days left" at midnight, shows within that). Everyone gets the same bytes
//! except the Content-Security-Policy nonce, which is fresh on every response. Responses carry
//! an `ETag` and `Cache-Control` with `stale-while-revalidate`, so a proxy or CDN in front can
//! absorb most of a surge, and a browser that already holds the page gets `304 Not Modified`.
//!
//! Only GETs (and HEADs, from a copy) of those paths are cached: no form is posted to them, and
//! their rendering reads no cookie. Query parameters a page does not read (a shared link's
//! `utm_source`) share its copy, since its rendering never shows them.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{to_bytes, Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use petition_core::Postcode;
use petition_store::db::Db;

/// How long a copy serves at most, even if the log has not grown.
pub const FRESH_FOR: Duration = Duration::from_secs(5);
/// What a shared cache in front is told: fresh for as long as here, then served stale while it
/// fetches a new copy.
const CACHE_CONTROL: &str = "public, max-age=5, stale-while-revalidate=30";
/// Copies kept at most (postcode searches are many; a page is a few kilobytes): past this, stale
/// copies go, and a new page is served without being kept until there is room, so that a scan of
/// postcodes cannot push the busy pages out.
const MAX_ENTRIES: usize = 4_000;
/// A rendered page larger than this (they are tens of kilobytes) is refused with an error.
const MAX_BODY: usize = 2 * 1024 * 1024;
/// How often the log's size is read (one row), to notice a newly signed checkpoint.
pub const POLL: Duration = Duration::from_millis(250);

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Key {
    Home,
    Search(String),
    Petition(i64),
    /// A petition page's figures as the hydrated page refreshes them (`/api/petition?id=3`).
    Figures(i64),
}

/// A petition number as a path or query gives it, if it is one.
fn number(s: &str) -> Option<i64> {
    (!s.is_empty() && s.len() <= 18 && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
}

/// The values of `name` in a query (`a=1&b=2`; empty pieces, such as a trailing `&`, ignored).
fn values<'q>(query: &'q str, name: &str) -> Vec<&'q str> {
    query.split('&').filter_map(|p| p.split_once('=')).filter(|(k, _)| *k == name).map(|(_, v)| v).collect()
}

impl Key {
    /// The page a request asks for, if it is one kept here. Parameters a page does not read
    /// (the `utm_source` or `fbclid` a shared link picks up) do not change it, so they share its
    /// copy rather than render it again; a parameter it reads given twice is not kept.
    pub fn of(method: &Method, path: &str, query: Option<&str>) -> Option<Key> {
        if method != Method::GET && method != Method::HEAD {
            return None;
        }
        let query = query.unwrap_or_default();
        match path {
            "/" => match values(query, "postcode").as_slice() {
                [] => Some(Key::Home),
                [value] => {
                    let decoded = percent_decode(&value.replace('+', " "))?;
                    // Spellings of one postcode share a copy; one that does not parse is not kept.
                    Some(Key::Search(Postcode::parse(&decoded).ok()?.to_string()))
                }
                _ => None,
            },
            // The browser's server function call ends its query with `&`.
            "/api/petition" => match values(query, "id").as_slice() {
                [id] => number(id).map(Key::Figures),
                _ => None,
            },
            p => number(p.strip_prefix("/petitions/")?).map(Key::Petition),
        }
    }
}

/// `%XX` escapes decoded; `None` for a malformed escape or bytes that are not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// One rendered page, split where its nonce was so that each response gets its own.
struct Copy {
    version: u64,
    rendered: Instant,
    status: StatusCode,
    etag: HeaderValue,
    content_type: Option<HeaderValue>,
    /// The body and the page's Content-Security-Policy, each in the pieces between nonces.
    body: Vec<Bytes>,
    policy: Vec<String>,
}

impl Copy {
    fn fresh(&self, version: u64) -> bool {
        self.version >= version && self.rendered.elapsed() < FRESH_FOR
    }
}

#[derive(Default)]
pub struct PageCache {
    /// The log's size as last read: a copy rendered at a smaller size is out of date.
    version: AtomicU64,
    copies: Mutex<HashMap<Key, Arc<Copy>>>,
    /// One render at a time per page: a surge of misses waits for one render, not thousands.
    renders: Mutex<HashMap<Key, Arc<tokio::sync::Mutex<()>>>>,
}

impl PageCache {
    pub fn new() -> Arc<PageCache> {
        Arc::new(PageCache::default())
    }

    /// Reads the log's size every [`POLL`] for as long as the server runs.
    pub async fn follow_the_log(self: Arc<Self>, db: Db) {
        loop {
            match petition_store::transparency::publish::log_size(&db).await {
                Ok(size) => {
                    self.version.fetch_max(size, Ordering::Relaxed);
                }
                Err(e) => tracing::warn!("reading the log's size for the page cache failed (will retry): {e}"),
            }
            tokio::time::sleep(POLL).await;
        }
    }

    fn fresh_copy(&self, key: &Key) -> Option<Arc<Copy>> {
        let version = self.version.load(Ordering::Relaxed);
        self.copies.lock().expect("page cache").get(key).filter(|c| c.fresh(version)).cloned()
    }

    fn keep(&self, key: Key, copy: Copy) -> Arc<Copy> {
        let copy = Arc::new(copy);
        let mut copies = self.copies.lock().expect("page cache");
        if copies.len() >= MAX_ENTRIES && !copies.contains_key(&key) {
            copies.retain(|_, c| c.rendered.elapsed() < FRESH_FOR);
            if copies.len() >= MAX_ENTRIES {
                return copy;
            }
        }
        // A slower render of an older log never replaces a newer copy: counts never go back.
        match copies.get(&key) {
            Some(old) if old.version > copy.version => old.clone(),
            _ => {
                copies.insert(key, copy.clone());
                copy
            }
        }
    }

    fn render_lock(&self, key: &Key) -> Arc<tokio::sync::Mutex<()>> {
        let mut renders = self.renders.lock().expect("page cache");
        if renders.len() >= MAX_ENTRIES {
            renders.retain(|_, m| Arc::strong_count(m) > 1);
        }
        renders.entry(key.clone()).or_default().clone()
    }
}

/// The middleware: answers from memory where it can, renders and keeps a copy where it cannot.
pub async fn serve(State(cache): State<Arc<PageCache>>, req: Request, next: Next) -> Response {
    let Some(key) = Key::of(req.method(), req.uri().path(), req.uri().query()) else {
        return next.run(req).await;
    };
    let asked = req.headers().get(header::IF_NONE_MATCH).cloned();
    if let Some(copy) = cache.fresh_copy(&key) {
        // For a HEAD, the server sends the headers alone.
        return respond(&copy, asked.as_ref());
    }
    if req.method() == Method::HEAD {
        // A render for a HEAD may have no body to keep.
        return next.run(req).await;
    }
    let lock = cache.render_lock(&key);
    let _one = lock.lock().await;
    // Another request may have rendered it while this one waited.
    if let Some(copy) = cache.fresh_copy(&key) {
        return respond(&copy, asked.as_ref());
    }
    // Read before rendering: the page shows the log at least this large.
    let version = cache.version.load(Ordering::Relaxed);
    let res = next.run(req).await;
    // Only pages that exist: a scan of made-up petition numbers must not fill the memory.
    if res.status() != StatusCode::OK || res.headers().contains_key(header::SET_COOKIE) {
        return res;
    }
    let (parts, body) = res.into_parts();
    let bytes = match to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(e) => {
            tracing::warn!("a page could not be read for the cache: {e}");
            return Response::builder()
                .status(StatusCode::INTERNAL_SERVER_ERROR)
                .body(Body::from("Sorry, there is a problem with the service. Please try again."))
                .expect("a valid response");
        }
    };
    let copy = split(version, parts.status, &parts.headers, bytes);
    let copy = cache.keep(key, copy);
    respond(&copy, asked.as_ref())
}

/// A rendered response as a copy: its nonce (from the policy header) cut out of body and policy.
fn split(version: u64, status: StatusCode, headers: &HeaderMap, body: Bytes) -> Copy {
    let policy = headers.get(header::CONTENT_SECURITY_POLICY).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let nonce = policy
        .split_whitespace()
        .find_map(|w| w.strip_prefix("'nonce-").and_then(|n| n.strip_suffix('\'')))
        .filter(|n| n.len() >= 16)
        .map(str::to_string);
    let (body_parts, policy_parts) = match &nonce {
        Some(n) => (split_bytes(&body, n.as_bytes()), policy.split(n.as_str()).map(str::to_string).collect()),
        None => (vec![body.clone()], vec![policy.to_string()]),
    };
    let etag = {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        for p in &body_parts {
            h.update((p.len() as u64).to_be_bytes());
            h.update(p);
        }
        let d = h.finalize();
        let hex: String = d[..12].iter().map(|b| format!("{b:02x}")).collect();
        // Weak: each response differs from the next in its nonce, not in what it says.
        HeaderValue::from_str(&format!("W/\"{hex}\"")).expect("hex is a valid header")
    };
    Copy {
        version,
        rendered: Instant::now(),
        status,
        etag,
        content_type: headers.get(header::CONTENT_TYPE).cloned(),
        body: body_parts,
        policy: policy_parts,
    }
}

fn split_bytes(body: &Bytes, needle: &[u8]) -> Vec<Bytes> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i + needle.len() <= body.len() {
        if &body[i..i + needle.len()] == needle {
            parts.push(body.slice(start..i));
            i += needle.len();
            start = i;
        } else {
            i += 1;
        }
    }
    parts.push(body.slice(start..));
    parts
}

/// Whether `If-None-Match` names this copy (a list, or `*`), by the weak comparison RFC 9110
/// asks of it.
fn matches(asked: Option<&HeaderValue>, etag: &HeaderValue) -> bool {
    let (Some(asked), Ok(etag)) = (asked.and_then(|a| a.to_str().ok()), etag.to_str()) else { return false };
    let opaque = |t: &str| t.strip_prefix("W/").unwrap_or(t).to_string();
    asked.split(',').map(str::trim).any(|t| t == "*" || opaque(t) == opaque(etag))
}

fn respond(copy: &Copy, asked: Option<&HeaderValue>) -> Response {
    let mut res = Response::builder();
    let headers = res.headers_mut().expect("a new builder");
    headers.insert(header::ETAG, copy.etag.clone());
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(CACHE_CONTROL));
    // How old the copy is already, so that a cache in front counts its five seconds from the render.
    headers.insert(header::AGE, HeaderValue::from(copy.rendered.elapsed().as_secs()));
    if copy.status == StatusCode::OK && matches(asked, &copy.etag) {
        // No policy here: the browser keeps the one stored with the page, whose nonce it matches.
        return res.status(StatusCode::NOT_MODIFIED).body(Body::empty()).expect("a valid response");
    }
    let nonce = nonce();
    if let Some(t) = &copy.content_type {
        headers.insert(header::CONTENT_TYPE, t.clone());
    }
    if let Ok(v) = HeaderValue::from_str(&copy.policy.join(&nonce)) {
        if copy.policy.len() > 1 || !copy.policy[0].is_empty() {
            headers.insert(header::CONTENT_SECURITY_POLICY, v);
        }
    }
    let size = copy.body.iter().map(|p| p.len()).sum::<usize>() + nonce.len() * (copy.body.len() - 1);
    let mut body = Vec::with_capacity(size);
    for (n, part) in copy.body.iter().enumerate() {
        if n > 0 {
            body.extend_from_slice(nonce.as_bytes());
        }
        body.extend_from_slice(part);
    }
    res.status(copy.status).body(Body::from(body)).expect("a valid response")
}

/// A fresh nonce: 128 random bits, base64 (as Leptos makes them).
fn nonce() -> String {
    use base64::Engine;
    let bytes: [u8; 16] = rand::random();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_public_pages_are_kept_and_spellings_of_a_postcode_share_one() {
        let get = Method::GET;
        assert_eq!(Key::of(&get, "/", None), Some(Key::Home));
        assert_eq!(Key::of(&get, "/", Some("")), Some(Key::Home));
        assert_eq!(Key::of(&get, "/petitions/12", None), Some(Key::Petition(12)));
        assert_eq!(Key::of(&get, "/api/petition", Some("id=12")), Some(Key::Figures(12)));
        assert_eq!(Key::of(&get, "/api/petition", Some("id=12&")), Some(Key::Figures(12)), "as the browser asks");
        assert_eq!(Key::of(&Method::POST, "/api/petition", Some("id=12")), None);
        let a = Key::of(&get, "/", Some("postcode=rv1+1aa"));
        assert!(matches!(&a, Some(Key::Search(_))), "{a:?}");
        assert_eq!(a, Key::of(&get, "/", Some("postcode=RV1%201AA")));
        for (path, query) in [
            ("/", Some("postcode=not+a+postcode")),
            ("/", Some("postcode=RV1+1AA&postcode=RV2+2BB")),
            ("/api/petition", None),
            ("/api/petition", Some("id=12&id=13")),
            ("/api/petition", Some("id=-1")),
            ("/api/petitions", Some("id=12")),
            ("/petitions/12/sign", None),
            ("/petitions/", None),
            ("/petitions/1x", None),
            ("/petitions/99999999999999999999", None),
            ("/officer", None),
            ("/", Some("postcode=%ZZ")),
        ] {
            assert_eq!(Key::of(&get, path, query), None, "{path} {query:?}");
        }
        assert_eq!(Key::of(&Method::POST, "/", None), None);
        assert_eq!(Key::of(&Method::HEAD, "/petitions/12", None), Some(Key::Petition(12)));
    }

    #[test]
    fn parameters_a_page_does_not_read_share_its_copy() {
        let get = Method::GET;
        assert_eq!(Key::of(&get, "/petitions/12", Some("utm_source=share&fbclid=x")), Some(Key::Petition(12)));
        assert_eq!(Key::of(&get, "/", Some("done=yes")), Some(Key::Home));
        assert_eq!(
            Key::of(&get, "/", Some("utm_medium=social&postcode=rv1+1aa")),
            Key::of(&get, "/", Some("postcode=RV1%201AA"))
        );
        assert_eq!(Key::of(&get, "/api/petition", Some("id=12&&")), Some(Key::Figures(12)));
        assert_eq!(Key::of(&get, "/api/petition", Some("x=1&id=12")), Some(Key::Figures(12)));
    }

    fn page(nonce: &str) -> (HeaderMap, Bytes) {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
        let policy = format!("default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'");
        h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_str(&policy).unwrap());
        let body =
            format!("<script nonce=\"{nonce}\">a</script><p>42 signatures</p><script nonce=\"{nonce}\">b</script>");
        (h, Bytes::from(body))
    }

    async fn text(res: Response) -> String {
        String::from_utf8(to_bytes(res.into_body(), usize::MAX).await.unwrap().to_vec()).unwrap()
    }

    #[tokio::test]
    async fn every_response_gets_a_fresh_nonce_in_body_and_policy_alike() {
        let (h, body) = page("AAAAAAAAAAAAAAAAAAAAAA==");
        let copy = split(7, StatusCode::OK, &h, body);
        let (a, b) = (respond(&copy, None), respond(&copy, None));
        let nonce_of = |r: &Response| {
            let p = r.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap().to_string();
            p.split_whitespace()
                .find_map(|w| w.strip_prefix("'nonce-")?.strip_suffix('\'').map(str::to_string))
                .unwrap()
        };
        let (na, nb) = (nonce_of(&a), nonce_of(&b));
        assert_ne!(na, nb);
        assert_ne!(na, "AAAAAAAAAAAAAAAAAAAAAA==");
        assert_eq!(a.headers()[header::ETAG], b.headers()[header::ETAG], "one page, one tag");
        let ta = text(a).await;
        assert_eq!(
            ta,
            format!("<script nonce=\"{na}\">a</script><p>42 signatures</p><script nonce=\"{na}\">b</script>")
        );
        assert!(text(b).await.contains(&format!("nonce=\"{nb}\">b")));
    }

    #[tokio::test]
    async fn a_browser_holding_the_page_gets_304_without_a_body_or_policy() {
        let (h, body) = page("BBBBBBBBBBBBBBBBBBBBBB==");
        let copy = split(7, StatusCode::OK, &h, body);
        let etag = copy.etag.clone();
        let res = respond(&copy, Some(&etag));
        assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
        assert!(!res.headers().contains_key(header::CONTENT_SECURITY_POLICY));
        assert_eq!(res.headers()[header::CACHE_CONTROL], CACHE_CONTROL);
        assert!(text(res).await.is_empty());
        assert!(etag.to_str().unwrap().starts_with("W/\""), "weak: bodies differ in their nonces");
        let strong = etag.to_str().unwrap().trim_start_matches("W/").to_string();
        let listed = HeaderValue::from_str(&format!("\"other\", {strong}")).unwrap();
        assert_eq!(respond(&copy, Some(&listed)).status(), StatusCode::NOT_MODIFIED);
        assert_eq!(respond(&copy, None).headers()[header::AGE], "0");
        let other = HeaderValue::from_static("\"other\"");
        assert_eq!(respond(&copy, Some(&other)).status(), StatusCode::OK);
        // The tag follows the page, not the nonce it was rendered with.
        let (h2, body2) = page("CCCCCCCCCCCCCCCCCCCCCC==");
        assert_eq!(split(8, StatusCode::OK, &h2, body2).etag, etag);
    }

    #[test]
    fn a_copy_is_fresh_only_for_its_log_size_and_a_few_seconds() {
        let (h, body) = page("DDDDDDDDDDDDDDDDDDDDDD==");
        let mut copy = split(7, StatusCode::OK, &h, body);
        assert!(copy.fresh(7));
        assert!(copy.fresh(6));
        assert!(!copy.fresh(8), "the log grew: a new tally may change the count");
        copy.rendered = copy.rendered.checked_sub(FRESH_FOR).expect("the machine has been up a while");
        assert!(!copy.fresh(7));
    }

    #[test]
    fn a_full_cache_keeps_its_busy_pages_and_serves_new_ones_without_keeping_them() {
        let cache = PageCache::default();
        let (h, body) = page("FFFFFFFFFFFFFFFFFFFFFF==");
        for n in 0..MAX_ENTRIES as i64 {
            cache.keep(Key::Petition(n), split(1, StatusCode::OK, &h, body.clone()));
        }
        let served = cache.keep(Key::Search("RV1 9DN".into()), split(1, StatusCode::OK, &h, body));
        assert_eq!(served.version, 1, "served all the same");
        cache.version.store(1, Ordering::Relaxed);
        assert!(cache.fresh_copy(&Key::Search("RV1 9DN".into())).is_none());
        assert!(cache.fresh_copy(&Key::Petition(0)).is_some(), "the pages already kept stay");
    }

    #[test]
    fn an_older_render_never_replaces_a_newer_copy() {
        let cache = PageCache::default();
        let (h, body) = page("EEEEEEEEEEEEEEEEEEEEEE==");
        cache.keep(Key::Petition(1), split(9, StatusCode::OK, &h, body.clone()));
        let kept = cache.keep(Key::Petition(1), split(8, StatusCode::OK, &h, body));
        assert_eq!(kept.version, 9);
        cache.version.store(9, Ordering::Relaxed);
        assert_eq!(cache.fresh_copy(&Key::Petition(1)).unwrap().version, 9);
    }
}
