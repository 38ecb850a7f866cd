//! The store's modules depend one way. Each module (a file, or a folder's `mod.rs`) may use only
//! modules in its own layer or below, with no loops among them, and imports name the module
//! that defines an item, never a re-export (so the graph read here is the real one).
//! `lib.rs` and each `mod.rs` only declare modules and re-export their public items.
//!
//! See the graph: `cargo test -p petition-store --test layers -- --nocapture`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::str::FromStr;

use proc_macro2::{Delimiter, TokenStream, TokenTree};

/// Bottom first. A module's imports must stay in its layer or go down.
const LAYERS: &[(&str, &[&str])] = &[
    ("plumbing", &["error", "time", "db", "group", "secrets"]),
    (
        "base",
        &[
            "places",
            "petitions",
            "audit",
            "settings",
            "counts",
            "mail::links",
            "mail::outbox",
            "transparency::queued",
            "transparency::freeze",
            "transparency::pauses",
            "transparency::queue",
            "transparency::keys",
            "transparency::high_water",
            "transparency::publish",
            "import::parse::line",
            "import::parse::table",
            "import::parse::number",
            "import::parse::areas",
            "import::parse::electorates",
            "import::parse::verification_numbers",
            "import::parse::postcode_layouts",
            "import::parse::postcode_lookup",
            "import::parse::gazetteer",
            "import::parse::register",
            "import::outcome",
            "import::apply",
            "import::known",
            "import::areas",
            "import::electorates",
            "import::verification_numbers",
            "import::postcode_lookup",
            "import::gazetteer",
            "import::register",
            "import::run",
            "import::uploads",
        ],
    ),
    ("lifecycle", &["lifecycle::events", "lifecycle::settle", "lifecycle::open", "lifecycle::verify"]),
    (
        "signatures",
        &[
            "signatures::stored",
            "signatures::mails",
            "signatures::attempts",
            "signatures::conflicts",
            "signatures::sign",
            "signatures::confirm",
            "signatures::withdraw",
            "signatures::officer",
            "signatures::bulk",
        ],
    ),
    (
        "read models, the log's writer, retention and officer accounts",
        &[
            "read::public",
            "read::officer",
            "read::signers",
            "read::exports",
            "read::review",
            "read::reference",
            "read::verification",
            "transparency::sequencer",
            "demo",
            "retention",
            "officers::links",
            "officers::passwords",
            "officers::totp",
            "officers::recovery",
            "officers::sessions",
            "officers::accounts",
            "officers::sign_in",
            "officers::housekeeping",
            "proposals::stored",
            "proposals::alike",
            "proposals::mails",
            "proposals::start",
            "proposals::manage",
            "proposals::ending",
            "proposals::sponsors",
            "proposals::moderate",
        ],
    ),
];

type Module = Vec<String>;

struct Source {
    module: Module,
    declarations_only: bool,
    tokens: TokenStream,
}

fn sources(dir: &Path, module: &Module, out: &mut Vec<Source>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        if path.is_dir() {
            let mut m = module.clone();
            m.push(name);
            sources(&path, &m, out);
            continue;
        }
        let declarations_only = name == "lib" || name == "mod";
        let mut m = module.clone();
        if !declarations_only {
            m.push(name);
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let tokens = TokenStream::from_str(&text).unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
        out.push(Source { module: m, declarations_only, tokens });
    }
}

fn is_path_sep(tokens: &[TokenTree], i: usize) -> bool {
    matches!((tokens.get(i), tokens.get(i + 1)), (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b))) if a.as_char() == ':' && b.as_char() == ':')
}

/// The paths a `use` group or a path expression names, from just after `crate::` or `super::`.
fn paths_from(tokens: &[TokenTree], mut i: usize, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    let mut path = prefix;
    loop {
        match tokens.get(i) {
            Some(TokenTree::Ident(id)) => {
                path.push(id.to_string());
                if is_path_sep(tokens, i + 1) {
                    i += 3;
                    continue;
                }
                out.push(path);
                return;
            }
            Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace => {
                let inner: Vec<TokenTree> = g.stream().into_iter().collect();
                let mut start = 0;
                for j in 0..=inner.len() {
                    let end = j == inner.len() || matches!(&inner[j], TokenTree::Punct(p) if p.as_char() == ',');
                    if end {
                        if start < j {
                            paths_from(&inner[start..j], 0, path.clone(), out);
                        }
                        start = j + 1;
                    }
                }
                return;
            }
            _ => {
                out.push(path);
                return;
            }
        }
    }
}

/// Every module path named with `crate::` or `super::` in a token stream, resolved against the
/// module it appears in (inline modules such as `mod tests` included).
fn references(tokens: TokenStream, context: &Module, out: &mut Vec<Vec<String>>) {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            TokenTree::Ident(id) if id == "mod" => {
                if let (Some(TokenTree::Ident(name)), Some(TokenTree::Group(body))) =
                    (tokens.get(i + 1), tokens.get(i + 2))
                {
                    let mut inner = context.clone();
                    inner.push(name.to_string());
                    references(body.stream(), &inner, out);
                    i += 3;
                    continue;
                }
            }
            TokenTree::Ident(id) if id == "crate" && is_path_sep(&tokens, i + 1) => {
                paths_from(&tokens, i + 3, Vec::new(), out);
            }
            TokenTree::Ident(id) if id == "super" && (i == 0 || !is_path_sep(&tokens, i.saturating_sub(2))) => {
                let mut base = context.clone();
                let mut j = i;
                while matches!(tokens.get(j), Some(TokenTree::Ident(s)) if s == "super") && is_path_sep(&tokens, j + 1)
                {
                    base.pop();
                    j += 3;
                }
                if j > i {
                    paths_from(&tokens, j, base, out);
                    i = j;
                    continue;
                }
            }
            TokenTree::Group(g) => references(g.stream(), context, out),
            _ => {}
        }
        i += 1;
    }
}

/// Checks that a declaration file holds only attributes, `mod` and `use` items.
fn declarations_only(tokens: TokenStream) -> Result<(), String> {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            TokenTree::Punct(p) if p.as_char() == '#' => {
                i += if matches!(tokens.get(i + 1), Some(TokenTree::Punct(b)) if b.as_char() == '!') { 3 } else { 2 };
            }
            TokenTree::Ident(id) if id == "pub" => {
                i += if matches!(tokens.get(i + 1), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis)
                {
                    2
                } else {
                    1
                };
            }
            TokenTree::Ident(id) if id == "mod" || id == "use" => {
                while !matches!(tokens.get(i), Some(TokenTree::Punct(p)) if p.as_char() == ';') {
                    if i >= tokens.len()
                        || matches!(tokens.get(i), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace && id == "mod")
                    {
                        return Err(format!("`{id}` item without its `;`"));
                    }
                    i += 1;
                }
                i += 1;
            }
            other => return Err(format!("`{other}` (only `mod` and `use` items belong here)")),
        }
    }
    Ok(())
}

#[test]
fn store_modules_depend_one_way() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &Vec::new(), &mut files);
    let declared: BTreeSet<Module> = files.iter().filter(|s| s.declarations_only).map(|s| s.module.clone()).collect();
    let leaves: BTreeSet<Module> = files.iter().filter(|s| !s.declarations_only).map(|s| s.module.clone()).collect();
    let name = |m: &Module| m.join("::");
    let mut problems = Vec::new();

    let layer_of: BTreeMap<String, usize> =
        LAYERS.iter().enumerate().flat_map(|(n, (_, ms))| ms.iter().map(move |m| (m.to_string(), n))).collect();
    for m in &leaves {
        if !layer_of.contains_key(&name(m)) {
            problems.push(format!("{} is in no layer: add it to LAYERS (and to ARCHITECTURE.md)", name(m)));
        }
    }
    for m in layer_of.keys() {
        if !leaves.iter().any(|l| &name(l) == m) {
            problems.push(format!("LAYERS names {m}, which does not exist"));
        }
    }

    let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for s in &files {
        if s.declarations_only {
            if let Err(e) = declarations_only(s.tokens.clone()) {
                problems.push(format!("{} (lib.rs or mod.rs) holds {e}", name(&s.module)));
            }
            continue;
        }
        let mut refs = Vec::new();
        references(s.tokens.clone(), &s.module, &mut refs);
        for path in refs {
            let path: Vec<String> = path.into_iter().filter(|p| p != "self").collect();
            let target = (0..=path.len())
                .rev()
                .map(|n| path[..n].to_vec())
                .find(|p| leaves.contains(p) || declared.contains(p))
                .unwrap_or_default();
            if declared.contains(&target) {
                problems.push(format!(
                    "{} uses crate::{} through a re-export: name the module that defines it",
                    name(&s.module),
                    path.join("::")
                ));
            } else if target != s.module && !s.module.starts_with(&target) {
                edges.entry(s.module.clone()).or_default().insert(target);
            }
        }
    }

    for (from, tos) in &edges {
        for to in tos {
            if let (Some(a), Some(b)) = (layer_of.get(&name(from)), layer_of.get(&name(to))) {
                if b > a {
                    problems.push(format!(
                        "{} ({}) uses {} ({}), a layer above it",
                        name(from),
                        LAYERS[*a].0,
                        name(to),
                        LAYERS[*b].0
                    ));
                }
            }
        }
    }

    // Loops: a depth-first search that reports the path back to a module still on the stack.
    fn visit(
        m: &Module,
        edges: &BTreeMap<Module, BTreeSet<Module>>,
        state: &mut BTreeMap<Module, bool>,
        stack: &mut Vec<Module>,
        loops: &mut Vec<Vec<Module>>,
    ) {
        match state.get(m) {
            Some(true) => return,
            Some(false) => {
                let at = stack.iter().position(|s| s == m).unwrap();
                let mut l = stack[at..].to_vec();
                l.push(m.clone());
                loops.push(l);
                return;
            }
            None => {}
        }
        state.insert(m.clone(), false);
        stack.push(m.clone());
        for next in edges.get(m).into_iter().flatten() {
            visit(next, edges, state, stack, loops);
        }
        stack.pop();
        state.insert(m.clone(), true);
    }
    let (mut state, mut loops) = (BTreeMap::new(), Vec::new());
    for m in &leaves {
        visit(m, &edges, &mut state, &mut Vec::new(), &mut loops);
    }
    for l in loops {
        problems.push(format!("an import loop: {}", l.iter().map(name).collect::<Vec<_>>().join(" -> ")));
    }

    for (n, (layer, modules)) in LAYERS.iter().enumerate().rev() {
        println!("{n} {layer}");
        for m in *modules {
            let uses: Vec<String> = edges
                .iter()
                .find(|(k, _)| name(k) == *m)
                .map(|(_, v)| v.iter().map(name).collect())
                .unwrap_or_default();
            println!("    {m} -> {}", if uses.is_empty() { "(nothing in the store)".into() } else { uses.join(", ") });
        }
    }
    assert!(problems.is_empty(), "the store's layering is broken:\n  {}", problems.join("\n  "));
}

/// The checker itself: a loop, a re-export and an upward import are each found.
#[test]
fn the_checker_sees_loops_and_reexports() {
    let mut refs = Vec::new();
    let code = "use crate::a::{b::{C, d}, self}; fn f() { crate::e::g(); super::h::i(); } mod tests { use super::*; }";
    references(TokenStream::from_str(code).unwrap(), &vec!["x".into(), "y".into()], &mut refs);
    let got: BTreeSet<String> = refs.iter().map(|p| p.join("::")).collect();
    let want: BTreeSet<String> =
        ["a::b::C", "a::b::d", "a::self", "e::g", "x::h::i", "x::y"].into_iter().map(String::from).collect();
    assert_eq!(got, want);
    assert!(
        declarations_only(TokenStream::from_str("//! doc\npub mod a;\nmod b;\npub use a::{X, Y};").unwrap()).is_ok()
    );
    assert!(declarations_only(TokenStream::from_str("pub mod a;\npub fn now() -> i64 { 0 }").unwrap()).is_err());
    assert!(declarations_only(TokenStream::from_str("mod a { fn f() {} }").unwrap()).is_err());
}
