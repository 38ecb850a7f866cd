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

use std::fmt::Write as _;
use std::io::{Read, Write as _};
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine;
use petition_tlog::checkpoint::Checkpoint;
use petition_tlog::entry::{Entry, Ident, Reason, MAX_ENTRY_BYTES};
use petition_tlog::merkle::{empty_root, leaf_hash, node_hash, root, Hash, Hashes, Missing, Tree};
use petition_tlog::note::{Note, VerifierKey, MAX_NOTE_BYTES};
use petition_tlog::proof::{verify_receipt, LogProof};
use petition_tlog::receipt::Receipt;
use petition_tlog::tally::{Replay, Violation};
use petition_tlog::tile::{decode_bundle, Tile, HEIGHT, WIDTH};

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
/// How many rule-breaking entries the evidence lists: a log of nothing else must not fill the disk.
const MAX_OFFENDING_KEPT: usize = 10_000;

/// The most a hash tile can be: exactly `width` hashes of 32 bytes.
fn max_tile_bytes(t: &Tile) -> usize {
    t.width as usize * 32
}

/// The most an entry bundle can be: `width` entries of at most `MAX_ENTRY_BYTES`, each after its
/// two-byte length (257 KiB for a full bundle).
fn max_bundle_bytes(t: &Tile) -> usize {
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

/// Where the log's files come from: its web address or a copy on disk, both laid out as the
/// format's paths under the log's prefix (`checkpoint`, `tile/0/000`, `tally/3/120`, ...).
pub enum Source {
    Http { prefix: String },
    Dir { root: PathBuf },
}

/// Reads at most `most` bytes; `None` if there is more. One byte past the limit is enough to know,
/// so an endless or oversized response costs `most + 1` bytes of memory and no more.
fn read_at_most(r: impl Read, most: usize) -> std::io::Result<Option<Vec<u8>>> {
    let mut body = Vec::new();
    r.take(most as u64 + 1).read_to_end(&mut body)?;
    Ok((body.len() <= most).then_some(body))
}

impl Source {
    /// `http(s)://host[/log]` (the `/log` is added when missing) or a directory.
    pub fn parse(s: &str) -> Source {
        if s.starts_with("http://") || s.starts_with("https://") {
            let base = s.trim_end_matches('/');
            let prefix = if base.ends_with("/log") { base.to_string() } else { format!("{base}/log") };
            Source::Http { prefix }
        } else {
            Source::Dir { root: PathBuf::from(s) }
        }
    }

    /// The file at `path`, or `None` if the log does not have it. A file longer than `most` bytes
    /// fails with [`Failure::TooLarge`] as soon as that is known; an HTTP request fails once
    /// `limits.request_timeout` has passed since it started, even while bytes are still arriving.
    pub fn get(&self, path: &str, most: usize, limits: &Limits) -> Result<Option<Vec<u8>>, Failure> {
        let (read, name) = match self {
            Source::Dir { root } => match std::fs::File::open(root.join(path)) {
                Ok(f) => (read_at_most(f, most), path.to_string()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(Failure::Unreachable(format!("cannot read {path}: {e}"))),
            },
            Source::Http { prefix } => {
                let url = format!("{prefix}/{path}");
                // ureq 2 applies this timeout to the whole request, body included (its reader
                // checks the deadline on every read), not only to each read; only the DNS lookup
                // is outside it.
                match ureq::get(&url).timeout(limits.request_timeout).call() {
                    Ok(r) => (read_at_most(r.into_reader(), most), url),
                    Err(ureq::Error::Status(404, _)) => return Ok(None),
                    Err(e) => return Err(Failure::Unreachable(format!("{url}: {e}"))),
                }
            }
        };
        match read {
            Ok(Some(body)) => Ok(Some(body)),
            Ok(None) => Err(Failure::TooLarge(format!(
                "response too large: {name} is over {most} bytes, the most that file can be; reading stopped there"
            ))),
            Err(e) => Err(Failure::Unreachable(format!("{name}: {e}"))),
        }
    }

    fn need(&self, path: &str, most: usize, limits: &Limits) -> Result<Vec<u8>, Failure> {
        self.get(path, most, limits)?.ok_or_else(|| Failure::Unreachable(format!("the log does not serve {path}")))
    }
}

/// The verifier keys the observer trusts: the log key, then the tally key.
#[derive(Clone, Debug)]
pub struct Keys {
    pub log: VerifierKey,
    pub tally: VerifierKey,
}

impl Keys {
    /// Two lines, as the deployment publishes them: log key, then tally key.
    pub fn parse(text: &str) -> Result<Keys, String> {
        let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect();
        let [log, tally] = lines[..] else {
            return Err("the keys file has two keys: the log key, then the tally key".into());
        };
        Ok(Keys {
            log: VerifierKey::parse(log).map_err(|e| format!("log key: {e}"))?,
            tally: VerifierKey::parse(tally).map_err(|e| format!("tally key: {e}"))?,
        })
    }
}

/// What went wrong, each with its own exit code.
#[derive(Debug)]
pub enum Failure {
    /// The log could not be read (network, missing files): nothing was decided. Exit 1.
    Unreachable(String),
    /// A checkpoint or tally note is not signed by the trusted key. Exit 3.
    BadSignature(String),
    /// The published entries or tiles do not hash to the signed root. Exit 4.
    TreeMismatch(String),
    /// The new checkpoint does not extend the last one seen: a fork, a rollback or rewritten history. Exit 5.
    Inconsistent(String),
    /// Entries break the log's rules. Exit 6.
    RuleBroken(String),
    /// A signed tally does not match the one recomputed from the entries. Exit 7.
    TallyMismatch(String),
    /// The log claims or sends more than the observer takes: a checkpoint of more entries than
    /// `--max-size`, or a response longer than its kind of file can be. Exit 8.
    TooLarge(String),
}

impl Failure {
    pub fn exit_code(&self) -> i32 {
        match self {
            Failure::Unreachable(_) => 1,
            Failure::BadSignature(_) => 3,
            Failure::TreeMismatch(_) => 4,
            Failure::Inconsistent(_) => 5,
            Failure::RuleBroken(_) => 6,
            Failure::TallyMismatch(_) => 7,
            Failure::TooLarge(_) => 8,
        }
    }

    pub fn message(&self) -> &str {
        match self {
            Failure::Unreachable(m)
            | Failure::BadSignature(m)
            | Failure::TreeMismatch(m)
            | Failure::Inconsistent(m)
            | Failure::RuleBroken(m)
            | Failure::TallyMismatch(m)
            | Failure::TooLarge(m) => m,
        }
    }
}

/// What a successful sync saw.
#[derive(Debug)]
pub struct Synced {
    pub size: u64,
    pub petitions: usize,
    pub previous: Option<u64>,
}

/// Puts `bytes` at `path` so that a crash or a power cut at any moment leaves the old file or the
/// new one, never a part of either: the bytes go to a temporary file in the same folder (a rename
/// is only atomic within one file system), are flushed to disk, the file is renamed over `path`,
/// and the folder is flushed so that the rename itself lasts.
fn replace_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
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

/// The evidence folder of one run, `evidence-<time>` beside the state. It is made before anything
/// is fetched, and what arrives is written into it before it is checked: a failed check, a panic,
/// a kill or running out of memory cannot lose it. A run that passes removes the folder; one that
/// never finishes leaves it with a report saying so.
struct Evidence {
    dir: PathBuf,
}

const INTERRUPTED: &str = "petition-observer evidence\nfailure: the run stopped before it finished (it was killed, \
crashed or ran out of memory); the files here are what it had received\n";

impl Evidence {
    fn open(state: &Path) -> Result<Evidence, Failure> {
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
    fn add(&self, name: &str, bytes: impl AsRef<[u8]>) -> Result<(), Failure> {
        std::fs::write(self.dir.join(name), bytes).map_err(|e| self.cannot(e))
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
    fn keep(self, failure: &Failure) -> Option<PathBuf> {
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

    fn discard(self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn verified(bytes: &[u8], key: &VerifierKey, what: &str) -> Result<Note, Failure> {
    let note = Note::parse(bytes).map_err(|e| Failure::BadSignature(format!("{what}: {e}")))?;
    note.verify_by(key).map_err(|e| Failure::BadSignature(format!("{what}: {e}")))?;
    Ok(note)
}

fn checkpoint_of(note: &Note, keys: &Keys, what: &str) -> Result<Checkpoint, Failure> {
    let cp =
        Checkpoint::parse(&note.text).map_err(|e| Failure::BadSignature(format!("{what} is not a checkpoint: {e}")))?;
    if cp.origin != keys.log.name() {
        return Err(Failure::BadSignature(format!("{what} is for the log {:?}, not {:?}", cp.origin, keys.log.name())));
    }
    Ok(cp)
}

/// Refuses a checkpoint of more entries than the limits allow, before anything is downloaded.
fn within(cp: &Checkpoint, limits: &Limits) -> Result<(), Failure> {
    if cp.size > limits.max_size {
        return Err(Failure::TooLarge(format!(
            "the signed checkpoint claims {} entries, more than the {} this observer downloads in one run \
             (--max-size); nothing was downloaded",
            cp.size, limits.max_size
        )));
    }
    Ok(())
}

/// A tree kept as its right edge only: the complete subtrees its leaves make up so far, at most
/// one a level. That is enough for its root in 64 hashes however long the log, where a whole
/// [`Tree`] would keep 64 bytes for every entry.
#[derive(Default)]
struct Edge {
    size: u64,
    /// `peaks[l]` is the subtree of 2^l leaves on the edge, where bit `l` of `size` is set.
    peaks: Vec<Hash>,
}

impl Edge {
    /// Appends a leaf, and tells `completed` each complete subtree (level, hash) it finishes: the
    /// leaf itself, then every subtree it closes.
    fn push(&mut self, leaf: Hash, mut completed: impl FnMut(u8, Hash)) {
        let mut h = leaf;
        let mut level = 0u8;
        loop {
            completed(level, h);
            if (self.size >> level) & 1 == 0 {
                match self.peaks.get_mut(level as usize) {
                    Some(peak) => *peak = h,
                    None => self.peaks.push(h),
                }
                break;
            }
            h = node_hash(&self.peaks[level as usize], &h);
            level += 1;
        }
        self.size += 1;
    }

    fn root(&self) -> Hash {
        root(self, self.size).expect("the edge holds the subtrees of its own root")
    }
}

impl Hashes for Edge {
    type Error = Missing;

    /// Only the edge's own subtrees, which are all the root of its size asks for.
    fn hash(&self, level: u8, index: u64) -> Result<Hash, Missing> {
        let on_edge = level < 64 && (self.size >> level) & 1 == 1 && index == (self.size >> level) - 1;
        on_edge.then(|| self.peaks[level as usize]).ok_or(Missing { level, index })
    }
}

/// Checks the served hash tiles as the entries fill them, holding at most one tile's hashes a
/// level. The first problem is kept, not returned, so that a wrong root or rewritten history is
/// still reported first (as when the tiles were checked after the entries), and no more tiles
/// are fetched after it.
struct TileCheck<'a> {
    source: &'a Source,
    limits: &'a Limits,
    evidence: &'a Evidence,
    /// The hashes of the tile being filled at each tile level, and how many full ones came before.
    filling: Vec<(Vec<Hash>, u64)>,
    problem: Option<Failure>,
}

impl TileCheck<'_> {
    /// Takes a complete subtree; those at tile boundaries (levels 0, 8, 16, ...) are hashes of a tile.
    fn add(&mut self, level: u8, hash: Hash) {
        if !level.is_multiple_of(HEIGHT) {
            return;
        }
        let t = (level / HEIGHT) as usize;
        if self.filling.len() == t {
            self.filling.push((Vec::new(), 0));
        }
        let (hashes, index) = &mut self.filling[t];
        hashes.push(hash);
        if hashes.len() as u64 == WIDTH {
            let tile = Tile { level: t as u8, index: *index, width: WIDTH };
            let full = std::mem::take(hashes);
            *index += 1;
            self.check(tile, &full);
        }
    }

    /// Checks the partial tiles at the right edge, once every entry is in; returns the first problem.
    fn finish(mut self) -> Option<Failure> {
        for (t, (hashes, index)) in std::mem::take(&mut self.filling).into_iter().enumerate() {
            if !hashes.is_empty() {
                self.check(Tile { level: t as u8, index, width: hashes.len() as u64 }, &hashes);
            }
        }
        self.problem
    }

    fn check(&mut self, t: Tile, hashes: &[Hash]) {
        if self.problem.is_some() {
            return;
        }
        let served = match self.source.need(&t.path(), max_tile_bytes(&t), self.limits) {
            Ok(served) => served,
            Err(f) => {
                self.problem = Some(f);
                return;
            }
        };
        if served != Tile::encode(hashes) {
            let kept = self.evidence.add(&format!("tile-{}-{}-{}.bin", t.level, t.index, t.width), served);
            self.problem = Some(kept.err().unwrap_or_else(|| {
                Failure::TreeMismatch(format!("the hash tile {} does not match the entries", t.path()))
            }));
        }
    }
}

/// The entries `[0, size)`, fetched bundle by bundle and handed to `each` one bundle at a time,
/// after checking each bundle against its tile's width: only the current bundle is held. A bundle
/// that is not well-formed goes into `evidence`, when there is one.
fn for_each_bundle(
    source: &Source,
    limits: &Limits,
    evidence: Option<&Evidence>,
    size: u64,
    mut each: impl FnMut(&[&[u8]]) -> Result<(), Failure>,
) -> Result<(), Failure> {
    for t in Tile::all_at(0, size) {
        let bundle = source.need(&t.entries_path(), max_bundle_bytes(&t), limits)?;
        let wrong = match decode_bundle(&bundle) {
            None => format!("{} is not a well-formed entry bundle", t.entries_path()),
            Some(parts) if parts.len() as u64 != t.width => {
                format!("{} holds {} entries, not {}", t.entries_path(), parts.len(), t.width)
            }
            Some(parts) => {
                each(&parts)?;
                continue;
            }
        };
        if let Some(ev) = evidence {
            ev.add(&format!("entries-{}-{}.bin", t.index, t.width), &bundle)?;
        }
        return Err(Failure::TreeMismatch(wrong));
    }
    Ok(())
}

/// The rule-breaking entries, written to the evidence bundle by bundle as they are found, and at
/// most `MAX_OFFENDING_KEPT` of them.
struct Offending<'a> {
    evidence: &'a Evidence,
    pending: String,
    kept: usize,
}

impl Offending<'_> {
    fn note(&mut self, index: u64, entry: &[u8], v: &Violation) {
        if self.kept < MAX_OFFENDING_KEPT {
            let _ = writeln!(self.pending, "{index} {}  # {v}", String::from_utf8_lossy(entry));
        } else if self.kept == MAX_OFFENDING_KEPT {
            let _ = writeln!(
                self.pending,
                "# more entries break the rules: only the first {MAX_OFFENDING_KEPT} are listed"
            );
        }
        self.kept += 1;
    }

    fn flush(&mut self) -> Result<(), Failure> {
        if self.pending.is_empty() {
            return Ok(());
        }
        self.evidence.append("offending-entries.txt", &std::mem::take(&mut self.pending))
    }
}

/// What streaming the entries found.
struct Walked {
    root: Hash,
    /// The root of the first `prefix` entries, the size signed before.
    prefix_root: Option<Hash>,
    tile_problem: Option<Failure>,
    replay: Replay,
}

/// Streams the entries `[0, size)` once: hashes them into the tree's edge, checks the hash tiles
/// as they fill, replays the rules and tallies, and notes the root at `prefix` on the way.
fn walk(
    source: &Source,
    limits: &Limits,
    evidence: &Evidence,
    size: u64,
    prefix: Option<u64>,
) -> Result<Walked, Failure> {
    let mut edge = Edge::default();
    let mut tiles = TileCheck { source, limits, evidence, filling: Vec::new(), problem: None };
    let mut replay = Replay::new();
    let mut offending = Offending { evidence, pending: String::new(), kept: 0 };
    let mut prefix_root = (prefix == Some(0)).then(empty_root);
    for_each_bundle(source, limits, Some(evidence), size, |entries| {
        for e in entries {
            let index = edge.size;
            edge.push(leaf_hash(e), |level, h| tiles.add(level, h));
            if let Some(v) = replay.apply_bytes(e) {
                offending.note(index, e, v);
            }
            if prefix == Some(edge.size) {
                prefix_root = Some(edge.root());
            }
        }
        offending.flush()
    })?;
    Ok(Walked { root: edge.root(), prefix_root, tile_problem: tiles.finish(), replay })
}

/// Checks the log against the trusted keys and the last checkpoint stored in `state`, and on
/// success stores the new one, within the default [`Limits`]. On failure, returns the failure
/// with the evidence folder written under `state`.
pub fn sync(source: &Source, keys: &Keys, state: &Path) -> Result<Synced, (Failure, Option<PathBuf>)> {
    sync_with(source, keys, state, &Limits::default())
}

/// [`sync`] within the given limits.
pub fn sync_with(
    source: &Source,
    keys: &Keys,
    state: &Path,
    limits: &Limits,
) -> Result<Synced, (Failure, Option<PathBuf>)> {
    let evidence = Evidence::open(state).map_err(|f| (f, None))?;
    match check(source, keys, state, limits, &evidence) {
        Ok(s) => {
            evidence.discard();
            Ok(s)
        }
        Err(f) => {
            let dir = evidence.keep(&f);
            Err((f, dir))
        }
    }
}

/// The checkpoint stored by the last successful run, if any, kept as evidence before it is read.
fn stored_checkpoint(stored: &Path, keys: &Keys, evidence: &Evidence) -> Result<Option<Checkpoint>, Failure> {
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

fn check(source: &Source, keys: &Keys, state: &Path, limits: &Limits, evidence: &Evidence) -> Result<Synced, Failure> {
    let note_bytes = source.need("checkpoint", MAX_CHECKPOINT_BYTES, limits)?;
    evidence.add("checkpoint.note", &note_bytes)?;
    let note = verified(&note_bytes, &keys.log, "the checkpoint")?;
    let cp = checkpoint_of(&note, keys, "the checkpoint")?;
    let stored = state.join("checkpoint");
    let previous = stored_checkpoint(&stored, keys, evidence)?;
    if let Some(p) = &previous {
        if p.size > cp.size {
            return Err(Failure::Inconsistent(format!(
                "rollback: the log now says size {}, but it signed size {} before",
                cp.size, p.size
            )));
        }
        if p.size == cp.size && p.root != cp.root {
            return Err(Failure::Inconsistent(format!(
                "fork: two different trees of size {} are both signed",
                cp.size
            )));
        }
    }
    within(&cp, limits)?;

    let walked = walk(source, limits, evidence, cp.size, previous.as_ref().map(|p| p.size))?;
    if walked.root != cp.root {
        return Err(Failure::TreeMismatch(format!("the {} published entries do not hash to the signed root", cp.size)));
    }
    if let Some(p) = &previous {
        if walked.prefix_root != Some(p.root) {
            return Err(Failure::Inconsistent(format!(
                "history rewritten: the first {} entries now hash to another root than the one signed before",
                p.size
            )));
        }
    }
    if let Some(f) = walked.tile_problem {
        return Err(f);
    }
    let replay = walked.replay;
    if let Some(first) = replay.violations().first() {
        return Err(Failure::RuleBroken(format!(
            "{} entries break the log's rules; the first: {first}",
            replay.violations().len()
        )));
    }
    let ids: Vec<Ident> = replay.petition_ids().cloned().collect();
    for id in &ids {
        check_tally(source, keys, limits, evidence, &replay, &cp, id)?;
    }
    replace_file(&stored, &note_bytes)
        .map_err(|e| Failure::Unreachable(format!("cannot write {}: {e}", stored.display())))?;
    Ok(Synced { size: cp.size, petitions: ids.len(), previous: previous.map(|p| p.size) })
}

/// Checks the signed tally of petition `id` at the checkpoint's size against the replay.
fn check_tally(
    source: &Source,
    keys: &Keys,
    limits: &Limits,
    evidence: &Evidence,
    replay: &Replay,
    cp: &Checkpoint,
    id: &Ident,
) -> Result<(), Failure> {
    let published = source.need(&format!("tally/{id}/{}", cp.size), MAX_TALLY_BYTES, limits)?;
    evidence.add(&format!("tally-{id}-published.note"), &published)?;
    let note = verified(&published, &keys.tally, &format!("the tally of petition {id}"))?;
    let want = replay.tally(id, &cp.origin, &cp.root).expect("a replayed petition").text();
    if note.text != want {
        evidence.add(&format!("tally-{id}-recomputed.txt"), want)?;
        return Err(Failure::TallyMismatch(format!(
            "the signed tally of petition {id} at size {} differs from the entries",
            cp.size
        )));
    }
    Ok(())
}

/// What a receipt check found.
#[derive(Debug, PartialEq, Eq)]
pub enum Standing {
    Counted { index: u64, size: u64 },
    Struck { index: u64, size: u64, reason: String },
}

/// The standing of the signature at `index` after one more entry: the last strike of it not undone
/// by a reinstatement, as `petition_tlog::proof::strike_of` reads a whole run of entries, but one
/// entry at a time so that the entries need not be kept.
fn strike_step(index: u64, entry: &[u8], reason: &mut Option<Reason>) {
    match Entry::parse(entry) {
        Ok(Entry::Strike { target, reason: r, .. }) if target == index => *reason = Some(r),
        Ok(Entry::Reinstate { target, .. }) if target == index => *reason = None,
        _ => {}
    }
}

/// Checks a signer's receipt: its entry is in the signed log, and whether it was struck since.
pub fn check_receipt(source: &Source, keys: &Keys, receipt: &Receipt) -> Result<Standing, Failure> {
    check_receipt_with(source, keys, receipt, &Limits::default())
}

/// [`check_receipt`] within the given limits.
pub fn check_receipt_with(
    source: &Source,
    keys: &Keys,
    receipt: &Receipt,
    limits: &Limits,
) -> Result<Standing, Failure> {
    let commit =
        base64::engine::general_purpose::STANDARD.decode(receipt.commitment()).expect("a commitment is base64");
    let path =
        format!("proof/{}/{}", receipt.petition_id, base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(commit));
    let text = source
        .get(&path, MAX_PROOF_BYTES, limits)?
        .ok_or_else(|| Failure::Unreachable("the log has no proof for this receipt: it is not in a signed checkpoint yet (they are signed within seconds of counting), or the receipt is for another log".into()))?;
    let text = String::from_utf8(text).map_err(|_| Failure::BadSignature("the proof is not text".into()))?;
    let proof = LogProof::parse(&text).map_err(|e| Failure::BadSignature(e.to_string()))?;
    let (index, _, cp) = verify_receipt(&proof, receipt, &keys.log, keys.log.name())
        .map_err(|e| Failure::TreeMismatch(e.to_string()))?;
    within(&cp, limits)?;
    let mut edge = Edge::default();
    let mut reason = None;
    for_each_bundle(source, limits, None, cp.size, |entries| {
        for e in entries {
            edge.push(leaf_hash(e), |_, _| {});
            strike_step(index, e, &mut reason);
        }
        Ok(())
    })?;
    if edge.root() != cp.root {
        return Err(Failure::TreeMismatch("the published entries do not hash to the proof's signed root".into()));
    }
    Ok(match reason {
        None => Standing::Counted { index, size: cp.size },
        Some(reason) => Standing::Struck { index, size: cp.size, reason: reason.code().to_string() },
    })
}
/// Writes a log's published files for `entries` into `dir`, laid out as the server serves them
/// under `/log`: every tile and entry bundle, the checkpoint, and each petition's tally at this
/// size. For mirrors, fixtures and benchmarks.
pub fn write_dir(
    dir: &Path,
    entries: &[String],
    log: &petition_tlog::note::NoteSigner,
    tally: &petition_tlog::note::NoteSigner,
) -> std::io::Result<Checkpoint> {
    let mut tree = Tree::new();
    let mut replay = Replay::new();
    for e in entries {
        tree.push_entry(e.as_bytes());
        replay.apply_bytes(e.as_bytes());
    }
    let size = tree.size();
    let write = |path: &str, bytes: &[u8]| -> std::io::Result<()> {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().expect("a file in a folder"))?;
        std::fs::write(p, bytes)
    };
    for t in Tile::all(size) {
        write(&t.path(), &Tile::encode(&t.hashes_from(&tree)))?;
        if t.level == 0 {
            let first = (t.index * 256) as usize;
            write(&t.entries_path(), &petition_tlog::tile::encode_bundle(&entries[first..first + t.width as usize]))?;
        }
    }
    let cp = Checkpoint::new(log.name(), size, tree.root());
    write("checkpoint", petition_tlog::note::sign(&cp.text(), &[log]).as_bytes())?;
    for p in replay.petition_ids() {
        let text = replay.tally(p, log.name(), &cp.root).expect("a replayed petition").text();
        write(&format!("tally/{p}/{size}"), petition_tlog::note::sign(&text, &[tally]).as_bytes())?;
    }
    Ok(cp)
}

/// Re-checks an evidence folder without the server: every signed note in it (`*.note`) against
/// the trusted keys, and what each one says. Returns the report followed by one line per note.
pub fn check_evidence(dir: &Path, keys: &Keys) -> Result<Vec<String>, String> {
    let report = std::fs::read_to_string(dir.join("report.txt"))
        .map_err(|e| format!("{} is not an evidence folder: {e}", dir.display()))?;
    let mut out: Vec<String> = report.lines().map(str::to_string).collect();
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "note"))
        .collect();
    names.sort();
    for p in names {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        let bytes = std::fs::read(&p).map_err(|e| format!("{name}: {e}"))?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_edge_gives_the_root_and_every_complete_subtree_of_a_whole_tree() {
        let (mut edge, mut tree) = (Edge::default(), Tree::new());
        let mut completed: Vec<Vec<Hash>> = Vec::new();
        for i in 0..1100u32 {
            assert_eq!(edge.root(), tree.root(), "size {i}");
            let leaf = leaf_hash(&i.to_be_bytes());
            edge.push(leaf, |level, h| {
                completed.resize(completed.len().max(level as usize + 1), Vec::new());
                completed[level as usize].push(h);
            });
            tree.push(leaf);
        }
        assert_eq!(completed.len(), 11);
        for (level, hashes) in completed.iter().enumerate() {
            assert_eq!(hashes[..], *tree.level(level), "level {level}");
        }
    }
}
