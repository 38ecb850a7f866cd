//! Read models: what the public pages and the officer page show, assembled from the rows and the
//! signed tallies. Nothing here writes.

pub mod exports;
pub mod officer;
pub mod public;
pub mod reference;
pub mod review;
pub mod signers;
pub mod verification;
