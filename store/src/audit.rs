//! The officer audit trail: who did what, when, why and from which session. A row is written in
//! the same transaction as the change it records, so one exists exactly when the other does.
//! Rows are only ever inserted; the database refuses updates and deletes (migration 0012).

use petition_core::officer::Role;
use sqlx::{AnyConnection, Row};

use crate::db::Db;
use crate::error::Result;

/// A signed-in officer, as the server found them from their session cookie.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedIn {
    pub account_id: i64,
    pub email: String,
    pub role: Role,
    pub session_id: i64,
}

/// Who acts: an officer in the browser, or someone at the server's command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    Officer(SignedIn),
    /// The holder of an account before they have a session: setting it up, resetting a password.
    Holder {
        account_id: i64,
        email: String,
    },
    /// The operating-system user running `petitions`.
    CommandLine(String),
    /// The resident who started a proposal, acting through its emailed link (no account). The
    /// trail names the proposal, not the person.
    Petitioner {
        proposal_id: i64,
    },
    /// The site itself, on its schedule (a proposal lapsing).
    Schedule,
}

impl Actor {
    /// The command line's actor, named by the operating system's user.
    pub fn command_line() -> Actor {
        let user = std::env::var("USER").or_else(|_| std::env::var("LOGNAME")).unwrap_or_else(|_| "unknown".into());
        Actor::CommandLine(user)
    }

    /// Who acted, as the trail names them.
    pub fn name(&self) -> String {
        self.columns().1
    }

    fn columns(&self) -> (Option<i64>, String, Option<i64>) {
        match self {
            Actor::Officer(s) => (Some(s.account_id), s.email.clone(), Some(s.session_id)),
            Actor::Holder { account_id, email } => (Some(*account_id), email.clone(), None),
            Actor::CommandLine(user) => (None, format!("command line ({user})"), None),
            Actor::Petitioner { proposal_id } => (None, format!("the petitioner of proposal {proposal_id}"), None),
            Actor::Schedule => (None, "the site (on its schedule)".to_string(), None),
        }
    }
}

/// One thing an officer did, as the trail records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Action<'a> {
    /// A short code: `strike`, `pause`, `account-invite`...
    pub action: &'a str,
    pub petition_id: Option<i64>,
    /// What it was done to: "signature 12", "account jo@council.example".
    pub subject: String,
    /// Why, in the officer's words (empty where nothing is asked).
    pub reason: &'a str,
    /// What changed, in words: "valid 1,204 to 1,203".
    pub detail: String,
}

/// Records an action in the caller's transaction.
pub async fn record(conn: &mut AnyConnection, actor: &Actor, a: &Action<'_>, now: i64) -> Result<()> {
    let (account_id, who, session_id) = actor.columns();
    sqlx::query(
        "INSERT INTO officer_audit (at, account_id, actor, session_id, action, petition_id, subject, reason, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(now)
    .bind(account_id)
    .bind(who)
    .bind(session_id)
    .bind(a.action)
    .bind(a.petition_id)
    .bind(&a.subject)
    .bind(a.reason)
    .bind(&a.detail)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records an action on its own (for actions that change nothing else, such as an export).
pub async fn record_alone(db: &Db, actor: &Actor, a: &Action<'_>, now: i64) -> Result<()> {
    let mut conn = db.pool.acquire().await?;
    record(&mut conn, actor, a, now).await
}

/// One row of the trail, for the pages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRow {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub session_id: Option<i64>,
    pub action: String,
    pub petition_id: Option<i64>,
    pub subject: String,
    pub reason: String,
    pub detail: String,
}

/// What to look for in the trail; every part is optional.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Search {
    pub petition_id: Option<i64>,
    /// Part of the actor's email or name.
    pub actor: Option<String>,
    pub action: Option<String>,
    pub from: Option<i64>,
    pub until: Option<i64>,
    /// Rows before this id (for the next page), newest first.
    pub before_id: Option<i64>,
    /// Rows whose subject starts so: `proposal 7:` for everything done to proposal 7.
    pub subject_prefix: Option<String>,
}

pub const PAGE: i64 = 100;

/// The newest rows matching, at most [`PAGE`].
pub async fn search(db: &Db, s: &Search) -> Result<Vec<AuditRow>> {
    // Only the conditions asked for, so that no parameter is an untyped NULL (PostgreSQL cannot
    // type `$1 IS NULL`).
    enum Bind {
        Int(i64),
        Text(String),
    }
    let mut conditions = Vec::new();
    let mut binds = Vec::new();
    let mut add = |sql: &str, b: Bind| {
        binds.push(b);
        conditions.push(sql.replace('?', &format!("${}", binds.len())));
    };
    if let Some(p) = s.petition_id {
        add("petition_id = ?", Bind::Int(p));
    }
    if let Some(a) = &s.actor {
        add("LOWER(actor) LIKE ?", Bind::Text(format!("%{}%", a.to_lowercase().replace(['%', '_', '\\'], ""))));
    }
    if let Some(a) = &s.action {
        add("action = ?", Bind::Text(a.clone()));
    }
    if let Some(t) = s.from {
        add("at >= ?", Bind::Int(t));
    }
    if let Some(t) = s.until {
        add("at < ?", Bind::Int(t));
    }
    if let Some(id) = s.before_id {
        add("id < ?", Bind::Int(id));
    }
    if let Some(p) = &s.subject_prefix {
        add("subject LIKE ?", Bind::Text(format!("{}%", p.replace(['%', '_', '\\'], ""))));
    }
    let filter = if conditions.is_empty() { String::new() } else { format!("WHERE {}", conditions.join(" AND ")) };
    let sql = format!(
        "SELECT id, at, actor, session_id, action, petition_id, subject, reason, detail FROM officer_audit
         {filter} ORDER BY id DESC LIMIT {PAGE}"
    );
    let mut q = sqlx::query(&sql);
    for b in binds {
        q = match b {
            Bind::Int(n) => q.bind(n),
            Bind::Text(t) => q.bind(t),
        };
    }
    let rows = q.fetch_all(&db.pool).await?;
    rows.into_iter()
        .map(|r| {
            Ok(AuditRow {
                id: r.try_get("id")?,
                at: r.try_get("at")?,
                actor: r.try_get("actor")?,
                session_id: r.try_get("session_id")?,
                action: r.try_get("action")?,
                petition_id: r.try_get("petition_id")?,
                subject: r.try_get("subject")?,
                reason: r.try_get("reason")?,
                detail: r.try_get("detail")?,
            })
        })
        .collect()
}
