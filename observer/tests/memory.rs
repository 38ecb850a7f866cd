//! How much memory the observer holds for input crafted to make it hold more, counted by a global
//! allocator in this test binary. The tests here run one at a time, so that a peak is its own.

mod common;
#[allow(unused_imports)]
use common::*;

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use petition_observer::{check_evidence, sync, write_dir, Source};

struct Counting;

static NOW: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = NOW.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        NOW.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// What `f` returns, and the most memory it held at once beyond what was held before.
fn peak_of<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = NOW.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let out = f();
    (out, PEAK.load(Ordering::Relaxed).saturating_sub(before))
}

#[test]
fn malformed_entries_cost_the_replay_no_more_than_well_formed_ones() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (dir, state) = (temp("malformed"), temp("malformed-state"));
    // 20,000 entries of 1,024 backslashes: each breaks the rules, and the reason the entry reader
    // gives quotes it, escaped, in over 2 KiB. Kept for every entry, that is 40 MiB here, and
    // 40 GiB for the 20 million entries a run takes by default.
    let entries = vec!["\\".repeat(1024); 20_000];
    let (log, tally) = signers();
    write_dir(&dir, &entries, &log, &tally).unwrap();
    drop(entries);
    let (result, peak) = peak_of(|| sync(&Source::Dir { root: dir.clone() }, &keys(), &state));
    let (f, _) = result.unwrap_err();
    assert_eq!(f.exit_code(), 6, "{}", f.message());
    assert!(f.message().starts_with("20000 entries break the log's rules"), "{}", &f.message()[..80]);
    assert!(peak < 16 << 20, "the sync held {} MiB at once", peak >> 20);
}

fn sparse(path: &Path, len: u64) {
    std::fs::File::create(path).unwrap().set_len(len).unwrap();
}

#[test]
fn an_evidence_folder_is_read_no_further_than_a_note_can_be() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let dir = temp("evidence");
    std::fs::write(dir.join("report.txt"), "petition-observer evidence\nfailure: something\n").unwrap();
    // A folder handed on by someone else may hold anything: 64 MiB in a file named like a note.
    sparse(&dir.join("big.note"), 64 << 20);
    let (lines, peak) = peak_of(|| check_evidence(&dir, &keys()).unwrap());
    assert!(peak < 8 << 20, "reading the folder held {} MiB at once", peak >> 20);
    assert!(lines.iter().any(|l| l.starts_with("big.note: not a signed note")), "{lines:?}");

    // Nor is anything but a plain file read: a device that never ends, a pipe that never opens.
    std::os::unix::fs::symlink("/dev/zero", dir.join("zero.note")).unwrap();
    let lines = check_evidence(&dir, &keys()).unwrap();
    assert!(lines.iter().any(|l| l.starts_with("zero.note: not a signed note")), "{lines:?}");

    // And a report longer than any the observer writes is refused, not read.
    sparse(&dir.join("report.txt"), 64 << 20);
    let (result, peak) = peak_of(|| check_evidence(&dir, &keys()));
    assert!(result.unwrap_err().contains("report.txt"));
    assert!(peak < 8 << 20, "reading the report held {} MiB at once", peak >> 20);
}
