//! The council's settings in force: the environment's values, overridden by what admins saved on
//! the settings page. A save is one transaction that writes the changed values and an audit row
//! for each, and is refused if another save came first since the page was read. Every app
//! server reads the settings through [`Live`], which reads the database again at most
//! [`FRESH_FOR`] after its last read, so a save reaches every server within that.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use petition_core::settings::{Name, SettingError, Settings};
use sqlx::{AnyConnection, Row};

use crate::audit::{record, Action, Actor};
use crate::db::Db;
use crate::error::{Result, StoreError};
use crate::mail::links::Mailing;

/// How long a server uses the settings it read before reading them again.
pub const FRESH_FOR: Duration = Duration::from_secs(5);

/// A setting an admin saved: when, and who.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Saved {
    pub name: Name,
    pub changed_at: i64,
    pub changed_by: String,
}

/// The settings in force, with the count of saves they are at and which of them were saved
/// (the rest come from the environment).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InForce {
    pub settings: Settings,
    pub version: i64,
    pub saved: Vec<Saved>,
}

/// Reads the settings in force, starting from `defaults` (the environment's).
pub async fn in_force(conn: &mut AnyConnection, defaults: &Settings) -> Result<InForce> {
    let version: i64 =
        sqlx::query("SELECT version FROM settings_version WHERE id = 1").fetch_one(&mut *conn).await?.try_get(0)?;
    let rows = sqlx::query("SELECT name, value, changed_at, changed_by FROM settings ORDER BY name")
        .fetch_all(&mut *conn)
        .await?;
    let mut settings = defaults.clone();
    let mut saved = Vec::new();
    for r in rows {
        let code: String = r.try_get("name")?;
        let value: String = r.try_get("value")?;
        // Only this module writes the table, and only values that were read first; but a later
        // release may drop a setting or narrow its bounds. Such a value is passed over (the
        // environment's stands, and an admin can save another) rather than stopping every page.
        let Some(name) = Name::parse(&code) else {
            tracing::warn!("a saved setting {code:?} is not one this release knows: passed over");
            continue;
        };
        if let Err(e) = settings.set(name, &value) {
            tracing::warn!(
                "the saved setting {code} is not taken by this release ({e}): the environment's value stands"
            );
            continue;
        }
        saved.push(Saved { name, changed_at: r.try_get("changed_at")?, changed_by: r.try_get("changed_by")? });
    }
    Ok(InForce { settings, version, saved })
}

/// Who gets the electoral office's notices now, in the caller's transaction (so a notice is
/// addressed as the settings stood when its news was written).
pub async fn notice_list(conn: &mut AnyConnection, mailing: &Mailing) -> Result<Vec<String>> {
    let row = sqlx::query("SELECT value FROM settings WHERE name = $1")
        .bind(Name::OfficerEmails.code())
        .fetch_optional(&mut *conn)
        .await?;
    match row {
        None => Ok(mailing.officer_emails.clone()),
        Some(r) => {
            let mut s = Settings::default();
            match s.set(Name::OfficerEmails, &r.try_get::<String, _>(0)?) {
                Ok(()) => Ok(s.officer_emails),
                // As `in_force` does: the environment's value stands.
                Err(_) => Ok(mailing.officer_emails.clone()),
            }
        }
    }
}

/// Why a save was refused. Nothing changed.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    /// Some values could not be read; each with its reason, in the form's order.
    #[error("some values could not be used")]
    Invalid(Vec<(Name, SettingError)>),
    #[error("Nothing would change: every value is as it is now")]
    NoChange,
    #[error("Say why the settings are changing")]
    NoReason,
    #[error("Another admin changed the settings since you read them: check the values again before saving")]
    Changed,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a save would do, from the settings as they are now: the settings after it and the
/// names that change, or why it cannot be made.
pub fn preview(now: &InForce, texts: &[(Name, String)]) -> std::result::Result<(Settings, Vec<Name>), ChangeError> {
    let next = now.settings.with(texts).map_err(ChangeError::Invalid)?;
    let changes = now.settings.changes(&next);
    if changes.is_empty() {
        return Err(ChangeError::NoChange);
    }
    Ok((next, changes))
}

/// Saves the form's values if the settings are still at `seen_version`: each changed value and
/// its audit row ("from ... to ...", with the reason), in one transaction. Returns what changed.
pub async fn change(
    db: &Db,
    defaults: &Settings,
    actor: &Actor,
    seen_version: i64,
    texts: &[(Name, String)],
    reason: &str,
    now: i64,
) -> std::result::Result<Vec<Name>, ChangeError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(ChangeError::NoReason);
    }
    let mut tx = db.pool.begin().await.map_err(StoreError::from)?;
    // The write comes first: it holds the row (PostgreSQL) or the writer's lock (SQLite) until
    // the commit, so the values read next are the latest and no other save slips in.
    let moved = sqlx::query("UPDATE settings_version SET version = version + 1 WHERE id = 1 AND version = $1")
        .bind(seen_version)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from)?;
    if moved.rows_affected() != 1 {
        return Err(ChangeError::Changed);
    }
    let current = in_force(&mut tx, defaults).await?;
    let (next, changes) = preview(&current, texts)?;
    let who = actor.name();
    for name in &changes {
        sqlx::query(
            "INSERT INTO settings (name, value, changed_at, changed_by) VALUES ($1, $2, $3, $4)
             ON CONFLICT (name) DO UPDATE SET value = excluded.value, changed_at = excluded.changed_at,
               changed_by = excluded.changed_by",
        )
        .bind(name.code())
        .bind(next.show(*name))
        .bind(now)
        .bind(&who)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from)?;
        let detail = format!("from {} to {}", current.settings.describe(*name), next.describe(*name));
        let action = Action {
            action: "setting",
            petition_id: None,
            subject: format!("setting {}", name.code()),
            reason,
            detail,
        };
        record(&mut tx, actor, &action, now).await?;
    }
    tx.commit().await.map_err(StoreError::from)?;
    Ok(changes)
}

/// The settings as one server uses them: read from the database at most every [`FRESH_FOR`],
/// and at once after this server saved a change.
#[derive(Debug)]
pub struct Live {
    defaults: Settings,
    read: Mutex<Option<(Instant, Settings)>>,
}

impl Live {
    pub fn new(defaults: Settings) -> Live {
        Live { defaults, read: Mutex::new(None) }
    }

    /// The environment's values, which saved ones override.
    pub fn defaults(&self) -> &Settings {
        &self.defaults
    }

    /// The settings in force, as of at most [`FRESH_FOR`] ago.
    pub async fn get(&self, db: &Db) -> Result<Settings> {
        if let Some((at, s)) = &*self.read.lock().expect("never poisoned") {
            if at.elapsed() < FRESH_FOR {
                return Ok(s.clone());
            }
        }
        let mut conn = db.pool.acquire().await?;
        let s = in_force(&mut conn, &self.defaults).await?.settings;
        *self.read.lock().expect("never poisoned") = Some((Instant::now(), s.clone()));
        Ok(s)
    }

    /// Forgets what was read, so the next [`Live::get`] reads the database (after a save here).
    pub fn forget(&self) {
        *self.read.lock().expect("never poisoned") = None;
    }
}
