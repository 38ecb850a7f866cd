//! Read models: what the public pages and the officer page show, assembled from the rows and the
//! signed tallies. Nothing here writes.

pub mod officer;
pub mod public;
pub mod signers;
