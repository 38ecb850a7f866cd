//! Officer sessions. The browser holds a random secret in a cookie; the row holds its hash, the
//! account, and when it started and was last used. A session ends when it has been idle too
//! long, at its absolute lifetime, when its holder signs out (here or everywhere), or when the
//! account's password is reset or the account is disabled.

use petition_core::officer::session::SECOND_FACTOR_SECONDS;
use petition_core::officer::{Role, SessionTimes};
use sqlx::{AnyConnection, Row};

use crate::audit::SignedIn;
use crate::db::Db;
use crate::error::{Result, StoreError};
use crate::officers::links::{new_token, token_hash, token_shaped};

/// How long sessions last: from the settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionPolicy {
    pub idle: i64,
    pub lifetime: i64,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        SessionPolicy {
            idle: petition_core::officer::session::IDLE_SECONDS,
            lifetime: petition_core::officer::session::LIFETIME_SECONDS,
        }
    }
}

impl From<&petition_core::settings::Settings> for SessionPolicy {
    fn from(s: &petition_core::settings::Settings) -> Self {
        SessionPolicy {
            idle: i64::from(s.officer_idle_minutes) * 60,
            lifetime: i64::from(s.officer_session_hours) * 60 * 60,
        }
    }
}

/// A device's description, as the sessions list shows it: the browser's user agent, cut short.
pub fn device(user_agent: &str) -> String {
    let clean: String = user_agent.chars().filter(|c| !c.is_control()).take(120).collect();
    if clean.trim().is_empty() {
        "unknown browser".into()
    } else {
        clean
    }
}

/// Starts a session half signed in (the password was right; the second factor is awaited);
/// returns the cookie's secret and the session's id.
pub(crate) async fn start(conn: &mut AnyConnection, account_id: i64, device: &str, now: i64) -> Result<(String, i64)> {
    let token = new_token();
    let row = sqlx::query(
        "INSERT INTO officer_sessions (token_hash, account_id, stage, created_at, last_seen_at, device)
         VALUES ($1, $2, 'password', $3, $3, $4) RETURNING id",
    )
    .bind(token_hash(&token))
    .bind(account_id)
    .bind(now)
    .bind(device)
    .fetch_one(conn)
    .await?;
    Ok((token, row.try_get("id")?))
}

/// Completes sign-in: the half-signed-in session becomes a full one under a new secret, so a
/// secret seen before the second factor is worth nothing after it.
pub(crate) async fn promote(conn: &mut AnyConnection, session_id: i64, now: i64) -> Result<String> {
    let token = new_token();
    let done = sqlx::query(
        "UPDATE officer_sessions SET token_hash = $1, stage = 'signed-in', created_at = $2, last_seen_at = $2
         WHERE id = $3 AND stage = 'password' AND ended_at IS NULL",
    )
    .bind(token_hash(&token))
    .bind(now)
    .bind(session_id)
    .execute(conn)
    .await?;
    if done.rows_affected() != 1 {
        return Err(StoreError::Conflict("the sign-in was completed or ended elsewhere".into()));
    }
    Ok(token)
}

/// A half-signed-in session (password right, second factor awaited): its id and account.
pub(crate) async fn pending(conn: &mut AnyConnection, token: &str, now: i64) -> Result<Option<(i64, i64)>> {
    if !token_shaped(token) {
        return Ok(None);
    }
    let row = sqlx::query(
        "SELECT id, account_id FROM officer_sessions
         WHERE token_hash = $1 AND stage = 'password' AND ended_at IS NULL AND created_at > $2",
    )
    .bind(token_hash(token))
    .bind(now - SECOND_FACTOR_SECONDS)
    .fetch_optional(conn)
    .await?;
    Ok(match row {
        Some(r) => Some((r.try_get("id")?, r.try_get("account_id")?)),
        None => None,
    })
}

/// The signed-in officer a cookie's secret belongs to, if its session is live and its account
/// usable; records the activity (at most once a minute). A session found past its time is ended.
pub async fn find(db: &Db, token: &str, policy: SessionPolicy, now: i64) -> Result<Option<SignedIn>> {
    if !token_shaped(token) {
        return Ok(None);
    }
    let row = sqlx::query(
        "SELECT s.id, s.account_id, s.created_at, s.last_seen_at, a.email, a.role
         FROM officer_sessions s JOIN officer_accounts a ON a.id = s.account_id
         WHERE s.token_hash = $1 AND s.stage = 'signed-in' AND s.ended_at IS NULL
           AND a.disabled_at IS NULL AND a.set_up_at IS NOT NULL",
    )
    .bind(token_hash(token))
    .fetch_optional(&db.pool)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let id: i64 = r.try_get("id")?;
    let times = SessionTimes {
        created_at: r.try_get("created_at")?,
        last_seen_at: r.try_get("last_seen_at")?,
        idle: policy.idle,
        lifetime: policy.lifetime,
    };
    if !times.live(now) {
        let why = if now >= times.created_at + policy.lifetime { "reached its time limit" } else { "idle too long" };
        end_one(&mut *db.pool.acquire().await?, id, why, times.ends_at()).await?;
        return Ok(None);
    }
    if times.should_touch(now) {
        sqlx::query("UPDATE officer_sessions SET last_seen_at = $1 WHERE id = $2 AND last_seen_at <= $3")
            .bind(now)
            .bind(id)
            .bind(now - times.touch_every())
            .execute(&db.pool)
            .await?;
    }
    let role: String = r.try_get("role")?;
    Ok(Some(SignedIn {
        account_id: r.try_get("account_id")?,
        email: r.try_get("email")?,
        role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("an officer role {role:?}")))?,
        session_id: id,
    }))
}

pub(crate) async fn end_one(conn: &mut AnyConnection, session_id: i64, why: &str, at: i64) -> Result<bool> {
    let done =
        sqlx::query("UPDATE officer_sessions SET ended_at = $1, ended_why = $2 WHERE id = $3 AND ended_at IS NULL")
            .bind(at)
            .bind(why)
            .bind(session_id)
            .execute(conn)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Ends every session of an account, except `keep`.
pub(crate) async fn end_all(
    conn: &mut AnyConnection,
    account_id: i64,
    keep: Option<i64>,
    why: &str,
    now: i64,
) -> Result<u64> {
    let done = sqlx::query(
        "UPDATE officer_sessions SET ended_at = $1, ended_why = $2 WHERE account_id = $3 AND ended_at IS NULL AND id <> $4",
    )
    .bind(now)
    .bind(why)
    .bind(account_id)
    .bind(keep.unwrap_or(-1))
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Signs out: ends this session.
pub async fn sign_out(db: &Db, who: &SignedIn, now: i64) -> Result<()> {
    let mut tx = db.begin_write().await?;
    end_one(&mut tx, who.session_id, "signed out", now).await?;
    let action = crate::audit::Action {
        action: "sign-out",
        petition_id: None,
        subject: format!("session {}", who.session_id),
        reason: "",
        detail: String::new(),
    };
    crate::audit::record(&mut tx, &crate::audit::Actor::Officer(who.clone()), &action, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Ends one of the officer's own sessions (another device), or, with `None`, every one but
/// this. Returns how many ended.
pub async fn end_own(db: &Db, who: &SignedIn, session_id: Option<i64>, now: i64) -> Result<u64> {
    let mut tx = db.begin_write().await?;
    let ended = match session_id {
        Some(id) => {
            let done = sqlx::query(
                "UPDATE officer_sessions SET ended_at = $1, ended_why = 'ended from another session'
                 WHERE id = $2 AND account_id = $3 AND ended_at IS NULL",
            )
            .bind(now)
            .bind(id)
            .bind(who.account_id)
            .execute(&mut *tx)
            .await?;
            done.rows_affected()
        }
        None => end_all(&mut tx, who.account_id, Some(who.session_id), "signed out everywhere", now).await?,
    };
    let action = crate::audit::Action {
        action: "sessions-end",
        petition_id: None,
        subject: match session_id {
            Some(id) => format!("session {id}"),
            None => "every other session".into(),
        },
        reason: "",
        detail: format!("{ended} ended"),
    };
    crate::audit::record(&mut tx, &crate::audit::Actor::Officer(who.clone()), &action, now).await?;
    tx.commit().await?;
    Ok(ended)
}

/// A live session, for the list of one's own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRow {
    pub id: i64,
    pub device: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub ends_at: i64,
}

/// The account's live sessions, newest first.
pub async fn list(db: &Db, account_id: i64, policy: SessionPolicy, now: i64) -> Result<Vec<SessionRow>> {
    let rows = sqlx::query(
        "SELECT id, device, created_at, last_seen_at FROM officer_sessions
         WHERE account_id = $1 AND stage = 'signed-in' AND ended_at IS NULL ORDER BY id DESC",
    )
    .bind(account_id)
    .fetch_all(&db.pool)
    .await?;
    let mut out = Vec::new();
    for r in rows {
        let times = SessionTimes {
            created_at: r.try_get("created_at")?,
            last_seen_at: r.try_get("last_seen_at")?,
            idle: policy.idle,
            lifetime: policy.lifetime,
        };
        if times.live(now) {
            out.push(SessionRow {
                id: r.try_get("id")?,
                device: r.try_get("device")?,
                created_at: times.created_at,
                last_seen_at: times.last_seen_at,
                ends_at: times.ends_at(),
            });
        }
    }
    Ok(out)
}
