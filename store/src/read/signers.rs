//! The signatures of a petition with the signers' names, emails and addresses, for officers
//! checking them against the register. Personal data: only the officer pages read this.

use petition_core::views::SignerRow;
use sqlx::Row;

use crate::db::Db;
use crate::error::Result;
use crate::time::moment_label;

pub const PAGE: i64 = 50;

/// Which signatures to list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// `counted`, `unchecked` (counted and not yet marked checked), `review`, `struck`,
    /// `withdrawn`, `sample` (the signatures drawn for a sample check, struck or not); anything
    /// else lists all but unconfirmed.
    pub show: String,
    /// Part of a name, email or postcode, or a signature reference.
    pub text: String,
    pub page: i64,
}

pub async fn signers(db: &Db, petition_id: i64, f: &Filter) -> Result<Vec<SignerRow>> {
    let mut sql = String::from(
        "SELECT id, name, email, address_text, postcode, ward_code, status, confirmed_at, strike_reason, struck_at,
           checked_at FROM signatures WHERE petition_id = $1",
    );
    sql.push_str(match f.show.as_str() {
        "counted" => " AND status = 'confirmed' AND struck_at IS NULL",
        "unchecked" => " AND status = 'confirmed' AND struck_at IS NULL AND checked_at IS NULL",
        "review" => " AND status = 'review' AND struck_at IS NULL",
        "struck" => " AND struck_at IS NOT NULL",
        "withdrawn" => " AND status = 'withdrawn'",
        "sample" => " AND id IN (SELECT signature_id FROM sample_members WHERE petition_id = $1)",
        _ => " AND status <> 'unconfirmed'",
    });
    let text = f.text.trim();
    let reference = text.parse::<i64>().ok();
    if reference.is_some() {
        sql.push_str(" AND id = $2");
    } else if !text.is_empty() {
        sql.push_str(" AND (LOWER(name) LIKE $2 OR LOWER(email) LIKE $2 OR LOWER(postcode) LIKE $2)");
    }
    sql.push_str(&format!(" ORDER BY id LIMIT {PAGE} OFFSET {}", f.page.max(0) * PAGE));
    let mut q = sqlx::query(&sql).bind(petition_id);
    if let Some(r) = reference {
        q = q.bind(r);
    } else if !text.is_empty() {
        q = q.bind(format!("%{}%", text.to_lowercase().replace(['%', '_', '\\'], "")));
    }
    let rows = q.fetch_all(&db.pool).await?;
    rows.iter()
        .map(|r| {
            Ok(SignerRow {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                email: r.try_get("email")?,
                address: r.try_get("address_text")?,
                postcode: r.try_get("postcode")?,
                ward: r.try_get("ward_code")?,
                status: r.try_get("status")?,
                confirmed: r.try_get::<Option<i64>, _>("confirmed_at")?.map(moment_label),
                struck: match r.try_get::<Option<i64>, _>("struck_at")? {
                    Some(_) => Some(r.try_get::<Option<String>, _>("strike_reason")?.unwrap_or_default()),
                    None => None,
                },
                checked: r.try_get::<Option<i64>, _>("checked_at")?.is_some(),
            })
        })
        .collect()
}
