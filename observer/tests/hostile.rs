//! The observer against a hostile log, served over HTTP by a small server in this test: a
//! checkpoint claiming 2^50 entries, endless, oversized and dripping responses, a run killed half
//! way, and the state file read while it is being replaced.

mod common;
#[allow(unused_imports)]
use common::*;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use petition_observer::{sync, sync_with, write_dir, Failure, Limits, Source};
use petition_tlog::checkpoint::Checkpoint;
use petition_tlog::entry::{commitment, Entry, Percent, Reason};
use petition_tlog::merkle::{leaf_hash, node_hash};
use petition_tlog::note::sign;
use petition_tlog::proof::LogProof;
use petition_tlog::receipt::{Receipt, Secret};

const HUGE: u64 = 1 << 50;

fn keys_file(dir: &Path) -> PathBuf {
    let (l, t) = signers();
    let path = dir.join("keys.txt");
    std::fs::write(&path, format!("{}\n{}\n", l.verifier(), t.verifier())).unwrap();
    path
}

fn sig(n: u16) -> Entry {
    let mut r = [0u8; 32];
    r[..2].copy_from_slice(&n.to_be_bytes());
    Entry::Sig { id: id("7"), area: id("E05009001"), at: 1000 + n as u64, commit: commitment("7", "E05009001", &r) }
}

/// A petition and `n` signatures for it, published into `dir` as the server would.
fn honest(dir: &Path, n: u16) -> Vec<String> {
    let entries = honest_entries(n);
    publish(dir, &entries);
    entries
}

fn publish(dir: &Path, entries: &[String]) {
    let (log, tally) = signers();
    write_dir(dir, entries, &log, &tally).unwrap();
}

fn honest_entries(n: u16) -> Vec<String> {
    let mut entries = vec![Entry::Petition {
        id: id("7"),
        area: id("E07000030"),
        opens: 1000,
        closes: 200_000,
        electorate: 100,
        percent: Percent::parse("5").unwrap(),
        required: 5,
        text_sha256: [7; 32],
    }
    .encode()];
    entries.extend((0..n).map(|i| sig(i).encode()));
    entries
}

/// A checkpoint of `size` entries with any root, genuinely signed by the log key.
fn signed_checkpoint(size: u64, root: [u8; 32]) -> String {
    sign(&Checkpoint::new(ORIGIN, size, root).text(), &[&signers().0])
}

/// How the test server answers one path.
enum Reply {
    /// The file, with its length.
    Body(Vec<u8>),
    /// 404.
    Missing,
    /// 200 and bytes for ever (until the client hangs up), with no length.
    Endless,
    /// 200, a length of a megabyte, then one byte every 50 ms.
    Drip,
    /// Nothing at all: the connection is held open until the client hangs up.
    Hang,
}

/// A log over HTTP on 127.0.0.1: `answer` decides each path (under `/log/`); every path asked for
/// is recorded, and how many bytes endless replies have sent.
struct Server {
    url: String,
    asked: Arc<Mutex<Vec<String>>>,
    endless_sent: Arc<AtomicUsize>,
}

impl Server {
    fn start(answer: impl Fn(&str) -> Reply + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let asked = Arc::new(Mutex::new(Vec::new()));
        let endless_sent = Arc::new(AtomicUsize::new(0));
        let answer = Arc::new(answer);
        let (a, e) = (asked.clone(), endless_sent.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                let (answer, a, e) = (answer.clone(), a.clone(), e.clone());
                // A thread a connection, so a held connection does not hold the others.
                std::thread::spawn(move || {
                    let _ = serve(conn, &*answer, &a, &e);
                });
            }
        });
        Server { url, asked, endless_sent }
    }

    fn asked(&self) -> Vec<String> {
        self.asked.lock().unwrap().clone()
    }

    /// An honest log from `dir`, except where `except` answers otherwise.
    fn log(dir: &Path, except: impl Fn(&str) -> Option<Reply> + Send + Sync + 'static) -> Server {
        let dir = dir.to_path_buf();
        Server::start(move |path| {
            except(path).unwrap_or_else(|| match std::fs::read(dir.join(petition_observer::on_disk(path))) {
                Ok(b) => Reply::Body(b),
                Err(_) => Reply::Missing,
            })
        })
    }
}

fn serve(
    conn: TcpStream,
    answer: &dyn Fn(&str) -> Reply,
    asked: &Mutex<Vec<String>>,
    sent: &AtomicUsize,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let path = line.split(' ').nth(1).unwrap_or_default().trim_start_matches("/log/").to_string();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header == "\r\n" {
            break;
        }
    }
    asked.lock().unwrap().push(path.clone());
    let mut out = conn;
    match answer(&path) {
        Reply::Body(b) => {
            write!(out, "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", b.len())?;
            out.write_all(&b)
        }
        Reply::Missing => out.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
        Reply::Endless => {
            out.write_all(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")?;
            let chunk = vec![b'a'; 64 << 10];
            loop {
                out.write_all(&chunk)?;
                sent.fetch_add(chunk.len(), Ordering::Relaxed);
            }
        }
        Reply::Drip => {
            out.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\nConnection: close\r\n\r\n")?;
            loop {
                out.write_all(b"a")?;
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        Reply::Hang => {
            let mut buf = [0u8; 64];
            while reader.read(&mut buf)? > 0 {}
            Ok(())
        }
    }
}

fn observer() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_petition-observer"))
}

/// The evidence folders under `state`.
fn evidence_in(state: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(state)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("evidence-"))
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn a_checkpoint_claiming_2_to_the_50_entries_fails_at_once_and_is_kept_as_evidence() {
    let state = temp("huge-state");
    let note = signed_checkpoint(HUGE, [9; 32]);
    let served = note.clone();
    let server = Server::start(move |path| match path {
        "checkpoint" => Reply::Body(served.clone().into_bytes()),
        _ => Reply::Endless,
    });
    let keys = keys_file(&state);
    // The command line, in a process of its own: an observer that tried to hold 2^50 of anything
    // would abort or be killed, not return a failure.
    let started = Instant::now();
    let out = observer()
        .args(["sync", &server.url, "--keys", keys.to_str().unwrap(), "--state", state.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(8), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(10), "it took {:?}", started.elapsed());
    assert!(stderr.contains(&HUGE.to_string()) && stderr.contains("--max-size"), "{stderr}");
    assert_eq!(server.asked(), ["checkpoint"], "nothing is downloaded past the claim");
    let ev = evidence_in(&state);
    assert_eq!(ev.len(), 1);
    assert_eq!(std::fs::read_to_string(ev[0].join("checkpoint.note")).unwrap(), note);
    assert!(!state.join("checkpoint").exists(), "a refused checkpoint is not stored");
}

#[test]
fn max_size_is_the_limit_and_can_be_raised() {
    let (dir, state) = (temp("max-dir"), temp("max-state"));
    honest(&dir, 10);
    let server = Server::log(&dir, |_| None);
    let keys = keys_file(&state);
    let run = |max: &str| {
        let args = ["sync", &server.url, "--keys", keys.to_str().unwrap(), "--state", state.to_str().unwrap()];
        observer().args(args).args(["--max-size", max]).output().unwrap()
    };
    let out = run("10");
    assert_eq!(out.status.code(), Some(8), "11 entries are more than 10");
    assert!(String::from_utf8_lossy(&out.stderr).contains("claims 11 entries"));
    let out = run("11");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(run("eleven").status.code(), Some(1));
}

#[test]
fn a_receipt_whose_proof_claims_2_to_the_50_entries_fails_at_once() {
    let dir = temp("receipt-huge");
    let receipt = Receipt { petition_id: "7".into(), area: "E05009001".into(), r: Secret([4; 32]) };
    let entry =
        Entry::Sig { id: id("7"), area: id("E05009001"), at: 1000, commit: commitment("7", "E05009001", &[4; 32]) };
    // A genuine inclusion proof of leaf 0 in a tree of 2^50 leaves: 50 made-up neighbours and the
    // root they lead to, signed by the log key.
    let hashes: Vec<[u8; 32]> = (0..50u8).map(|i| [i; 32]).collect();
    let root = hashes.iter().fold(leaf_hash(entry.encode().as_bytes()), |r, h| node_hash(&r, h));
    let proof = LogProof {
        extra: Some(entry.encode().into_bytes()),
        index: 0,
        hashes,
        checkpoint: signed_checkpoint(HUGE, root),
    };
    let proof_path = format!("proof/7/{}", base64_url(&petition_tlog::entry::commitment("7", "E05009001", &[4; 32])));
    let text = proof.encode();
    let server =
        Server::start(
            move |path| if path == proof_path { Reply::Body(text.clone().into_bytes()) } else { Reply::Endless },
        );
    let receipt_file = dir.join("receipt.txt");
    std::fs::write(&receipt_file, receipt.to_text()).unwrap();
    let keys = keys_file(&dir);
    let started = Instant::now();
    let out = observer()
        .args(["receipt", receipt_file.to_str().unwrap(), "--from", &server.url, "--keys", keys.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(8), "{stderr}");
    assert!(stderr.contains(&HUGE.to_string()), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(server.asked().len(), 1, "only the proof: {:?}", server.asked());
}

fn base64_url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Runs a sync against `server` with the default limits; the failure, its evidence and how long it took.
fn failing_sync(server: &Server, state: &Path) -> (Failure, Option<PathBuf>, Duration) {
    let started = Instant::now();
    let (f, ev) = sync(&Source::parse(&server.url), &keys(), state).unwrap_err();
    (f, ev, started.elapsed())
}

#[test]
fn an_endless_checkpoint_is_cut_off_at_the_most_a_checkpoint_can_be() {
    let state = temp("endless-cp");
    let server = Server::start(|_| Reply::Endless);
    let (f, ev, took) = failing_sync(&server, &state);
    assert_eq!(f.exit_code(), 8, "{}", f.message());
    assert!(f.message().contains("response too large") && f.message().contains("checkpoint"), "{}", f.message());
    assert!(took < Duration::from_secs(10), "{took:?}");
    // The server got to write little more than the cap and what the sockets hold.
    assert!(server.endless_sent.load(Ordering::Relaxed) < 16 << 20, "{}", server.endless_sent.load(Ordering::Relaxed));
    let report = std::fs::read_to_string(ev.unwrap().join("report.txt")).unwrap();
    assert!(report.contains("response too large"), "{report}");
}

#[test]
fn an_endless_tile_is_cut_off_and_the_checkpoint_is_kept() {
    let (dir, state) = (temp("endless-tile"), temp("endless-tile-state"));
    honest(&dir, 10);
    let server = Server::log(&dir, |path| (path == "tile/0/000.p/11").then_some(Reply::Endless));
    let (f, ev, took) = failing_sync(&server, &state);
    assert_eq!(f.exit_code(), 8, "{}", f.message());
    assert!(f.message().contains("response too large") && f.message().contains("tile/0/000.p/11"), "{}", f.message());
    assert!(took < Duration::from_secs(10), "{took:?}");
    let ev = ev.unwrap();
    assert_eq!(std::fs::read(ev.join("checkpoint.note")).unwrap(), std::fs::read(dir.join("checkpoint")).unwrap());
}

#[test]
fn oversized_files_are_refused_at_the_most_their_kind_can_be() {
    // One byte past a tile of 11 hashes; a bundle far past 11 entries of 1024 bytes; a tally note
    // past the most a note can be. Each is its own run on an otherwise honest log.
    for (path, bytes) in
        [("tile/0/000.p/11", 11 * 32 + 1), ("tile/entries/000.p/11", 300 << 10), ("tally/7", (1 << 20) + 1)]
    {
        let (dir, state) = (temp("oversized"), temp("oversized-state"));
        honest(&dir, 10);
        let server = Server::log(&dir, move |p| (p == path).then(|| Reply::Body(vec![b'a'; bytes])));
        let (f, ev, _) = failing_sync(&server, &state);
        assert_eq!(f.exit_code(), 8, "{path}: {}", f.message());
        assert!(f.message().contains(&format!("response too large: {}/log/{path}", server.url)), "{}", f.message());
        assert!(ev.unwrap().join("checkpoint.note").exists(), "{path}");
    }
}

#[test]
fn a_server_dripping_bytes_is_cut_off_at_the_request_deadline() {
    let (dir, state) = (temp("drip"), temp("drip-state"));
    honest(&dir, 10);
    let server = Server::log(&dir, |path| (path == "tile/entries/000.p/11").then_some(Reply::Drip));
    let limits = Limits { request_timeout: Duration::from_secs(1), ..Limits::default() };
    let started = Instant::now();
    let (f, ev) = sync_with(&Source::parse(&server.url), &keys(), &state, &limits).unwrap_err();
    assert_eq!(f.exit_code(), 1, "{}", f.message());
    assert!(f.message().contains("timed out"), "{}", f.message());
    // Bytes kept arriving every 50 ms: only an overall deadline stops this.
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    assert!(ev.unwrap().join("checkpoint.note").exists(), "what was received is kept");
}

#[test]
fn a_run_killed_half_way_leaves_the_signed_checkpoint_as_evidence() {
    let (dir, state) = (temp("killed"), temp("killed-state"));
    honest(&dir, 10);
    let server = Server::log(&dir, |path| path.starts_with("tile/entries/").then_some(Reply::Hang));
    let keys = keys_file(&state);
    let mut child = observer()
        .args(["sync", &server.url, "--keys", keys.to_str().unwrap(), "--state", state.to_str().unwrap()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !server.asked().iter().any(|p| p.starts_with("tile/entries/")) {
        assert!(started.elapsed() < Duration::from_secs(20), "the observer never asked for the entries");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let ev = evidence_in(&state);
    assert_eq!(ev.len(), 1, "{ev:?}");
    assert_eq!(std::fs::read(ev[0].join("checkpoint.note")).unwrap(), std::fs::read(dir.join("checkpoint")).unwrap());
    let report = std::fs::read_to_string(ev[0].join("report.txt")).unwrap();
    assert!(report.contains("stopped before it finished"), "{report}");
}

#[test]
fn a_log_that_signs_but_does_not_serve_its_entries_leaves_the_checkpoint_as_evidence() {
    let (dir, state) = (temp("withheld"), temp("withheld-state"));
    honest(&dir, 10);
    let server = Server::log(&dir, |path| path.starts_with("tile/entries/").then_some(Reply::Missing));
    let (f, ev, _) = failing_sync(&server, &state);
    assert_eq!(f.exit_code(), 1, "{}", f.message());
    assert!(ev.expect("evidence").join("checkpoint.note").exists());
    // While a log that sends nothing leaves nothing.
    let down = Server::start(|_| Reply::Missing);
    let (f, ev, _) = failing_sync(&down, &temp("down-state"));
    assert_eq!((f.exit_code(), ev), (1, None));
}

#[test]
fn the_state_file_is_never_seen_partly_written() {
    let (dir, state) = (temp("atomic"), temp("atomic-state"));
    honest(&dir, 3);
    let source = Source::Dir { root: dir.clone() };
    sync(&source, &keys(), &state).unwrap();
    let stored = state.join("checkpoint");
    let want = std::fs::read(&stored).unwrap();
    assert_eq!(want, std::fs::read(dir.join("checkpoint")).unwrap());
    // A reader looks at the state file all the while syncs replace it: every look must see a
    // whole checkpoint, never an empty or cut one.
    let stop = Arc::new(AtomicBool::new(false));
    let reader = {
        let (stop, stored, want) = (stop.clone(), stored.clone(), want.clone());
        std::thread::spawn(move || {
            let (mut looks, mut partial) = (0u64, 0u64);
            while !stop.load(Ordering::Relaxed) {
                let seen = std::fs::read(&stored).unwrap_or_default();
                looks += 1;
                if seen != want {
                    partial += 1;
                }
            }
            (looks, partial)
        })
    };
    let started = Instant::now();
    let mut syncs = 0;
    while syncs < 2000 && started.elapsed() < Duration::from_secs(4) {
        sync(&source, &keys(), &state).unwrap();
        syncs += 1;
    }
    stop.store(true, Ordering::Relaxed);
    let (looks, partial) = reader.join().unwrap();
    assert!(looks > 0);
    assert_eq!(partial, 0, "{partial} of {looks} looks during {syncs} syncs saw a partly written state file");
    assert!(evidence_in(&state).is_empty(), "passing runs keep no evidence");
}

#[test]
fn a_failed_run_leaves_the_previous_state_whole() {
    let (dir, state) = (temp("keep"), temp("keep-state"));
    let entries = honest(&dir, 3);
    let source = Source::Dir { root: dir.clone() };
    sync(&source, &keys(), &state).unwrap();
    let before = std::fs::read(state.join("checkpoint")).unwrap();
    // A stale temporary file from a crashed run changes nothing.
    std::fs::write(state.join(".checkpoint.1.0.tmp"), b"junk").unwrap();
    let mut more = entries.clone();
    more.push(Entry::Strike { id: id("7"), target: 0, reason: Reason::Fraud }.encode());
    publish(&dir, &more);
    assert_eq!(sync(&source, &keys(), &state).unwrap_err().0.exit_code(), 6);
    assert_eq!(std::fs::read(state.join("checkpoint")).unwrap(), before);
    // And the stored checkpoint still protects: an honest extension of it passes.
    let mut grown = entries;
    grown.push(sig(50).encode());
    publish(&dir, &grown);
    assert_eq!(sync(&source, &keys(), &state).unwrap().previous, Some(4));
}

#[test]
fn a_log_past_65536_entries_streams_through_three_tile_levels() {
    let (dir, state) = (temp("three-levels"), temp("three-levels-state"));
    // Full and partial tiles at levels 0 and 1, a partial one at level 2.
    let mut entries = honest_entries(65_535);
    entries
        .extend((0..300u64).map(|t| Entry::Strike { id: id("7"), target: 1 + t, reason: Reason::Duplicate }.encode()));
    publish(&dir, &entries);
    let source = Source::Dir { root: dir.clone() };
    assert_eq!(sync(&source, &keys(), &state).unwrap().size, 65_836);
    // A wrong hash in the level-2 tile is caught like one at level 0.
    let path = dir.join("tile/2/000.p/1");
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[0] ^= 1;
    std::fs::write(&path, bytes).unwrap();
    let (f, ev) = sync(&source, &keys(), &temp("three-levels-state-2")).unwrap_err();
    assert_eq!(f.exit_code(), 4, "{}", f.message());
    assert!(f.message().contains("tile/2/000.p/1"), "{}", f.message());
    assert!(ev.unwrap().join("tile-2-0-1.bin").exists());
}
