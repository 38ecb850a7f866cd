//! The Content-Security-Policy of every response. Pages allow only this site's own scripts and
//! styles, plus the inline hydration script that carries the page's nonce (Leptos puts a fresh
//! one on each server render; the page cache swaps it for the hashes of the scripts that carried
//! it, so that a kept page is the same for everyone); nothing may frame the site, and forms may
//! post only to it.

/// The policy, with the page's nonce where there is one (server-rendered pages); without, no
/// inline script runs at all.
pub fn content_security_policy(nonce: Option<&str>) -> String {
    let scripts = match nonce {
        // 'wasm-unsafe-eval' lets the page compile its own WebAssembly; it allows no eval().
        Some(n) => format!("'self' 'nonce-{n}' 'wasm-unsafe-eval'"),
        None => "'self'".to_string(),
    };
    format!(
        "default-src 'self'; script-src {scripts}; style-src 'self'; img-src 'self' data:; connect-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Sets the page's policy on the response being rendered, with the nonce Leptos generated.
#[cfg(feature = "ssr")]
pub fn set_page_policy() {
    use leptos::prelude::use_context;
    let (Some(nonce), Some(res)) = (leptos::nonce::use_nonce(), use_context::<leptos_axum::ResponseOptions>()) else {
        return;
    };
    if let Ok(v) = http::HeaderValue::from_str(&content_security_policy(Some(&nonce))) {
        res.insert_header(http::header::CONTENT_SECURITY_POLICY, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_pages_with_a_nonce_run_an_inline_script() {
        let page = content_security_policy(Some("abc"));
        assert!(page.contains("script-src 'self' 'nonce-abc' 'wasm-unsafe-eval';"), "{page}");
        let other = content_security_policy(None);
        assert!(other.contains("script-src 'self';") && !other.contains("nonce"), "{other}");
        for p in [page, other] {
            assert!(!p.contains("unsafe-inline") && !p.contains("'unsafe-eval'"), "{p}");
            assert!(p.contains("frame-ancestors 'none'") && p.contains("form-action 'self'"), "{p}");
        }
    }
}
