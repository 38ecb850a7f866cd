//! The kinds of file the importers understand, by the names the command line gives them, and
//! the one entry point that imports a file of a given kind.

use petition_core::franchise::NonLocalMarkers;

use crate::db::Db;
use crate::import::areas::areas;
use crate::import::electorates::electorates;
use crate::import::gazetteer::gazetteer;
use crate::import::outcome::{ImportError, Imported};
use crate::import::postcode_lookup::postcode_lookup;
use crate::import::register::register;
use crate::import::verification_numbers::verification_numbers;

/// The kinds of file the importers understand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Areas,
    Electorates,
    PostcodeLookup,
    Gazetteer,
    Register,
    VerificationNumbers,
}

impl Kind {
    pub fn parse(s: &str) -> Option<Kind> {
        Some(match s {
            "areas" => Kind::Areas,
            "electorates" => Kind::Electorates,
            "postcodes" | "postcode-lookup" => Kind::PostcodeLookup,
            "gazetteer" | "addresses" => Kind::Gazetteer,
            "register" => Kind::Register,
            "verification-numbers" => Kind::VerificationNumbers,
            _ => return None,
        })
    }
}

/// Imports a file, with the standard franchise markers (see [`import_with`]).
pub async fn import(db: &Db, kind: Kind, text: &str) -> Result<Imported, ImportError> {
    import_with(db, kind, text, &NonLocalMarkers::standard()).await
}

/// Imports a file; a register's electors with any of `non_local` markers are kept but never
/// match a signer.
pub async fn import_with(
    db: &Db,
    kind: Kind,
    text: &str,
    non_local: &NonLocalMarkers,
) -> Result<Imported, ImportError> {
    match kind {
        Kind::Areas => areas(db, text).await,
        Kind::Electorates => electorates(db, text).await,
        Kind::PostcodeLookup => postcode_lookup(db, text).await,
        Kind::Gazetteer => gazetteer(db, text).await,
        Kind::Register => register(db, text, non_local).await,
        Kind::VerificationNumbers => verification_numbers(db, text).await,
    }
}
