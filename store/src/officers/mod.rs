//! Officer accounts and signing in: Argon2id password hashes, a TOTP second factor with
//! single-use recovery codes, set-up and reset links, and sessions kept as rows so that they can
//! be listed and ended.

pub mod accounts;
pub mod housekeeping;
pub mod links;
pub mod passwords;
pub mod recovery;
pub mod sessions;
pub mod sign_in;
pub mod totp;

pub use accounts::{Account, AccountError};
pub use sessions::{SessionPolicy, SessionRow};
pub use sign_in::{PasswordOutcome, Refusal, SecondFactorOutcome};
