//! A petition before it opens: a resident's proposal, its sponsors and its moderation . The rules only, with no I/O: what a proposal's texts may be, the grounds on
//! which officers may refuse one, when moderation is due, and which changes each stage allows.
//! The store and the pages build on these.

pub mod alike;
pub mod bank_holidays;
pub mod grounds;
pub mod stage;
pub mod text;
pub mod views;
pub mod working_days;

pub use grounds::Ground;
pub use stage::{Change, Stage, StageError};
pub use text::{Background, Question, Title};
