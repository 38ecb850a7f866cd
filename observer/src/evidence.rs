//! The evidence folder of a run: what the log sent, written before it is checked, and the report
//! that says what was wrong with it.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use petition_tlog::entry::MAX_ENTRY_BYTES;
use petition_tlog::tally::Violation;

use crate::state::replace_file;
use crate::Failure;

/// How many rule-breaking entries the evidence lists: a log of nothing else must not fill the disk.
const MAX_OFFENDING_KEPT: usize = 10_000;

/// The evidence folder of one run, `evidence-<time>` beside the state. It is made before anything
/// is fetched, and what arrives is written into it before it is checked: a failed check, a panic,
/// a kill or running out of memory cannot lose it. A run that passes removes the folder; one that
/// never finishes leaves it with a report saying so.
pub(crate) struct Evidence {
    dir: PathBuf,
}

const INTERRUPTED: &str = "petition-observer evidence\nfailure: the run stopped before it finished (it was killed, \
crashed or ran out of memory); the files here are what it had received\n";

impl Evidence {
    pub(crate) fn open(state: &Path) -> Result<Evidence, Failure> {
        let cannot =
            |e: std::io::Error| Failure::Unreachable(format!("cannot keep evidence in {}: {e}", state.display()));
        std::fs::create_dir_all(state).map_err(cannot)?;
        let stamp =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        let mut n = 1;
        let dir = loop {
            let dir = match n {
                1 => state.join(format!("evidence-{stamp}")),
                _ => state.join(format!("evidence-{stamp}-{n}")),
            };
            // create_dir, not exists-then-create: two runs at once never share a folder.
            match std::fs::create_dir(&dir) {
                Ok(()) => break dir,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => n += 1,
                Err(e) => return Err(cannot(e)),
            }
        };
        std::fs::write(dir.join("report.txt"), INTERRUPTED).map_err(cannot)?;
        Ok(Evidence { dir })
    }

    fn cannot(&self, e: std::io::Error) -> Failure {
        Failure::Unreachable(format!("cannot keep evidence in {}: {e}", self.dir.display()))
    }

    /// Writes a file of evidence. Once `write` returns, the bytes are the kernel's: only a power
    /// cut can lose them, and the folder is flushed to disk when it is kept.
    pub(crate) fn add(&self, name: &str, bytes: impl AsRef<[u8]>) -> Result<(), Failure> {
        std::fs::write(self.dir.join(name), bytes).map_err(|e| self.cannot(e))
    }

    /// Removes a file of evidence that turned out to show nothing wrong. One that cannot be removed
    /// costs only disk until the run ends, so that is not a failure.
    pub(crate) fn remove(&self, name: &str) {
        let _ = std::fs::remove_file(self.dir.join(name));
    }

    fn append(&self, name: &str, text: &str) -> Result<(), Failure> {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join(name))
            .map_err(|e| self.cannot(e))?;
        f.write_all(text.as_bytes()).map_err(|e| self.cannot(e))
    }

    /// The files of evidence so far, by name.
    fn files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.dir)
            .map(|d| d.filter_map(|e| e.ok()?.file_name().into_string().ok()).collect())
            .unwrap_or_default();
        names.retain(|n| n != "report.txt");
        names.sort();
        names
    }

    /// Keeps the folder for `failure`, with its report, and returns where it is. A log that could
    /// not be reached and sent nothing leaves no folder: there is nothing to keep.
    pub(crate) fn keep(self, failure: &Failure) -> Option<PathBuf> {
        let files = self.files();
        if matches!(failure, Failure::Unreachable(_)) && files.is_empty() {
            self.discard();
            return None;
        }
        let mut report = format!(
            "petition-observer evidence\nfailure: {}\nexit code: {}\n\nfiles:\n",
            failure.message(),
            failure.exit_code()
        );
        for name in &files {
            let _ = writeln!(report, "  {name}");
        }
        report.push_str("\nSigned notes here verify with the log's published verifier keys, without the server.\n");
        // Flushed to disk now that it is kept: files first, then the report (which flushes the
        // folder), then the state folder that holds it.
        for name in &files {
            let _ = std::fs::File::open(self.dir.join(name)).and_then(|f| f.sync_all());
        }
        let _ = replace_file(&self.dir.join("report.txt"), report.as_bytes());
        if let Some(state) = self.dir.parent() {
            let _ = std::fs::File::open(state).and_then(|f| f.sync_all());
        }
        Some(self.dir)
    }

    pub(crate) fn discard(self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The rule-breaking entries, written to the evidence bundle by bundle as they are found, and at
/// most `MAX_OFFENDING_KEPT` of them.
pub(crate) struct Offending<'a> {
    evidence: &'a Evidence,
    pending: String,
    kept: usize,
}

impl<'a> Offending<'a> {
    pub(crate) fn new(evidence: &'a Evidence) -> Offending<'a> {
        Offending { evidence, pending: String::new(), kept: 0 }
    }

    pub(crate) fn note(&mut self, index: u64, entry: &[u8], v: &Violation) {
        if self.kept < MAX_OFFENDING_KEPT {
            // Escaped, so that an entry holding a newline cannot forge a line of the list; and cut
            // at the most an entry may be, since a bundle's two-byte lengths allow 64 KiB, which
            // would make the list's bound 640 MB rather than some 60.
            let shown = &entry[..entry.len().min(MAX_ENTRY_BYTES)];
            let cut = match entry.len() - shown.len() {
                0 => String::new(),
                _ => format!("... ({} bytes in all)", entry.len()),
            };
            let _ = writeln!(self.pending, "{index} {}{cut}  # {v}", shown.escape_ascii());
        } else if self.kept == MAX_OFFENDING_KEPT {
            let _ = writeln!(
                self.pending,
                "# more entries break the rules: only the first {MAX_OFFENDING_KEPT} are listed"
            );
        }
        self.kept += 1;
    }

    pub(crate) fn flush(&mut self) -> Result<(), Failure> {
        if self.pending.is_empty() {
            return Ok(());
        }
        self.evidence.append("offending-entries.txt", &std::mem::take(&mut self.pending))
    }
}
