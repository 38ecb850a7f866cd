//! The names of the site's built files. `cargo leptos build` (with `hash-files`) names the
//! script, the WebAssembly and the stylesheet after their content and writes the hashes to
//! `hash.txt` beside the server's binary. A name changes whenever its file does, so browsers and
//! caches may keep these files for good (`immutable`), and a new release is never mixed with an
//! old one's cached files.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::OnceLock;

/// What `Cache-Control` says of a file under `/pkg/`.
pub const HASHED: &str = "public, max-age=31536000, immutable";
/// Without hashes (a build by plain `cargo`), a file keeps its name across releases.
pub const UNHASHED: &str = "public, max-age=300";

/// The hash file's name, as cargo-leptos and Leptos call it.
pub const HASH_FILE: &str = "hash.txt";

static CSS: OnceLock<String> = OnceLock::new();

/// `js: abc`, `wasm: def`, `css: 123` lines, by kind.
pub fn parse(text: &str) -> HashMap<String, String> {
    text.lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(kind, hash)| (kind.trim().to_string(), hash.trim().to_string()))
        .filter(|(k, h)| {
            !k.is_empty() && !h.is_empty() && h.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
        .collect()
}

/// The hashes beside the running binary, if the build wrote them.
pub fn beside_binary() -> Option<HashMap<String, String>> {
    let dir: PathBuf = std::env::current_exe().ok()?.parent()?.to_path_buf();
    let hashes = parse(&std::fs::read_to_string(dir.join(HASH_FILE)).ok()?);
    (!hashes.is_empty()).then_some(hashes)
}

/// Remembers the stylesheet's name for pages rendered without Leptos (errors, refusals).
pub fn set_stylesheet(output_name: &str, hashes: Option<&HashMap<String, String>>) {
    let name = match hashes.and_then(|h| h.get("css")) {
        Some(hash) => format!("/pkg/{output_name}.{hash}.css"),
        None => format!("/pkg/{output_name}.css"),
    };
    let _ = CSS.set(name);
}

/// The stylesheet's address.
pub fn stylesheet() -> &'static str {
    CSS.get().map_or("/pkg/petitions.css", String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_file_is_read_by_kind_and_nothing_odd_is_taken() {
        let h = parse("js: iyWS4heSKQcBfwczrZSF-w\nwasm: mhtXDo-_tbaG2AGMpeIR_w\ncss: 77aa\n\nnonsense\nbad: ../x\n");
        assert_eq!(h.len(), 3);
        assert_eq!(h["wasm"], "mhtXDo-_tbaG2AGMpeIR_w");
        assert!(!h.contains_key("bad"), "a hash is base64url: letters, digits, - and _");
    }
}
