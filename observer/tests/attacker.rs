//! The observer against a log whose operator means to mislead it: proofs against an older
//! checkpoint, entries the rules do not count, entries crafted to garble or swell the evidence,
//! and tally notes padded to fill the observer's disk.

mod common;
#[allow(unused_imports)]
use common::*;

use std::path::{Path, PathBuf};

use base64::Engine;
use petition_observer::{check_receipt, sync, write_dir, Source, Standing};
use petition_tlog::entry::{commitment, Entry, Reason};
use petition_tlog::merkle::{inclusion_proof, Tree};
use petition_tlog::note::{sign, Note, NoteSigner};
use petition_tlog::proof::LogProof;
use petition_tlog::receipt::{Receipt, Secret};

fn secret(n: u16) -> [u8; 32] {
    let mut r = [0u8; 32];
    r[..2].copy_from_slice(&n.to_be_bytes());
    r
}

/// Signature `n` of petition `p`, dated `at`.
fn sig_at(p: &str, n: u16, at: u64) -> Entry {
    Entry::Sig { id: id(p), area: id("E05009001"), at, commit: commitment(p, "E05009001", &secret(n)) }
}

fn sig(p: &str, n: u16) -> Entry {
    sig_at(p, n, 1000 + n as u64)
}

fn strike(p: &str, target: u64) -> Entry {
    Entry::Strike { id: id(p), target, reason: Reason::Duplicate }
}

fn honest(n: u16) -> Vec<String> {
    let mut v = vec![petition("7").encode()];
    v.extend((0..n).map(|i| sig("7", i).encode()));
    v
}

fn publish(dir: &Path, entries: &[String]) {
    let (log, tally) = signers();
    write_dir(dir, entries, &log, &tally).unwrap();
}

fn receipt(n: u16) -> Receipt {
    Receipt { petition_id: "7".into(), area: "E05009001".into(), r: Secret(secret(n)) }
}

/// Where the log serves the inclusion proof of signature `n` of petition 7.
fn proof_path(dir: &Path, n: u16) -> PathBuf {
    let commit = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(commitment("7", "E05009001", &secret(n)));
    dir.join(format!("proof/7/{commit}"))
}

/// Publishes the log and the inclusion proof of signature `n` of petition 7, at `index`, against
/// the log's checkpoint; returns the signer's receipt.
fn publish_with_proof(dir: &Path, entries: &[String], index: u64, n: u16) -> Receipt {
    publish(dir, entries);
    let mut tree = Tree::new();
    entries.iter().for_each(|e| tree.push_entry(e.as_bytes()));
    let proof = LogProof {
        extra: Some(entries[index as usize].clone().into_bytes()),
        index,
        hashes: inclusion_proof(&tree, index, tree.size()).unwrap(),
        checkpoint: std::fs::read_to_string(dir.join("checkpoint")).unwrap(),
    };
    let path = proof_path(dir, n);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, proof.encode()).unwrap();
    receipt(n)
}

fn run(dir: &Path, state: &Path) -> Result<u64, (i32, Option<PathBuf>)> {
    sync(&Source::Dir { root: dir.to_path_buf() }, &keys(), state).map(|s| s.size).map_err(|(f, d)| (f.exit_code(), d))
}

#[test]
fn a_proof_against_an_older_checkpoint_does_not_hide_a_later_strike() {
    let dir = temp("stale-proof");
    let source = Source::Dir { root: dir.clone() };
    let mut entries = honest(300);
    let receipt = publish_with_proof(&dir, &entries, 6, 5);
    let stale = std::fs::read(proof_path(&dir, 5)).unwrap();
    // The log strikes the signature, but keeps serving the proof it made before the strike.
    entries.push(strike("7", 6).encode());
    publish(&dir, &entries);
    assert_eq!(
        check_receipt(&source, &keys(), &receipt).unwrap(),
        Standing::Struck { index: 6, size: 302, reason: "duplicate".into() },
        "the standing is read up to the log's latest checkpoint, not the proof's"
    );
    assert_eq!(std::fs::read(proof_path(&dir, 5)).unwrap(), stale, "the proof was the old one");

    // A proof from a checkpoint the log's own checkpoint has not reached: one of them is a rollback.
    publish_with_proof(&dir, &entries, 6, 5);
    publish(&dir, &entries[..301]);
    assert_eq!(check_receipt(&source, &keys(), &receipt).unwrap_err().exit_code(), 5);

    // A proof from another tree of the latest size: a fork.
    publish_with_proof(&dir, &entries, 6, 5);
    let mut other = honest(300);
    other.push(sig("7", 400).encode());
    publish(&dir, &other);
    let f = check_receipt(&source, &keys(), &receipt).unwrap_err();
    assert_eq!(f.exit_code(), 5, "{}", f.message());
}

#[test]
fn a_receipt_stands_as_the_rules_count_it() {
    let source = |d: &PathBuf| Source::Dir { root: d.clone() };

    // A strike, then a reinstatement filed under another petition: the rules ignore the
    // reinstatement, so the tallies count the signature as struck, and so must the receipt.
    let dir = temp("reinstated-elsewhere");
    let mut entries = honest(10);
    entries.push(petition("8").encode());
    entries.push(strike("7", 6).encode());
    entries.push(Entry::Reinstate { id: id("8"), target: 6 }.encode());
    let r = publish_with_proof(&dir, &entries, 6, 5);
    assert_eq!(
        check_receipt(&source(&dir), &keys(), &r).unwrap(),
        Standing::Struck { index: 6, size: 14, reason: "duplicate".into() }
    );

    // A strike logged before the signature it names strikes nothing.
    let dir = temp("strike-before");
    let entries: Vec<String> =
        vec![petition("7").encode(), sig("7", 0).encode(), strike("7", 3).encode(), sig("7", 1).encode()];
    let r = publish_with_proof(&dir, &entries, 3, 1);
    assert_eq!(check_receipt(&source(&dir), &keys(), &r).unwrap(), Standing::Counted { index: 3, size: 4 });

    // A signature logged after the petition's window: it is in the log, but no tally counts it.
    let dir = temp("outside-window");
    let mut entries = honest(3);
    entries.push(sig_at("7", 9, 5000).encode());
    let r = publish_with_proof(&dir, &entries, 4, 9);
    let f = check_receipt(&source(&dir), &keys(), &r).unwrap_err();
    assert_eq!(f.exit_code(), 6, "{}", f.message());
    assert!(f.message().contains("entry 4"), "{}", f.message());
}

#[test]
fn offending_entries_are_listed_one_a_line_and_cut_to_the_most_an_entry_can_be() {
    let (dir, state) = (temp("offending"), temp("offending-state"));
    let mut entries = honest(100);
    // A newline in an entry would otherwise forge a line of the evidence, and a bundle's two-byte
    // lengths allow an entry of 64 KiB where the rules allow 1 KiB.
    entries.push("sig/v1 junk\n50 forged line".to_string());
    entries.push("a".repeat(60_000));
    publish(&dir, &entries);
    let (code, ev) = run(&dir, &state).unwrap_err();
    assert_eq!(code, 6);
    let offending = std::fs::read_to_string(ev.unwrap().join("offending-entries.txt")).unwrap();
    let lines: Vec<&str> = offending.lines().collect();
    assert_eq!(lines.len(), 2, "{offending}");
    assert!(lines[0].starts_with("101 sig/v1 junk\\n50 forged line  # entry 101"), "{}", lines[0]);
    assert!(lines[1].starts_with("102 aaaa"), "{}", &lines[1][..20]);
    assert!(lines[1].len() < 2048, "{} bytes", lines[1].len());
}

/// A tally note as the log signed it, re-signed with `pad` more signatures by keys nobody
/// trusts, each with a name of 8,000 bytes: the note is still genuine, and 8 KiB longer a pad.
fn padded(note: &[u8], pad: u8) -> String {
    let text = Note::parse(note).unwrap().text;
    let others: Vec<NoteSigner> = (0..pad)
        .map(|i| NoteSigner::from_seed(&format!("pad{i}-{}", "x".repeat(8000)), [i + 10; 32]).unwrap())
        .collect();
    let (_, tally) = signers();
    let mut all = vec![&tally];
    all.extend(others.iter());
    sign(&text, &all)
}

#[test]
fn tallies_that_match_are_not_kept_as_evidence() {
    let (dir, state) = (temp("tallies"), temp("tallies-state"));
    let mut entries = vec![];
    for p in ["1", "2", "3"] {
        entries.push(petition(p).encode());
        entries.extend((0..2).map(|n| sig(p, n).encode()));
    }
    publish(&dir, &entries);
    // Petitions 1 and 2 have genuine, matching tallies, padded to half a megabyte each; petition
    // 3's is signed but one off. Each matching tally in the evidence is disk a log can fill.
    for p in ["1", "2"] {
        let path = dir.join(format!("tally/{p}/latest"));
        let note = padded(&std::fs::read(&path).unwrap(), 62);
        assert!(note.len() > 480 << 10);
        std::fs::write(path, note).unwrap();
    }
    let path = dir.join("tally/3/latest");
    let text = Note::parse(&std::fs::read(&path).unwrap()).unwrap().text;
    let bumped = text.replace("* recorded 2 struck 0 valid 2", "* recorded 3 struck 0 valid 3");
    assert_ne!(bumped, text);
    std::fs::write(&path, sign(&bumped, &[&signers().1])).unwrap();

    let (code, ev) = run(&dir, &state).unwrap_err();
    assert_eq!(code, 7);
    let ev = ev.unwrap();
    assert!(ev.join("tally-3-published.note").exists() && ev.join("tally-3-recomputed.txt").exists());
    for p in ["1", "2"] {
        assert!(!ev.join(format!("tally-{p}-published.note")).exists(), "petition {p}'s tally matched");
    }
    let kept: u64 = std::fs::read_dir(&ev).unwrap().map(|e| e.unwrap().metadata().unwrap().len()).sum();
    assert!(kept < 64 << 10, "{kept} bytes of evidence");
}
