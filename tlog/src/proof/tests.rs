use super::*;
use crate::entry::Ident;
use crate::merkle::{inclusion_proof, Tree};
use crate::note::{sign, NoteSigner};
use crate::receipt::{Receipt, Secret};

const ORIGIN: &str = "petitions.example.gov.uk/log";

struct Log {
    tree: Tree,
    entries: Vec<String>,
    key: NoteSigner,
}

fn log_with_receipt() -> (Log, Receipt, u64) {
    let key = NoteSigner::from_seed(ORIGIN, [3; 32]).unwrap();
    let receipt = Receipt { petition_id: "42".into(), area: "E05003220".into(), r: Secret([5; 32]) };
    let mut entries = vec!["petition/v1 id=42 area=E07000030 opens=100 closes=200 electorate=80 percent=5 required=4 text-sha256=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".to_string()];
    for n in 0..9u8 {
        let r = if n == 6 { receipt.r.0 } else { [100 + n; 32] };
        let e = Entry::Sig {
            id: Ident::parse("42").unwrap(),
            area: Ident::parse("E05003220").unwrap(),
            at: 150,
            commit: commitment("42", "E05003220", &r),
        };
        entries.push(e.encode());
    }
    let mut tree = Tree::new();
    for e in &entries {
        tree.push_entry(e.as_bytes());
    }
    (Log { tree, entries, key }, receipt, 7)
}

fn proof(log: &Log, index: u64) -> LogProof {
    let size = log.tree.size();
    let cp = Checkpoint::new(ORIGIN, size, log.tree.root());
    LogProof {
        extra: Some(log.entries[index as usize].clone().into_bytes()),
        index,
        hashes: inclusion_proof(&log.tree, index, size).unwrap(),
        checkpoint: sign(&cp.text(), &[&log.key]),
    }
}

#[test]
fn a_receipt_checks_against_its_proof_and_the_proof_round_trips() {
    let (log, receipt, index) = log_with_receipt();
    let p = proof(&log, index);
    let text = p.encode();
    assert!(text.starts_with("c2sp.org/tlog-proof@v1\nextra "));
    assert_eq!(LogProof::parse(&text).unwrap(), p);
    let (i, entry, cp) = verify_receipt(&p, &receipt, &log.key.verifier(), ORIGIN).unwrap();
    assert_eq!((i, cp.size), (7, 10));
    assert_eq!(entry.encode(), log.entries[7]);
}

#[test]
fn a_receipt_fails_against_anything_else() {
    let (log, receipt, index) = log_with_receipt();
    let key = log.key.verifier();
    // Another signer's entry and proof.
    assert!(matches!(verify_receipt(&proof(&log, 3), &receipt, &key, ORIGIN), Err(ProofCheck::NotThisSignature(_))));
    // The right entry claimed at another index.
    let mut p = proof(&log, index);
    p.index = 6;
    let got = verify_receipt(&p, &receipt, &key, ORIGIN);
    assert!(matches!(got, Err(ProofCheck::NotIncluded(_))), "{got:?}");
    // A proof hash altered.
    let mut p = proof(&log, index);
    p.hashes[1][0] ^= 1;
    assert!(matches!(verify_receipt(&p, &receipt, &key, ORIGIN), Err(ProofCheck::NotIncluded(_))));
    // Another log's key, or another origin.
    let other = NoteSigner::from_seed(ORIGIN, [4; 32]).unwrap().verifier();
    assert!(matches!(verify_receipt(&proof(&log, index), &receipt, &other, ORIGIN), Err(ProofCheck::Checkpoint(_))));
    assert!(matches!(
        verify_receipt(&proof(&log, index), &receipt, &key, "elsewhere.example/log"),
        Err(ProofCheck::Checkpoint(_))
    ));
    // A receipt for another petition or with another r.
    let wrong_r = Receipt { r: Secret([6; 32]), ..receipt.clone() };
    assert!(matches!(
        verify_receipt(&proof(&log, index), &wrong_r, &key, ORIGIN),
        Err(ProofCheck::NotThisSignature(_))
    ));
    let wrong_petition = Receipt { petition_id: "43".into(), ..receipt.clone() };
    assert!(verify_receipt(&proof(&log, index), &wrong_petition, &key, ORIGIN).is_err());
    // No entry carried.
    let mut p = proof(&log, index);
    p.extra = None;
    assert!(verify_receipt(&p, &receipt, &key, ORIGIN).is_err());
}

#[test]
fn malformed_proofs_are_refused() {
    let (log, _, index) = log_with_receipt();
    let text = proof(&log, index).encode();
    for bad in [
        text.replace("c2sp.org/tlog-proof@v1", "c2sp.org/tlog-proof@v2"),
        text.replace("index 7", "index 07"),
        text.replace("index 7", "index"),
        text.replacen("\n\n", "\n", 1),
        text.replace("extra ", "extra  "),
    ] {
        assert!(LogProof::parse(&bad).is_err(), "{bad:?}");
    }
}
