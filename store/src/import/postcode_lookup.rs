//! Importing a postcode lookup: the chain of areas each sound line (`parse::postcode_lookup`)
//! names must agree with the stored areas and with the file's earlier lines. Wards, districts and
//! counties not yet known are created, named by the ward name or, for districts and counties, by
//! their code until an areas file names them. A layout without ward names (ONSPD, NSPL) can only
//! place postcodes in wards already stored.
//!
//! Terminated postcodes are stored with their ward and the month they were terminated. They no
//! longer find petitions or addresses (`places::postcode_status`), even where the gazetteer still
//! lists properties at them. That is the simple rule, and the one that helps the resident: the
//! lookup and the gazetteer are loaded separately, a gazetteer that still has a terminated
//! postcode is out of date, and what the resident needs is told to them (that their postcode was
//! terminated, so they should use the one they have now). The import says how many such postcodes
//! there are, so that the officer knows the gazetteer needs updating.

use std::collections::HashMap;
use std::fmt;

use petition_core::reference::FileKind;
use petition_core::AreaKind;
use sqlx::{AnyConnection, Row};

use crate::db::Db;
use crate::import::apply::{begin, close, Apply};
use crate::import::known::{known_areas, KnownAreas};
use crate::import::outcome::{finish, ImportError, Imported};
use crate::import::parse::line::LineError;
use crate::import::parse::postcode_layouts::Columns;
use crate::import::parse::postcode_lookup::{parse, summary, Placed};

/// An area as a line of the lookup has it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    pub code: String,
    pub name: String,
    pub kind: AreaKind,
    pub parent: Option<String>,
}

/// What is wrong with a line's areas, given the stored areas and the file's earlier lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Clash {
    /// The line makes `link` what is already something else.
    Conflict { link: Link, was: AreaKind, was_in: Option<String> },
    /// A new ward with no name on its line: `column`, the layout's ward name column, is blank,
    /// or the layout (`layout`) has none.
    NoWardName { code: String, column: Option<String>, layout: &'static str },
}

impl fmt::Display for Clash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Clash::Conflict { link, was, was_in } => write!(
                f,
                "{} is already a {was}{} but this line makes it a {} in {}",
                link.code,
                was_in.as_ref().map(|p| format!(" in {p}")).unwrap_or_default(),
                link.kind,
                link.parent.as_deref().unwrap_or("no parent")
            ),
            Clash::NoWardName { code, column: Some(column), .. } => {
                write!(f, "{column} is empty for the new ward {code}")
            }
            Clash::NoWardName { code, column: None, layout } => write!(
                f,
                "{code} is not a stored ward, and {layout} gives no ward names: import the wards first \
                 (petitions import areas), then this file"
            ),
        }
    }
}

/// A postcode → ward lookup in any layout `parse::postcode_layouts` recognises. The first note
/// says which layout it was read as, and how many postcodes and terminated postcodes it holds.
pub async fn postcode_lookup(db: &Db, text: &str, apply: Apply<'_>) -> Result<Imported, ImportError> {
    let (lookup, mut errors) = parse(text);
    // A file none of whose lines is sound fails on its text alone: there is nothing to look up.
    let Some(lookup) = lookup.filter(|l| !l.placed.is_empty()) else {
        return finish(errors).map(|_| Imported::default());
    };
    let mut plan = Plan { known: known_areas(db).await?, planned: HashMap::new(), new_areas: Vec::new() };
    let mut placed = Vec::new();
    for p in &lookup.placed {
        match plan.place(p, &lookup.columns) {
            Ok(()) => placed.push(p),
            Err(clash) => errors.push(LineError::new(p.line, clash)),
        }
    }
    finish(errors)?;
    let mut new_areas = plan.new_areas;
    let mut tx = begin(db, apply).await?;
    write(&mut tx, &mut new_areas, &placed).await?;
    let mut notes = vec![summary(&lookup)];
    if !new_areas.is_empty() {
        notes.push(format!("created {} area(s) named in the lookup", new_areas.len()));
    }
    let stranded = terminated_with_addresses(&mut tx).await?;
    if stranded > 0 {
        notes.push(format!(
            "{stranded} terminated postcode(s) still have addresses in the gazetteer: residents there are told \
             their postcode was terminated and cannot sign until the gazetteer gives them their new one"
        ));
    }
    let done = Imported { rows: placed.len(), notes };
    close(tx, apply, FileKind::PostcodeLookup, &done).await?;
    Ok(done)
}

/// How many terminated postcodes the gazetteer still lists properties at.
async fn terminated_with_addresses(tx: &mut AnyConnection) -> Result<i64, ImportError> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM postcodes p WHERE p.terminated IS NOT NULL
           AND EXISTS (SELECT 1 FROM addresses a WHERE a.postcode = p.postcode)",
    )
    .fetch_one(tx)
    .await?;
    Ok(row.try_get("n")?)
}

/// The areas the lookup will create, checked line by line against the stored ones and those
/// planned by earlier lines.
struct Plan {
    known: KnownAreas,
    planned: KnownAreas,
    new_areas: Vec<Link>,
}

impl Plan {
    /// Checks a line's ward, district and county in turn, planning each that is new. A line
    /// stops at its first clash, keeping what it planned before it: the file is refused anyway,
    /// and later lines are judged as the file was read.
    fn place(&mut self, p: &Placed, columns: &Columns) -> Result<(), Clash> {
        chain(p).into_iter().try_for_each(|link| self.link(link, columns))
    }

    fn link(&mut self, link: Link, columns: &Columns) -> Result<(), Clash> {
        match self.known.get(&link.code).or(self.planned.get(&link.code)) {
            Some((k, p))
                if *k == link.kind && (link.kind != AreaKind::Ward || p.as_deref() == link.parent.as_deref()) =>
            {
                Ok(())
            }
            Some((k, p)) => Err(Clash::Conflict { was: *k, was_in: p.clone(), link }),
            None if link.kind == AreaKind::Ward && link.name.is_empty() => Err(Clash::NoWardName {
                code: link.code,
                column: columns.ward_name.clone(),
                layout: columns.layout.describe(),
            }),
            None => {
                self.planned.insert(link.code.clone(), (link.kind, link.parent.clone()));
                self.new_areas.push(link);
                Ok(())
            }
        }
    }
}

/// The areas a line names, ward first, as the lookup has them: a ward in its district, the
/// district in its county (if any), a county in nothing. Districts and counties are named by
/// their code until an areas file names them.
fn chain(p: &Placed) -> Vec<Link> {
    let code = |c: &petition_core::AreaCode| c.to_string();
    let mut chain = vec![
        Link { code: code(&p.ward), name: p.ward_name.clone(), kind: AreaKind::Ward, parent: Some(code(&p.district)) },
        Link {
            code: code(&p.district),
            name: code(&p.district),
            kind: AreaKind::District,
            parent: p.county.as_ref().map(code),
        },
    ];
    if let Some(county) = &p.county {
        chain.push(Link { code: code(county), name: code(county), kind: AreaKind::County, parent: None });
    }
    chain
}

/// Creates the new areas, then points each postcode at its ward. A postcode
/// already stored takes the file's word on whether it is terminated: a later file may know better
/// (and Code-Point Open, which lists live postcodes only, says each of its postcodes is live).
async fn write(tx: &mut AnyConnection, new_areas: &mut [Link], placed: &[&Placed]) -> Result<(), ImportError> {
    // Parents first: counties, then districts, then wards.
    new_areas.sort_by_key(|a| a.kind);
    for a in new_areas.iter() {
        sqlx::query("INSERT INTO areas (code, name, kind, parent_code) VALUES ($1, $2, $3, $4)")
            .bind(&a.code)
            .bind(&a.name)
            .bind(a.kind.as_str())
            .bind(a.parent.clone())
            .execute(&mut *tx)
            .await?;
    }
    for p in placed {
        sqlx::query(
            "INSERT INTO postcodes (postcode, ward_code, terminated) VALUES ($1, $2, $3)
             ON CONFLICT (postcode) DO UPDATE SET ward_code = excluded.ward_code, terminated = excluded.terminated",
        )
        .bind(p.postcode.as_str())
        .bind(p.ward.as_str())
        .bind(p.terminated.map(|m| m.to_string()))
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}
