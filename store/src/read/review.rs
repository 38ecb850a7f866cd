//! The review queue: confirmed signatures that could not be matched to the register, with what
//! the register holds at the property the signer chose and near their name, and why each entry
//! did not match, so that an officer can approve or reject them one after another.

use petition_core::names::name_key;
use petition_core::views::{RegisterEntry, ReviewItem};
use sqlx::Row;

use crate::db::Db;
use crate::error::Result;
use crate::time::moment_label;

pub const PAGE: i64 = 50;

/// Why a register entry is not the signer, in words (pure, for the page).
pub fn why_not(signer_key: Option<&str>, entry_key: &str, local: bool, removed: bool, same_property: bool) -> String {
    let mut why = Vec::new();
    if !same_property {
        why.push("at another address in the postcode".to_string());
    }
    match signer_key {
        None => why.push("the name given has no forename and surname to compare".into()),
        Some(k) if k != entry_key => why.push(format!("name differs (register: {entry_key}; given: {k})")),
        Some(_) => {}
    }
    if !local {
        why.push("not a local government elector (register marker)".into());
    }
    if removed {
        why.push("left the register in a later update".into());
    }
    if why.is_empty() {
        "matches: the register changed after signing".into()
    } else {
        why.join("; ")
    }
}

/// Signatures awaiting review, oldest first; optionally of one petition and one ward.
pub async fn queue(db: &Db, petition_id: Option<i64>, ward: Option<&str>, page: i64) -> Result<Vec<ReviewItem>> {
    let mut sql = String::from(
        "SELECT id, petition_id, name, address_text, postcode, ward_code, uprn, confirmed_at FROM signatures
         WHERE status = 'review' AND struck_at IS NULL",
    );
    let mut n = 0;
    if petition_id.is_some() {
        n += 1;
        sql.push_str(&format!(" AND petition_id = ${n}"));
    }
    if ward.is_some() {
        n += 1;
        sql.push_str(&format!(" AND ward_code = ${n}"));
    }
    sql.push_str(&format!(" ORDER BY confirmed_at, id LIMIT {PAGE} OFFSET {}", page.max(0) * PAGE));
    let mut q = sqlx::query(&sql);
    if let Some(p) = petition_id {
        q = q.bind(p);
    }
    if let Some(w) = ward {
        q = q.bind(w.to_string());
    }
    let rows = q.fetch_all(&db.pool).await?;
    let mut out = Vec::new();
    for r in rows {
        let name: String = r.try_get("name")?;
        let uprn: Option<String> = r.try_get("uprn")?;
        let postcode: String = r.try_get("postcode")?;
        let key = name_key(&name);
        // The register at the postcode: entries at the chosen property first.
        let entries = sqlx::query(
            "SELECT elector_number, name_key, local_franchise, removed_at, uprn FROM electors
             WHERE postcode = $1 ORDER BY elector_number LIMIT 200",
        )
        .bind(&postcode)
        .fetch_all(&db.pool)
        .await?;
        let mut register = Vec::new();
        for e in entries {
            let entry_key: String = e.try_get("name_key")?;
            let at: Option<String> = e.try_get("uprn")?;
            let same_property = uprn.is_some() && at == uprn;
            let surname_near =
                key.as_deref().and_then(|k| k.rsplit(' ').next()).is_some_and(|s| entry_key.ends_with(s));
            if !same_property && !surname_near {
                continue;
            }
            let local = e.try_get::<i64, _>("local_franchise")? != 0;
            let removed = e.try_get::<Option<i64>, _>("removed_at")?.is_some();
            register.push(RegisterEntry {
                elector_number: e.try_get("elector_number")?,
                name: entry_key.clone(),
                at_property: same_property,
                why_not: why_not(key.as_deref(), &entry_key, local, removed, same_property),
            });
        }
        register.sort_by_key(|e| !e.at_property);
        out.push(ReviewItem {
            id: r.try_get("id")?,
            petition_id: r.try_get("petition_id")?,
            name,
            address: r.try_get("address_text")?,
            postcode,
            ward: r.try_get("ward_code")?,
            address_listed: uprn.is_some(),
            confirmed: r.try_get::<Option<i64>, _>("confirmed_at")?.map(moment_label),
            register,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_reason_is_named() {
        assert_eq!(
            why_not(Some("ada lovelace"), "ada king", true, false, true),
            "name differs (register: ada king; given: ada lovelace)"
        );
        assert_eq!(
            why_not(Some("ada king"), "ada king", false, true, false),
            "at another address in the postcode; not a local government elector (register marker); left the register in a later update"
        );
        assert_eq!(
            why_not(None, "ada king", true, false, true),
            "the name given has no forename and surname to compare"
        );
        assert_eq!(
            why_not(Some("ada king"), "ada king", true, false, true),
            "matches: the register changed after signing"
        );
    }
}
