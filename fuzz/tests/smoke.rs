//! The CI smoke run, on stable: every property check over its committed seeds, then over
//! pseudo-random inputs from a fixed seed (random bytes, and the seeds mutated and spliced the
//! way libFuzzer mutates). Deterministic, so a failure here fails the same way every time.
//!
//! `FUZZ_SMOKE_RUNS` sets the number of generated inputs per target (default 5000).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use petition_fuzz::TARGETS;

/// Fragments the parsers treat specially, spliced into inputs to reach past the first check.
const TOKENS: &[&[u8]] = &[
    b"\n",
    b"\n\n",
    b" ",
    b"  ",
    b"\r\n",
    b"\t",
    b",",
    b"\"",
    b"+",
    b"=",
    b"/",
    b".",
    b"@",
    b"|",
    b"0",
    b"9",
    b"x",
    b".p/",
    b"tile/",
    b"\xe2\x80\x94 ",
    b"\xef\xbb\xbf",
    b"\x00",
    b"\xff",
    b"\xc3\xa9",
    b"\xe2\x80\xae",
    b"A",
];

/// SplitMix64: a tiny, well-mixed generator, so the smoke run needs no extra dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

fn seeds_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds").join(target)
}

fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = seeds_dir(target);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .collect();
    paths.sort();
    paths.iter().map(|p| std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))).collect()
}

/// One input made from the seeds: random bytes, or a seed changed a few times.
fn generate(rng: &mut Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    if seeds.is_empty() || rng.below(8) == 0 {
        let len = rng.below(300);
        return rng.bytes(len);
    }
    let mut data = seeds[rng.below(seeds.len())].clone();
    for _ in 0..1 + rng.below(4) {
        mutate(rng, &mut data, seeds);
    }
    data
}

fn mutate(rng: &mut Rng, data: &mut Vec<u8>, seeds: &[Vec<u8>]) {
    let at = rng.below(data.len() + 1);
    match rng.below(7) {
        0 if at < data.len() => data[at] ^= 1 << rng.below(8),
        1 if at < data.len() => data[at] = rng.next() as u8,
        2 => {
            let token = TOKENS[rng.below(TOKENS.len())];
            data.splice(at..at, token.iter().copied());
        }
        3 if at < data.len() => {
            let end = (at + 1 + rng.below(8)).min(data.len());
            data.drain(at..end);
        }
        4 => data.truncate(at),
        5 => {
            // Splice in a piece of another seed (or of itself).
            let other = &seeds[rng.below(seeds.len())];
            let from = rng.below(other.len() + 1);
            let to = (from + rng.below(64)).min(other.len());
            data.splice(at..at, other[from..to].iter().copied());
        }
        _ => {
            let byte = rng.next() as u8;
            data.insert(at, byte);
        }
    }
}

/// Runs a check, and on a failure shows the input so it can be saved as a seed and fuzzed.
fn run(target: &str, check: fn(&[u8]), data: &[u8], what: &str) {
    if let Err(panic) = catch_unwind(AssertUnwindSafe(|| check(data))) {
        eprintln!("{target}: {what} failed; input (lossy) {:?}", String::from_utf8_lossy(data));
        eprintln!("{target}: input bytes {data:?}");
        std::panic::resume_unwind(panic);
    }
}

fn smoke(target: &str) {
    let check = TARGETS.iter().find(|(n, _)| *n == target).expect("a listed target").1;
    let seeds = seeds(target);
    assert!(!seeds.is_empty(), "{target} has no seeds");
    for (i, s) in seeds.iter().enumerate() {
        run(target, check, s, &format!("seed {i}"));
    }
    let runs: usize = std::env::var("FUZZ_SMOKE_RUNS").ok().and_then(|n| n.parse().ok()).unwrap_or(5000);
    // A fixed seed per target: the same inputs every run.
    let mut rng = Rng(target.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3)));
    for i in 0..runs {
        let data = generate(&mut rng, &seeds);
        run(target, check, &data, &format!("generated input {i}"));
    }
}

macro_rules! smoke_tests {
    ($($name:ident),*) => {
        $(#[test]
        fn $name() {
            smoke(stringify!($name));
        })*

        /// Every target in the library has a test here, seeds, and a libFuzzer binary.
        #[test]
        fn every_target_is_wired_up() {
            let tested = [$(stringify!($name)),*];
            let manifest = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
            for (name, _) in TARGETS {
                assert!(tested.contains(name), "{name} has no smoke test");
                assert!(seeds_dir(name).is_dir(), "{name} has no seeds");
                let bin = format!("name = \"{name}\"\npath = \"fuzz_targets/{name}.rs\"");
                assert!(manifest.contains(&bin), "{name} has no [[bin]] in fuzz/Cargo.toml");
                let source = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("fuzz_targets/{name}.rs"));
                assert!(source.is_file(), "{}", source.display());
            }
            assert_eq!(tested.len(), TARGETS.len());
        }
    };
}

smoke_tests!(postcode, names, form, csv, codes, receipt, entry, tally, note, tile, proof);
