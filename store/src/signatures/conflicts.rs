//! Two mailboxes asking to sign as one elector. The first to confirm holds the place; the other
//! may be the real elector, so officers see each such conflict in the review queue as a possible
//! impersonation, with what the second claimant gave.

use sqlx::AnyConnection;

use crate::error::Result;

/// What the claimant who came second gave when they asked to sign.
pub(crate) struct Claimant<'a> {
    pub(crate) name: &'a str,
    pub(crate) email: &'a str,
    pub(crate) postcode: &'a str,
    pub(crate) address_text: &'a str,
    pub(crate) attempted_at: i64,
}

/// Records, in the caller's transaction, that `claimant` asked to sign as the elector whose
/// place `signature_id` holds.
pub(crate) async fn record(
    conn: &mut AnyConnection,
    petition_id: i64,
    signature_id: i64,
    claimant: &Claimant<'_>,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO sign_conflicts (petition_id, signature_id, name, email, postcode, address_text, attempted_at,
           recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(petition_id)
    .bind(signature_id)
    .bind(claimant.name)
    .bind(claimant.email)
    .bind(claimant.postcode)
    .bind(claimant.address_text)
    .bind(claimant.attempted_at)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}
