//! The petition platform's database layer, on SQLite (the embedded default) or PostgreSQL (the
//! scale-out path), through one set of SQL statements that both accept.
//!
//! Every change that must not be lost (a signature, a confirmation, an email to send) is made in
//! one transaction, so a crash at any instant leaves either all of it or none of it.

pub mod confirming;
pub mod db;
pub mod demo;
mod group;
pub mod import;
pub mod log;
pub mod officer;
pub mod outbox;
pub mod queries;
pub mod secrets;
pub mod signing;
pub mod trigger;

pub use db::{Backend, Db};

/// Unix seconds now.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Invalid(String),
}

pub type Result<T> = std::result::Result<T, StoreError>;
