//! The transparency log as `../shared/docs/transparency.md` fixes it, as pure functions: hashing
//! and proofs (RFC 6962 / RFC 9162), signed notes and checkpoints (C2SP), tile paths, entries and
//! tallies, and the sample and certificate that verify a count after the close. The server writes
//! with it, the observer command line and the browser check with it.

pub mod certify;
pub mod checkpoint;
pub mod entry;
pub mod merkle;
pub mod note;
pub mod percent;
pub mod proof;
pub mod receipt;
pub mod sample;
pub mod tally;
pub mod tile;
