//! What the officer pages share with the server: which routes need which role, and the answers
//! of officer form posts.

pub mod access;
pub mod api;
pub mod posted;

pub use access::{access, Access};
pub use posted::{Check, OfficerPosted};
