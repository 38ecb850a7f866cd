//! One file per route, as the router in `lib.rs` lists them.

pub mod certificate;
pub mod home;
pub mod links;
pub mod not_found;
pub mod officer;
pub mod petition;
pub mod proposal;
pub mod receipt;
pub mod refused;
pub mod sign;
pub mod signed;
pub mod sponsor;
pub mod start;
