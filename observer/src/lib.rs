//! The observer: checks a petition transparency log from what it publishes and the verifier keys
//! alone, and keeps evidence when something is wrong.

use std::fmt::Write as _;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use base64::Engine;
use petition_tlog::checkpoint::Checkpoint;
use petition_tlog::entry::Ident;
use petition_tlog::merkle::{root, Tree};
use petition_tlog::note::{Note, VerifierKey};
use petition_tlog::proof::{verify_receipt, LogProof};
use petition_tlog::receipt::Receipt;
use petition_tlog::tally::Replay;
use petition_tlog::tile::{decode_bundle, Tile};

/// Where the log's files come from: its web address or a copy on disk, both laid out as the
/// format's paths under the log's prefix (`checkpoint`, `tile/0/000`, `tally/3/120`, ...).
pub enum Source {
    Http { prefix: String },
    Dir { root: PathBuf },
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

    /// The file at `path`, or `None` if the log does not have it.
    pub fn get(&self, path: &str) -> Result<Option<Vec<u8>>, String> {
        match self {
            Source::Dir { root } => match std::fs::read(root.join(path)) {
                Ok(b) => Ok(Some(b)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(format!("cannot read {path}: {e}")),
            },
            Source::Http { prefix } => {
                let url = format!("{prefix}/{path}");
                match ureq::get(&url).timeout(std::time::Duration::from_secs(30)).call() {
                    Ok(r) => {
                        let mut body = Vec::new();
                        std::io::Read::read_to_end(&mut r.into_reader().take(64 << 20), &mut body)
                            .map_err(|e| format!("{url}: {e}"))?;
                        Ok(Some(body))
                    }
                    Err(ureq::Error::Status(404, _)) => Ok(None),
                    Err(e) => Err(format!("{url}: {e}")),
                }
            }
        }
    }

    fn need(&self, path: &str) -> Result<Vec<u8>, Failure> {
        self.get(path)
            .map_err(Failure::Unreachable)?
            .ok_or_else(|| Failure::Unreachable(format!("the log does not serve {path}")))
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
        }
    }

    pub fn message(&self) -> &str {
        match self {
            Failure::Unreachable(m)
            | Failure::BadSignature(m)
            | Failure::TreeMismatch(m)
            | Failure::Inconsistent(m)
            | Failure::RuleBroken(m)
            | Failure::TallyMismatch(m) => m,
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

/// Evidence being gathered for a failure: files written together into one folder.
#[derive(Default)]
struct Evidence {
    files: Vec<(String, Vec<u8>)>,
}

impl Evidence {
    fn add(&mut self, name: &str, bytes: impl Into<Vec<u8>>) {
        self.files.push((name.to_string(), bytes.into()));
    }

    fn write(&self, state: &Path, failure: &Failure) -> std::io::Result<PathBuf> {
        let stamp =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        let mut dir = state.join(format!("evidence-{stamp}"));
        let mut n = 1;
        while dir.exists() {
            n += 1;
            dir = state.join(format!("evidence-{stamp}-{n}"));
        }
        std::fs::create_dir_all(&dir)?;
        let mut report = format!(
            "petition-observer evidence\nfailure: {}\nexit code: {}\n\nfiles:\n",
            failure.message(),
            failure.exit_code()
        );
        for (name, bytes) in &self.files {
            std::fs::write(dir.join(name), bytes)?;
            let _ = writeln!(report, "  {name}");
        }
        report.push_str("\nSigned notes here verify with the log's published verifier keys, without the server.\n");
        std::fs::write(dir.join("report.txt"), report)?;
        Ok(dir)
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

/// The entries `[0, size)`, checked bundle by bundle against their tiles' widths.
fn entries(source: &Source, size: u64) -> Result<Vec<Vec<u8>>, Failure> {
    let mut out = Vec::with_capacity(size as usize);
    for t in Tile::all_at(0, size) {
        let bundle = source.need(&t.entries_path())?;
        let parts = decode_bundle(&bundle)
            .ok_or_else(|| Failure::TreeMismatch(format!("{} is not a well-formed entry bundle", t.entries_path())))?;
        if parts.len() as u64 != t.width {
            return Err(Failure::TreeMismatch(format!(
                "{} holds {} entries, not {}",
                t.entries_path(),
                parts.len(),
                t.width
            )));
        }
        out.extend(parts.into_iter().map(<[u8]>::to_vec));
    }
    Ok(out)
}

/// Checks the log against the trusted keys and the last checkpoint stored in `state`, and on
/// success stores the new one. On failure, writes an evidence folder under `state` and returns
/// the failure with the folder's path.
pub fn sync(source: &Source, keys: &Keys, state: &Path) -> Result<Synced, (Failure, Option<PathBuf>)> {
    let mut evidence = Evidence::default();
    let result = check(source, keys, state, &mut evidence);
    match result {
        Ok(s) => Ok(s),
        Err(f) => {
            let dir = if matches!(f, Failure::Unreachable(_)) { None } else { evidence.write(state, &f).ok() };
            Err((f, dir))
        }
    }
}

fn check(source: &Source, keys: &Keys, state: &Path, evidence: &mut Evidence) -> Result<Synced, Failure> {
    let note_bytes = source.need("checkpoint")?;
    evidence.add("checkpoint.note", note_bytes.clone());
    let note = verified(&note_bytes, &keys.log, "the checkpoint")?;
    let cp = checkpoint_of(&note, keys, "the checkpoint")?;
    let stored = state.join("checkpoint");
    let previous = match std::fs::read(&stored) {
        Ok(b) => {
            evidence.add("previous-checkpoint.note", b.clone());
            let n = verified(&b, &keys.log, "the stored checkpoint")?;
            Some(checkpoint_of(&n, keys, "the stored checkpoint")?)
        }
        Err(_) => None,
    };
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

    let all = entries(source, cp.size)?;
    let mut tree = Tree::new();
    let mut replay = Replay::new();
    let mut offending = String::new();
    for (i, e) in all.iter().enumerate() {
        tree.push_entry(e);
        if let Some(v) = replay.apply_bytes(e) {
            let _ = writeln!(offending, "{i} {}  # {v}", String::from_utf8_lossy(e));
        }
    }
    if tree.root() != cp.root {
        return Err(Failure::TreeMismatch(format!("the {} published entries do not hash to the signed root", cp.size)));
    }
    if let Some(p) = &previous {
        let old = root(&tree, p.size).expect("a tree has its own prefixes");
        if old != p.root {
            return Err(Failure::Inconsistent(format!(
                "history rewritten: the first {} entries now hash to another root than the one signed before",
                p.size
            )));
        }
    }
    for t in Tile::all(cp.size) {
        let served = source.need(&t.path())?;
        if served != Tile::encode(&t.hashes_from(&tree)) {
            evidence.add(&format!("tile-{}-{}-{}.bin", t.level, t.index, t.width), served);
            return Err(Failure::TreeMismatch(format!("the hash tile {} does not match the entries", t.path())));
        }
    }
    if !replay.violations().is_empty() {
        evidence.add("offending-entries.txt", offending);
        let first = &replay.violations()[0];
        return Err(Failure::RuleBroken(format!(
            "{} entries break the log's rules; the first: {first}",
            replay.violations().len()
        )));
    }
    let ids: Vec<Ident> = replay.petition_ids().cloned().collect();
    for id in &ids {
        let path = format!("tally/{id}/{}", cp.size);
        let published = source.need(&path)?;
        let note = verified(&published, &keys.tally, &format!("the tally of petition {id}"))?;
        let want = replay.tally(id, &cp.origin, &cp.root).expect("a replayed petition").text();
        if note.text != want {
            evidence.add(&format!("tally-{id}-published.note"), published);
            evidence.add(&format!("tally-{id}-recomputed.txt"), want);
            return Err(Failure::TallyMismatch(format!(
                "the signed tally of petition {id} at size {} differs from the entries",
                cp.size
            )));
        }
    }
    std::fs::create_dir_all(state)
        .map_err(|e| Failure::Unreachable(format!("cannot write {}: {e}", state.display())))?;
    std::fs::write(&stored, &note_bytes)
        .map_err(|e| Failure::Unreachable(format!("cannot write {}: {e}", stored.display())))?;
    Ok(Synced { size: cp.size, petitions: ids.len(), previous: previous.map(|p| p.size) })
}

/// What a receipt check found.
#[derive(Debug, PartialEq, Eq)]
pub enum Standing {
    Counted { index: u64, size: u64 },
    Struck { index: u64, size: u64, reason: String },
}

/// Checks a signer's receipt: its entry is in the signed log, and whether it was struck since.
pub fn check_receipt(source: &Source, keys: &Keys, receipt: &Receipt) -> Result<Standing, Failure> {
    let commit =
        base64::engine::general_purpose::STANDARD.decode(receipt.commitment()).expect("a commitment is base64");
    let path =
        format!("proof/{}/{}", receipt.petition_id, base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(commit));
    let text = source
        .get(&path)
        .map_err(Failure::Unreachable)?
        .ok_or_else(|| Failure::Unreachable("the log has no proof for this receipt: it is not in a signed checkpoint yet (they are signed within seconds of counting), or the receipt is for another log".into()))?;
    let text = String::from_utf8(text).map_err(|_| Failure::BadSignature("the proof is not text".into()))?;
    let proof = LogProof::parse(&text).map_err(|e| Failure::BadSignature(e.to_string()))?;
    let (index, _, cp) = verify_receipt(&proof, receipt, &keys.log, keys.log.name())
        .map_err(|e| Failure::TreeMismatch(e.to_string()))?;
    let all = entries(source, cp.size)?;
    let mut tree = Tree::new();
    for e in &all {
        tree.push_entry(e);
    }
    let reason = petition_tlog::proof::strike_of(index, all.iter().map(Vec::as_slice)).map(|r| r.code().to_string());
    if tree.root() != cp.root {
        return Err(Failure::TreeMismatch("the published entries do not hash to the proof's signed root".into()));
    }
    Ok(match reason {
        None => Standing::Counted { index, size: cp.size },
        Some(reason) => Standing::Struck { index, size: cp.size, reason },
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
