//! The petition platform's database layer, on SQLite (the embedded default) or PostgreSQL (the
//! scale-out path), through one set of SQL statements that both accept.
//!
//! Every change that must not be lost (a signature, a confirmation, an email to send) is made in
//! one transaction, so a crash at any instant leaves either all of it or none of it. Every rule
//! (does this signature count, is this petition accepting signatures) is asked of
//! `petition_core`; the store only reads, writes and holds.
//!
//! The modules depend one way, from the top of this list down (`ARCHITECTURE.md` draws it, and
//! `tests/layers.rs` fails if an import goes the other way or in a loop):
//!
//! - read models ([`read`]), reference data ([`import`], [`demo`]), [`retention`], officer
//!   accounts and sign-in ([`officers`]), and petitions before they open ([`proposals`]);
//! - [`signatures`]: sign, confirm, withdraw, officers' changes;
//! - [`lifecycle`]: open, settle, pause, resume, close, events;
//! - the base: [`petitions`], [`counts`], [`places`], [`mail`], the officers' [`audit`] trail, the
//!   council's [`settings`], and the [`transparency`] log
//!   beside them (its queue is written by the layers above, its sequencer reads the rows);
//! - plumbing: [`db`], [`error`], [`group`], [`secrets`], [`time`].
//!
//! This file and each folder's `mod.rs` only declare modules and re-export their public items.

pub mod audit;
pub mod counts;
pub mod db;
pub mod demo;
pub mod error;
mod group;
pub mod import;
pub mod lifecycle;
pub mod mail;
pub mod officers;
pub mod petitions;
pub mod places;
pub mod proposals;
pub mod read;
pub mod retention;
pub mod secrets;
pub mod settings;
pub mod signatures;
pub mod time;
pub mod transparency;

pub use db::{Backend, Db};
pub use error::{Result, StoreError};
pub use time::now;
