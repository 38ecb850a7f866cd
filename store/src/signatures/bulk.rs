//! Striking many signatures at once, by a selection the office can justify: an email domain,
//! a span of confirmation times, a ward, or a list of signature references. The officer sees how
//! many and where before confirming; then every strike is made in one transaction, each its own
//! log entry and audit row, so the count, the log and the trail move together or not at all.

use petition_core::engine::{Event, StrikeReason};
use petition_core::officer::Effect;
use petition_core::signature::count_delta;
use sqlx::{AnyConnection, Row};
use std::collections::BTreeMap;

use crate::audit::{self, Action, Actor};
use crate::counts::{self, Deltas};
use crate::db::Db;
use crate::error::StoreError;
use crate::lifecycle::settle::{settle, ByOfficer};
use crate::mail::links::Mailing;
use crate::petitions::{self, hold, Hold};
use crate::signatures::officer::OfficerError;
use crate::signatures::stored::Stored;
use crate::transparency::queue::queue_all;
use crate::transparency::queued::Queued;

/// Most signatures one bulk strike may take: more is a sign of a wrong selection.
pub const MOST: usize = 10_000;

/// Which signatures of a petition to strike.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selection {
    /// Emails at this domain (`example.org`, matched exactly, case aside).
    EmailDomain(String),
    /// Confirmed at or after the first time and before the second (Unix seconds).
    ConfirmedBetween(i64, i64),
    Ward(String),
    /// Signature references, as an uploaded list gives them.
    References(Vec<i64>),
}

impl Selection {
    /// In words, for the check page and the audit trail.
    pub fn describe(&self) -> String {
        match self {
            Selection::EmailDomain(d) => format!("email addresses at {d}"),
            Selection::ConfirmedBetween(a, b) => {
                format!("confirmed from {} to {}", crate::time::moment_label(*a), crate::time::moment_label(*b))
            }
            Selection::Ward(w) => format!("signatures in ward {w}"),
            Selection::References(r) => format!("{} listed references", r.len()),
        }
    }
}

/// The references a list names, one or more per line (commas, spaces or new lines between);
/// or the first thing in it that is not a reference.
pub fn parse_references(text: &str) -> Result<Vec<i64>, String> {
    let mut out = Vec::new();
    for word in text.split(|c: char| c == ',' || c.is_whitespace()).filter(|w| !w.is_empty()) {
        match word.parse::<i64>() {
            Ok(n) if n > 0 => out.push(n),
            _ => {
                return Err(format!(
                    "\"{}\" is not a signature reference (a whole number)",
                    word.chars().take(30).collect::<String>()
                ))
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// The references in an uploaded file: a plain list as [`parse_references`] reads it, or a CSV
/// file with a header line that has a `reference` column (the officers' signatures export,
/// cut down in a spreadsheet to the rows to strike, say), from which only that column is read.
pub fn references_in_file(text: &str) -> Result<Vec<i64>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = text.lines().next().unwrap_or_default();
    if !first.chars().any(|c| c.is_alphabetic()) {
        return parse_references(text);
    }
    let mut rows = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let column = rows
        .headers()
        .map_err(|e| format!("the file cannot be read as CSV: {e}"))?
        .iter()
        .position(|h| h.trim().eq_ignore_ascii_case("reference"))
        .ok_or("the file's first line has no \"reference\" column: give the references one a line, or a CSV file with a reference column")?;
    let mut list = String::new();
    for (i, row) in rows.records().enumerate() {
        let row = row.map_err(|e| format!("line {}: {e}", i + 2))?;
        let cell = row.get(column).unwrap_or_default().trim();
        if cell.is_empty() {
            return Err(format!("line {}: the reference is empty", i + 2));
        }
        list.push_str(cell);
        list.push('\n');
    }
    parse_references(&list)
}

/// The signatures selected that can be struck now (confirmed or awaiting review, not struck),
/// with their wards.
async fn select(conn: &mut AnyConnection, petition_id: i64, s: &Selection) -> Result<Vec<i64>, StoreError> {
    let base =
        "SELECT id FROM signatures WHERE petition_id = $1 AND status IN ('confirmed', 'review') AND struck_at IS NULL";
    let rows = match s {
        Selection::EmailDomain(d) => {
            sqlx::query(&format!("{base} AND LOWER(email) LIKE $2 ORDER BY id"))
                .bind(petition_id)
                .bind(format!("%@{}", d.to_lowercase().replace(['%', '_', '\\'], "")))
                .fetch_all(&mut *conn)
                .await?
        }
        Selection::ConfirmedBetween(a, b) => {
            sqlx::query(&format!("{base} AND confirmed_at >= $2 AND confirmed_at < $3 ORDER BY id"))
                .bind(petition_id)
                .bind(*a)
                .bind(*b)
                .fetch_all(&mut *conn)
                .await?
        }
        Selection::Ward(w) => {
            sqlx::query(&format!("{base} AND ward_code = $2 ORDER BY id"))
                .bind(petition_id)
                .bind(w.clone())
                .fetch_all(&mut *conn)
                .await?
        }
        Selection::References(ids) => {
            let mut found = Vec::new();
            for chunk in ids.chunks(500) {
                let list = chunk.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",");
                found.extend(
                    sqlx::query(&format!("{base} AND id IN ({list}) ORDER BY id"))
                        .bind(petition_id)
                        .fetch_all(&mut *conn)
                        .await?,
                );
            }
            found
        }
    };
    rows.iter().map(|r| Ok(r.try_get::<i64, _>("id")?)).collect()
}

/// What a bulk strike would do: how many, in which wards, and the effect on the trigger.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BulkPreview {
    pub count: usize,
    pub by_ward: BTreeMap<String, usize>,
    pub effect: Effect,
}

/// Strikes each selected signature, or with `apply` false only says what it would do.
async fn strike_selected(
    conn: &mut AnyConnection,
    petition_id: i64,
    s: &Selection,
    reason: StrikeReason,
    apply: Option<(&Actor, &str)>,
    now: i64,
) -> Result<BulkPreview, OfficerError> {
    let p = petitions::load(conn, petition_id)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("petition {petition_id}")))?;
    if p.certified_at.is_some() {
        return Err(OfficerError::Certified(petition_id));
    }
    let ids = select(conn, petition_id, s).await?;
    if ids.len() > MOST {
        return Err(OfficerError::Reason(format!(
            "a narrower selection: this one takes {} signatures, more than the {MOST} one bulk strike may",
            ids.len()
        )));
    }
    let valid = counts::valid_count(conn, petition_id).await?;
    let mut by_ward = BTreeMap::new();
    let mut deltas = Deltas::new();
    let mut change = 0i64;
    let mut logged = Vec::new();
    for &id in &ids {
        let Some(row) = Stored::read(conn, id).await? else { continue };
        let delta = count_delta(&p.terms, &p.state, &row.facts(), &row.facts_with(row.status, true));
        *by_ward.entry(row.ward.clone()).or_insert(0) += 1;
        change += delta;
        if let Some((actor, note)) = apply {
            let done = sqlx::query(
                "UPDATE signatures SET struck_at = $1, strike_reason = $2 WHERE id = $3 AND struck_at IS NULL AND status = $4",
            )
            .bind(now)
            .bind(reason.code())
            .bind(id)
            .bind(row.status.name())
            .execute(&mut *conn)
            .await?;
            if done.rows_affected() != 1 {
                return Err(
                    StoreError::Conflict(format!("signature {id} was changed by someone else; look again")).into()
                );
            }
            deltas.add(petition_id, &row.ward, id, delta);
            if row.status.is_logged() {
                logged.push((petition_id, Queued::Strike(id, reason), now));
            }
            let a = Action {
                action: "strike",
                petition_id: Some(petition_id),
                subject: format!("signature {id}"),
                reason: note,
                detail: format!("struck: {} (bulk: {})", reason.code(), s.describe()),
            };
            audit::record(conn, actor, &a, now).await?;
        }
    }
    if apply.is_some() {
        deltas.apply(conn).await?;
        queue_all(conn, &logged).await?;
    }
    Ok(BulkPreview { count: ids.len(), by_ward, effect: Effect::of(valid, change, p.terms.trigger.required) })
}

/// What striking the selection would do, changing nothing.
pub async fn preview(
    db: &Db,
    petition_id: i64,
    s: &Selection,
    reason: StrikeReason,
) -> Result<BulkPreview, OfficerError> {
    let mut conn = db.pool.acquire().await?;
    strike_selected(&mut conn, petition_id, s, reason, None, 0).await
}

/// Strikes every selected signature in one transaction, then settles the petition.
pub async fn strike_all(
    db: &Db,
    mailing: &Mailing,
    petition_id: i64,
    s: &Selection,
    reason: StrikeReason,
    by: &ByOfficer<'_>,
    now: i64,
) -> Result<(BulkPreview, Vec<Event>), OfficerError> {
    if reason == StrikeReason::Withdrawn {
        return Err(OfficerError::Reason("a reason other than withdrawn, which only a signer gives".into()));
    }
    let mut recorded = settle(db, mailing, petition_id, now).await?;
    let mut tx = db.pool.begin().await?;
    hold(&mut tx, db.backend, petition_id, Hold::Shared).await?;
    let done = strike_selected(&mut tx, petition_id, s, reason, Some((by.actor, by.reason)), now).await?;
    tx.commit().await?;
    recorded.extend(settle(db, mailing, petition_id, now).await?);
    Ok((done, recorded))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_of_references_is_read_loosely_and_refused_plainly() {
        assert_eq!(parse_references("12, 7\n7 3\r\n"), Ok(vec![3, 7, 12]));
        assert_eq!(parse_references(""), Ok(vec![]));
        assert!(parse_references("12, x7").unwrap_err().contains("\"x7\""));
        assert!(parse_references("0").is_err());
        assert!(parse_references("-4").is_err());
    }

    #[test]
    fn a_file_is_a_list_or_a_csv_file_with_a_reference_column() {
        assert_eq!(references_in_file("12\n7\n"), Ok(vec![7, 12]));
        assert_eq!(references_in_file("\u{feff}12, 7"), Ok(vec![7, 12]));
        let export = "reference,name,status\n41,\"Smith, Jo\",confirmed\n9,Lee Local,review\n";
        assert_eq!(references_in_file(export), Ok(vec![9, 41]));
        assert_eq!(references_in_file("Name,Reference\r\nJo,5\r\n"), Ok(vec![5]));
        assert!(references_in_file("name,email\nJo,jo@example.org\n").unwrap_err().contains("no \"reference\" column"));
        assert!(references_in_file("reference,name\n,Jo\n").unwrap_err().starts_with("line 2"));
        assert!(references_in_file("reference\nx1\n").unwrap_err().contains("\"x1\""));
    }
}
