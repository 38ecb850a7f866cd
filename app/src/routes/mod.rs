//! One file per route, as the router in `lib.rs` lists them.

pub mod certificate;
pub mod home;
pub mod links;
pub mod not_found;
pub mod officer;
pub mod petition;
pub mod receipt;
pub mod sign;
pub mod signed;
