//! The state folder's checkpoint: the last one a run checked, read back (and kept as evidence)
//! at the start of the next run, and replaced atomically once a run passes.

use std::io::Write as _;
use std::path::Path;

use petition_tlog::checkpoint::Checkpoint;

use crate::evidence::Evidence;
use crate::keys::{checkpoint_of, verified};
use crate::limits::MAX_CHECKPOINT_BYTES;
use crate::source::read_at_most;
use crate::{Failure, Keys};

/// Puts `bytes` at `path` so that a crash or a power cut at any moment leaves the old file or the
/// new one, never a part of either: the bytes go to a temporary file in the same folder (a rename
/// is only atomic within one file system), are flushed to disk, the file is renamed over `path`,
/// and the folder is flushed so that the rename itself lasts.
pub(crate) fn replace_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    // A name no other run or thread uses, so two never write into one temporary file. One left
    // by a crashed process whose id this one now has is stale, and removed.
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dir.join(format!(".{name}.{}.{n}.tmp", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    let written = (|| {
        let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        std::fs::File::open(dir)?.sync_all()
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// The checkpoint stored by the last successful run, if any, kept as evidence before it is read.
pub(crate) fn stored_checkpoint(
    stored: &Path,
    keys: &Keys,
    evidence: &Evidence,
) -> Result<Option<Checkpoint>, Failure> {
    let b = match std::fs::File::open(stored) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Failure::Unreachable(format!("cannot read {}: {e}", stored.display()))),
        Ok(f) => read_at_most(f, MAX_CHECKPOINT_BYTES)
            .map_err(|e| Failure::Unreachable(format!("cannot read {}: {e}", stored.display())))?
            .ok_or_else(|| {
                Failure::BadSignature(format!(
                    "the stored checkpoint {} is not a checkpoint: too large",
                    stored.display()
                ))
            })?,
    };
    evidence.add("previous-checkpoint.note", &b)?;
    let n = verified(&b, &keys.log, "the stored checkpoint")?;
    Ok(Some(checkpoint_of(&n, keys, "the stored checkpoint")?))
}
