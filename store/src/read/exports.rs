//! Downloads: a petition's signatures as CSV for officers to check against the register in the
//! office's own software (personal data; each export is audited by the caller), and the public
//! counts per area as the latest signed tally states them (no personal data).

use petition_core::views::{AreaTally, PublicCounts};
use sqlx::Row;

use crate::db::Db;
use crate::error::{Result, StoreError};
use crate::places::area;
use crate::time::moment_label;
use crate::transparency::publish::latest_tally;

/// A spreadsheet runs a cell that starts with one of these as a formula; a leading apostrophe
/// makes it text (the OWASP advice for CSV exports), so a signer's "name" cannot run in the
/// office's spreadsheet.
fn cell(s: &str) -> String {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s.to_string(),
    }
}

/// Every signature of a petition that a signer confirmed (counted, awaiting review, struck or
/// withdrawn), oldest first, as CSV with a header; and how many rows.
pub async fn signers_csv(db: &Db, petition_id: i64) -> Result<(String, usize)> {
    let rows = sqlx::query(
        "SELECT id, name, address_text, postcode, ward_code, email, status, confirmed_at, struck_at, strike_reason
         FROM signatures WHERE petition_id = $1 AND status <> 'unconfirmed' ORDER BY id",
    )
    .bind(petition_id)
    .fetch_all(&db.pool)
    .await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let csv_err = |e: csv::Error| StoreError::Corrupt(format!("writing CSV: {e}"));
    w.write_record([
        "reference",
        "name",
        "address",
        "postcode",
        "ward",
        "email",
        "status",
        "confirmed",
        "strike_reason",
    ])
    .map_err(csv_err)?;
    for r in &rows {
        let struck: Option<i64> = r.try_get("struck_at")?;
        let status: String = r.try_get("status")?;
        let status = if struck.is_some() { "struck".to_string() } else { status };
        let confirmed: Option<i64> = r.try_get("confirmed_at")?;
        w.write_record([
            r.try_get::<i64, _>("id")?.to_string(),
            cell(&r.try_get::<String, _>("name")?),
            cell(&r.try_get::<String, _>("address_text")?),
            cell(&r.try_get::<String, _>("postcode")?),
            r.try_get::<String, _>("ward_code")?,
            cell(&r.try_get::<String, _>("email")?),
            status,
            confirmed.map(moment_label).unwrap_or_default(),
            r.try_get::<Option<String>, _>("strike_reason")?.filter(|_| struck.is_some()).unwrap_or_default(),
        ])
        .map_err(csv_err)?;
    }
    let bytes = w.into_inner().map_err(|e| StoreError::Corrupt(format!("writing CSV: {e}")))?;
    Ok((String::from_utf8(bytes).map_err(|e| StoreError::Corrupt(e.to_string()))?, rows.len()))
}

/// The counts per area of the latest signed tally note of a petition; None before its first.
pub async fn area_counts(db: &Db, petition_id: i64) -> Result<Option<PublicCounts>> {
    let Some(t) = latest_tally(db, petition_id).await? else { return Ok(None) };
    let mut areas = Vec::new();
    for (code, c) in &t.areas {
        let name = area(&db.pool, code).await?.map(|(a, _)| a.name).unwrap_or_default();
        areas.push(AreaTally { code: code.clone(), name, recorded: c.recorded, struck: c.struck, valid: c.valid() });
    }
    Ok(Some(PublicCounts {
        petition_id,
        tree_size: t.size,
        required: t.terms.required,
        valid: areas.iter().map(|a| a.valid).sum(),
        status: t.status.code().to_string(),
        areas,
    }))
}

/// The counts as CSV: one line per area, then a total.
pub fn area_counts_csv(c: &PublicCounts) -> String {
    let mut out = String::from("area_code,area_name,recorded,struck,valid\n");
    let mut w = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
    for a in &c.areas {
        let _ = w.write_record([
            a.code.clone(),
            cell(&a.name),
            a.recorded.to_string(),
            a.struck.to_string(),
            a.valid.to_string(),
        ]);
    }
    let (recorded, struck): (u64, u64) = c.areas.iter().fold((0, 0), |(r, s), a| (r + a.recorded, s + a.struck));
    let _ = w.write_record([
        "*".to_string(),
        "total".to_string(),
        recorded.to_string(),
        struck.to_string(),
        c.valid.to_string(),
    ]);
    out.push_str(&String::from_utf8_lossy(&w.into_inner().unwrap_or_default()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text() {
        assert_eq!(cell("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
        assert_eq!(cell("+1"), "'+1");
        assert_eq!(cell("-1"), "'-1");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("Ada Lovelace"), "Ada Lovelace");
        assert_eq!(cell(""), "");
    }

    #[test]
    fn counts_csv_has_a_line_per_area_and_a_total() {
        let c = PublicCounts {
            petition_id: 3,
            tree_size: 10,
            required: 5,
            valid: 3,
            status: "collecting".into(),
            areas: vec![
                AreaTally {
                    code: "E05000001".into(),
                    name: "Castle, Old Town".into(),
                    recorded: 2,
                    struck: 1,
                    valid: 1,
                },
                AreaTally { code: "E05000002".into(), name: "=Quay".into(), recorded: 2, struck: 0, valid: 2 },
            ],
        };
        assert_eq!(
            area_counts_csv(&c),
            "area_code,area_name,recorded,struck,valid\nE05000001,\"Castle, Old Town\",2,1,1\nE05000002,'=Quay,2,0,2\n*,total,4,1,3\n"
        );
    }
}
