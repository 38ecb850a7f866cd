//! What reference data is loaded: areas, postcodes (live and terminated), the gazetteer, the
//! register by polling district, electorates and verification numbers with their dates. Counts
//! and figures only; no elector's name.

use petition_core::views::ReferenceData;
use sqlx::Row;

use crate::db::Db;
use crate::error::Result;

fn count(r: &sqlx::any::AnyRow, col: &str) -> Result<u64> {
    Ok(r.try_get::<i64, _>(col)?.max(0) as u64)
}

pub async fn reference_data(db: &Db) -> Result<ReferenceData> {
    let mut out = ReferenceData::default();
    for r in sqlx::query("SELECT kind, CAST(COUNT(*) AS BIGINT) AS n FROM areas GROUP BY kind ORDER BY kind")
        .fetch_all(&db.pool)
        .await?
    {
        out.areas.push((r.try_get("kind")?, count(&r, "n")?));
    }
    let r = sqlx::query("SELECT CAST(COUNT(*) AS BIGINT) AS n, CAST(COUNT(terminated) AS BIGINT) AS t FROM postcodes")
        .fetch_one(&db.pool)
        .await?;
    out.postcodes_terminated = count(&r, "t")?;
    out.postcodes_live = count(&r, "n")? - out.postcodes_terminated;
    let r = sqlx::query("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM addresses").fetch_one(&db.pool).await?;
    out.addresses = count(&r, "n")?;
    // A polling district is the part of the elector number before its dash (see import::register).
    let rows =
        sqlx::query("SELECT elector_number, local_franchise, removed_at FROM electors").fetch_all(&db.pool).await?;
    let mut districts: std::collections::BTreeMap<String, (u64, u64, u64)> = Default::default();
    for r in rows {
        let number: String = r.try_get("elector_number")?;
        let district = number.split('-').next().unwrap_or("").to_uppercase();
        let e = districts.entry(district).or_default();
        if r.try_get::<Option<i64>, _>("removed_at")?.is_some() {
            e.2 += 1;
        } else {
            e.0 += 1;
            if r.try_get::<i64, _>("local_franchise")? != 0 {
                e.1 += 1;
            }
        }
    }
    out.register = districts.into_iter().map(|(d, (now, local, left))| (d, now, local, left)).collect();
    for r in sqlx::query(
        "SELECT e.area_code, a.name, e.register_date, e.electorate FROM electorates e JOIN areas a ON a.code = e.area_code
         ORDER BY e.register_date DESC, e.area_code LIMIT 200",
    )
    .fetch_all(&db.pool)
    .await?
    {
        out.electorates.push((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, count(&r, "electorate")?));
    }
    for r in sqlx::query(
        "SELECT v.area_code, a.name, v.number, v.in_force_from, v.in_force_to FROM verification_numbers v
         JOIN areas a ON a.code = v.area_code ORDER BY v.in_force_from DESC, v.area_code LIMIT 200",
    )
    .fetch_all(&db.pool)
    .await?
    {
        out.verification_numbers.push((
            r.try_get(0)?,
            r.try_get(1)?,
            count(&r, "number")?,
            r.try_get(3)?,
            r.try_get(4)?,
        ));
    }
    Ok(out)
}
