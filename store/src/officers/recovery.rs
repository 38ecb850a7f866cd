//! Recovery codes: ten single-use codes shown once at set-up, for when the authenticator is
//! lost. Only keyed hashes are kept.

use rand::Rng;
use sqlx::AnyConnection;

use crate::error::Result;
use crate::secrets::Secrets;

pub const COUNT: usize = 10;
/// Letters and digits that cannot be mistaken for one another.
const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// Ten new codes like `k7mq-9xpa-3hte` (about 70 bits each).
pub fn generate() -> Vec<String> {
    let mut rng = rand::thread_rng();
    (0..COUNT)
        .map(|_| {
            let chars: Vec<char> = (0..12).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect();
            chars.chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-")
        })
        .collect()
}

/// The form a code is compared in: lower case, no spaces or dashes.
pub fn normalise(code: &str) -> String {
    code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect()
}

pub fn looks_like_one(code: &str) -> bool {
    normalise(code).len() == 12
}

pub(crate) fn hash(secrets: &Secrets, account_id: i64, code: &str) -> String {
    secrets.keyed_hash(&["officer-recovery-code", &account_id.to_string(), &normalise(code)])
}

/// Replaces an account's codes.
pub(crate) async fn store(
    conn: &mut AnyConnection,
    secrets: &Secrets,
    account_id: i64,
    codes: &[String],
) -> Result<()> {
    sqlx::query("DELETE FROM officer_recovery_codes WHERE account_id = $1")
        .bind(account_id)
        .execute(&mut *conn)
        .await?;
    for c in codes {
        sqlx::query("INSERT INTO officer_recovery_codes (account_id, code_hash) VALUES ($1, $2)")
            .bind(account_id)
            .bind(hash(secrets, account_id, c))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Uses up a code: true if it was one of the account's and not used before.
pub(crate) async fn use_up(
    conn: &mut AnyConnection,
    secrets: &Secrets,
    account_id: i64,
    code: &str,
    now: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE officer_recovery_codes SET used_at = $1 WHERE account_id = $2 AND code_hash = $3 AND used_at IS NULL",
    )
    .bind(now)
    .bind(account_id)
    .bind(hash(secrets, account_id, code))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// How many unused codes an account has left.
pub async fn left(conn: &mut AnyConnection, account_id: i64) -> Result<i64> {
    let n: i64 = sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM officer_recovery_codes WHERE account_id = $1 AND used_at IS NULL",
    )
    .bind(account_id)
    .fetch_one(conn)
    .await?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_typed_back_loosely() {
        let codes = generate();
        assert_eq!(codes.len(), COUNT);
        assert_eq!(codes.iter().collect::<std::collections::BTreeSet<_>>().len(), COUNT);
        for c in &codes {
            assert_eq!(c.len(), 14);
            assert!(looks_like_one(c));
            assert_eq!(normalise(&c.to_uppercase().replace('-', " ")), normalise(c));
        }
        assert!(!looks_like_one("123456"));
    }
}
