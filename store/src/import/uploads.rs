//! Files officers upload from the browser: checked on arrival (the whole import, rolled back;
//! see `import::apply`), kept with the report until an officer confirms, then imported. An
//! upload whose report shows problems is kept too, so the page can show every problem; it can
//! never be imported.

use petition_core::franchise::NonLocalMarkers;
use petition_core::reference::FileKind;
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::audit::Actor;
use crate::db::Db;
use crate::error::{Result, StoreError};
use crate::import::apply::{Apply, ImportedBy, ALREADY};
use crate::import::outcome::{ImportError, Imported};
use crate::import::parse::line::LineError;
use crate::import::run::import_with;
use crate::secrets::hex;

/// At most this many problems are kept for the page; the count says how many there were.
pub const PROBLEMS_KEPT: usize = 500;

/// What the check found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Report {
    /// It would import `rows` rows, with these notes.
    Sound { rows: i64, notes: Vec<String> },
    /// `count` problems, the first [`PROBLEMS_KEPT`] of them here, in line order.
    Problems { count: i64, problems: Vec<LineError> },
    /// Well formed, but refused as a whole (a register that drops most of a district).
    Refused(String),
    /// A header and no rows.
    Empty,
}

/// An upload, as its page shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upload {
    pub id: i64,
    pub kind: FileKind,
    pub file_name: String,
    pub bytes: i64,
    pub sha256: String,
    pub uploaded_by: String,
    pub uploaded_at: i64,
    pub report: Report,
    pub imported_at: Option<i64>,
}

/// Why an upload was not imported.
#[derive(Debug, thiserror::Error)]
pub enum ConfirmError {
    #[error("there is no such upload; it may have been more than a day ago: upload the file again")]
    NotFound,
    #[error("this file has already been imported")]
    AlreadyImported,
    #[error("this file has problems and cannot be imported: correct it and upload it again")]
    NotSound,
    /// The stored data changed since the check, and the file no longer imports.
    #[error("{0}")]
    Import(ImportError),
}

fn one_line(s: &str) -> String {
    s.replace(['\n', '\r', '\t'], " ")
}

/// A file's name as the browser gave it, fit for a page and the audit trail: no control or
/// bidirectional-override characters, at most 200 characters.
fn file_name_shown(name: &str) -> String {
    let bidi = |c: char| matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}');
    let kept: String = name.chars().filter(|c| !c.is_control() && !bidi(*c)).take(200).collect();
    if kept.trim().is_empty() {
        "(no name)".into()
    } else {
        kept
    }
}

/// The report of an import's outcome; a database failure is not a report.
fn report_of(outcome: std::result::Result<Imported, ImportError>) -> Result<Report> {
    Ok(match outcome {
        Ok(done) if done.rows == 0 => Report::Empty,
        Ok(done) => Report::Sound { rows: done.rows as i64, notes: done.notes },
        Err(ImportError::Lines(mut problems)) => {
            let count = problems.len() as i64;
            problems.truncate(PROBLEMS_KEPT);
            Report::Problems { count, problems }
        }
        Err(ImportError::Refused(why)) => Report::Refused(why),
        Err(ImportError::Store(e)) => return Err(e),
    })
}

/// Stored as (outcome, how_many, report).
fn columns(r: &Report) -> (&'static str, i64, String) {
    match r {
        Report::Sound { rows, notes } => {
            ("sound", *rows, notes.iter().map(|n| one_line(n)).collect::<Vec<_>>().join("\n"))
        }
        Report::Problems { count, problems } => (
            "problems",
            *count,
            problems.iter().map(|p| format!("{}\t{}", p.line, one_line(&p.message))).collect::<Vec<_>>().join("\n"),
        ),
        Report::Refused(why) => ("refused", 0, one_line(why)),
        Report::Empty => ("empty", 0, String::new()),
    }
}

fn from_columns(outcome: &str, how_many: i64, report: &str) -> Result<Report> {
    let lines = || report.lines().map(str::to_string);
    Ok(match outcome {
        "sound" => Report::Sound { rows: how_many, notes: lines().collect() },
        "problems" => Report::Problems {
            count: how_many,
            problems: report
                .lines()
                .map(|l| {
                    let (n, m) = l.split_once('\t').unwrap_or(("0", l));
                    LineError { line: n.parse().unwrap_or(0), message: m.to_string() }
                })
                .collect(),
        },
        "refused" => Report::Refused(report.to_string()),
        "empty" => Report::Empty,
        other => return Err(StoreError::Corrupt(format!("reference upload outcome {other:?}"))),
    })
}

/// A file's SHA-256, in lower-case hex, as the upload page and the audit trail give it.
pub fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

/// Checks `text` as a file of `kind` and keeps it with its report; returns the upload's id.
pub async fn check(
    db: &Db,
    non_local: &NonLocalMarkers,
    kind: FileKind,
    file_name: &str,
    text: &str,
    account_id: i64,
    now: i64,
) -> Result<i64> {
    let report = report_of(import_with(db, kind, text, non_local, Apply::Check).await)?;
    let (outcome, how_many, report) = columns(&report);
    let row = sqlx::query(
        "INSERT INTO reference_uploads (kind, file_name, body, bytes, sha256, account_id, uploaded_at, outcome, how_many, report)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(kind.name())
    .bind(file_name_shown(file_name))
    // A file with problems is never imported: only its report is worth keeping.
    .bind(if outcome == "sound" { text } else { "" })
    .bind(text.len() as i64)
    .bind(sha256_hex(text))
    .bind(account_id)
    .bind(now)
    .bind(outcome)
    .bind(how_many)
    .bind(report)
    .fetch_one(&db.pool)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn find(db: &Db, id: i64) -> Result<Option<Upload>> {
    let Some(r) = sqlx::query(
        "SELECT u.id, u.kind, u.file_name, u.bytes, u.sha256, a.email, u.uploaded_at, u.outcome, u.how_many,
                u.report, u.imported_at
         FROM reference_uploads u JOIN officer_accounts a ON a.id = u.account_id WHERE u.id = $1",
    )
    .bind(id)
    .fetch_optional(&db.pool)
    .await?
    else {
        return Ok(None);
    };
    let kind: String = r.try_get("kind")?;
    Ok(Some(Upload {
        id: r.try_get("id")?,
        kind: FileKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("reference upload kind {kind:?}")))?,
        file_name: r.try_get("file_name")?,
        bytes: r.try_get("bytes")?,
        sha256: r.try_get("sha256")?,
        uploaded_by: r.try_get("email")?,
        uploaded_at: r.try_get("uploaded_at")?,
        report: from_columns(
            &r.try_get::<String, _>("outcome")?,
            r.try_get("how_many")?,
            &r.try_get::<String, _>("report")?,
        )?,
        imported_at: r.try_get("imported_at")?,
    }))
}

/// Imports an upload whose check was sound, recording `actor` in the audit trail.
pub async fn confirm(
    db: &Db,
    non_local: &NonLocalMarkers,
    id: i64,
    actor: &Actor,
    now: i64,
) -> std::result::Result<Imported, ConfirmError> {
    let store = |e: StoreError| ConfirmError::Import(ImportError::Store(e));
    let upload = find(db, id).await.map_err(store)?.ok_or(ConfirmError::NotFound)?;
    if upload.imported_at.is_some() {
        return Err(ConfirmError::AlreadyImported);
    }
    if !matches!(upload.report, Report::Sound { .. }) {
        return Err(ConfirmError::NotSound);
    }
    // The text stays until the upload is imported, which empties it in the same transaction as
    // it sets imported_at: an empty text here means another press has imported it.
    let body: String = sqlx::query("SELECT body FROM reference_uploads WHERE id = $1 AND imported_at IS NULL")
        .bind(id)
        .fetch_optional(&db.pool)
        .await
        .map_err(|e| store(e.into()))?
        .map(|r| r.try_get("body"))
        .transpose()
        .map_err(|e| store(e.into()))?
        .ok_or(ConfirmError::AlreadyImported)?;
    let by = ImportedBy { actor, file: &upload.file_name, sha256: &upload.sha256, now, upload: Some(id) };
    match import_with(db, upload.kind, &body, non_local, Apply::Commit(Some(by))).await {
        Ok(done) => Ok(done),
        Err(ImportError::Refused(why)) if why == ALREADY => Err(ConfirmError::AlreadyImported),
        Err(e) => Err(ConfirmError::Import(e)),
    }
}

/// Uploads are kept a day: long enough to check and confirm, short enough that a register
/// uploaded and never imported does not linger.
pub const KEPT: i64 = 24 * 60 * 60;

/// Deletes uploads older than [`KEPT`]; returns how many.
pub async fn purge(db: &Db, now: i64) -> Result<u64> {
    Ok(sqlx::query("DELETE FROM reference_uploads WHERE uploaded_at <= $1")
        .bind(now - KEPT)
        .execute(&db.pool)
        .await?
        .rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_survive_the_round_trip_through_their_columns() {
        let reports = [
            Report::Sound { rows: 3, notes: vec!["one\nnote".into(), "two".into()] },
            Report::Sound { rows: 1, notes: vec![] },
            Report::Problems {
                count: 900,
                problems: vec![LineError::new(2, "bad\tpostcode"), LineError::new(7, "unknown area")],
            },
            Report::Refused("most of district AB would leave".into()),
            Report::Empty,
        ];
        for r in reports {
            let (o, n, text) = columns(&r);
            let back = from_columns(o, n, &text).unwrap();
            match (&r, &back) {
                (Report::Sound { notes, .. }, Report::Sound { notes: b, .. }) => {
                    assert_eq!(notes.iter().map(|n| one_line(n)).collect::<Vec<_>>(), *b)
                }
                (Report::Problems { problems, count }, Report::Problems { problems: b, count: c }) => {
                    assert_eq!(count, c);
                    assert_eq!(problems.len(), b.len());
                    for (x, y) in problems.iter().zip(b) {
                        assert_eq!((x.line, one_line(&x.message)), (y.line, y.message.clone()));
                    }
                }
                _ => assert_eq!(r, back),
            }
        }
        assert!(from_columns("maybe", 0, "").is_err());
    }

    #[test]
    fn file_names_are_cut_down_to_what_a_page_can_show() {
        assert_eq!(file_name_shown("register 2026.csv"), "register 2026.csv");
        assert_eq!(file_name_shown("a\u{202e}vsc.exe\n"), "avsc.exe");
        assert_eq!(file_name_shown(&"x".repeat(500)).len(), 200);
        assert_eq!(file_name_shown("\u{7}"), "(no name)");
    }

    #[test]
    fn only_the_first_problems_are_kept_but_all_are_counted() {
        let many = (1..=(PROBLEMS_KEPT as u64 + 10)).map(|n| LineError::new(n, "bad")).collect();
        let Report::Problems { count, problems } = report_of(Err(ImportError::Lines(many))).unwrap() else { panic!() };
        assert_eq!(count, PROBLEMS_KEPT as i64 + 10);
        assert_eq!(problems.len(), PROBLEMS_KEPT);
        assert_eq!(report_of(Ok(Imported::default())).unwrap(), Report::Empty);
    }
}
