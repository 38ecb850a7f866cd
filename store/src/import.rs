//! Importing reference data: areas, electorates, the postcode lookup, the address gazetteer and
//! the electoral register. Each importer reads a whole file, checks every line, and either
//! imports everything in one transaction or nothing, reporting each bad line with its number.

use std::collections::{HashMap, HashSet};
use std::fmt;

use petition_core::franchise::NonLocalMarkers;
use petition_core::names::{address_key, register_key, register_name_key};
use petition_core::threshold::Day;
use petition_core::{AreaCode, AreaKind, Postcode};
use sqlx::Row;

use crate::db::Db;
use crate::error::StoreError;

/// One problem in an input file. Line 1 is the header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineError {
    pub line: u64,
    pub message: String,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the file was not imported; {} problem(s):\n{}", .0.len(), .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))]
    Lines(Vec<LineError>),
    /// The file is well formed, but importing it would do something unlikely to be meant.
    #[error("the file was not imported: {0}")]
    Refused(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for ImportError {
    fn from(e: sqlx::Error) -> Self {
        ImportError::Store(StoreError::Db(e))
    }
}

/// How many rows an import wrote, and notes worth telling the operator.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Imported {
    pub rows: usize,
    pub notes: Vec<String>,
}

/// The kinds of file the importers understand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Areas,
    Electorates,
    PostcodeLookup,
    Gazetteer,
    Register,
    VerificationNumbers,
}

impl Kind {
    pub fn parse(s: &str) -> Option<Kind> {
        Some(match s {
            "areas" => Kind::Areas,
            "electorates" => Kind::Electorates,
            "postcodes" | "postcode-lookup" => Kind::PostcodeLookup,
            "gazetteer" | "addresses" => Kind::Gazetteer,
            "register" => Kind::Register,
            "verification-numbers" => Kind::VerificationNumbers,
            _ => return None,
        })
    }
}

/// Imports a file, with the standard franchise markers (see [`import_with`]).
pub async fn import(db: &Db, kind: Kind, text: &str) -> Result<Imported, ImportError> {
    import_with(db, kind, text, &NonLocalMarkers::standard()).await
}

/// Imports a file; a register's electors with any of `non_local` markers are kept but never
/// match a signer.
pub async fn import_with(
    db: &Db,
    kind: Kind,
    text: &str,
    non_local: &NonLocalMarkers,
) -> Result<Imported, ImportError> {
    match kind {
        Kind::Areas => areas(db, text).await,
        Kind::Electorates => electorates(db, text).await,
        Kind::PostcodeLookup => postcode_lookup(db, text).await,
        Kind::Gazetteer => gazetteer(db, text).await,
        Kind::Register => register(db, text, non_local).await,
        Kind::VerificationNumbers => verification_numbers(db, text).await,
    }
}

/// A CSV file read into header-indexed records with their line numbers.
struct Table {
    header: Vec<String>,
    rows: Vec<(u64, csv::StringRecord)>,
}

impl Table {
    fn read(text: &str, required: &[&str], errors: &mut Vec<LineError>) -> Option<Table> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let delimiter = if text.lines().next().is_some_and(|h| h.contains('\t')) { b'\t' } else { b',' };
        let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).from_reader(text.as_bytes());
        let header: Vec<String> = match reader.headers() {
            Ok(h) => h.iter().map(|s| s.trim().to_string()).collect(),
            Err(e) => {
                errors.push(LineError { line: 1, message: format!("unreadable header: {e}") });
                return None;
            }
        };
        let missing: Vec<&str> =
            required.iter().filter(|r| !header.iter().any(|h| h.eq_ignore_ascii_case(r))).copied().collect();
        if !missing.is_empty() {
            errors.push(LineError { line: 1, message: format!("missing column(s): {}", missing.join(", ")) });
            return None;
        }
        let mut rows = Vec::new();
        for rec in reader.records() {
            match rec {
                Ok(r) => {
                    let line = r.position().map_or(0, |p| p.line());
                    if r.len() != header.len() {
                        errors.push(LineError {
                            line,
                            message: format!("has {} fields, the header has {}", r.len(), header.len()),
                        });
                    } else if r.iter().any(|f| f.chars().any(|c| c.is_control() && c != '\t')) {
                        errors.push(LineError { line, message: "contains control characters".into() });
                    } else {
                        rows.push((line, r));
                    }
                }
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    errors.push(LineError { line, message: format!("unreadable: {e}") });
                }
            }
        }
        if rows.is_empty() && errors.is_empty() {
            errors.push(LineError { line: 2, message: "the file has no rows".into() });
        }
        Some(Table { header, rows })
    }

    fn col(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h.eq_ignore_ascii_case(name))
    }

    fn get<'a>(&self, rec: &'a csv::StringRecord, name: &str) -> &'a str {
        self.col(name).and_then(|i| rec.get(i)).map(str::trim).unwrap_or("")
    }
}

fn bad(errors: &mut Vec<LineError>, line: u64, message: impl Into<String>) {
    errors.push(LineError { line, message: message.into() });
}

fn finish(errors: Vec<LineError>) -> Result<(), ImportError> {
    if errors.is_empty() {
        Ok(())
    } else {
        let mut errors = errors;
        errors.sort_by_key(|e| e.line);
        Err(ImportError::Lines(errors))
    }
}

/// The areas already in the database: code → (kind, parent).
async fn known_areas(db: &Db) -> Result<HashMap<String, (AreaKind, Option<String>)>, ImportError> {
    let rows = sqlx::query("SELECT code, kind, parent_code FROM areas").fetch_all(&db.pool).await?;
    let mut out = HashMap::new();
    for r in rows {
        let kind = AreaKind::parse(&r.try_get::<String, _>("kind")?).unwrap_or(AreaKind::Ward);
        out.insert(r.try_get("code")?, (kind, r.try_get::<Option<String>, _>("parent_code")?));
    }
    Ok(out)
}

/// `code,name,kind,parent_code`: parents may come earlier in the file or be in the database.
pub async fn areas(db: &Db, text: &str) -> Result<Imported, ImportError> {
    let mut errors = Vec::new();
    let Some(t) = Table::read(text, &["code", "name", "kind", "parent_code"], &mut errors) else {
        return finish(errors).map(|_| Imported::default());
    };
    let mut known = known_areas(db).await?;
    let mut seen = HashSet::new();
    let mut parsed = Vec::new();
    for (line, r) in &t.rows {
        let code = match AreaCode::parse(t.get(r, "code")) {
            Ok(c) => c,
            Err(e) => {
                bad(&mut errors, *line, format!("code: {e}"));
                continue;
            }
        };
        if !seen.insert(code.clone()) {
            bad(&mut errors, *line, format!("{code} appears twice in the file"));
            continue;
        }
        let name = t.get(r, "name");
        if name.is_empty() || name.chars().count() > 200 {
            bad(&mut errors, *line, "name: must be 1 to 200 characters");
            continue;
        }
        let Some(kind) = AreaKind::parse(t.get(r, "kind")) else {
            bad(&mut errors, *line, "kind: must be county, district or ward");
            continue;
        };
        let parent = t.get(r, "parent_code");
        let parent = if parent.is_empty() {
            if kind == AreaKind::Ward {
                bad(&mut errors, *line, "a ward needs the district it lies in as parent_code");
                continue;
            }
            None
        } else {
            match known.get(parent) {
                Some((pk, _)) if kind.may_sit_in(*pk) => Some(parent.to_string()),
                Some((pk, _)) => {
                    bad(&mut errors, *line, format!("a {kind} cannot lie inside a {pk} ({parent})"));
                    continue;
                }
                None => {
                    bad(
                        &mut errors,
                        *line,
                        format!("parent_code {parent} is not a known area (list parents before their children)"),
                    );
                    continue;
                }
            }
        };
        known.insert(code.to_string(), (kind, parent.clone()));
        parsed.push((code, name.to_string(), kind, parent));
    }
    finish(errors)?;
    let mut tx = db.pool.begin().await?;
    for (code, name, kind, parent) in &parsed {
        sqlx::query(
            "INSERT INTO areas (code, name, kind, parent_code) VALUES ($1, $2, $3, $4)
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, kind = excluded.kind, parent_code = excluded.parent_code",
        )
        .bind(code.as_str())
        .bind(name)
        .bind(kind.as_str())
        .bind(parent.clone())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(Imported { rows: parsed.len(), notes: vec![] })
}

/// `area_code,register_date,electorate`.
pub async fn electorates(db: &Db, text: &str) -> Result<Imported, ImportError> {
    let mut errors = Vec::new();
    let Some(t) = Table::read(text, &["area_code", "register_date", "electorate"], &mut errors) else {
        return finish(errors).map(|_| Imported::default());
    };
    let known = known_areas(db).await?;
    let mut parsed = Vec::new();
    let mut seen = HashSet::new();
    for (line, r) in &t.rows {
        let code = t.get(r, "area_code");
        if !known.contains_key(code) {
            bad(&mut errors, *line, format!("area_code {code:?} is not a known area"));
            continue;
        }
        let Some(date) = Day::parse(t.get(r, "register_date")) else {
            bad(&mut errors, *line, "register_date: must be a real date written YYYY-MM-DD");
            continue;
        };
        let Ok(n) = t.get(r, "electorate").parse::<u32>() else {
            bad(&mut errors, *line, "electorate: must be a whole number, 0 or more");
            continue;
        };
        if !seen.insert((code.to_string(), date)) {
            bad(&mut errors, *line, format!("{code} on {date} appears twice in the file"));
            continue;
        }
        parsed.push((code.to_string(), date.to_string(), n as i64));
    }
    finish(errors)?;
    let mut tx = db.pool.begin().await?;
    for (code, date, n) in &parsed {
        sqlx::query(
            "INSERT INTO electorates (area_code, register_date, electorate) VALUES ($1, $2, $3)
             ON CONFLICT (area_code, register_date) DO UPDATE SET electorate = excluded.electorate",
        )
        .bind(code)
        .bind(date)
        .bind(*n)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(Imported { rows: parsed.len(), notes: vec![] })
}

/// `area_code,number,in_force_from,in_force_to`: published verification numbers.
pub async fn verification_numbers(db: &Db, text: &str) -> Result<Imported, ImportError> {
    let mut errors = Vec::new();
    let Some(t) = Table::read(text, &["area_code", "number", "in_force_from", "in_force_to"], &mut errors) else {
        return finish(errors).map(|_| Imported::default());
    };
    let known = known_areas(db).await?;
    let mut parsed = Vec::new();
    for (line, r) in &t.rows {
        let code = t.get(r, "area_code");
        if !known.contains_key(code) {
            bad(&mut errors, *line, format!("area_code {code:?} is not a known area"));
            continue;
        }
        let (Some(from), Some(to)) = (Day::parse(t.get(r, "in_force_from")), Day::parse(t.get(r, "in_force_to")))
        else {
            bad(&mut errors, *line, "in_force_from and in_force_to must be real dates written YYYY-MM-DD");
            continue;
        };
        if to < from {
            bad(&mut errors, *line, "in_force_to is before in_force_from");
            continue;
        }
        let Ok(n) = t.get(r, "number").parse::<u32>() else {
            bad(&mut errors, *line, "number: must be a whole number");
            continue;
        };
        parsed.push((code.to_string(), n as i64, from.to_string(), to.to_string()));
    }
    finish(errors)?;
    let mut tx = db.pool.begin().await?;
    for (code, n, from, to) in &parsed {
        sqlx::query(
            "INSERT INTO verification_numbers (area_code, number, in_force_from, in_force_to) VALUES ($1, $2, $3, $4)
             ON CONFLICT (area_code, in_force_from) DO UPDATE SET number = excluded.number, in_force_to = excluded.in_force_to",
        )
        .bind(code)
        .bind(*n)
        .bind(from)
        .bind(to)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(Imported { rows: parsed.len(), notes: vec![] })
}

/// A postcode → ward lookup in the Code-Point Open layout (`postcode, admin_county_code,
/// lad_gss_code, ward_gss_code, ward_name`). Wards, districts and counties it names that are not
/// yet known are created, named by the ward name or, for districts and counties, by their code
/// until an areas file names them.
pub async fn postcode_lookup(db: &Db, text: &str) -> Result<Imported, ImportError> {
    let mut errors = Vec::new();
    let cols = ["postcode", "admin_county_code", "lad_gss_code", "ward_gss_code", "ward_name"];
    let Some(t) = Table::read(text, &cols, &mut errors) else {
        return finish(errors).map(|_| Imported::default());
    };
    let known = known_areas(db).await?;
    let mut new_areas: Vec<(String, String, AreaKind, Option<String>)> = Vec::new();
    let mut planned: HashMap<String, (AreaKind, Option<String>)> = HashMap::new();
    let mut parsed = Vec::new();
    let mut seen = HashSet::new();
    for (line, r) in &t.rows {
        let postcode = match Postcode::parse(t.get(r, "postcode")) {
            Ok(p) => p,
            Err(e) => {
                bad(&mut errors, *line, format!("postcode: {e}"));
                continue;
            }
        };
        if !seen.insert(postcode.clone()) {
            bad(&mut errors, *line, format!("{postcode} appears twice in the file"));
            continue;
        }
        let ward = AreaCode::parse(t.get(r, "ward_gss_code"));
        let lad = AreaCode::parse(t.get(r, "lad_gss_code"));
        let county_raw = t.get(r, "admin_county_code");
        // ONS writes E99999999 for "no county" (unitary authorities).
        let county = if county_raw.is_empty() || county_raw == "E99999999" {
            Ok(None)
        } else {
            AreaCode::parse(county_raw).map(Some)
        };
        let (Ok(ward), Ok(lad), Ok(county)) = (ward, lad, county) else {
            bad(
                &mut errors,
                *line,
                "ward_gss_code, lad_gss_code and admin_county_code must be area codes like E05003220",
            );
            continue;
        };
        let ward_name = t.get(r, "ward_name");
        let mut chain = vec![(ward.to_string(), ward_name.to_string(), AreaKind::Ward, Some(lad.to_string()))];
        chain.push((lad.to_string(), lad.to_string(), AreaKind::District, county.as_ref().map(|c| c.to_string())));
        if let Some(c) = &county {
            chain.push((c.to_string(), c.to_string(), AreaKind::County, None));
        }
        let mut ok = true;
        for (code, name, kind, parent) in chain {
            let existing = known.get(&code).or(planned.get(&code));
            match existing {
                Some((k, p)) if *k == kind && (kind != AreaKind::Ward || p.as_deref() == parent.as_deref()) => {}
                Some((k, p)) => {
                    bad(
                        &mut errors,
                        *line,
                        format!(
                            "{code} is already a {k}{} but this line makes it a {kind} in {}",
                            p.as_ref().map(|p| format!(" in {p}")).unwrap_or_default(),
                            parent.as_deref().unwrap_or("no parent")
                        ),
                    );
                    ok = false;
                    break;
                }
                None => {
                    if kind == AreaKind::Ward && name.is_empty() {
                        bad(&mut errors, *line, format!("ward_name is empty for the new ward {code}"));
                        ok = false;
                        break;
                    }
                    planned.insert(code.clone(), (kind, parent.clone()));
                    new_areas.push((code, name, kind, parent));
                }
            }
        }
        if ok {
            parsed.push((postcode, ward));
        }
    }
    finish(errors)?;
    let mut tx = db.pool.begin().await?;
    // Parents first: counties, then districts, then wards.
    new_areas.sort_by_key(|a| a.2);
    for (code, name, kind, parent) in &new_areas {
        sqlx::query("INSERT INTO areas (code, name, kind, parent_code) VALUES ($1, $2, $3, $4)")
            .bind(code)
            .bind(name)
            .bind(kind.as_str())
            .bind(parent.clone())
            .execute(&mut *tx)
            .await?;
    }
    for (pc, ward) in &parsed {
        sqlx::query(
            "INSERT INTO postcodes (postcode, ward_code) VALUES ($1, $2)
             ON CONFLICT (postcode) DO UPDATE SET ward_code = excluded.ward_code",
        )
        .bind(pc.as_str())
        .bind(ward.as_str())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    let notes = if new_areas.is_empty() {
        vec![]
    } else {
        vec![format!("created {} area(s) named in the lookup", new_areas.len())]
    };
    Ok(Imported { rows: parsed.len(), notes })
}

const ADDRESS_COLS: [&str; 6] =
    ["AddressLine1", "AddressLine2", "AddressLine3", "AddressLine4", "AddressLine5", "AddressLine6"];

/// The address gazetteer: `UPRN, AddressLine1..AddressLine6, PostCode[, WardCode]` (the layout of
/// the councils' address exports). Without a ward column, or where it is blank, the ward comes
/// from the postcode lookup.
pub async fn gazetteer(db: &Db, text: &str) -> Result<Imported, ImportError> {
    let mut errors = Vec::new();
    let Some(t) = Table::read(text, &["UPRN", "AddressLine1", "PostCode"], &mut errors) else {
        return finish(errors).map(|_| Imported::default());
    };
    let known = known_areas(db).await?;
    let lookup: HashMap<String, String> = sqlx::query("SELECT postcode, ward_code FROM postcodes")
        .fetch_all(&db.pool)
        .await?
        .into_iter()
        .map(|r| Ok((r.try_get("postcode")?, r.try_get("ward_code")?)))
        .collect::<Result<_, sqlx::Error>>()?;
    let mut parsed = Vec::new();
    let mut seen = HashSet::new();
    for (line, r) in &t.rows {
        let uprn = t.get(r, "UPRN");
        if uprn.is_empty() || uprn.len() > 12 || !uprn.bytes().all(|b| b.is_ascii_digit()) {
            bad(&mut errors, *line, "UPRN: must be 1 to 12 digits");
            continue;
        }
        if !seen.insert(uprn.to_string()) {
            bad(&mut errors, *line, format!("UPRN {uprn} appears twice in the file"));
            continue;
        }
        let postcode = match Postcode::parse(t.get(r, "PostCode")) {
            Ok(p) => p,
            Err(e) => {
                bad(&mut errors, *line, format!("PostCode: {e}"));
                continue;
            }
        };
        let lines: Vec<&str> = ADDRESS_COLS.iter().map(|c| t.get(r, c)).filter(|l| !l.is_empty()).collect();
        if lines.is_empty() || lines.iter().map(|l| l.chars().count()).sum::<usize>() > 300 {
            bad(&mut errors, *line, "the address lines must hold 1 to 300 characters");
            continue;
        }
        let ward_col = t.get(r, "WardCode");
        let ward = if ward_col.is_empty() {
            match lookup.get(postcode.as_str()) {
                Some(w) => w.clone(),
                None => {
                    bad(&mut errors, *line, format!("no WardCode, and {postcode} is not in the postcode lookup"));
                    continue;
                }
            }
        } else {
            ward_col.to_string()
        };
        match known.get(&ward) {
            Some((AreaKind::Ward, _)) => {}
            _ => {
                bad(&mut errors, *line, format!("{ward} is not a known ward"));
                continue;
            }
        }
        let key = address_key(lines.iter().copied());
        parsed.push((uprn.to_string(), postcode, lines.join(", "), key, ward));
    }
    finish(errors)?;
    let mut tx = db.pool.begin().await?;
    for (uprn, pc, lines, key, ward) in &parsed {
        sqlx::query(
            "INSERT INTO addresses (uprn, postcode, lines, address_key, ward_code) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (uprn) DO UPDATE SET postcode = excluded.postcode, lines = excluded.lines,
               address_key = excluded.address_key, ward_code = excluded.ward_code",
        )
        .bind(uprn)
        .bind(pc.as_str())
        .bind(lines)
        .bind(key)
        .bind(ward)
        .execute(&mut *tx)
        .await?;
        sqlx::query("INSERT INTO postcodes (postcode, ward_code) VALUES ($1, $2) ON CONFLICT (postcode) DO NOTHING")
            .bind(pc.as_str())
            .bind(ward)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(Imported { rows: parsed.len(), notes: vec![] })
}

/// The electoral register as election software exports it: Xpress 13-field (`Elector Name`) or
/// 14-field (`Elector Surname`, `Elector Forename`) layout. Each elector is placed at a gazetteer
/// property by postcode and address lines; those that cannot be placed are imported without one
/// and reported, since signers at them will go to an officer for review.
pub async fn register(db: &Db, text: &str, non_local: &NonLocalMarkers) -> Result<Imported, ImportError> {
    let mut errors = Vec::new();
    let Some(t) = Table::read(
        text,
        &[
            "Elector Number Prefix",
            "Elector Number",
            "Elector Number Suffix",
            "Elector Markers",
            "PostCode",
            "Address1",
        ],
        &mut errors,
    ) else {
        return finish(errors).map(|_| Imported::default());
    };
    let split_names = t.col("Elector Surname").is_some() && t.col("Elector Forename").is_some();
    if !split_names && t.col("Elector Name").is_none() {
        bad(&mut errors, 1, "missing column(s): Elector Name (or Elector Surname and Elector Forename)");
        return finish(errors).map(|_| Imported::default());
    }
    let properties: HashMap<(String, String), String> =
        sqlx::query("SELECT uprn, postcode, address_key FROM addresses")
            .fetch_all(&db.pool)
            .await?
            .into_iter()
            .map(|r| Ok(((r.try_get("postcode")?, r.try_get("address_key")?), r.try_get("uprn")?)))
            .collect::<Result<_, sqlx::Error>>()?;
    let mut parsed = Vec::new();
    let mut seen = HashSet::new();
    let mut districts = std::collections::BTreeSet::new();
    let mut unplaced = 0usize;
    let mut not_local = 0usize;
    for (line, r) in &t.rows {
        let prefix = t.get(r, "Elector Number Prefix");
        let number = t.get(r, "Elector Number");
        let suffix = t.get(r, "Elector Number Suffix");
        if prefix.is_empty() || prefix.len() > 10 || !prefix.bytes().all(|b| b.is_ascii_alphanumeric()) {
            bad(&mut errors, *line, "Elector Number Prefix: must be 1 to 10 letters or digits");
            continue;
        }
        if number.is_empty() || number.len() > 7 || !number.bytes().all(|b| b.is_ascii_digit()) {
            bad(&mut errors, *line, "Elector Number: must be a whole number");
            continue;
        }
        if suffix.len() > 3 || !suffix.bytes().all(|b| b.is_ascii_digit()) {
            bad(&mut errors, *line, "Elector Number Suffix: must be blank or a whole number");
            continue;
        }
        districts.insert(prefix.to_ascii_uppercase());
        let elector_number = match suffix.trim_start_matches('0') {
            "" => format!("{prefix}-{number}"),
            s => format!("{prefix}-{number}/{s}"),
        };
        if !seen.insert(elector_number.clone()) {
            bad(&mut errors, *line, format!("elector number {elector_number} appears twice in the file"));
            continue;
        }
        let markers = t.get(r, "Elector Markers");
        if markers.len() > 10 || !markers.bytes().all(|b| b.is_ascii_alphabetic()) {
            bad(&mut errors, *line, "Elector Markers: must be letters only");
            continue;
        }
        let key = if split_names {
            register_key(t.get(r, "Elector Surname"), t.get(r, "Elector Forename"))
        } else {
            register_name_key(t.get(r, "Elector Name"))
        };
        let Some(key) = key else {
            bad(&mut errors, *line, "the elector's name needs a forename and a surname");
            continue;
        };
        let postcode = match Postcode::parse(t.get(r, "PostCode")) {
            Ok(p) => p,
            Err(e) => {
                bad(&mut errors, *line, format!("PostCode: {e}"));
                continue;
            }
        };
        let lines = ["Address1", "Address2", "Address3", "Address4", "Address5", "Address6"]
            .iter()
            .map(|c| t.get(r, c))
            .filter(|l| !l.is_empty() && !l.eq_ignore_ascii_case(postcode.as_str()))
            .collect::<Vec<_>>();
        let akey = address_key(lines.iter().copied());
        let uprn = properties.get(&(postcode.to_string(), akey.clone())).cloned();
        if uprn.is_none() {
            unplaced += 1;
        }
        let local = non_local.is_local(markers);
        if !local {
            not_local += 1;
        }
        parsed.push((elector_number, markers.to_string(), local, key, postcode, akey, uprn));
    }
    finish(errors)?;
    let mut tx = db.pool.begin().await?;
    // The file is the register of each polling district it covers: whoever it no longer lists
    // there has left (the prefix is letters and digits only, so it is safe in a LIKE pattern).
    let now = chrono::Utc::now().timestamp();
    for d in &districts {
        sqlx::query(
            "UPDATE electors SET removed_at = $1 WHERE removed_at IS NULL AND UPPER(elector_number) LIKE $2 || '-%'",
        )
        .bind(now)
        .bind(d)
        .execute(&mut *tx)
        .await?;
    }
    for (num, markers, local, key, pc, akey, uprn) in &parsed {
        sqlx::query(
            "INSERT INTO electors (elector_number, markers, local_franchise, name_key, postcode, address_key, uprn)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (elector_number) DO UPDATE SET markers = excluded.markers,
               local_franchise = excluded.local_franchise, name_key = excluded.name_key,
               postcode = excluded.postcode, address_key = excluded.address_key, uprn = excluded.uprn,
               removed_at = NULL",
        )
        .bind(num)
        .bind(markers)
        .bind(*local as i64)
        .bind(key)
        .bind(pc.as_str())
        .bind(akey)
        .bind(uprn.clone())
        .execute(&mut *tx)
        .await?;
    }
    // Everyone listed again came back above; whoever is still marked has left. A file that
    // drops most of a district is part of a register (a month's changes, say), not the whole.
    let mut left = 0i64;
    for d in &districts {
        let r = sqlx::query(
            "SELECT CAST(COALESCE(SUM(CASE WHEN removed_at = $1 THEN 1 ELSE 0 END), 0) AS BIGINT),
                    CAST(COALESCE(SUM(CASE WHEN removed_at IS NULL OR removed_at = $1 THEN 1 ELSE 0 END), 0) AS BIGINT)
             FROM electors WHERE UPPER(elector_number) LIKE $2 || '-%'",
        )
        .bind(now)
        .bind(d)
        .fetch_one(&mut *tx)
        .await?;
        let (gone, were): (i64, i64) = (r.try_get(0)?, r.try_get(1)?);
        if gone > 0 && gone * 2 > were {
            tx.rollback().await?;
            return Err(ImportError::Refused(format!(
                "it would take {gone} of the {were} electors of polling district {d} off the register; a register \
                 file must list everyone in each district it covers"
            )));
        }
        left += gone;
    }
    tx.commit().await?;
    let mut notes = vec![];
    if left > 0 {
        notes.push(format!("{left} elector(s) are no longer on the register and will not match a signer"));
    }
    if not_local > 0 {
        notes.push(format!("{not_local} elector(s) are not local government electors and will not count"));
    }
    if unplaced > 0 {
        notes.push(format!(
            "{unplaced} elector(s) could not be placed at a gazetteer address; their signatures will go to review"
        ));
    }
    Ok(Imported { rows: parsed.len(), notes })
}
