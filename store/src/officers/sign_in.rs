//! Signing in: a password, then a code from the authenticator (or a recovery code). Failures of
//! either step are counted per email address as typed ([`petition_core::officer::lockout`]),
//! and every refusal reads the same whether or not the address has an account.

use petition_core::officer::{Failures, Gate};
use sqlx::{AnyConnection, Row};

use crate::audit::{self, Action, Actor, SignedIn};
use crate::db::Db;
use crate::error::Result;
use crate::officers::accounts::{self, email_key};
use crate::officers::sessions;
use crate::officers::{passwords, recovery, totp};
use crate::secrets::Secrets;

/// Why a step was refused, in the only words a refusal may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The email and password (or the code) are not right.
    Wrong,
    /// Too many failures just now: wait this many seconds.
    Wait(i64),
    /// Too many failures: locked until this moment.
    Locked(i64),
}

impl Refusal {
    fn of(gate: Gate) -> Option<Refusal> {
        match gate {
            Gate::Open => None,
            Gate::Wait(s) => Some(Refusal::Wait(s)),
            Gate::Locked(u) => Some(Refusal::Locked(u)),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PasswordOutcome {
    /// Right: the cookie's secret of a half-signed-in session, awaiting the second factor.
    SecondFactor(String),
    Refused(Refusal),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecondFactorOutcome {
    /// Signed in: the cookie's new secret, and how many recovery codes are left.
    SignedIn {
        token: String,
        recovery_codes_left: i64,
    },
    Refused(Refusal),
    /// The half-signed-in session has expired or was never there: start again.
    StartAgain,
}

fn failure_key(secrets: &Secrets, email: &str) -> String {
    secrets.keyed_hash(&["officer-sign-in", &email_key(email)])
}

async fn failures(conn: &mut AnyConnection, key: &str) -> Result<Failures> {
    let row = sqlx::query("SELECT failures, last_failed_at, locked_until FROM sign_in_failures WHERE email_key = $1")
        .bind(key)
        .fetch_optional(conn)
        .await?;
    Ok(match row {
        None => Failures::default(),
        Some(r) => Failures {
            count: r.try_get::<i64, _>("failures")?.clamp(0, u32::MAX as i64) as u32,
            last_at: r.try_get("last_failed_at")?,
            locked_until: r.try_get("locked_until")?,
        },
    })
}

/// Records a failure; returns the refusal to show for it.
async fn fail(conn: &mut AnyConnection, key: &str, before: Failures, now: i64) -> Result<Refusal> {
    let after = before.failed(now);
    sqlx::query(
        "INSERT INTO sign_in_failures (email_key, failures, last_failed_at, locked_until) VALUES ($1, $2, $3, $4)
         ON CONFLICT (email_key) DO UPDATE SET failures = $2, last_failed_at = $3, locked_until = $4",
    )
    .bind(key)
    .bind(after.count as i64)
    .bind(after.last_at)
    .bind(after.locked_until)
    .execute(conn)
    .await?;
    Ok(match after.locked_until {
        Some(u) if u > now => Refusal::Locked(u),
        _ => Refusal::Wrong,
    })
}

async fn forget_failures(conn: &mut AnyConnection, key: &str) -> Result<()> {
    sqlx::query("DELETE FROM sign_in_failures WHERE email_key = $1").bind(key).execute(conn).await?;
    Ok(())
}

/// The first step: email and password.
pub async fn password(
    db: &Db,
    secrets: &Secrets,
    email: &str,
    password: &str,
    device: &str,
    now: i64,
) -> Result<PasswordOutcome> {
    let key = failure_key(secrets, email);
    let mut conn = db.pool.acquire().await?;
    let before = failures(&mut conn, &key).await?;
    if let Some(r) = Refusal::of(before.gate(now)) {
        return Ok(PasswordOutcome::Refused(r));
    }
    let account = accounts::by_email(&mut conn, email).await?.filter(|a| a.usable() && a.totp_secret.is_some());
    drop(conn);
    // The same work whether or not there is an account (see passwords::verify).
    let right = passwords::verify(password, account.as_ref().and_then(|a| a.password_hash.clone())).await;
    let mut tx = db.begin_write().await?;
    let outcome = match (&account, right) {
        (Some(a), true) => {
            let (token, _) = sessions::start(&mut tx, a.id, device, now).await?;
            PasswordOutcome::SecondFactor(token)
        }
        _ => PasswordOutcome::Refused(fail(&mut tx, &key, before, now).await?),
    };
    tx.commit().await?;
    Ok(outcome)
}

/// The second step: a code from the authenticator, or a recovery code.
pub async fn second_factor(
    db: &Db,
    secrets: &Secrets,
    token: &str,
    code: &str,
    now: i64,
) -> Result<SecondFactorOutcome> {
    let mut tx = db.begin_write().await?;
    let Some((session_id, account_id)) = sessions::pending(&mut tx, token, now).await? else {
        return Ok(SecondFactorOutcome::StartAgain);
    };
    let Some(a) = accounts::get(&mut tx, account_id).await?.filter(|a| a.usable()) else {
        return Ok(SecondFactorOutcome::StartAgain);
    };
    let key = failure_key(secrets, &a.email);
    let before = failures(&mut tx, &key).await?;
    if let Some(r) = Refusal::of(before.gate(now)) {
        return Ok(SecondFactorOutcome::Refused(r));
    }
    let secret = a.totp_secret.clone().unwrap_or_default();
    let (right, how) = match totp::accept(&secret, code, crate::time::real(now), a.totp_last_step) {
        Some(step) => {
            // Only a newer step moves the mark, so two sign-ins racing cannot both use one code.
            let done = sqlx::query(
                "UPDATE officer_accounts SET totp_last_step = $1 WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)",
            )
            .bind(step)
            .bind(a.id)
            .execute(&mut *tx)
            .await?;
            (done.rows_affected() == 1, "authenticator code")
        }
        None if recovery::looks_like_one(code) => {
            (recovery::use_up(&mut tx, secrets, a.id, code, now).await?, "recovery code")
        }
        None => (false, ""),
    };
    if !right {
        let refusal = fail(&mut tx, &key, before, now).await?;
        if let Refusal::Locked(_) = refusal {
            sessions::end_one(&mut tx, session_id, "locked after failed codes", now).await?;
        }
        tx.commit().await?;
        return Ok(SecondFactorOutcome::Refused(refusal));
    }
    forget_failures(&mut tx, &key).await?;
    let token = sessions::promote(&mut tx, session_id, now).await?;
    let who = SignedIn { account_id: a.id, email: a.email.clone(), role: a.role, session_id };
    let action = Action {
        action: "sign-in",
        petition_id: None,
        subject: format!("session {session_id}"),
        reason: "",
        detail: format!("with a password and a {how}"),
    };
    audit::record(&mut tx, &Actor::Officer(who), &action, now).await?;
    let left = recovery::left(&mut tx, a.id).await?;
    tx.commit().await?;
    Ok(SecondFactorOutcome::SignedIn { token, recovery_codes_left: left })
}
