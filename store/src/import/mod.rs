//! Importing reference data: areas, electorates, the postcode lookup, the address gazetteer and
//! the electoral register. Each importer reads a whole file, checks every line, and either
//! imports everything in one transaction or nothing, reporting each bad line with its number.
//!
//! Each kind is read in two steps. [`parse`] reads the file and does every check its text alone
//! allows, with no database; it is pure, so it is fuzzed (fuzz/src/csv.rs). The importer of the
//! kind (`areas`, `electorates`, ...) then checks the rows against what is stored (known areas,
//! the postcode lookup, gazetteer properties) and writes them.
//!
//! An import can also be only checked ([`apply::Apply::Check`]): it runs in full and is rolled
//! back. Officers' uploads (`uploads`) are checked so, and imported when an officer confirms.

pub mod apply;
mod areas;
mod electorates;
mod gazetteer;
mod known;
pub mod outcome;
pub mod parse;
mod postcode_lookup;
mod register;
pub mod run;
pub mod uploads;
mod verification_numbers;

pub use apply::{Apply, ImportedBy};
pub use areas::areas;
pub use electorates::electorates;
pub use gazetteer::gazetteer;
pub use outcome::{ImportError, Imported};
pub use parse::line::LineError;
pub use postcode_lookup::postcode_lookup;
pub use register::register;
pub use run::{import, import_with};
pub use verification_numbers::verification_numbers;
