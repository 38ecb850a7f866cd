//! The life of a petition above its count: opening it, and keeping its state (threshold
//! reached or lost, paused, closed) in line with the count, with every event recorded once.

pub mod events;
pub mod open;
pub mod settle;

pub use events::{events, Recorded};
pub use open::{open_petition, Policy};
pub use settle::{act, close_due, next_deadline, pause, resume, settle, settle_all, ByOfficer};
