//! Re-checking an evidence folder later, without the server: which of its signed notes are
//! genuine, and what each one says.
//!
//! The folder may have been handed on by someone else and hold anything, so each file is read only
//! if it is a plain file, and no further than the most its kind can be.

use std::path::{Path, PathBuf};

use petition_tlog::checkpoint::Checkpoint;
use petition_tlog::note::{Note, MAX_NOTE_BYTES};

use crate::source::read_at_most;
use crate::Keys;

/// The most a report may be. The observer writes a few lines: the failure, whose message quotes
/// at most an entry, and the names of the few files beside it.
const MAX_REPORT_BYTES: usize = 1 << 20;

/// A file of the folder, as far as it was read.
enum Read {
    Bytes(Vec<u8>),
    /// Longer than the most it can be: reading stopped there.
    TooLarge,
    /// Not a plain file, so not read at all: a device such as `/dev/zero` never ends, and a named
    /// pipe holds its reader until something writes.
    NotAFile,
}

fn read_plain(path: &Path, most: usize) -> std::io::Result<Read> {
    if !std::fs::metadata(path)?.is_file() {
        return Ok(Read::NotAFile);
    }
    Ok(match read_at_most(std::fs::File::open(path)?, most)? {
        Some(bytes) => Read::Bytes(bytes),
        None => Read::TooLarge,
    })
}

/// Re-checks an evidence folder without the server: every signed note in it (`*.note`) against
/// the trusted keys, and what each one says. Returns the report followed by one line per note.
pub fn check_evidence(dir: &Path, keys: &Keys) -> Result<Vec<String>, String> {
    let not_evidence = |why: String| format!("{} is not an evidence folder: {why}", dir.display());
    let report = match read_plain(&dir.join("report.txt"), MAX_REPORT_BYTES).map_err(|e| not_evidence(e.to_string()))? {
        Read::Bytes(b) => String::from_utf8(b).map_err(|_| not_evidence("its report.txt is not text".into()))?,
        Read::TooLarge => {
            return Err(not_evidence(format!(
                "its report.txt is over {MAX_REPORT_BYTES} bytes, more than any report the observer writes"
            )))
        }
        Read::NotAFile => return Err(not_evidence("its report.txt is not a plain file".into())),
    };
    let mut out: Vec<String> = report.lines().map(str::to_string).collect();
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "note"))
        .collect();
    names.sort();
    for p in names {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        let bytes = match read_plain(&p, MAX_NOTE_BYTES).map_err(|e| format!("{name}: {e}"))? {
            Read::Bytes(bytes) => bytes,
            Read::TooLarge => {
                out.push(format!("{name}: not a signed note (over {MAX_NOTE_BYTES} bytes, more than a note can be)"));
                continue;
            }
            Read::NotAFile => {
                out.push(format!("{name}: not a signed note (not a plain file)"));
                continue;
            }
        };
        let line = match Note::parse(&bytes) {
            Err(e) => format!("{name}: not a signed note ({e})"),
            Ok(note) => {
                let by = [&keys.log, &keys.tally].into_iter().find(|k| note.verify_by(k).is_ok());
                match (by, Checkpoint::parse(&note.text)) {
                    (Some(k), Ok(cp)) => format!(
                        "{name}: signed by {} (genuine): checkpoint of size {} with root {}",
                        k.name(),
                        cp.size,
                        petition_tlog::checkpoint::hash_b64(&cp.root)
                    ),
                    (Some(k), Err(_)) => format!(
                        "{name}: signed by {} (genuine): {}",
                        k.name(),
                        note.text.lines().take(3).collect::<Vec<_>>().join(" / ")
                    ),
                    (None, _) => format!("{name}: NOT signed by a trusted key"),
                }
            }
        };
        out.push(line);
    }
    Ok(out)
}
