//! Connecting, configuring and migrating either backend.

use sqlx::any::AnyPoolOptions;
use sqlx::AnyPool;
use sqlx::Executor;
use std::time::Duration;

use crate::error::{Result, StoreError};

static SQLITE: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A connection pool and the backend behind it.
#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
    /// Where this process's busiest writers queue for SQLite's one write lock: see
    /// [`Db::write_turn`].
    gate: std::sync::Arc<tokio::sync::Mutex<()>>,
}

impl Db {
    /// Connects to `sqlite://path` (created if missing) or `postgres://...`, and brings the schema
    /// up to date.
    pub async fn connect(url: &str) -> Result<Db> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::Config(format!(
                "DATABASE_URL must start with sqlite: or postgres: (got {:?})",
                url.split(':').next().unwrap_or("")
            )));
        };
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}mode=rwc")
            }
            _ => url.to_string(),
        };
        let options = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => 8,
                Backend::Postgres => 16,
            })
            .acquire_timeout(Duration::from_secs(30))
            // A connection to a file cannot have been dropped by a network or a restarted server:
            // a ping before each use would only double the trips to SQLite's worker threads, the
            // costliest part of a query here.
            .test_before_acquire(backend == Backend::Postgres);
        let options = if backend == Backend::Sqlite {
            options.after_connect(|conn, _| {
                Box::pin(async move {
                    // WAL lets readers run beside the single writer; FULL makes a commit durable
                    // before anyone is told it succeeded; writers wait rather than fail.
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA synchronous = FULL").await?;
                    conn.execute("PRAGMA busy_timeout = 10000").await?;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    Ok(())
                })
            })
        } else {
            options
        };
        let pool = options.connect(&url).await?;
        let db = Db { pool, backend, gate: Default::default() };
        db.migrate().await?;
        Ok(db)
    }

    /// Starts a transaction that reads and then writes. On SQLite a transaction that has read
    /// cannot wait for the write lock: if another writer committed in between it fails at once
    /// ("database is locked"). Taking the lock at the start (`BEGIN IMMEDIATE`) makes it wait its
    /// turn instead. PostgreSQL needs nothing more than its constraints and row locks.
    pub async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// On SQLite, waits for this process's turn to write, in the order writers asked; on
    /// PostgreSQL, where writers lock only the rows they change, returns at once. Hold the turn
    /// until the transaction commits, and take it before a connection (a writer waiting for its
    /// turn must hold no connection, or the one whose turn it is could wait for one for ever).
    ///
    /// SQLite's own wait for its write lock (`busy_timeout`) is a sleep and retry, with sleeps
    /// growing to 100 ms: the lock is often free while the writers that want it sleep, and
    /// whoever happens to wake first takes it, so in a surge one writer could wait a second
    /// while others went ahead. The surge's writers (groups of sign-ups and confirmations, the
    /// mail senders, the sequencer) take their turns here instead, first come first served.
    pub async fn write_turn(&self) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        match self.backend {
            Backend::Sqlite => Some(self.gate.clone().lock_owned().await),
            Backend::Postgres => None,
        }
    }

    pub async fn migrate(&self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => SQLITE.run(&self.pool).await?,
            Backend::Postgres => POSTGRES.run(&self.pool).await?,
        }
        Ok(())
    }
}

/// Placeholders for a multi-row `VALUES` list: `($1, $2), ($3, $4)` for two rows of two.
pub(crate) fn values_list(rows: usize, cols: usize) -> String {
    (0..rows)
        .map(|r| {
            let row: Vec<String> = (1..=cols).map(|c| format!("${}", r * cols + c)).collect();
            format!("({})", row.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Rows per multi-row statement: well inside both backends' limits on bound parameters.
pub(crate) const ROWS_PER_STATEMENT: usize = 100;

#[cfg(test)]
mod tests {
    #[test]
    fn values_list_numbers_every_placeholder_once() {
        assert_eq!(super::values_list(1, 3), "($1, $2, $3)");
        assert_eq!(super::values_list(2, 2), "($1, $2), ($3, $4)");
    }
}
