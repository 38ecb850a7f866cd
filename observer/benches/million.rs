//! How long and how much memory the observer needs to verify a log from scratch, next to the
//! cost of hashing alone on the same machine.
//!
//! ```sh
//! cargo bench -p petition-observer --bench million            # 1,000,000 entries
//! cargo bench -p petition-observer --bench million -- 200000  # another size
//! cargo bench -p petition-observer --bench million -- 1000000 --keep
//! ```
//!
//! With `--keep` the log's folder stays, for a profiler: `million child sync <folder>` runs the
//! measured sync alone.
//!
//! It writes the log's files to a temporary folder, then runs each measurement in a fresh child
//! process so that peak memory (VmHWM) is the measurement's own.

use std::path::Path;
use std::time::Instant;

use petition_observer::{sync, write_dir, Keys, Source};
use petition_tlog::entry::{commitment, Entry, Ident, Percent, Reason};
use petition_tlog::merkle::Tree;
use petition_tlog::note::NoteSigner;
use petition_tlog::tile::{decode_bundle, Tile};

const ORIGIN: &str = "bench.example/log";

fn signers() -> (NoteSigner, NoteSigner) {
    (
        NoteSigner::from_seed(ORIGIN, [1; 32]).unwrap(),
        NoteSigner::from_seed(&format!("{ORIGIN}/tally"), [2; 32]).unwrap(),
    )
}

/// Petitions with signatures over 20 wards, and a strike for one signature in a hundred.
fn entries(n: u64) -> Vec<String> {
    let id = |s: String| Ident::parse(&s).unwrap();
    let petitions = 50u64;
    let mut out: Vec<String> = (0..petitions)
        .map(|p| {
            Entry::Petition {
                id: id(p.to_string()),
                area: id("E07000030".into()),
                opens: 1_000,
                closes: 2_000_000_000,
                electorate: 2_000_000,
                percent: Percent::parse("5").unwrap(),
                required: 100_000,
                text_sha256: [3; 32],
            }
            .encode()
        })
        .collect();
    let mut i = 0u64;
    while (out.len() as u64) < n {
        let p = (i % petitions).to_string();
        let area = format!("E0500{:04}", i % 20);
        let mut r = [0u8; 32];
        r[..8].copy_from_slice(&i.to_be_bytes());
        let index = out.len() as u64;
        out.push(
            Entry::Sig { id: id(p.clone()), area: id(area.clone()), at: 1_000 + i, commit: commitment(&p, &area, &r) }
                .encode(),
        );
        if i % 100 == 99 && (out.len() as u64) < n {
            out.push(Entry::Strike { id: id(p), target: index, reason: Reason::Duplicate }.encode());
        }
        i += 1;
    }
    out
}

fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn child(mode: &str, dir: &Path) {
    let started = Instant::now();
    match mode {
        "hash" => {
            // Read every entry bundle and build the tree: the hashing any verifier must do.
            let mut size = 0;
            let mut tree = Tree::new();
            let cp = std::fs::read_to_string(dir.join("checkpoint")).unwrap();
            let n: u64 = cp.lines().nth(1).unwrap().parse().unwrap();
            for t in Tile::all_at(0, n) {
                let b = std::fs::read(dir.join(t.entries_path())).unwrap();
                for e in decode_bundle(&b).unwrap() {
                    tree.push_entry(e);
                    size += 1;
                }
            }
            std::hint::black_box(tree.root());
            assert_eq!(size, n);
        }
        _ => {
            let (l, t) = signers();
            let keys = Keys::parse(&format!("{}\n{}\n", l.verifier(), t.verifier())).unwrap();
            let state = dir.join("observer-state");
            let _ = std::fs::remove_dir_all(&state);
            let s = sync(&Source::Dir { root: dir.to_path_buf() }, &keys, &state)
                .map_err(|(f, _)| f.message().to_string())
                .unwrap();
            std::hint::black_box(s.size);
        }
    }
    println!("{mode} {:.2} {}", started.elapsed().as_secs_f64(), peak_kib());
}

fn main() {
    let keep = std::env::args().any(|a| a == "--keep");
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench" && a != "--keep").collect();
    if args.first().map(String::as_str) == Some("child") {
        return child(&args[1], Path::new(&args[2]));
    }
    let n: u64 = args.first().map_or(1_000_000, |s| s.parse().expect("the size is a number"));
    let dir = std::env::temp_dir().join(format!("petition-observer-bench-{n}"));
    let _ = std::fs::remove_dir_all(&dir);
    let (l, t) = signers();
    let started = Instant::now();
    let es = entries(n);
    write_dir(&dir, &es, &l, &t).unwrap();
    drop(es);
    println!("wrote a log of {n} entries in {:.1} s (not part of the measurement)", started.elapsed().as_secs_f64());
    let me = std::env::current_exe().unwrap();
    let mut results = Vec::new();
    for mode in ["hash", "sync"] {
        let out = std::process::Command::new(&me).args(["child", mode, dir.to_str().unwrap()]).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let line = String::from_utf8(out.stdout).unwrap();
        let parts: Vec<&str> = line.split_whitespace().collect();
        let (secs, kib): (f64, u64) = (parts[1].parse().unwrap(), parts[2].parse().unwrap());
        results.push((mode, secs, kib));
    }
    let (_, hash_s, hash_k) = results[0];
    let (_, sync_s, sync_k) = results[1];
    println!("hashing alone (read bundles, leaf and node hashes): {hash_s:.2} s, peak {} MiB", hash_k / 1024);
    println!("observer sync from scratch (all checks, tallies):   {sync_s:.2} s, peak {} MiB", sync_k / 1024);
    println!("sync / hashing: {:.2}x the time, {:.2}x the memory", sync_s / hash_s, sync_k as f64 / hash_k as f64);
    if keep {
        println!("the log is in {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
}
