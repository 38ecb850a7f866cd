//! How much the observer takes from a log: the most each kind of file can be, and the most
//! entries and time a run will spend, whatever the log claims or sends.

use std::time::Duration;

use petition_tlog::checkpoint::Checkpoint;
use petition_tlog::entry::MAX_ENTRY_BYTES;
use petition_tlog::note::MAX_NOTE_BYTES;
use petition_tlog::tile::Tile;

use crate::Failure;

/// The most a checkpoint note may be. Its three lines take under 200 bytes and the note reader
/// accepts at most `MAX_SIGNATURES` (64) signatures, each line about 110 bytes plus its key name:
/// 64 KiB holds all of them with long names and extension lines, and is nothing to hold in memory.
pub const MAX_CHECKPOINT_BYTES: usize = 64 << 10;
/// The most a tally note may be: the note reader refuses anything larger, so reading on is pointless.
pub const MAX_TALLY_BYTES: usize = MAX_NOTE_BYTES;
/// The most an inclusion proof may be: the header, the entry in base64 (at most 1,368 bytes), the
/// index and at most 64 hash lines of 45 bytes, then a checkpoint note.
pub const MAX_PROOF_BYTES: usize = MAX_CHECKPOINT_BYTES + (16 << 10);
/// The default for [`Limits::max_size`]: twenty times the electorate of the largest English
/// council (under a million), yet a run stays within about 3 GiB, since the replay keeps some 140
/// bytes an entry (a million entries peak at 144 MiB in `benches/million.rs`).
pub const DEFAULT_MAX_SIZE: u64 = 20_000_000;
/// The default for [`Limits::request_timeout`]: a full entry bundle (at most 257 KiB) arrives in
/// that time over a link of 10 KiB/s.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The most a hash tile can be: exactly `width` hashes of 32 bytes.
pub(crate) fn max_tile_bytes(t: &Tile) -> usize {
    t.width as usize * 32
}

/// The most an entry bundle can be: `width` entries of at most `MAX_ENTRY_BYTES`, each after its
/// two-byte length (257 KiB for a full bundle).
pub(crate) fn max_bundle_bytes(t: &Tile) -> usize {
    t.width as usize * (2 + MAX_ENTRY_BYTES)
}

/// How much the observer will take from a log in one run, whatever the log claims or sends.
#[derive(Clone, Debug)]
pub struct Limits {
    /// The most entries a checkpoint may claim. The observer downloads and replays every entry, so
    /// this bounds the run's time, traffic and memory; a larger claim fails before any download.
    pub max_size: u64,
    /// The longest one HTTP request may take, from connecting to the last byte of its body, so a
    /// server cannot hold the observer by sending a byte now and then.
    pub request_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { max_size: DEFAULT_MAX_SIZE, request_timeout: DEFAULT_REQUEST_TIMEOUT }
    }
}

/// Refuses a checkpoint of more entries than the limits allow, before anything is downloaded.
pub(crate) fn within(cp: &Checkpoint, limits: &Limits) -> Result<(), Failure> {
    if cp.size > limits.max_size {
        return Err(Failure::TooLarge(format!(
            "the signed checkpoint claims {} entries, more than the {} this observer downloads in one run \
             (--max-size); nothing was downloaded",
            cp.size, limits.max_size
        )));
    }
    Ok(())
}
