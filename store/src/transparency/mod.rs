//! The transparency log (`../shared/docs/transparency.md`), kept in the database: the queue that
//! changes write to in their own transactions, the sequencer that appends and signs, what is
//! published, and the signing keys.

pub mod freeze;
pub mod high_water;
pub mod keys;
pub mod pauses;
pub mod publish;
pub mod queue;
pub mod queued;
pub mod sequencer;

pub use freeze::text_sha256;
pub use high_water::HighWater;
pub use keys::{create_key, load_key, tally_key_name, LogKeys};
pub use publish::{certificate, checkpoint, checkpoint_at, entries_from, proof, strikes_after, tally, tile};
pub use queue::backfill;
pub use queued::Queued;
pub use sequencer::{Batch, Sequencer};
