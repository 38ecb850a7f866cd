//! The rules of the petition platform as plain functions and types, with no I/O.
//!
//! Everything that decides who may sign, what counts and what is published lives here so that it
//! can be tested exhaustively and shared by the server, the browser and observers' tools.

pub mod address;
pub mod area;
pub mod engine;
pub mod franchise;
pub mod month;
pub mod names;
pub mod officer;
pub mod postcode;
pub mod proposal;
pub mod reference;
pub mod settings;
/// Receipts live with the log's verification code, which the browser also uses.
pub use petition_tlog::receipt;
pub mod signature;
pub mod text;
pub mod threshold;
pub mod verification;
pub mod views;
#[cfg(feature = "tz")]
pub mod window;

pub use area::{AreaCode, AreaKind};
pub use postcode::Postcode;
pub use threshold::Percent;
