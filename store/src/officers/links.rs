//! Set-up and password-reset links. The link carries a random secret; the row keeps its hash, an
//! expiry, and when it was used, so each link works once.

use base64::Engine;
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};

use crate::error::Result;

/// A set-up link lasts a week (an invitation may wait over a weekend); a reset link an hour.
pub const SET_UP_SECONDS: i64 = 7 * 24 * 60 * 60;
pub const RESET_SECONDS: i64 = 60 * 60;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    SetUp,
    Reset,
}

impl Purpose {
    fn code(self) -> &'static str {
        match self {
            Purpose::SetUp => "set-up",
            Purpose::Reset => "reset",
        }
    }

    /// Where the link leads, under the site's address.
    pub fn path(self, token: &str) -> String {
        match self {
            Purpose::SetUp => format!("/officer/set-up/{token}"),
            Purpose::Reset => format!("/officer/reset/{token}"),
        }
    }
}

pub(crate) fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// A new random secret for a link or a session cookie: 32 bytes, base64url (43 characters).
pub(crate) fn new_token() -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

/// Whether a string could be one of our tokens, before touching the database.
pub fn token_shaped(t: &str) -> bool {
    t.len() == 43 && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Issues a link for an account, ending its earlier unused links of the same purpose.
pub(crate) async fn issue(conn: &mut AnyConnection, account_id: i64, purpose: Purpose, now: i64) -> Result<String> {
    sqlx::query("UPDATE officer_links SET used_at = $1 WHERE account_id = $2 AND purpose = $3 AND used_at IS NULL")
        .bind(now)
        .bind(account_id)
        .bind(purpose.code())
        .execute(&mut *conn)
        .await?;
    let token = new_token();
    let lifetime = match purpose {
        Purpose::SetUp => SET_UP_SECONDS,
        Purpose::Reset => RESET_SECONDS,
    };
    sqlx::query(
        "INSERT INTO officer_links (token_hash, account_id, purpose, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash(&token))
    .bind(account_id)
    .bind(purpose.code())
    .bind(now)
    .bind(now + lifetime)
    .execute(&mut *conn)
    .await?;
    Ok(token)
}

/// The account a live link is for, without using it up.
pub(crate) async fn peek(conn: &mut AnyConnection, token: &str, purpose: Purpose, now: i64) -> Result<Option<i64>> {
    if !token_shaped(token) {
        return Ok(None);
    }
    let row = sqlx::query(
        "SELECT account_id FROM officer_links WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3",
    )
    .bind(token_hash(token))
    .bind(purpose.code())
    .bind(now)
    .fetch_optional(conn)
    .await?;
    Ok(match row {
        Some(r) => Some(r.try_get("account_id")?),
        None => None,
    })
}

/// Uses a link up; true if it was still live (a second use at the same moment gets false).
pub(crate) async fn use_up(conn: &mut AnyConnection, token: &str, purpose: Purpose, now: i64) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE officer_links SET used_at = $1 WHERE token_hash = $2 AND purpose = $3 AND used_at IS NULL AND expires_at > $1",
    )
    .bind(now)
    .bind(token_hash(token))
    .bind(purpose.code())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
