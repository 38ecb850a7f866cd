//! What can go wrong in the store, by what the caller should do about it.
//!
//! Like the log crate's typed errors, each kind says who can fix it: a conflict or an unavailable
//! writer goes away if the caller tries again; corrupt data or a bad setting needs an operator;
//! a refusal is an answer (nothing changed) to pass on in words.

use petition_core::engine::Refusal;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database failed or could not be reached.
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A setting is wrong: fix it and start again.
    #[error("{0}")]
    Config(String),
    /// The database holds something this code never writes (an unknown status, a log whose
    /// entries do not hash to its head): an operator must look before anything more is signed.
    #[error("stored data is not as written: {0}")]
    Corrupt(String),
    /// Someone else changed the same thing first and this change was not made: try again.
    #[error("changed by someone else first: {0}")]
    Conflict(String),
    /// The background writer is not taking work (the server is stopping) or its group failed.
    #[error("{0}; please try again")]
    Unavailable(&'static str),
    #[error("there is no {0}")]
    NotFound(String),
    /// The threshold engine refused the action; nothing changed.
    #[error("{0}")]
    Refused(#[from] Refusal),
    /// A petition cannot be opened with the figures on file.
    #[error("{0}")]
    CannotOpen(String),
}

impl StoreError {
    /// Whether the same call may succeed if made again, with nothing fixed in between.
    pub fn is_retryable(&self) -> bool {
        match self {
            StoreError::Db(e) => {
                matches!(e, sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed)
                    || e.as_database_error().is_some_and(|d| {
                        // Serialisation failures and deadlocks (PostgreSQL), busy (SQLite).
                        matches!(d.code().as_deref(), Some("40001" | "40P01" | "5" | "517"))
                    })
            }
            StoreError::Conflict(_) | StoreError::Unavailable(_) => true,
            StoreError::Migrate(_)
            | StoreError::Config(_)
            | StoreError::Corrupt(_)
            | StoreError::NotFound(_)
            | StoreError::Refused(_)
            | StoreError::CannotOpen(_) => false,
        }
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_conflicts_and_passing_faults_are_worth_retrying() {
        assert!(StoreError::Conflict("the log head moved".into()).is_retryable());
        assert!(StoreError::Unavailable("the group writer has stopped").is_retryable());
        assert!(StoreError::Db(sqlx::Error::PoolTimedOut).is_retryable());
        assert!(!StoreError::Corrupt("the log head's root".into()).is_retryable());
        assert!(!StoreError::Refused(Refusal::Closed).is_retryable());
        assert!(!StoreError::NotFound("petition 9".into()).is_retryable());
        assert!(!StoreError::Db(sqlx::Error::RowNotFound).is_retryable());
    }
}
