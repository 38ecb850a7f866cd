//! The pure half of the imports: each kind of file read and checked as far as its text alone
//! allows (columns, field syntax, repeats within the file, numbers, dates, codes, markers),
//! without a database. The importers in `import` then check the rows against what is stored and
//! write them. Being pure, these are what the fuzz crate drives (fuzz/src/csv.rs), which compiles
//! this folder by path: nothing here may use the rest of the store.

pub mod areas;
pub mod electorates;
pub mod gazetteer;
pub mod line;
pub mod number;
pub mod postcode_layouts;
pub mod postcode_lookup;
pub mod register;
pub mod table;
pub mod verification_numbers;

pub use line::{AreaLine, LineError};
