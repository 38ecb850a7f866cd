//! What the observer's tests share: the log's name and keys, scratch folders, and the entries
//! most tests start from. Each test binary uses a part of it.
#![allow(dead_code)]

use std::path::PathBuf;

use petition_observer::Keys;
use petition_tlog::entry::{Entry, Ident, Percent};
use petition_tlog::note::NoteSigner;

pub const ORIGIN: &str = "petitions.example.gov.uk/log";

/// The log key and the tally key.
pub fn signers() -> (NoteSigner, NoteSigner) {
    (
        NoteSigner::from_seed(ORIGIN, [1; 32]).unwrap(),
        NoteSigner::from_seed(&format!("{ORIGIN}/tally"), [2; 32]).unwrap(),
    )
}

/// The keys an observer trusts: those of [`signers`].
pub fn keys() -> Keys {
    let (l, t) = signers();
    Keys::parse(&format!("{}\n{}\n", l.verifier(), t.verifier())).unwrap()
}

/// An empty scratch folder, its own for each test binary and name.
pub fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("observer-{}-{}-{name}", env!("CARGO_CRATE_NAME"), std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

pub fn id(s: &str) -> Ident {
    Ident::parse(s).unwrap()
}

/// A petition open from 1000 to 2000, needing 5 signatures.
pub fn petition(p: &str) -> Entry {
    Entry::Petition {
        id: id(p),
        area: id("E07000030"),
        opens: 1000,
        closes: 2000,
        electorate: 100,
        percent: Percent::parse("5").unwrap(),
        required: 5,
        text_sha256: [7; 32],
    }
}
