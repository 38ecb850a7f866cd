//! The public pages a surge reads (the home page, a postcode search, a petition page, and the
//! petition figures its hydrated page refreshes every 15 seconds) served from memory. Their counts come from signed tally notes, so a page rendered once stays right until
//! the log grows: each copy is kept for the log size it was rendered at, and for a few seconds
//! at most (what the log does not carry, such as the seed's announced source, a council's
//! response, or "3 days left" at midnight, shows within that). Everyone gets the same bytes: the
//! render's Content-Security-Policy nonce is taken out, and the policy names the page's inline
//! scripts by their SHA-256 hashes instead, which holds them to exactly what was rendered just as
//! the nonce did. So a copy is compressed once (brotli and gzip, whichever a browser accepts), and
//! a proxy or CDN in front can keep and serve it whole. Responses carry an `ETag` and
//! `Cache-Control` with `stale-while-revalidate`, so that cache can absorb most of a surge, and a
//! browser that already holds the page gets `304 Not Modified`.
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

/// The values of `name` in a query, read exactly as the page reads them (`form_urlencoded`, as
/// Leptos's router does): a name spelled with escapes (`post%63ode`) is that name, a name without
/// `=` has the empty value, `+` is a space, and empty pieces (a trailing `&`) are nothing. Read any
/// other way, a request could be kept under one page's key and rendered as another.
fn values(query: &str, name: &str) -> Vec<String> {
    form_urlencoded::parse(query.as_bytes()).filter(|(k, _)| k == name).map(|(_, v)| v.into_owned()).collect()
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
                // Spellings of one postcode share a copy; one that does not parse is not kept.
                [value] => Some(Key::Search(Postcode::parse(value).ok()?.to_string())),
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

/// One rendered page, the same for everyone, as sent plain and compressed.
struct Copy {
    version: u64,
    rendered: Instant,
    status: StatusCode,
    etag: HeaderValue,
    content_type: Option<HeaderValue>,
    /// The page's Content-Security-Policy, naming its inline scripts by hash.
    policy: Option<HeaderValue>,
    body: Bytes,
    /// The body compressed, where that made it smaller.
    brotli: Option<Bytes>,
    gzip: Option<Bytes>,
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
    let req_encodings = req.headers().get(header::ACCEPT_ENCODING).cloned();
    let accepts = accepted(req_encodings.as_ref());
    if let Some(copy) = cache.fresh_copy(&key) {
        // For a HEAD, the server sends the headers alone.
        return respond(&copy, asked.as_ref(), accepts);
    }
    if req.method() == Method::HEAD {
        // A render for a HEAD may have no body to keep.
        return next.run(req).await;
    }
    let lock = cache.render_lock(&key);
    let _one = lock.lock().await;
    // Another request may have rendered it while this one waited.
    if let Some(copy) = cache.fresh_copy(&key) {
        return respond(&copy, asked.as_ref(), accepts);
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
    let Some(copy) = Copy::of(version, parts.status, &parts.headers, &bytes) else {
        // A nonce the page uses where no hash can stand in for it: served as rendered, not kept.
        tracing::warn!("a public page uses its nonce outside a script tag; not cached");
        return Response::from_parts(parts, Body::from(bytes));
    };
    let copy = cache.keep(key, copy);
    respond(&copy, asked.as_ref(), accepts)
}

impl Copy {
    /// A rendered response as a copy, or `None` when its nonce cannot be taken out (see
    /// [`same_for_everyone`]).
    fn of(version: u64, status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Option<Copy> {
        let policy = headers.get(header::CONTENT_SECURITY_POLICY).and_then(|v| v.to_str().ok());
        let (body, policy) = match policy {
            Some(p) => {
                let (b, p) = same_for_everyone(body, p)?;
                (b, Some(HeaderValue::from_str(&p).ok()?))
            }
            None => (body.to_vec(), None),
        };
        let etag = {
            use sha2::{Digest, Sha256};
            let d = Sha256::digest(&body);
            let hex: String = d[..12].iter().map(|b| format!("{b:02x}")).collect();
            // Weak: the plain and the compressed bodies say the same and share the tag.
            HeaderValue::from_str(&format!("W/\"{hex}\"")).expect("hex is a valid header")
        };
        let smaller = |c: Vec<u8>| (c.len() < body.len()).then(|| Bytes::from(c));
        Some(Copy {
            version,
            rendered: Instant::now(),
            status,
            etag,
            content_type: headers.get(header::CONTENT_TYPE).cloned(),
            policy,
            brotli: smaller(brotli(&body)),
            gzip: smaller(gzip(&body)),
            body: Bytes::from(body),
        })
    }
}

/// The page and its policy with the render's nonce taken out: each `nonce="…"` attribute goes,
/// and the policy's `'nonce-…'` becomes the SHA-256 hash of each inline script that carried it
/// (CSP Level 2's hash sources), so exactly the scripts the server rendered run, as before.
/// `None` if the nonce is still in the page after that (used some other way, which a hash
/// cannot replace): such a page is not kept.
fn same_for_everyone(body: &[u8], policy: &str) -> Option<(Vec<u8>, String)> {
    let Some(nonce) = policy
        .split_whitespace()
        .find_map(|w| w.strip_prefix("'nonce-").and_then(|n| n.strip_suffix('\'')))
        .filter(|n| !n.is_empty())
    else {
        // A nonce written some other way (`'nonce-…';` at a directive's end) would be kept and
        // shared by everyone: such a page is not kept.
        return (!policy.contains("nonce-")).then(|| (body.to_vec(), policy.to_string()));
    };
    // Leptos writes the nonce as the `crossorigin` of the links that preload the page's script
    // and WebAssembly. A value that is not a keyword means `anonymous` (HTML's invalid value
    // default), so saying so changes nothing for the browser.
    let body = replace(body, format!(" crossorigin=\"{nonce}\"").as_bytes(), b" crossorigin=\"anonymous\"");
    let attribute = format!(" nonce=\"{nonce}\"");
    let attribute = attribute.as_bytes();
    let mut out = Vec::with_capacity(body.len());
    let mut hashes: Vec<String> = Vec::new();
    let mut rest = &body[..];
    while let Some(at) = find(rest, attribute) {
        let (before, after) = (&rest[..at], &rest[at + attribute.len()..]);
        out.extend_from_slice(before);
        let tag_start = before.iter().rposition(|&b| b == b'<')?;
        if before[tag_start..].starts_with(b"<script") {
            let content_start = after.iter().position(|&b| b == b'>')? + 1;
            let content_len = find(&after[content_start..], b"</script>")?;
            let content = &after[content_start..content_start + content_len];
            if !content.is_empty() {
                use base64::Engine;
                use sha2::{Digest, Sha256};
                let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(content));
                let source = format!("'sha256-{hash}'");
                if !hashes.contains(&source) {
                    hashes.push(source);
                }
            }
        }
        rest = after;
    }
    out.extend_from_slice(rest);
    if find(&out, nonce.as_bytes()).is_some() {
        return None;
    }
    let named = format!("'nonce-{nonce}'");
    let policy = policy
        .split(' ')
        .flat_map(|w| if w == named { hashes.clone() } else { vec![w.to_string()] })
        .collect::<Vec<_>>()
        .join(" ");
    Some((out, policy))
}

/// `body` with each `from` replaced by `to`.
fn replace(body: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut rest = body;
    while let Some(at) = find(rest, from) {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(to);
        rest = &rest[at + from.len()..];
    }
    out.extend_from_slice(rest);
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Compressed once per copy, not per response: a middle quality, since a busy petition's page
/// is rendered again at every new tally.
fn brotli(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() / 4);
    let params = brotli::enc::BrotliEncoderParams { quality: 9, lgwin: 20, ..Default::default() };
    brotli::BrotliCompress(&mut &body[..], &mut out, &params).expect("compressing to memory");
    out
}

fn gzip(body: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut z = flate2::write::GzEncoder::new(Vec::with_capacity(body.len() / 3), flate2::Compression::best());
    z.write_all(body).expect("compressing to memory");
    z.finish().expect("compressing to memory")
}

/// The compressions a request accepts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Accepts {
    brotli: bool,
    gzip: bool,
}

/// What `Accept-Encoding` accepts: a coding named with `q=0` is refused, and `*` stands for
/// those not named.
fn accepted(header: Option<&HeaderValue>) -> Accepts {
    let Some(text) = header.and_then(|h| h.to_str().ok()) else { return Accepts::default() };
    let weight = |name: &str| -> Option<f32> {
        let mut star = None;
        for item in text.split(',') {
            let mut parts = item.split(';').map(str::trim);
            let coding = parts.next().unwrap_or_default().to_ascii_lowercase();
            let q = parts
                .find_map(|p| p.strip_prefix("q=").or_else(|| p.strip_prefix("Q=")))
                .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())
                .unwrap_or(0.0);
            if coding == name {
                return Some(q);
            }
            if coding == "*" {
                star = Some(q);
            }
        }
        star
    };
    let ok = |name| weight(name).is_some_and(|q| q > 0.0);
    Accepts { brotli: ok("br"), gzip: ok("gzip") || ok("x-gzip") }
}

/// Whether `If-None-Match` names this copy (a list, or `*`), by the weak comparison RFC 9110
/// asks of it.
fn matches(asked: Option<&HeaderValue>, etag: &HeaderValue) -> bool {
    let (Some(asked), Ok(etag)) = (asked.and_then(|a| a.to_str().ok()), etag.to_str()) else { return false };
    let opaque = |t: &str| t.strip_prefix("W/").unwrap_or(t).to_string();
    asked.split(',').map(str::trim).any(|t| t == "*" || opaque(t) == opaque(etag))
}

fn respond(copy: &Copy, asked: Option<&HeaderValue>, accepts: Accepts) -> Response {
    let mut res = Response::builder();
    let headers = res.headers_mut().expect("a new builder");
    headers.insert(header::ETAG, copy.etag.clone());
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(CACHE_CONTROL));
    // The same address is sent as brotli, gzip or plain: a shared cache must keep them apart.
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    // How old the copy is already, so that a cache in front counts its five seconds from the render.
    headers.insert(header::AGE, HeaderValue::from(copy.rendered.elapsed().as_secs()));
    if let Some(p) = &copy.policy {
        headers.insert(header::CONTENT_SECURITY_POLICY, p.clone());
    }
    if copy.status == StatusCode::OK && matches(asked, &copy.etag) {
        return res.status(StatusCode::NOT_MODIFIED).body(Body::empty()).expect("a valid response");
    }
    if let Some(t) = &copy.content_type {
        headers.insert(header::CONTENT_TYPE, t.clone());
    }
    let body = match (&copy.brotli, &copy.gzip) {
        (Some(b), _) if accepts.brotli => {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("br"));
            b.clone()
        }
        (_, Some(g)) if accepts.gzip => {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            g.clone()
        }
        _ => copy.body.clone(),
    };
    res.status(copy.status).body(Body::from(body)).expect("a valid response")
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
            // Read as the page reads them: each of these is a search, not the home page, and
            // the second and third are not the search for RV1 1AA.
            ("/", Some("postcode")),
            ("/", Some("post%63ode=Anything+at+all")),
            ("/", Some("postcode=RV1+1AA&post%63ode=X")),
            ("/", Some("postcode=RV1+1AA&postcode")),
            ("/api/petition", Some("id=12&i%64=13")),
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
        assert_eq!(Key::of(&get, "/", Some("post%63ode=rv1+1aa")), Key::of(&get, "/", Some("postcode=RV1+1AA")));
    }

    fn page(nonce: &str) -> (HeaderMap, Bytes) {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
        let policy = format!("default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'");
        h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_str(&policy).unwrap());
        let body = format!(
            "<link rel=\"modulepreload\" href=\"/pkg/a.js\" crossorigin=\"{nonce}\" nonce=\"{nonce}\"><script type=\"module\" nonce=\"{nonce}\">a()</script>\
             <p>{}</p><script nonce=\"{nonce}\">b</script><script nonce=\"{nonce}\">a()</script>",
            "42 signatures. ".repeat(40)
        );
        (h, Bytes::from(body))
    }

    fn copy(version: u64, (h, body): (HeaderMap, Bytes)) -> Copy {
        Copy::of(version, StatusCode::OK, &h, &body).expect("a page whose nonce is only on its tags")
    }

    async fn bytes(res: Response) -> Vec<u8> {
        to_bytes(res.into_body(), usize::MAX).await.unwrap().to_vec()
    }

    fn sha256_source(script: &str) -> String {
        use base64::Engine;
        use sha2::{Digest, Sha256};
        format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(Sha256::digest(script)))
    }

    #[tokio::test]
    async fn the_nonce_is_replaced_by_the_hashes_of_the_scripts_that_carried_it() {
        let nonce = "AAAAAAAAAAAAAAAAAAAAAA==";
        let copy = copy(7, page(nonce));
        let res = respond(&copy, None, Accepts::default());
        let policy = res.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap().to_string();
        assert_eq!(
            policy,
            format!(
                "default-src 'self'; script-src 'self' {} {} 'wasm-unsafe-eval'",
                sha256_source("a()"),
                sha256_source("b")
            ),
            "each script once, in page order"
        );
        let body = String::from_utf8(bytes(res).await).unwrap();
        assert!(!body.contains(nonce) && !body.contains("nonce="), "{body}");
        assert!(body.starts_with(
            "<link rel=\"modulepreload\" href=\"/pkg/a.js\" crossorigin=\"anonymous\"><script type=\"module\">a()</script>"
        ));
        // Every response the same bytes and tag, whatever nonce each render had.
        let again = respond(&copy, None, Accepts::default());
        assert_eq!(again.headers()[header::CONTENT_SECURITY_POLICY], policy.as_str());
        let other = self::copy(8, page("CCCCCCCCCCCCCCCCCCCCCC=="));
        assert_eq!(other.etag, copy.etag, "the tag follows the page, not its render's nonce");
        assert_eq!(other.policy, copy.policy);
    }

    #[test]
    fn a_page_using_its_nonce_elsewhere_is_not_kept() {
        let (h, _) = page("DDDDDDDDDDDDDDDDDDDDDD==");
        let body = b"<script nonce=\"DDDDDDDDDDDDDDDDDDDDDD==\">a</script><p>DDDDDDDDDDDDDDDDDDDDDD==</p>";
        assert!(Copy::of(1, StatusCode::OK, &h, body).is_none());
        let unclosed = b"<script nonce=\"DDDDDDDDDDDDDDDDDDDDDD==\">a";
        assert!(Copy::of(1, StatusCode::OK, &h, unclosed).is_none());
        // A nonce the policy spells so that it is not found is not shared either.
        let mut last = HeaderMap::new();
        let policy = "script-src 'self' 'nonce-DDDDDDDDDDDDDDDDDDDDDD==';";
        last.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(policy));
        assert!(Copy::of(1, StatusCode::OK, &last, b"<script nonce=\"DDDDDDDDDDDDDDDDDDDDDD==\">a</script>").is_none());
        // Without a nonce there is nothing to take out.
        let plain = HeaderMap::new();
        let c = Copy::of(1, StatusCode::OK, &plain, b"<p>hello</p>").unwrap();
        assert!(c.policy.is_none());
        assert_eq!(&c.body[..], b"<p>hello</p>");
    }

    #[tokio::test]
    async fn each_browser_gets_the_compression_it_accepts() {
        let copy = copy(7, page("EEEEEEEEEEEEEEEEEEEEEE=="));
        let plain = bytes(respond(&copy, None, Accepts::default())).await;
        let accepts = |v: &'static str| accepted(Some(&HeaderValue::from_static(v)));
        for (header, want) in [
            ("gzip, deflate, br, zstd", Some("br")),
            ("gzip", Some("gzip")),
            ("br;q=0, gzip;q=0.5", Some("gzip")),
            ("*", Some("br")),
            ("*;q=0, gzip", Some("gzip")),
            ("identity", None),
            ("br;q=0, gzip;q=0", None),
            // A weight that is not a number accepts nothing: the plain page always works.
            ("br;q=nonsense", None),
        ] {
            let res = respond(&copy, None, accepts(header));
            assert_eq!(res.headers()[header::VARY], "accept-encoding");
            let got = res.headers().get(header::CONTENT_ENCODING).map(|v| v.to_str().unwrap().to_string());
            assert_eq!(got.as_deref(), want, "{header}");
            let body = bytes(res).await;
            let decoded = match want {
                Some("br") => {
                    let mut out = Vec::new();
                    brotli::BrotliDecompress(&mut &body[..], &mut out).unwrap();
                    out
                }
                Some(_) => {
                    use std::io::Read;
                    let mut out = Vec::new();
                    flate2::read::GzDecoder::new(&body[..]).read_to_end(&mut out).unwrap();
                    out
                }
                None => body.clone(),
            };
            assert_eq!(decoded, plain, "{header}");
            if want.is_some() {
                assert!(body.len() * 3 < plain.len(), "{header}: {} of {}", body.len(), plain.len());
            }
        }
        assert_eq!(accepted(None), Accepts::default());
        // A body compression would not shrink is sent plain.
        let tiny = Copy::of(1, StatusCode::OK, &HeaderMap::new(), b"ok").unwrap();
        assert!(tiny.brotli.is_none() && tiny.gzip.is_none());
        assert!(respond(&tiny, None, accepts("br, gzip")).headers().get(header::CONTENT_ENCODING).is_none());
    }

    #[tokio::test]
    async fn a_browser_holding_the_page_gets_304_without_a_body() {
        let copy = copy(7, page("BBBBBBBBBBBBBBBBBBBBBB=="));
        let etag = copy.etag.clone();
        let res = respond(&copy, Some(&etag), Accepts::default());
        assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
        // The policy is the page's own, the same as the stored page's.
        assert_eq!(res.headers().get(header::CONTENT_SECURITY_POLICY), copy.policy.as_ref());
        assert_eq!(res.headers()[header::CACHE_CONTROL], CACHE_CONTROL);
        assert!(bytes(res).await.is_empty());
        assert!(etag.to_str().unwrap().starts_with("W/\""), "weak: shared by the plain and compressed bodies");
        let strong = etag.to_str().unwrap().trim_start_matches("W/").to_string();
        let listed = HeaderValue::from_str(&format!("\"other\", {strong}")).unwrap();
        assert_eq!(respond(&copy, Some(&listed), Accepts::default()).status(), StatusCode::NOT_MODIFIED);
        assert_eq!(respond(&copy, None, Accepts::default()).headers()[header::AGE], "0");
        let other = HeaderValue::from_static("\"other\"");
        assert_eq!(respond(&copy, Some(&other), Accepts::default()).status(), StatusCode::OK);
    }

    #[test]
    fn a_copy_is_fresh_only_for_its_log_size_and_a_few_seconds() {
        let mut copy = copy(7, page("DDDDDDDDDDDDDDDDDDDDDD=="));
        assert!(copy.fresh(7));
        assert!(copy.fresh(6));
        assert!(!copy.fresh(8), "the log grew: a new tally may change the count");
        copy.rendered = copy.rendered.checked_sub(FRESH_FOR).expect("the machine has been up a while");
        assert!(!copy.fresh(7));
    }

    #[test]
    fn a_full_cache_keeps_its_busy_pages_and_serves_new_ones_without_keeping_them() {
        let cache = PageCache::default();
        let p = page("FFFFFFFFFFFFFFFFFFFFFF==");
        for n in 0..MAX_ENTRIES as i64 {
            cache.keep(Key::Petition(n), copy(1, p.clone()));
        }
        let served = cache.keep(Key::Search("RV1 9DN".into()), copy(1, p));
        assert_eq!(served.version, 1, "served all the same");
        cache.version.store(1, Ordering::Relaxed);
        assert!(cache.fresh_copy(&Key::Search("RV1 9DN".into())).is_none());
        assert!(cache.fresh_copy(&Key::Petition(0)).is_some(), "the pages already kept stay");
    }

    #[test]
    fn an_older_render_never_replaces_a_newer_copy() {
        let cache = PageCache::default();
        let p = page("EEEEEEEEEEEEEEEEEEEEEE==");
        cache.keep(Key::Petition(1), copy(9, p.clone()));
        let kept = cache.keep(Key::Petition(1), copy(8, p));
        assert_eq!(kept.version, 9);
        cache.version.store(9, Ordering::Relaxed);
        assert_eq!(cache.fresh_copy(&Key::Petition(1)).unwrap().version, 9);
    }
}
