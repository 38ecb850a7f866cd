//! Importing a postcode lookup: the chain of areas each sound line (`parse::postcode_lookup`)
//! names must agree with the stored areas and with the file's earlier lines. Wards, districts and
//! counties not yet known are created, named by the ward name or, for districts and counties, by
//! their code until an areas file names them.

use std::collections::HashMap;
use std::fmt;

use petition_core::AreaKind;

use crate::db::Db;
use crate::import::known::{known_areas, KnownAreas};
use crate::import::outcome::{finish, ImportError, Imported};
use crate::import::parse::line::LineError;
use crate::import::parse::postcode_lookup::{parse, Placed};

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
    Conflict {
        link: Link,
        was: AreaKind,
        was_in: Option<String>,
    },
    NoWardName(String),
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
            Clash::NoWardName(code) => write!(f, "ward_name is empty for the new ward {code}"),
        }
    }
}

/// A postcode → ward lookup in the Code-Point Open layout (`postcode, admin_county_code,
/// lad_gss_code, ward_gss_code, ward_name`).
pub async fn postcode_lookup(db: &Db, text: &str) -> Result<Imported, ImportError> {
    let (lines, mut errors) = parse(text);
    // A file none of whose lines is sound fails on its text alone: there is nothing to look up.
    if lines.is_empty() {
        return finish(errors).map(|_| Imported::default());
    }
    let mut plan = Plan { known: known_areas(db).await?, planned: HashMap::new(), new_areas: Vec::new() };
    let mut placed = Vec::new();
    for p in lines {
        match plan.place(&p) {
            Ok(()) => placed.push(p),
            Err(clash) => errors.push(LineError::new(p.line, clash)),
        }
    }
    finish(errors)?;
    let mut new_areas = plan.new_areas;
    write(db, &mut new_areas, &placed).await?;
    let notes = if new_areas.is_empty() {
        vec![]
    } else {
        vec![format!("created {} area(s) named in the lookup", new_areas.len())]
    };
    Ok(Imported { rows: placed.len(), notes })
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
    fn place(&mut self, p: &Placed) -> Result<(), Clash> {
        chain(p).into_iter().try_for_each(|link| self.link(link))
    }

    fn link(&mut self, link: Link) -> Result<(), Clash> {
        match self.known.get(&link.code).or(self.planned.get(&link.code)) {
            Some((k, p))
                if *k == link.kind && (link.kind != AreaKind::Ward || p.as_deref() == link.parent.as_deref()) =>
            {
                Ok(())
            }
            Some((k, p)) => Err(Clash::Conflict { was: *k, was_in: p.clone(), link }),
            None if link.kind == AreaKind::Ward && link.name.is_empty() => Err(Clash::NoWardName(link.code)),
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

/// Creates the new areas, then points each postcode at its ward, in one transaction.
async fn write(db: &Db, new_areas: &mut [Link], placed: &[Placed]) -> Result<(), ImportError> {
    let mut tx = db.pool.begin().await?;
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
            "INSERT INTO postcodes (postcode, ward_code) VALUES ($1, $2)
             ON CONFLICT (postcode) DO UPDATE SET ward_code = excluded.ward_code",
        )
        .bind(p.postcode.as_str())
        .bind(p.ward.as_str())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
