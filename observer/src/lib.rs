//! The observer: checks a petition transparency log from what it publishes and the verifier keys
//! alone, and keeps evidence when something is wrong.
//!
//! The log is not trusted to behave either. Every response is read up to the most its kind of file
//! can hold and no further, and each request has an overall deadline. A checkpoint claiming more
//! entries than [`Limits::max_size`] is refused before anything is downloaded. Entries are streamed
//! bundle by bundle: the observer keeps the tree's right edge, the hash tiles being filled and the
//! replay's counts, never the entries themselves. Whatever arrives is written into the evidence
//! folder before it is checked, so a failed check, a crash or a kill leaves it on disk, and the state
//! file is replaced atomically.

mod certificate;
mod edge;
mod evidence;
mod failure;
mod keys;
mod limits;
mod publish;
mod receipt;
mod recheck;
mod replay;
mod source;
mod state;
mod stream;
mod sync;

pub use certificate::{check_certificate, Certificate};
pub use failure::Failure;
pub use keys::Keys;
pub use limits::{
    Limits, DEFAULT_MAX_SIZE, DEFAULT_REQUEST_TIMEOUT, MAX_CHECKPOINT_BYTES, MAX_PROOF_BYTES, MAX_TALLY_BYTES,
};
pub use publish::{write_dir, write_dir_since};
pub use receipt::{check_receipt, check_receipt_with, Standing};
pub use recheck::check_evidence;
pub use source::{on_disk, Source};
pub use sync::{sync, sync_with, Synced};
