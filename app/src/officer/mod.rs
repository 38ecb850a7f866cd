//! What the officer pages share with the server: which routes need which role, and the pages'
//! server functions.

pub mod access;
pub mod api;

/// The answers of officer form posts live with the others, in `post`.
pub use crate::post::{Check, OfficerPosted};
pub use access::{access, Access};
