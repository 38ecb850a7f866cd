//! The observer against logs written to disk as a server publishes them: an honest log passes,
//! and each kind of misbehaviour is caught with its own exit code and evidence.

mod common;
#[allow(unused_imports)]
use common::*;

use std::path::{Path, PathBuf};

use base64::Engine;
use petition_observer::{check_receipt, sync, write_dir, Source, Standing};
use petition_tlog::checkpoint::Checkpoint;
use petition_tlog::entry::{commitment, Entry, Method, Outcome, Reason};
use petition_tlog::merkle::{inclusion_proof, Tree};
use petition_tlog::note::{sign, Note, NoteSigner};
use petition_tlog::proof::LogProof;
use petition_tlog::receipt::{Receipt, Secret};
use petition_tlog::sample::draw;

fn sig(p: &str, n: u16) -> Entry {
    let mut r = [0u8; 32];
    r[..2].copy_from_slice(&n.to_be_bytes());
    Entry::Sig { id: id(p), area: id("E05009001"), at: 1000 + n as u64, commit: commitment(p, "E05009001", &r) }
}

/// Writes the log's files for `entries` into `dir`, as the server would at that size.
fn publish(dir: &Path, entries: &[String]) {
    let (log, tally) = signers();
    write_dir(dir, entries, &log, &tally).unwrap();
}

fn honest(n: u16) -> Vec<String> {
    let mut v = vec![petition("7").encode()];
    v.extend((0..n).map(|i| sig("7", i).encode()));
    v
}

fn run(dir: &Path, state: &Path) -> Result<u64, (i32, Option<PathBuf>)> {
    sync(&Source::Dir { root: dir.to_path_buf() }, &keys(), state).map(|s| s.size).map_err(|(f, d)| (f.exit_code(), d))
}

#[test]
fn an_honest_log_passes_and_growing_it_passes_again() {
    let (dir, state) = (temp("honest"), temp("honest-state"));
    let mut entries = honest(300);
    publish(&dir, &entries);
    assert_eq!(run(&dir, &state), Ok(301));
    entries.push(Entry::Strike { id: id("7"), target: 5, reason: Reason::Duplicate }.encode());
    entries.push(Entry::Close { id: id("7"), at: 2000 }.encode());
    publish(&dir, &entries);
    assert_eq!(run(&dir, &state), Ok(303));
}

#[test]
fn a_fork_at_the_same_size_is_caught_with_both_signed_checkpoints_as_evidence() {
    let (dir, state) = (temp("fork"), temp("fork-state"));
    publish(&dir, &honest(10));
    assert_eq!(run(&dir, &state), Ok(11));
    let mut other = honest(9);
    other.push(sig("7", 99).encode());
    publish(&dir, &other);
    let (code, evidence) = run(&dir, &state).unwrap_err();
    assert_eq!(code, 5);
    let ev = evidence.unwrap();
    let a = std::fs::read(ev.join("checkpoint.note")).unwrap();
    let b = std::fs::read(ev.join("previous-checkpoint.note")).unwrap();
    assert_ne!(a, b, "two different signed checkpoints of one size");
    assert!(std::fs::read_to_string(ev.join("report.txt")).unwrap().contains("fork"));
}

#[test]
fn a_rollback_is_caught() {
    let (dir, state) = (temp("rollback"), temp("rollback-state"));
    publish(&dir, &honest(10));
    assert_eq!(run(&dir, &state), Ok(11));
    std::fs::remove_dir_all(&dir).unwrap();
    publish(&dir, &honest(6));
    assert_eq!(run(&dir, &state).unwrap_err().0, 5);
}

#[test]
fn a_rewritten_old_entry_is_caught_even_when_the_log_grows() {
    let (dir, state) = (temp("rewrite"), temp("rewrite-state"));
    publish(&dir, &honest(10));
    assert_eq!(run(&dir, &state), Ok(11));
    let mut rewritten = honest(12);
    rewritten[3] = sig("7", 77).encode();
    publish(&dir, &rewritten);
    assert_eq!(run(&dir, &state).unwrap_err().0, 5);
}

#[test]
fn a_tally_off_by_one_is_caught_even_when_properly_signed() {
    let (dir, state) = (temp("tally"), temp("tally-state"));
    publish(&dir, &honest(10));
    let path = dir.join("tally/7/latest");
    let note = std::fs::read_to_string(&path).unwrap();
    let text = note.split("\n\n").next().unwrap().to_string() + "\n";
    let bumped = text.replace("* recorded 10 struck 0 valid 10", "* recorded 11 struck 0 valid 11");
    assert_ne!(bumped, text);
    std::fs::write(&path, sign(&bumped, &[&signers().1])).unwrap();
    let (code, ev) = run(&dir, &state).unwrap_err();
    assert_eq!(code, 7);
    assert!(ev.unwrap().join("tally-7-recomputed.txt").exists());
    // An unsigned or wrongly signed tally is a signature failure instead.
    std::fs::write(&path, sign(&text, &[&NoteSigner::from_seed(&format!("{ORIGIN}/tally"), [3; 32]).unwrap()]))
        .unwrap();
    assert_eq!(run(&dir, &state).unwrap_err().0, 3);
}

#[test]
fn a_tampered_tile_is_caught() {
    let (dir, state) = (temp("tile"), temp("tile-state"));
    publish(&dir, &honest(300));
    let path = dir.join("tile/0/000");
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[100] ^= 1;
    std::fs::write(&path, bytes).unwrap();
    assert_eq!(run(&dir, &state).unwrap_err().0, 4);
    // So is an entry bundle that does not hash to the root.
    publish(&dir, &honest(300));
    let path = dir.join("tile/entries/001.p/45");
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&path, bytes).unwrap();
    assert_eq!(run(&dir, &state).unwrap_err().0, 4);
}

#[test]
fn a_strike_of_a_non_signature_and_other_rule_breaking_entries_are_caught() {
    for (name, bad) in [
        ("strike-petition", Entry::Strike { id: id("7"), target: 0, reason: Reason::Fraud }.encode()),
        ("sig-late", Entry::Sig { id: id("7"), area: id("E05009001"), at: 2000, commit: [9; 32] }.encode()),
        ("reused", sig("7", 1).encode()),
        ("unknown", sig("8", 50).encode()),
    ] {
        let (dir, state) = (temp(name), temp(&format!("{name}-state")));
        let mut entries = honest(4);
        entries.push(bad.clone());
        publish(&dir, &entries);
        let (code, ev) = run(&dir, &state).unwrap_err();
        assert_eq!(code, 6, "{name}");
        let offending = std::fs::read_to_string(ev.unwrap().join("offending-entries.txt")).unwrap();
        assert!(offending.starts_with(&format!("5 {bad}")), "{name}: {offending}");
    }
}

#[test]
fn a_checkpoint_signed_by_another_key_is_refused_and_nothing_is_stored() {
    let (dir, state) = (temp("key"), temp("key-state"));
    publish(&dir, &honest(3));
    let text = Checkpoint::new(ORIGIN, 4, [0; 32]).text();
    std::fs::write(dir.join("checkpoint"), sign(&text, &[&NoteSigner::from_seed(ORIGIN, [5; 32]).unwrap()])).unwrap();
    assert_eq!(run(&dir, &state).unwrap_err().0, 3);
    assert!(!state.join("checkpoint").exists());
}

#[test]
fn the_command_line_exits_with_the_failure_code() {
    let (dir, state) = (temp("cli"), temp("cli-state"));
    publish(&dir, &honest(3));
    let keys_file = state.join("keys.txt");
    let (l, t) = signers();
    std::fs::write(&keys_file, format!("{}\n{}\n", l.verifier(), t.verifier())).unwrap();
    let bin = env!("CARGO_BIN_EXE_petition-observer");
    let out = std::process::Command::new(bin)
        .args([
            "sync",
            dir.to_str().unwrap(),
            "--keys",
            keys_file.to_str().unwrap(),
            "--state",
            state.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::write(dir.join("tile/0/000.p/4"), [0u8; 128]).unwrap();
    let out = std::process::Command::new(bin)
        .args([
            "sync",
            dir.to_str().unwrap(),
            "--keys",
            keys_file.to_str().unwrap(),
            "--state",
            state.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&out.stderr).contains("evidence written to"));
    let out = std::process::Command::new(bin).args(["sync", dir.to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "no keys given: nothing is trusted");
    // Keys on the command line work as well as a file.
    let (lk, tk) = (l.verifier().to_string(), t.verifier().to_string());
    publish(&dir, &honest(3));
    let fresh = temp("cli-state-2");
    let out = std::process::Command::new(bin)
        .args(["sync", dir.to_str().unwrap(), "--key", &lk, "--key", &tk, "--state", fresh.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn evidence_of_a_fork_checks_out_later_without_the_server() {
    let (dir, state) = (temp("evidence"), temp("evidence-state"));
    publish(&dir, &honest(10));
    run(&dir, &state).unwrap();
    let mut other = honest(9);
    other.push(sig("7", 99).encode());
    publish(&dir, &other);
    let (_, ev) = run(&dir, &state).unwrap_err();
    std::fs::remove_dir_all(&dir).unwrap();
    let lines = petition_observer::check_evidence(&ev.unwrap(), &keys()).unwrap();
    let genuine: Vec<&String> = lines.iter().filter(|l| l.contains("(genuine): checkpoint of size 11")).collect();
    assert_eq!(genuine.len(), 2, "two signed checkpoints of one size: {lines:?}");
    assert_ne!(genuine[0].rsplit(' ').next(), genuine[1].rsplit(' ').next(), "with different roots");
}

/// Publishes the log and the inclusion proof of the signature `sig("7", n)` at `index`, as the
/// server serves it at `proof/<petition>/<commit>`; returns the signer's receipt.
fn publish_with_proof(dir: &Path, entries: &[String], index: u64, n: u16) -> Receipt {
    publish(dir, entries);
    let mut tree = Tree::new();
    entries.iter().for_each(|e| tree.push_entry(e.as_bytes()));
    let mut r = [0u8; 32];
    r[..2].copy_from_slice(&n.to_be_bytes());
    let proof = LogProof {
        extra: Some(entries[index as usize].clone().into_bytes()),
        index,
        hashes: inclusion_proof(&tree, index, tree.size()).unwrap(),
        checkpoint: std::fs::read_to_string(dir.join("checkpoint")).unwrap(),
    };
    let commit = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(commitment("7", "E05009001", &r));
    std::fs::create_dir_all(dir.join("proof/7")).unwrap();
    std::fs::write(dir.join(format!("proof/7/{commit}")), proof.encode()).unwrap();
    Receipt { petition_id: "7".into(), area: "E05009001".into(), r: Secret(r) }
}

#[test]
fn a_receipt_is_counted_then_struck_then_counted_again_after_reinstatement() {
    let dir = temp("receipt");
    let source = Source::Dir { root: dir.clone() };
    let mut entries = honest(300);
    let receipt = publish_with_proof(&dir, &entries, 6, 5);
    assert_eq!(check_receipt(&source, &keys(), &receipt).unwrap(), Standing::Counted { index: 6, size: 301 });
    entries.push(Entry::Strike { id: id("7"), target: 6, reason: Reason::Duplicate }.encode());
    publish_with_proof(&dir, &entries, 6, 5);
    assert_eq!(
        check_receipt(&source, &keys(), &receipt).unwrap(),
        Standing::Struck { index: 6, size: 302, reason: "duplicate".into() }
    );
    entries.push(Entry::Reinstate { id: id("7"), target: 6 }.encode());
    publish_with_proof(&dir, &entries, 6, 5);
    assert_eq!(check_receipt(&source, &keys(), &receipt).unwrap(), Standing::Counted { index: 6, size: 303 });
    // Entries that do not hash to the proof's signed root are caught.
    let path = dir.join("tile/entries/001.p/47");
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&path, bytes).unwrap();
    assert_eq!(check_receipt(&source, &keys(), &receipt).unwrap_err().exit_code(), 4);
}

fn sig_at(p: &str, n: u16, at: u64) -> Entry {
    let mut r = [0u8; 32];
    r[..2].copy_from_slice(&n.to_be_bytes());
    Entry::Sig { id: id(p), area: id("E05009001"), at, commit: commitment(p, "E05009001", &r) }
}

/// Petition 7 (open 1000 to 2000) with four signatures, paused at 1500 and resumed at 1700: its
/// window now ends at 2200.
fn paused_and_resumed() -> Vec<String> {
    let mut v = honest(4);
    v.push(Entry::Pause { id: id("7"), at: 1500 }.encode());
    v.push(sig_at("7", 50, 1499).encode());
    v.push(Entry::Resume { id: id("7"), at: 1700, closes: 2200 }.encode());
    v
}

/// The signed tally of petition 7 at `size`, its text only.
fn tally_text(dir: &Path, size: usize) -> String {
    let note = std::fs::read_to_string(dir.join(format!("tally/7/{size}"))).unwrap();
    note.split("\n\n").next().unwrap().to_string() + "\n"
}

#[test]
fn a_pause_and_resume_with_signatures_in_the_extension_pass() {
    let (dir, state) = (temp("pause"), temp("pause-state"));
    let mut entries = paused_and_resumed();
    publish(&dir, &entries);
    assert_eq!(run(&dir, &state), Ok(8));
    assert!(tally_text(&dir, 8).contains("\nwindow 1000 2200\n"), "the note states the end in force");
    // Confirmed after the old end and before the new one; then another pause, a signature after
    // it in the window moved again, and the close at the new end.
    entries.extend([sig_at("7", 60, 1700).encode(), sig_at("7", 61, 2000).encode()]);
    entries.push(Entry::Pause { id: id("7"), at: 2100 }.encode());
    entries.push(Entry::Resume { id: id("7"), at: 2150, closes: 2250 }.encode());
    entries.push(sig_at("7", 62, 2249).encode());
    entries.push(Entry::Close { id: id("7"), at: 2250 }.encode());
    publish(&dir, &entries);
    assert_eq!(run(&dir, &state), Ok(14));
    let text = tally_text(&dir, 14);
    assert!(text.contains("\nwindow 1000 2250\nstatus closed-reached\n* recorded 8 struck 0 valid 8\n"), "{text}");
}

#[test]
fn signatures_inside_a_pause_and_resumes_that_move_the_end_wrongly_are_caught() {
    for (name, bad) in [
        ("sig-in-pause", sig_at("7", 60, 1600).encode()),
        ("sig-at-pause", sig_at("7", 60, 1500).encode()),
        ("sig-after-new-end", sig_at("7", 60, 2200).encode()),
        ("resume-without-pause", Entry::Resume { id: id("7"), at: 1800, closes: 2300 }.encode()),
        ("pause-before-resume", Entry::Pause { id: id("7"), at: 1699 }.encode()),
    ] {
        let (dir, state) = (temp(name), temp(&format!("{name}-state")));
        let mut entries = paused_and_resumed();
        entries.push(bad.clone());
        publish(&dir, &entries);
        let (code, ev) = run(&dir, &state).unwrap_err();
        assert_eq!(code, 6, "{name}");
        let offending = std::fs::read_to_string(ev.unwrap().join("offending-entries.txt")).unwrap();
        assert!(offending.starts_with(&format!("8 {bad}")), "{name}: {offending}");
    }
    // A resume whose new end is not the old end plus the time paused, by a second either way.
    for closes in [2199, 2201] {
        let (dir, state) = (temp(&format!("closes-{closes}")), temp(&format!("closes-{closes}-state")));
        let mut entries = paused_and_resumed();
        entries[7] = Entry::Resume { id: id("7"), at: 1700, closes }.encode();
        publish(&dir, &entries);
        let (code, ev) = run(&dir, &state).unwrap_err();
        assert_eq!(code, 6, "closes {closes}");
        let offending = std::fs::read_to_string(ev.unwrap().join("offending-entries.txt")).unwrap();
        assert!(offending.starts_with(&format!("7 {}", entries[7])), "{offending}");
    }
}

#[test]
fn a_tally_that_shows_the_old_end_after_a_resume_is_caught() {
    let (dir, state) = (temp("old-end"), temp("old-end-state"));
    publish(&dir, &paused_and_resumed());
    let text = tally_text(&dir, 8);
    let old = text.replace("\nwindow 1000 2200\n", "\nwindow 1000 2000\n");
    assert_ne!(old, text);
    std::fs::write(dir.join("tally/7/latest"), sign(&old, &[&signers().1])).unwrap();
    let (code, ev) = run(&dir, &state).unwrap_err();
    assert_eq!(code, 7);
    let recomputed = std::fs::read_to_string(ev.unwrap().join("tally-7-recomputed.txt")).unwrap();
    assert!(recomputed.contains("\nwindow 1000 2200\n"), "{recomputed}");
}

const SEED: [u8; 32] = [0x5e; 32];

fn close_7() -> String {
    Entry::Close { id: id("7"), at: 2000 }.encode()
}

fn sample_7() -> String {
    Entry::Sample { id: id("7"), seed: SEED, source: id("drand-quicknet-10405839") }.encode()
}

fn certify_7(outcome: Outcome, method: Method, valid: u64, projected: u64) -> String {
    Entry::Certify { id: id("7"), outcome, method, valid, projected }.encode()
}

fn strike_7(target: u64) -> String {
    Entry::Strike { id: id("7"), target, reason: Reason::NotEligible }.encode()
}

/// Petition 7 (5 required) with 600 signatures at indexes 1 to 600, closed and sampled: 500 of them
/// are drawn. Then, as an office would after checking them, two of the sample are struck, and two
/// signatures outside it: 596 valid, and a projection of floor(600 × 498 / 500) = 597.
fn sampled_and_checked() -> Vec<String> {
    let mut v = honest(600);
    v.extend([close_7(), sample_7()]);
    let drawn = draw(&id("7"), &SEED, (1..=600).collect());
    let left: Vec<u64> = (1..=600).filter(|i| drawn.binary_search(i).is_err()).collect();
    v.extend([strike_7(drawn[0]), strike_7(drawn[499]), strike_7(left[0]), strike_7(left[99])]);
    v
}

#[test]
fn a_full_and_a_sample_certificate_pass_and_the_notes_state_them() {
    let (dir, state) = (temp("certify-full"), temp("certify-full-state"));
    let mut entries = honest(10);
    entries.extend([strike_7(3), close_7()]);
    publish(&dir, &entries);
    assert_eq!(run(&dir, &state), Ok(13));
    entries.push(certify_7(Outcome::Reached, Method::Full, 9, 9));
    publish(&dir, &entries);
    assert_eq!(run(&dir, &state), Ok(14));
    let text = tally_text(&dir, 14);
    assert!(text.contains("\nstatus certified-reached\n* recorded 10 struck 1 valid 9\n"), "{text}");

    let (dir, state) = (temp("certify-sample"), temp("certify-sample-state"));
    let mut entries = sampled_and_checked();
    publish(&dir, &entries);
    assert_eq!(run(&dir, &state), Ok(607));
    assert!(tally_text(&dir, 607).contains("\nstatus closed-reached\n"));
    entries.push(certify_7(Outcome::Reached, Method::Sample, 596, 597));
    publish(&dir, &entries);
    assert_eq!(run(&dir, &state), Ok(608));
    let text = tally_text(&dir, 608);
    assert!(text.contains("\nstatus certified-reached\n* recorded 600 struck 4 valid 596\n"), "{text}");
}

#[test]
fn certificates_and_samples_that_break_the_rules_are_caught() {
    // Ten signatures, all sampled, five of them struck: a projection of 5, in the band of 5
    // required (from 4.75 to 5.5), so only a full check may certify.
    let mut in_band = honest(10);
    in_band.extend([close_7(), sample_7()]);
    in_band.extend((1..=5).map(strike_7));
    let mut certified = sampled_and_checked();
    certified.push(certify_7(Outcome::Reached, Method::Sample, 596, 597));
    let cases: Vec<(&str, Vec<String>, String, &str)> = vec![
        (
            "wrong-projection",
            sampled_and_checked(),
            certify_7(Outcome::Reached, Method::Sample, 596, 596),
            "a certificate whose projected count is not what its method gives",
        ),
        (
            "in-band",
            in_band.clone(),
            certify_7(Outcome::Reached, Method::Sample, 5, 5),
            "a certificate by sample whose projection is not clear of the threshold",
        ),
        (
            "in-band-not-reached",
            in_band.clone(),
            certify_7(Outcome::NotReached, Method::Sample, 5, 5),
            "a certificate by sample whose projection is not clear of the threshold",
        ),
        (
            "strike-after-certificate",
            certified.clone(),
            strike_7(5),
            "a strike, reinstatement or sample after the petition's certificate",
        ),
        ("second-sample", sampled_and_checked(), sample_7(), "a second sample of the same petition"),
        (
            "certify-before-close",
            honest(10),
            certify_7(Outcome::Reached, Method::Full, 10, 10),
            "a certificate before the petition closed",
        ),
        (
            "wrong-valid",
            sampled_and_checked(),
            certify_7(Outcome::Reached, Method::Sample, 597, 597),
            "a certificate whose valid count is not the log's",
        ),
        (
            "wrong-full-outcome",
            [honest(4), vec![close_7()]].concat(),
            certify_7(Outcome::Reached, Method::Full, 4, 4),
            "a full check's certificate whose outcome does not follow from the count",
        ),
        ("sample-before-close", honest(10), sample_7(), "a sample before the petition closed"),
        (
            "second-certificate",
            certified.clone(),
            certify_7(Outcome::Reached, Method::Full, 596, 596),
            "a second certificate of the same petition",
        ),
    ];
    for (name, mut entries, bad, rule) in cases {
        let (dir, state) = (temp(name), temp(&format!("{name}-state")));
        let index = entries.len();
        entries.push(bad.clone());
        publish(&dir, &entries);
        let (code, ev) = run(&dir, &state).unwrap_err();
        assert_eq!(code, 6, "{name}");
        let offending = std::fs::read_to_string(ev.unwrap().join("offending-entries.txt")).unwrap();
        assert!(offending.starts_with(&format!("{index} {bad}")), "{name}: {offending}");
        assert!(offending.contains(rule), "{name}: {offending}");
    }
    // The band's way out: a full check of the same log certifies.
    let (dir, state) = (temp("in-band-full"), temp("in-band-full-state"));
    in_band.push(certify_7(Outcome::Reached, Method::Full, 5, 5));
    publish(&dir, &in_band);
    assert_eq!(run(&dir, &state), Ok(19));
}

#[test]
fn a_tally_that_ignores_the_certificate_is_caught() {
    let (dir, state) = (temp("uncertified"), temp("uncertified-state"));
    let mut entries = sampled_and_checked();
    entries.push(certify_7(Outcome::Reached, Method::Sample, 596, 597));
    publish(&dir, &entries);
    let text = tally_text(&dir, 608);
    let closed = text.replace("\nstatus certified-reached\n", "\nstatus closed-reached\n");
    assert_ne!(closed, text);
    std::fs::write(dir.join("tally/7/latest"), sign(&closed, &[&signers().1])).unwrap();
    let (code, ev) = run(&dir, &state).unwrap_err();
    assert_eq!(code, 7);
    let recomputed = std::fs::read_to_string(ev.unwrap().join("tally-7-recomputed.txt")).unwrap();
    assert!(recomputed.contains("\nstatus certified-reached\n"), "{recomputed}");
}

/// A second petition, 8, with two signatures.
fn two_petitions() -> Vec<String> {
    let mut v = honest(3);
    v.push(petition("8").encode());
    v.extend((0..2).map(|i| sig("8", i).encode()));
    v
}

/// Writes the log's files at this size as the server signs them: a tally note only for the
/// petitions with an entry since `since`.
fn publish_since(dir: &Path, entries: &[String], since: usize) {
    let (log, tally) = signers();
    petition_observer::write_dir_since(dir, entries, since as u64, &log, &tally).unwrap();
}

#[test]
fn a_petition_untouched_since_an_earlier_checkpoint_is_checked_at_its_latest_note() {
    let (dir, state) = (temp("latest"), temp("latest-state"));
    let mut entries = two_petitions();
    publish(&dir, &entries);
    let first = entries.len();
    entries.extend((10..14).map(|i| sig("7", i).encode()));
    publish_since(&dir, &entries, first);
    assert!(dir.join(format!("tally/7/{}", entries.len())).exists());
    assert!(!dir.join(format!("tally/8/{}", entries.len())).exists(), "no note for a petition with no new entry");
    assert!(tally_text_of(&dir, "8").contains(&format!("\nsize {first}\n")), "8's latest is at the earlier size");
    assert_eq!(run(&dir, &state), Ok(entries.len() as u64));
    // From scratch too, with no earlier run to lean on.
    assert_eq!(run(&dir, &temp("latest-fresh")), Ok(entries.len() as u64));
}

/// A petition's latest signed tally, its text only.
fn tally_text_of(dir: &Path, p: &str) -> String {
    let note = std::fs::read_to_string(dir.join(format!("tally/{p}/latest"))).unwrap();
    note.split("\n\n").next().unwrap().to_string() + "\n"
}

#[test]
fn a_petition_with_new_entries_but_no_new_note_is_caught() {
    let (dir, state) = (temp("unsigned"), temp("unsigned-state"));
    let mut entries = two_petitions();
    publish(&dir, &entries);
    entries.push(sig("8", 20).encode());
    entries.extend((10..12).map(|i| sig("7", i).encode()));
    // The server leaves petition 8's new signature out of every note: its latest note is older.
    let before = entries.len() - 2;
    publish_since(&dir, &entries, before);
    let (code, ev) = run(&dir, &state).unwrap_err();
    assert_eq!(code, 7);
    let ev = ev.unwrap();
    assert!(ev.join("tally-8-published.note").exists(), "the stale note is kept as evidence");
    assert!(!ev.join("tally-7-published.note").exists(), "a note that checks out is not kept");
}

#[test]
fn an_earlier_note_with_a_root_of_another_tree_is_caught() {
    let (dir, state) = (temp("old-root"), temp("old-root-state"));
    let mut entries = two_petitions();
    publish(&dir, &entries);
    let first = entries.len();
    entries.extend((10..12).map(|i| sig("7", i).encode()));
    publish_since(&dir, &entries, first);
    // Petition 8's note, re-signed at its size with the root of the newer tree: its counts are
    // right, but it binds them to a tree that size never had.
    let text = tally_text_of(&dir, "8");
    let newer = Checkpoint::parse(&Note::parse(&std::fs::read(dir.join("checkpoint")).unwrap()).unwrap().text).unwrap();
    let root_line = text.lines().find(|l| l.starts_with("root ")).unwrap().to_string();
    let moved =
        text.replace(&root_line, &format!("root {}", base64::engine::general_purpose::STANDARD.encode(newer.root)));
    assert_ne!(moved, text);
    std::fs::write(dir.join("tally/8/latest"), sign(&moved, &[&signers().1])).unwrap();
    assert_eq!(run(&dir, &state).unwrap_err().0, 7);
}

#[test]
fn notes_signed_past_the_checkpoint_read_first_are_followed_to_their_checkpoint() {
    let (dir, state) = (temp("moving"), temp("moving-state"));
    let mut entries = two_petitions();
    publish(&dir, &entries);
    let first = entries.len();
    let older = std::fs::read(dir.join("checkpoint")).unwrap();
    entries.extend((10..300).map(|i| sig("7", i).encode()));
    entries.push(sig("8", 30).encode());
    publish_since(&dir, &entries, first);
    // The observer reads the checkpoint before the log grew, and the notes after.
    std::fs::write(dir.join("checkpoint"), &older).unwrap();
    assert_eq!(run(&dir, &state), Ok(entries.len() as u64), "checked up to the newer checkpoint, and kept it");
    // A note signed at a size the log has no checkpoint for: its counts could never be compared,
    // so that is the log's failure, with the note kept as evidence.
    let (dir2, state2) = (temp("moving-missing"), temp("moving-missing-state"));
    publish(&dir2, &two_petitions());
    let older = std::fs::read(dir2.join("checkpoint")).unwrap();
    let mut grown = two_petitions();
    grown.push(sig("7", 40).encode());
    publish_since(&dir2, &grown, first);
    std::fs::write(dir2.join("checkpoint"), &older).unwrap();
    std::fs::remove_file(dir2.join(format!("checkpoints/{}", grown.len()))).unwrap();
    let (code, evidence) = run(&dir2, &state2).unwrap_err();
    assert_eq!(code, 7);
    assert!(evidence.unwrap().join("tally-7-published.note").exists());
    // A petition with entries and no note at all fails the same way.
    let (dir3, state3) = (temp("no-note"), temp("no-note-state"));
    publish(&dir3, &two_petitions());
    std::fs::remove_file(dir3.join("tally/8/latest")).unwrap();
    assert_eq!(run(&dir3, &state3).unwrap_err().0, 7);
}
