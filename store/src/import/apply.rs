//! Whether an import is done for real or only checked. A check runs the whole import (every
//! line checked against what is stored, the rows written, the notes counted) in a transaction
//! that is then rolled back, so its report is exactly the one the import would give, and it
//! changes nothing. The officers' upload page checks a file this way before asking to confirm.

use petition_core::reference::FileKind;
use sqlx::Any;

use crate::audit::{self, Actor};
use crate::db::Db;
use crate::import::outcome::{ImportError, Imported};

/// Who imports, for the audit trail: the file's name as they gave it and its hash, and when; and
/// the upload it came from, if it was uploaded (`import::uploads`), which is claimed in the same
/// transaction (see [`begin`]) so that it is imported once however often the button is pressed.
#[derive(Clone, Copy, Debug)]
pub struct ImportedBy<'a> {
    pub actor: &'a Actor,
    pub file: &'a str,
    /// The file's SHA-256 in hex, so that the trail names the exact file imported.
    pub sha256: &'a str,
    pub now: i64,
    pub upload: Option<i64>,
}

#[derive(Clone, Copy, Debug)]
pub enum Apply<'a> {
    /// Do everything, then roll it back.
    Check,
    /// Import. With someone named, the audit trail records it in the same transaction; loading
    /// the demo's sample data names no one.
    Commit(Option<ImportedBy<'a>>),
}

/// Begins an import's transaction. An upload being imported is claimed first, so that of two
/// presses of the button one imports and the other waits for it (PostgreSQL's row lock, SQLite's
/// write lock) and is then told the file is already imported, before it writes anything.
pub(crate) async fn begin(db: &Db, apply: Apply<'_>) -> Result<sqlx::Transaction<'static, Any>, ImportError> {
    let mut tx = db.pool.begin().await?;
    if let Apply::Commit(Some(ImportedBy { upload: Some(id), now, .. })) = apply {
        let claimed = sqlx::query(
            "UPDATE reference_uploads SET imported_at = $1, body = '' WHERE id = $2 AND imported_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if claimed.rows_affected() == 0 {
            tx.rollback().await?;
            return Err(ImportError::Refused(ALREADY.into()));
        }
    }
    Ok(tx)
}

/// Why an upload was not imported again.
pub(crate) const ALREADY: &str = "this upload has already been imported";

/// Ends an import's transaction as `apply` says: rolled back for a check, otherwise recorded
/// (if someone is named) and committed.
pub(crate) async fn close(
    mut tx: sqlx::Transaction<'static, Any>,
    apply: Apply<'_>,
    kind: FileKind,
    done: &Imported,
) -> Result<(), ImportError> {
    match apply {
        Apply::Check => tx.rollback().await?,
        Apply::Commit(by) => {
            if let Some(by) = by {
                let mut detail = format!("{} row(s) from the file with SHA-256 {}", done.rows, by.sha256);
                for n in &done.notes {
                    detail.push_str("; ");
                    detail.push_str(n);
                }
                let a = audit::Action {
                    action: "import",
                    petition_id: None,
                    subject: format!("{} file {}", kind.name(), by.file),
                    reason: "",
                    detail,
                };
                audit::record(&mut tx, by.actor, &a, by.now).await?;
            }
            tx.commit().await?
        }
    }
    Ok(())
}
