//! The one entry point that imports, or checks, a file of a given kind.

use petition_core::franchise::NonLocalMarkers;
use petition_core::reference::FileKind;

use crate::db::Db;
use crate::import::apply::Apply;
use crate::import::areas::areas;
use crate::import::electorates::electorates;
use crate::import::gazetteer::gazetteer;
use crate::import::outcome::{ImportError, Imported};
use crate::import::postcode_lookup::postcode_lookup;
use crate::import::register::register;
use crate::import::verification_numbers::verification_numbers;

/// Imports a file, with the standard franchise markers, recording no one (see [`import_with`]).
pub async fn import(db: &Db, kind: FileKind, text: &str) -> Result<Imported, ImportError> {
    import_with(db, kind, text, &NonLocalMarkers::standard(), Apply::Commit(None)).await
}

/// Imports or checks a file (see [`Apply`]); a register's electors with any of `non_local`
/// markers are kept but never match a signer.
pub async fn import_with(
    db: &Db,
    kind: FileKind,
    text: &str,
    non_local: &NonLocalMarkers,
    apply: Apply<'_>,
) -> Result<Imported, ImportError> {
    match kind {
        FileKind::Areas => areas(db, text, apply).await,
        FileKind::Electorates => electorates(db, text, apply).await,
        FileKind::PostcodeLookup => postcode_lookup(db, text, apply).await,
        FileKind::Gazetteer => gazetteer(db, text, apply).await,
        FileKind::Register => register(db, text, non_local, apply).await,
        FileKind::VerificationNumbers => verification_numbers(db, text, apply).await,
    }
}
