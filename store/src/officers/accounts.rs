//! Officer accounts: made by an admin (or, for the first admin, at the command line) with a
//! one-time set-up link; set up by their holder with a password and an authenticator; given a
//! role; disabled when someone leaves. Every change is in the audit trail.

use petition_core::officer::{NewPassword, Role};
use petition_core::text::Email;
use sqlx::{AnyConnection, Row};

use crate::audit::{self, Action, Actor};
use crate::db::Db;
use crate::error::StoreError;
use crate::mail::links::Mailing;
use crate::mail::outbox::{enqueue, Mail};
use crate::officers::links::{self, Purpose};
use crate::officers::{passwords, recovery, sessions, totp};
use crate::secrets::Secrets;

#[derive(Clone, PartialEq, Eq)]
pub struct Account {
    pub id: i64,
    pub email: String,
    pub role: Role,
    pub created_at: i64,
    /// When its holder chose a password and enrolled an authenticator; None until then.
    pub set_up_at: Option<i64>,
    pub disabled_at: Option<i64>,
    pub(crate) password_hash: Option<String>,
    pub(crate) totp_secret: Option<String>,
    pub(crate) totp_last_step: Option<i64>,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account").field("id", &self.id).field("email", &self.email).field("role", &self.role).finish()
    }
}

impl Account {
    /// Whether it can sign in: set up and not disabled.
    pub fn usable(&self) -> bool {
        self.set_up_at.is_some() && self.disabled_at.is_none() && self.password_hash.is_some()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("An account already uses {0}")]
    Exists(String),
    #[error("There is no such account")]
    NotFound,
    #[error("This would leave no admin who can sign in: make another admin first")]
    LastAdmin,
    #[error("You cannot disable your own account")]
    Yourself,
    #[error("This link has expired or has already been used. Ask an admin for a new one")]
    LinkNotLive,
    #[error("{0}")]
    Password(#[from] petition_core::officer::PasswordError),
    #[error(
        "The code from your authenticator app is not right. Check the time on your phone, then try the newest code"
    )]
    WrongCode,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for AccountError {
    fn from(e: sqlx::Error) -> Self {
        AccountError::Store(StoreError::Db(e))
    }
}

const COLUMNS: &str = "id, email, role, created_at, set_up_at, disabled_at, password_hash, totp_secret, totp_last_step";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Account, StoreError> {
    let role: String = r.try_get("role")?;
    Ok(Account {
        id: r.try_get("id")?,
        email: r.try_get("email")?,
        role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("an officer role {role:?}")))?,
        created_at: r.try_get("created_at")?,
        set_up_at: r.try_get("set_up_at")?,
        disabled_at: r.try_get("disabled_at")?,
        password_hash: r.try_get("password_hash")?,
        totp_secret: r.try_get("totp_secret")?,
        totp_last_step: r.try_get("totp_last_step")?,
    })
}

/// The form an account's email is stored and looked up in.
pub fn email_key(email: &str) -> String {
    email.trim().to_ascii_lowercase()
}

pub async fn get(conn: &mut AnyConnection, id: i64) -> Result<Option<Account>, StoreError> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM officer_accounts WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn by_email(conn: &mut AnyConnection, email: &str) -> Result<Option<Account>, StoreError> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM officer_accounts WHERE email = $1"))
        .bind(email_key(email))
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Every account, admins first, then by email.
pub async fn list(db: &Db) -> Result<Vec<Account>, StoreError> {
    let rows =
        sqlx::query(&format!("SELECT {COLUMNS} FROM officer_accounts ORDER BY email")).fetch_all(&db.pool).await?;
    let mut all: Vec<Account> = rows.iter().map(from_row).collect::<Result<_, _>>()?;
    all.sort_by_key(|a| std::cmp::Reverse(a.role));
    Ok(all)
}

/// Makes an account and its set-up link (returned as a path under the site's address). When
/// `invite` is true the link is also emailed to the new holder.
pub async fn create(
    db: &Db,
    mailing: &Mailing,
    actor: &Actor,
    email: &Email,
    role: Role,
    invite: bool,
    now: i64,
) -> Result<(Account, String), AccountError> {
    let mut tx = db.begin_write().await?;
    if by_email(&mut tx, email.as_str()).await?.is_some() {
        return Err(AccountError::Exists(email_key(email.as_str())));
    }
    let created_by = match actor {
        Actor::Officer(s) => Some(s.account_id),
        _ => None,
    };
    let row = sqlx::query(
        "INSERT INTO officer_accounts (email, role, created_at, created_by) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(email_key(email.as_str()))
    .bind(role.code())
    .bind(now)
    .bind(created_by)
    .fetch_one(&mut *tx)
    .await?;
    let id: i64 = row.try_get("id")?;
    let token = links::issue(&mut tx, id, Purpose::SetUp, now).await?;
    let path = Purpose::SetUp.path(&token);
    if invite {
        enqueue(&mut tx, &invitation(mailing, email.as_str(), role, &path), now).await?;
    }
    let action = Action {
        action: "account-create",
        petition_id: None,
        subject: format!("account {}", email_key(email.as_str())),
        reason: "",
        detail: format!("role {}; set-up link {}", role.code(), if invite { "emailed" } else { "printed" }),
    };
    audit::record(&mut tx, actor, &action, now).await?;
    tx.commit().await?;
    let account = get(&mut *db.pool.acquire().await?, id).await?.ok_or(AccountError::NotFound)?;
    Ok((account, path))
}

fn invitation(mailing: &Mailing, to: &str, role: Role, path: &str) -> Mail {
    Mail {
        recipient: to.to_string(),
        subject: "Set up your officer account".into(),
        body: format!(
            "You have been given an officer account ({}) on the local referendum petitions site.\n\n\
             Set it up within 7 days at:\n\n{}{}\n\n\
             You will choose a password and add the account to an authenticator app on your phone.\n\
             If you did not expect this, ignore this email.\n",
            role.describe(),
            mailing.base_url,
            path
        ),
    }
}

/// Admins who can sign in, other than `except`.
async fn other_admins(conn: &mut AnyConnection, except: i64) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM officer_accounts
         WHERE role = 'admin' AND disabled_at IS NULL AND set_up_at IS NOT NULL AND id <> $1",
    )
    .bind(except)
    .fetch_one(conn)
    .await?)
}

pub async fn set_role(db: &Db, actor: &Actor, id: i64, role: Role, now: i64) -> Result<(), AccountError> {
    let mut tx = db.begin_write().await?;
    let a = get(&mut tx, id).await?.ok_or(AccountError::NotFound)?;
    if a.role == role {
        return Ok(());
    }
    if a.role == Role::Admin && other_admins(&mut tx, id).await? == 0 {
        return Err(AccountError::LastAdmin);
    }
    sqlx::query("UPDATE officer_accounts SET role = $1 WHERE id = $2")
        .bind(role.code())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let action = Action {
        action: "account-role",
        petition_id: None,
        subject: format!("account {}", a.email),
        reason: "",
        detail: format!("role {} to {}", a.role.code(), role.code()),
    };
    audit::record(&mut tx, actor, &action, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Disables an account and ends its sessions. Its audit rows stay.
pub async fn disable(db: &Db, actor: &Actor, id: i64, reason: &str, now: i64) -> Result<(), AccountError> {
    if matches!(actor, Actor::Officer(s) if s.account_id == id) {
        return Err(AccountError::Yourself);
    }
    let mut tx = db.begin_write().await?;
    let a = get(&mut tx, id).await?.ok_or(AccountError::NotFound)?;
    if a.disabled_at.is_some() {
        return Ok(());
    }
    if a.role == Role::Admin && other_admins(&mut tx, id).await? == 0 {
        return Err(AccountError::LastAdmin);
    }
    sqlx::query("UPDATE officer_accounts SET disabled_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sessions::end_all(&mut tx, id, None, "account disabled", now).await?;
    let action = Action {
        action: "account-disable",
        petition_id: None,
        subject: format!("account {}", a.email),
        reason,
        detail: "sessions ended".into(),
    };
    audit::record(&mut tx, actor, &action, now).await?;
    tx.commit().await?;
    Ok(())
}

/// What the set-up page shows: the account's email and the authenticator secret to enrol. The
/// secret is made on the first visit and kept until set-up completes, so reloading the page
/// shows the same one.
pub async fn set_up_page(db: &Db, token: &str, now: i64) -> Result<Option<(String, String)>, StoreError> {
    let mut conn = db.pool.acquire().await?;
    let Some(id) = links::peek(&mut conn, token, Purpose::SetUp, now).await? else { return Ok(None) };
    let Some(a) = get(&mut conn, id).await? else { return Ok(None) };
    if a.disabled_at.is_some() {
        return Ok(None);
    }
    let secret = match a.totp_secret {
        Some(s) if a.set_up_at.is_none() => s,
        _ => {
            let s = totp::new_secret();
            sqlx::query("UPDATE officer_accounts SET totp_secret = $1, totp_last_step = NULL WHERE id = $2 AND set_up_at IS NULL")
                .bind(&s)
                .bind(id)
                .execute(&mut *conn)
                .await?;
            s
        }
    };
    Ok(Some((a.email, secret)))
}

/// Completes set-up: the password and a code proving the authenticator holds the secret.
/// Returns the recovery codes, to be shown once.
pub async fn complete_set_up(
    db: &Db,
    secrets: &Secrets,
    token: &str,
    password: &NewPassword,
    code: &str,
    now: i64,
) -> Result<Vec<String>, AccountError> {
    let mut conn = db.pool.acquire().await?;
    let id = links::peek(&mut conn, token, Purpose::SetUp, now).await?.ok_or(AccountError::LinkNotLive)?;
    let a = get(&mut conn, id).await?.ok_or(AccountError::LinkNotLive)?;
    drop(conn);
    let secret = a.totp_secret.clone().filter(|_| a.set_up_at.is_none()).ok_or(AccountError::LinkNotLive)?;
    let step = totp::accept(&secret, code, crate::time::real(now), a.totp_last_step).ok_or(AccountError::WrongCode)?;
    let hash = passwords::hash(password).await?;
    let codes = recovery::generate();
    let mut tx = db.begin_write().await?;
    if !links::use_up(&mut tx, token, Purpose::SetUp, now).await? {
        return Err(AccountError::LinkNotLive);
    }
    sqlx::query(
        "UPDATE officer_accounts SET password_hash = $1, totp_last_step = $2, set_up_at = $3 WHERE id = $4 AND set_up_at IS NULL",
    )
    .bind(hash)
    .bind(step)
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    recovery::store(&mut tx, secrets, id, &codes).await?;
    let action = Action {
        action: "account-set-up",
        petition_id: None,
        subject: format!("account {}", a.email),
        reason: "",
        detail: "password chosen, authenticator enrolled, recovery codes issued".into(),
    };
    audit::record(&mut tx, &Actor::Holder { account_id: id, email: a.email.clone() }, &action, now).await?;
    tx.commit().await?;
    Ok(codes)
}

/// Starts again from a set-up link (a lost phone): password, authenticator and recovery codes
/// are cleared and sessions ended. Returns the link's path; it is emailed too.
pub async fn reissue_set_up(
    db: &Db,
    mailing: &Mailing,
    actor: &Actor,
    id: i64,
    reason: &str,
    now: i64,
) -> Result<String, AccountError> {
    let mut tx = db.begin_write().await?;
    let a = get(&mut tx, id).await?.ok_or(AccountError::NotFound)?;
    if a.role == Role::Admin && a.set_up_at.is_some() && other_admins(&mut tx, id).await? == 0 {
        return Err(AccountError::LastAdmin);
    }
    sqlx::query(
        "UPDATE officer_accounts SET password_hash = NULL, totp_secret = NULL, totp_last_step = NULL, set_up_at = NULL
         WHERE id = $1",
    )
    .bind(id)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM officer_recovery_codes WHERE account_id = $1").bind(id).execute(&mut *tx).await?;
    sessions::end_all(&mut tx, id, None, "set up again", now).await?;
    let token = links::issue(&mut tx, id, Purpose::SetUp, now).await?;
    let path = Purpose::SetUp.path(&token);
    if !matches!(actor, Actor::CommandLine(_)) {
        enqueue(&mut tx, &invitation(mailing, &a.email, a.role, &path), now).await?;
    }
    let action = Action {
        action: "account-set-up-again",
        petition_id: None,
        subject: format!("account {}", a.email),
        reason,
        detail: "password and authenticator cleared, sessions ended, new set-up link".into(),
    };
    audit::record(&mut tx, actor, &action, now).await?;
    tx.commit().await?;
    Ok(path)
}

/// Emails a password-reset link if a usable account has this address. The answer is the same
/// either way, so the form tells nobody which addresses have accounts.
pub async fn request_reset(db: &Db, mailing: &Mailing, email: &str, now: i64) -> Result<(), StoreError> {
    let mut tx = db.begin_write().await?;
    let Some(a) = by_email(&mut tx, email).await?.filter(Account::usable) else { return Ok(()) };
    let token = links::issue(&mut tx, a.id, Purpose::Reset, now).await?;
    let mail = Mail {
        recipient: a.email.clone(),
        subject: "Reset your officer password".into(),
        body: format!(
            "Someone asked to reset the password of your officer account.\n\n\
             If it was you, choose a new password within an hour at:\n\n{}{}\n\n\
             You will still need your authenticator app to sign in. If it was not you, ignore this\n\
             email: your password has not changed.\n",
            mailing.base_url,
            Purpose::Reset.path(&token)
        ),
    };
    enqueue(&mut tx, &mail, now).await?;
    tx.commit().await?;
    Ok(())
}

/// The email of the account a live reset link is for.
pub async fn reset_page(db: &Db, token: &str, now: i64) -> Result<Option<String>, StoreError> {
    let mut conn = db.pool.acquire().await?;
    let Some(id) = links::peek(&mut conn, token, Purpose::Reset, now).await? else { return Ok(None) };
    Ok(get(&mut conn, id).await?.filter(Account::usable).map(|a| a.email))
}

/// Sets a new password from a reset link and ends every session of the account.
pub async fn complete_reset(db: &Db, token: &str, password: &NewPassword, now: i64) -> Result<(), AccountError> {
    let hash = passwords::hash(password).await?;
    let mut tx = db.begin_write().await?;
    let id = links::peek(&mut tx, token, Purpose::Reset, now).await?.ok_or(AccountError::LinkNotLive)?;
    let a = get(&mut tx, id).await?.filter(Account::usable).ok_or(AccountError::LinkNotLive)?;
    if !links::use_up(&mut tx, token, Purpose::Reset, now).await? {
        return Err(AccountError::LinkNotLive);
    }
    sqlx::query("UPDATE officer_accounts SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sessions::end_all(&mut tx, id, None, "password reset", now).await?;
    let action = Action {
        action: "password-reset",
        petition_id: None,
        subject: format!("account {}", a.email),
        reason: "",
        detail: "new password; sessions ended".into(),
    };
    audit::record(&mut tx, &Actor::Holder { account_id: id, email: a.email.clone() }, &action, now).await?;
    tx.commit().await?;
    Ok(())
}
