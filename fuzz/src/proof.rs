//! Proofs: `LogProof::parse` and `verify_receipt` (what a signer's browser and the observer run
//! on a proof the server sends), and the RFC 6962 inclusion and consistency checks under them.

use arbitrary::{Result, Unstructured};
use petition_tlog::checkpoint::Checkpoint;
use petition_tlog::entry::{commitment, Entry, Ident};
use petition_tlog::merkle::{
    consistency_proof, inclusion_proof, root, verify_consistency, verify_inclusion, Hash, Tree,
};
use petition_tlog::note::{sign, NoteSigner};
use petition_tlog::proof::{verify_receipt, LogProof};
use petition_tlog::receipt::{Receipt, Secret};

const ORIGIN: &str = "petitions.example.gov.uk/log";

fn log_key() -> NoteSigner {
    NoteSigner::from_seed(ORIGIN, [3; 32]).expect("a valid name")
}

pub fn check(data: &[u8]) {
    if let Ok(s) = std::str::from_utf8(data) {
        check_str(s);
    }
    let _ = check_raw_merkle(&mut Unstructured::new(data));
    let _ = check_receipt_proof(&mut Unstructured::new(data));
}

/// What parses re-encodes to the same text, and checking it against a receipt never panics.
pub fn check_str(s: &str) {
    let Ok(p) = LogProof::parse(s) else { return };
    assert_eq!(p.encode(), s, "a proof reads back byte for byte");
    assert_eq!(LogProof::parse(&p.encode()).as_ref(), Ok(&p));
    let receipt = Receipt { petition_id: "42".into(), area: "E05003220".into(), r: Secret([5; 32]) };
    let _ = verify_receipt(&p, &receipt, &log_key().verifier(), ORIGIN);
    let _ = p.verify_entry(&log_key().verifier(), ORIGIN, p.extra.as_deref().unwrap_or_default());
}

/// The proof checks given any numbers and hashes: they refuse, they do not panic.
fn check_raw_merkle(u: &mut Unstructured) -> Result<()> {
    let (index, size): (u64, u64) = (u.arbitrary()?, u.arbitrary()?);
    let (leaf, root2): (Hash, Hash) = (u.arbitrary()?, u.arbitrary()?);
    let proof: Vec<Hash> = u.arbitrary()?;
    let _ = verify_inclusion(index, size, &leaf, &proof, &root2);
    let _ = verify_consistency(index, size, &leaf, &root2, &proof);
    Ok(())
}

/// A log of up to 40 entries holding a receipt's signature: its proof, written out and read
/// back, checks; consistency proofs between any two sizes check; with one byte or one hash
/// changed, neither does.
fn check_receipt_proof(u: &mut Unstructured) -> Result<()> {
    let receipt = Receipt { petition_id: crate::ident(u)?, area: crate::ident(u)?, r: Secret(u.arbitrary()?) };
    let size: u64 = u.int_in_range(1..=40)?;
    let index = u.int_in_range(0..=size - 1)?;
    let (tree, entries) = log_with(&receipt, size, index);
    let key = log_key();
    let proof = LogProof {
        extra: Some(entries[index as usize].clone()),
        index,
        hashes: inclusion_proof(&tree, index, size).expect("a whole tree"),
        checkpoint: sign(&Checkpoint::new(ORIGIN, size, tree.root()).text(), &[&key]),
    };
    let text = proof.encode();
    let read = LogProof::parse(&text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
    let (i, _, cp) = verify_receipt(&read, &receipt, &key.verifier(), ORIGIN).expect("the receipt's proof checks");
    assert_eq!((i, cp.size, cp.root), (index, size, tree.root()));
    if let Some(changed) = crate::substitute(text.as_bytes(), u)? {
        let changed = String::from_utf8_lossy(&changed);
        if let Ok(p) = LogProof::parse(&changed) {
            assert!(verify_receipt(&p, &receipt, &key.verifier(), ORIGIN).is_err(), "{changed:?} still checks");
        }
    }
    check_consistency(&tree, u)
}

/// The entries of a log of `size` with the receipt's signature at `index`, and their tree.
fn log_with(receipt: &Receipt, size: u64, index: u64) -> (Tree, Vec<Vec<u8>>) {
    let id = Ident::parse(&receipt.petition_id).expect("an identifier");
    let area = Ident::parse(&receipt.area).expect("an identifier");
    let mut tree = Tree::new();
    let mut entries = Vec::new();
    for i in 0..size {
        let r = if i == index { receipt.r.0 } else { [i as u8; 32] };
        let commit = commitment(id.as_str(), area.as_str(), &r);
        let e = Entry::Sig { id: id.clone(), area: area.clone(), at: i, commit }.encode().into_bytes();
        tree.push_entry(&e);
        entries.push(e);
    }
    (tree, entries)
}

fn check_consistency(tree: &Tree, u: &mut Unstructured) -> Result<()> {
    let size2 = u.int_in_range(1..=tree.size())?;
    let size1 = u.int_in_range(1..=size2)?;
    let (root1, root2) = (root(tree, size1).unwrap(), root(tree, size2).unwrap());
    let mut proof = consistency_proof(tree, size1, size2).expect("a whole tree");
    assert_eq!(verify_consistency(size1, size2, &root1, &root2, &proof), Ok(()), "{size1} to {size2}");
    if !proof.is_empty() {
        let at = u.choose_index(proof.len())?;
        proof[at][u.choose_index(32)?] ^= 1 << u.int_in_range(0..=7)?;
        assert!(verify_consistency(size1, size2, &root1, &root2, &proof).is_err(), "a changed hash");
    }
    let index = u.int_in_range(0..=size2 - 1)?;
    let leaf = tree.level(0)[index as usize];
    let mut path = inclusion_proof(tree, index, size2).expect("a whole tree");
    assert_eq!(verify_inclusion(index, size2, &leaf, &path, &root2), Ok(()));
    if size2 > 1 {
        let other = (index + u.int_in_range(1..=size2 - 1)?) % size2;
        assert!(verify_inclusion(other, size2, &leaf, &path, &root2).is_err(), "{index} claimed as {other}");
    }
    path.push([0; 32]);
    assert!(verify_inclusion(index, size2, &leaf, &path, &root2).is_err(), "an extra hash");
    Ok(())
}
