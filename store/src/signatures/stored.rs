//! A signature's row as the changes after signing read it, inside their transactions.

use petition_core::signature::{SignatureFacts, Status};
use sqlx::{AnyConnection, Row};

use crate::counts::signature_status;
use crate::error::Result;

/// What a change to a signature needs to know about it.
pub(crate) struct Stored {
    pub(crate) status: Status,
    pub(crate) struck: bool,
    pub(crate) strike_reason: Option<String>,
    pub(crate) ward: String,
    pub(crate) confirmed_at: Option<i64>,
}

impl Stored {
    pub(crate) async fn read(conn: &mut AnyConnection, id: i64) -> Result<Option<Stored>> {
        let row = sqlx::query(
            "SELECT status, struck_at, strike_reason, ward_code, confirmed_at FROM signatures WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(conn)
        .await?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some(Stored {
            status: signature_status(&r.try_get::<String, _>(0)?)?,
            struck: r.try_get::<Option<i64>, _>(1)?.is_some(),
            strike_reason: r.try_get(2)?,
            ward: r.try_get(3)?,
            confirmed_at: r.try_get(4)?,
        }))
    }

    /// A condition that holds while the row's strike is as read, for updates made only if nobody
    /// changed the row in between (the status is compared by parameter).
    pub(crate) fn strike_as_read(&self) -> &'static str {
        if self.struck {
            "struck_at IS NOT NULL"
        } else {
            "struck_at IS NULL"
        }
    }

    /// The facts the engine counts from, as they are now.
    pub(crate) fn facts(&self) -> SignatureFacts {
        SignatureFacts::of(self.status, self.confirmed_at, self.struck)
    }

    /// The facts after a change of status or strike.
    pub(crate) fn facts_with(&self, status: Status, struck: bool) -> SignatureFacts {
        SignatureFacts::of(status, self.confirmed_at, struck)
    }
}
