//! Password hashes: Argon2id with the argon2 crate's defaults (19 MiB, 2 passes), in the PHC
//! string format, so parameters can be raised later and old hashes still verify.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use petition_core::officer::NewPassword;

use crate::error::{Result, StoreError};

/// Hashes off the async threads: a hash takes tens of milliseconds of CPU on purpose.
pub async fn hash(password: &NewPassword) -> Result<String> {
    let password = password.as_str().to_string();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| StoreError::Config(format!("hashing a password: {e}")))
    })
    .await
    .map_err(|e| StoreError::Config(format!("hashing a password: {e}")))?
}

/// Checks a password against a stored hash, or against a fixed dummy hash when there is none,
/// so that an unknown email address takes as long to refuse as a wrong password.
pub async fn verify(password: &str, stored: Option<String>) -> bool {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| DUMMY.to_string());
        let Ok(parsed) = PasswordHash::new(&stored) else { return false };
        Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok() && known
    })
    .await
    .unwrap_or(false)
}

/// The hash of a random password nobody knows, with the default parameters.
const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZSBzYWx0IGhlcmU$Jr0pRMbWdp6I3AeVvsUzYwdi9ZzTUGBSo8kS6KYtI6s";

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let p = NewPassword::parse("correct horse battery", "correct horse battery", "a@b.example").unwrap();
        let h = hash(&p).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", Some(h.clone())).await);
        assert!(!verify("correct horse batterY", Some(h)).await);
    }

    #[tokio::test]
    async fn no_hash_never_verifies_but_costs_the_same_work() {
        assert!(PasswordHash::new(DUMMY).is_ok(), "the dummy hash parses, so the work is done");
        assert!(!verify("anything", None).await);
    }
}
