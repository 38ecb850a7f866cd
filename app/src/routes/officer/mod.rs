//! The officer pages, one file per route group. Every page here is behind the server's gate
//! (`server/src/officer_web`), except signing in, setting an account up and resetting a password.

pub mod account;
pub mod accounts;
pub mod audit;
pub mod bulk;
pub mod check;
pub mod moderation;
pub mod nav;
pub mod petitions;
pub mod reference;
pub mod review;
pub mod set_up;
pub mod settings;
pub mod sign_in;
pub mod signatures;
pub mod upload;
pub mod verify;

pub use signatures::strike_reason_label;
