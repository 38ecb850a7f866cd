//! A generated demo borough: a county, a district with several wards, a few thousand addresses on
//! made-up `RV` postcodes, a matching electoral register, and petitions at different stages. All
//! names and places are invented; everything goes in through the same importers an electoral
//! office uses.

use chrono::{DateTime, Duration, Utc};
use petition_core::receipt::{Receipt, Secret};
use petition_core::reference::FileKind;
use petition_core::signature::Status;
use petition_core::AreaCode;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sqlx::Row;

use crate::counts::SHARDS;
use crate::db::Db;
use crate::import::outcome::ImportError;
use crate::import::run::import;
use crate::lifecycle::open::{open_petition, Policy};
use crate::places::lies_in;
use crate::secrets::Secrets;
use crate::signatures::sign::rekey_elector_signatures;

pub const SEED: u64 = 2026;
pub const REGISTER_DATE: &str = "2026-02-15";
pub const COUNTY: &str = "E10900001";
pub const DISTRICT: &str = "E07900001";
const WARDS: [&str; 6] = ["Harbour", "Castle", "Millbrook", "St Anne's", "Northgate", "Fenside"];
const STREETS: [&str; 12] =
    ["Road", "Street", "Lane", "Close", "Avenue", "Way", "Gardens", "Terrace", "Drive", "Row", "Crescent", "Place"];
const STREET_NAMES: [&str; 24] = [
    "Quay", "Anchor", "Chapel", "Mill", "Orchard", "Station", "Church", "Market", "Bridge", "Fountain", "Willow",
    "Elm", "Rope", "Tannery", "Abbey", "Harrow", "Meadow", "Beacon", "Lantern", "Salt", "Ferry", "Granary", "Kiln",
    "Weavers",
];
const FORENAMES: [&str; 32] = [
    "Amelia", "Oliver", "Isla", "George", "Ava", "Noah", "Mia", "Arthur", "Ivy", "Leo", "Grace", "Harry", "Freya",
    "Oscar", "Lily", "Jack", "Sophie", "Thomas", "Zara", "Samuel", "Ruth", "Mohammed", "Aisha", "Daniel", "Chloe",
    "Priya", "Owen", "Niamh", "Siân", "Tomasz", "Elif", "Kwame",
];
const SURNAMES: [&str; 32] = [
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Robinson", "Wright",
    "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke", "Khan", "Hughes",
    "O'Brien", "Lewis", "Nowak", "Okafor", "Murphy", "Price", "Ahmed", "Fletcher", "Kaur",
];

/// How big to make the borough.
#[derive(Clone, Copy, Debug)]
pub struct Size {
    pub wards: usize,
    pub postcodes_per_ward: usize,
    pub addresses_per_postcode: usize,
}

impl Size {
    pub const DEMO: Size = Size { wards: 6, postcodes_per_ward: 40, addresses_per_postcode: 14 };
    pub const SMALL: Size = Size { wards: 3, postcodes_per_ward: 3, addresses_per_postcode: 4 };
    /// The most postcodes a ward can have: the generated units run from `0AA` to `9ZZ` in a
    /// pattern that repeats after this many.
    const MAX_POSTCODES_PER_WARD: usize = 260;
    /// The demo's scale at most (about 90,000 electors), which a load test of a minute or two at
    /// a thousand signers a second needs.
    pub const MAX_SCALE: usize = 30;

    /// The demo borough with about `scale` times its addresses and electors (`scale` from 1 to
    /// [`Size::MAX_SCALE`]): more postcodes in each ward, then more addresses at each postcode.
    /// The wards, petitions and postcode pattern stay those of the demo, so `scale` 1 is the demo.
    pub fn demo(scale: usize) -> Size {
        let scale = scale.clamp(1, Size::MAX_SCALE);
        let d = Size::DEMO;
        let postcodes_per_ward = (d.postcodes_per_ward * scale).min(Size::MAX_POSTCODES_PER_WARD);
        let addresses = d.postcodes_per_ward * d.addresses_per_postcode * scale;
        Size { wards: d.wards, postcodes_per_ward, addresses_per_postcode: addresses.div_ceil(postcodes_per_ward) }
    }
}

/// Someone on the generated register, as they would fill in the signing form.
#[derive(Clone, Debug)]
pub struct Person {
    pub name: String,
    pub postcode: String,
    pub uprn: String,
    pub ward: String,
    pub local: bool,
}

/// The generated files, ready for the importers.
#[derive(Clone, Debug, Default)]
pub struct Files {
    pub areas: String,
    pub electorates: String,
    pub gazetteer: String,
    pub register: String,
    pub people: Vec<Person>,
}

pub fn ward_code(i: usize) -> String {
    format!("E0590{:04}", i + 1)
}

/// Generates the borough deterministically from `seed`.
pub fn generate(size: Size, seed: u64, register_date: &str) -> Files {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut f = Files::default();
    f.areas.push_str("code,name,kind,parent_code\n");
    f.areas.push_str(&format!("{COUNTY},Westshire,county,\n{DISTRICT},Rivermouth,district,{COUNTY}\n"));
    f.gazetteer.push_str(
        "UPRN,AddressLine1,AddressLine2,AddressLine3,AddressLine4,AddressLine5,AddressLine6,PostCode,WardCode\n",
    );
    f.register.push_str("Elector Number Prefix,Elector Number,Elector Number Suffix,Elector Markers,Elector DOB,Elector Name,PostCode,Address1,Address2,Address3,Address4,Address5,Address6\n");
    f.electorates.push_str("area_code,register_date,electorate\n");
    let mut uprn = 100_090_000_000u64;
    let mut district_total = 0u64;
    for (w, &ward_name) in WARDS.iter().enumerate().take(size.wards) {
        let code = ward_code(w);
        f.areas.push_str(&format!("{code},\"{ward_name}\",ward,{DISTRICT}\n"));
        let prefix =
            format!("{}{}", ward_name.chars().next().unwrap_or('W').to_ascii_uppercase(), (b'A' + w as u8) as char);
        let mut elector_no = 0u32;
        let mut ward_total = 0u64;
        for pc in 0..size.postcodes_per_ward {
            let postcode = format!(
                "RV{} {}{}{}",
                w + 1,
                pc % 10,
                (b'A' + (pc / 10 % 26) as u8) as char,
                (b'A' + (pc * 7 % 26) as u8) as char
            );
            let street = format!(
                "{} {}",
                STREET_NAMES[rng.gen_range(0..STREET_NAMES.len())],
                STREETS[rng.gen_range(0..STREETS.len())]
            );
            for a in 0..size.addresses_per_postcode {
                uprn += 1;
                let number = 1 + a * 2 + pc % 2;
                let (line1, line2) = if a % 9 == 8 {
                    (format!("Flat {}", a / 9 + 1), format!("{number} {street}"))
                } else {
                    (format!("{number} {street}"), String::new())
                };
                f.gazetteer.push_str(&format!("{uprn},\"{line1}\",\"{line2}\",Rivermouth,,,,{postcode},{code}\n"));
                let household = rng.gen_range(1..=3);
                let surname = SURNAMES[rng.gen_range(0..SURNAMES.len())];
                for _ in 0..household {
                    elector_no += 1;
                    let forename = FORENAMES[rng.gen_range(0..FORENAMES.len())];
                    let markers = if rng.gen_ratio(1, 60) { "F" } else { "" };
                    let local = markers.is_empty();
                    if local {
                        ward_total += 1;
                    }
                    let (addr1, addr2) = if line2.is_empty() {
                        (line1.clone(), "Rivermouth".to_string())
                    } else {
                        (line1.clone(), line2.clone())
                    };
                    let addr3 = if line2.is_empty() { "" } else { "Rivermouth" };
                    f.register.push_str(&format!(
                        "{prefix},{elector_no},0,{markers},,\"{}, {forename}\",{postcode},\"{addr1}\",\"{addr2}\",{addr3},,,\n",
                        surname.to_uppercase()
                    ));
                    f.people.push(Person {
                        name: format!("{forename} {surname}"),
                        postcode: postcode.clone(),
                        uprn: uprn.to_string(),
                        ward: code.clone(),
                        local,
                    });
                }
            }
        }
        district_total += ward_total;
        f.electorates.push_str(&format!("{code},{register_date},{ward_total}\n"));
    }
    f.electorates.push_str(&format!("{DISTRICT},{register_date},{district_total}\n"));
    // The county also covers districts the demo does not model.
    f.electorates.push_str(&format!("{COUNTY},{register_date},{}\n", district_total + 183_240));
    f
}

/// Imports generated files in the order an office would.
pub async fn import_files(db: &Db, f: &Files) -> Result<(), ImportError> {
    import(db, FileKind::Areas, &f.areas).await?;
    import(db, FileKind::Electorates, &f.electorates).await?;
    import(db, FileKind::Gazetteer, &f.gazetteer).await?;
    import(db, FileKind::Register, &f.register).await?;
    Ok(())
}

/// Loads the demo borough into an empty database, with petitions at different stages and
/// confirmed signatures from generated electors. Does nothing if areas already exist.
pub async fn load(db: &Db, secrets: &Secrets, size: Size, now: DateTime<Utc>) -> Result<bool, ImportError> {
    let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM areas").fetch_one(&db.pool).await?.try_get("n")?;
    if n > 0 {
        return Ok(false);
    }
    let files = generate(size, SEED, REGISTER_DATE);
    import_files(db, &files).await?;
    let area = |c: &str| AreaCode::parse(c).expect("generated codes are valid");
    let day = Duration::days(1);
    let plans: [(&str, &str, String, Duration, f64); 5] = [
        (
            "Hold a referendum on having a directly elected mayor for Rivermouth",
            "We the undersigned ask Rivermouth District Council to hold a referendum on whether the council should be run by a directly elected mayor and cabinet.\n\nA mayor elected by all of us would be directly answerable to residents for the council's decisions.",
            DISTRICT.to_string(), day * 120, 0.55,
        ),
        (
            "Keep Millbrook library open six days a week",
            "We ask the council to hold a local referendum on reducing Millbrook library's opening hours before any change is made.",
            ward_code(2), day * 30, 0.2,
        ),
        (
            "A referendum on the Castle ward parking scheme",
            "We ask the council to put the proposed residents' parking scheme for Castle ward to a referendum of the ward's electors.",
            ward_code(1), day * 75, 0.97,
        ),
        (
            "Westshire: ask residents before closing recycling centres",
            "We ask Westshire County Council to hold a referendum before closing any household waste recycling centre.",
            COUNTY.to_string(), day * 12, 0.004,
        ),
        (
            "Harbour ward: a referendum on the quayside redevelopment",
            "We asked the council to hold a referendum on the quayside redevelopment plans.",
            ward_code(0), day * 250, 0.4,
        ),
    ];
    let mut rng = StdRng::seed_from_u64(7);
    for (title, body, code, age, fill) in plans {
        let opens = now - age;
        let id = open_petition(db, title, body, &area(&code), opens, Policy::default()).await?;
        if age > day * 200 {
            // The closed one was to be checked by sample, its seed's source announced while it collected.
            let plan = "drand quicknet: the first round after 00:00 UTC on the day after the close";
            let at = (opens + day).timestamp();
            sqlx::query("UPDATE petitions SET seed_plan = $1, seed_plan_at = $2 WHERE id = $3")
                .bind(plan)
                .bind(at)
                .bind(id)
                .execute(&db.pool)
                .await?;
            sqlx::query("INSERT INTO seed_plans (petition_id, plan, announced_at) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(plan)
                .bind(at)
                .execute(&db.pool)
                .await?;
        }
        let (required, closes_at): (i64, i64) = {
            let r = sqlx::query("SELECT required, closes_at FROM petitions WHERE id = $1")
                .bind(id)
                .fetch_one(&db.pool)
                .await?;
            (r.try_get(0)?, r.try_get(1)?)
        };
        let target = ((required as f64) * fill) as usize;
        let mut inside = std::collections::HashSet::new();
        for w in (0..size.wards).map(ward_code) {
            if lies_in(&db.pool, &w, &code).await.map_err(ImportError::Store)? {
                inside.insert(w);
            }
        }
        let eligible: Vec<&Person> = files.people.iter().filter(|p| p.local && inside.contains(&p.ward)).collect();
        let end = closes_at.min(now.timestamp());
        let mut tx = db.pool.begin().await?;
        for (i, p) in eligible.iter().take(target).enumerate() {
            let elector: i64 =
                sqlx::query("SELECT id FROM electors WHERE uprn = $1 AND name_key = $2 AND local_franchise = 1")
                    .bind(&p.uprn)
                    .bind(petition_core::names::name_key(&p.name).unwrap_or_default())
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get(0)?;
            let at = opens.timestamp() + rng.gen_range(0..(end - opens.timestamp()).max(1));
            // Each demo signer got a receipt when they confirmed, as real ones do.
            let receipt = Receipt { petition_id: id.to_string(), area: p.ward.clone(), r: Secret(rng.gen()) };
            sqlx::query(
                "INSERT INTO signatures (petition_id, dedupe_key, status, elector_id, uprn, postcode, address_text, ward_code,
                   name, email, created_at, confirmed_at, receipt_commit)
                 VALUES ($1, $2, $11, $3, $4, $5, '', $6, $7, $8, $9, $9, $10) ON CONFLICT (petition_id, dedupe_key) DO NOTHING",
            )
            .bind(id)
            .bind(secrets.keyed_hash(&["sig", &id.to_string(), "elector", &elector.to_string()]))
            .bind(elector)
            .bind(&p.uprn)
            .bind(&p.postcode)
            .bind(&p.ward)
            .bind(&p.name)
            .bind(format!("demo-signer-{i}@example.invalid"))
            .bind(at)
            .bind(receipt.commitment())
            .bind(Status::Confirmed.name())
            .execute(&mut *tx)
            .await?;
        }
        // The counters, as confirmations one by one would have left them.
        sqlx::query(&format!(
            "INSERT INTO count_shards (petition_id, ward_code, shard, n)
             SELECT petition_id, ward_code, id % {}, COUNT(*) FROM signatures WHERE petition_id = $1 AND status = $2
             GROUP BY petition_id, ward_code, id % {}",
            SHARDS, SHARDS
        ))
        .bind(id)
        .bind(Status::Confirmed.name())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
    }
    // Seeded by elector row, as signatures were before they had places: key them as signing does.
    rekey_elector_signatures(db, secrets).await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn scale_one_is_the_demo_and_larger_scales_grow_it_with_distinct_postcodes_and_addresses() {
        let one = Size::demo(1);
        let d = Size::DEMO;
        assert_eq!(
            (one.wards, one.postcodes_per_ward, one.addresses_per_postcode),
            (d.wards, d.postcodes_per_ward, d.addresses_per_postcode)
        );
        assert_eq!(Size::demo(0).postcodes_per_ward, d.postcodes_per_ward, "0 is taken as 1");
        let base = generate(one, SEED, REGISTER_DATE);
        for scale in [2, 7, Size::MAX_SCALE, Size::MAX_SCALE + 5] {
            let size = Size::demo(scale);
            let files = generate(size, SEED, REGISTER_DATE);
            let postcodes: HashSet<&str> = files.people.iter().map(|p| p.postcode.as_str()).collect();
            assert_eq!(postcodes.len(), size.wards * size.postcodes_per_ward, "scale {scale}: every postcode distinct");
            let addresses: HashSet<&str> = files
                .gazetteer
                .lines()
                .skip(1)
                .map(|l| l.split_once(",PostCode").map_or(l, |(a, _)| a))
                .map(|l| l.split_once(',').unwrap().1)
                .collect();
            assert_eq!(addresses.len(), files.gazetteer.lines().count() - 1, "scale {scale}: no two addresses alike");
            let want = scale.min(Size::MAX_SCALE);
            let ratio = files.people.len() as f64 / base.people.len() as f64;
            assert!(
                ratio > want as f64 * 0.9 && ratio < want as f64 * 1.1,
                "scale {scale}: {ratio:.2} times the electors"
            );
        }
    }
}
