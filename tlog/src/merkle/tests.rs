use super::*;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use proptest::prelude::*;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

fn shared(rel: &str) -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata/merkle").join(rel);
    assert!(p.exists(), "the shared test data is missing: {} (put ../shared beside the repository)", p.display());
    p
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            json_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
}

fn read(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Vectors carry hashes as base64. An empty one is no hash at all (the case must fail). Some
/// cases use placeholders of other lengths ("don't care") where only their equality matters;
/// those map to a hash that no tree can produce, equal for equal placeholders.
fn hash(v: &Value) -> Option<Hash> {
    let bytes = B64.decode(v.as_str()?).ok().filter(|b| !b.is_empty())?;
    Some(match <[u8; 32]>::try_from(&bytes[..]) {
        Ok(h) => h,
        Err(_) => Sha256::digest([b"placeholder ".as_slice(), &bytes].concat()).into(),
    })
}

fn hashes(v: &Value) -> Option<Vec<Hash>> {
    match v {
        Value::Null => Some(Vec::new()),
        Value::Array(a) => a.iter().map(hash).collect(),
        _ => None,
    }
}

#[test]
fn the_inclusion_vectors_pass_exactly_where_they_should() {
    let mut files = Vec::new();
    json_files(&shared("inclusion"), &mut files);
    assert_eq!(files.len(), 98, "98 inclusion cases");
    let mut accepted = 0;
    for f in &files {
        let v = read(f);
        let got = match (hash(&v["leafHash"]), hash(&v["root"]), hashes(&v["proof"])) {
            (Some(leaf), Some(root), Some(proof)) => {
                verify_inclusion(v["leafIdx"].as_u64().unwrap(), v["treeSize"].as_u64().unwrap(), &leaf, &proof, &root)
                    .is_ok()
            }
            _ => false,
        };
        let want = !v["wantErr"].as_bool().unwrap();
        assert_eq!(got, want, "{}: {}", f.display(), v["desc"]);
        accepted += got as usize;
    }
    assert!(accepted > 0, "some cases are positive");
}

#[test]
fn the_consistency_vectors_pass_exactly_where_they_should() {
    let mut files = Vec::new();
    json_files(&shared("consistency"), &mut files);
    assert_eq!(files.len(), 98, "98 consistency cases");
    let mut accepted = 0;
    for f in &files {
        let v = read(f);
        let got = match (hash(&v["root1"]), hash(&v["root2"]), hashes(&v["proof"])) {
            (Some(r1), Some(r2), Some(proof)) => {
                verify_consistency(v["size1"].as_u64().unwrap(), v["size2"].as_u64().unwrap(), &r1, &r2, &proof).is_ok()
            }
            _ => false,
        };
        let want = !v["wantErr"].as_bool().unwrap();
        assert_eq!(got, want, "{}: {}", f.display(), v["desc"]);
        accepted += got as usize;
    }
    assert!(accepted > 0, "some cases are positive");
}

fn ct(name: &str) -> Value {
    let dir = shared("ct-argon2020");
    read(&dir.join(name))
}

#[test]
fn inclusion_in_the_real_log_at_961984011() {
    let sth = ct("get-sth");
    let size = sth["tree_size"].as_u64().unwrap();
    assert_eq!(size, 961_984_011);
    let root = hash(&sth["sha256_root_hash"]).unwrap();
    let entry =
        B64.decode(ct("get-entries-start-10000-end-10000")["entries"][0]["leaf_input"].as_str().unwrap()).unwrap();
    let leaf = leaf_hash(&entry);
    let p = ct("get-proof-by-hash-tree-size-961984011-hash-nCs3mfIydh9x4CKyQ-2Bu2xtmpxmFggA5MLymHwNQSlLg-3D");
    let index = p["leaf_index"].as_u64().unwrap();
    let proof = hashes(&p["audit_path"]).unwrap();
    assert_eq!(proof.len(), 30);
    assert_eq!(verify_inclusion(index, size, &leaf, &proof, &root), Ok(()));
    // The same proof fails for a neighbouring index, for a size whose tree has another shape
    // (the sizes between 2^29 and 2^30 share this leaf's path), or with any hash altered.
    assert!(verify_inclusion(index + 1, size, &leaf, &proof, &root).is_err());
    assert_eq!(verify_inclusion(index, 1 << 29, &leaf, &proof, &root), Err(ProofError::WrongLength));
    for i in 0..proof.len() {
        let mut bad = proof.clone();
        bad[i][0] ^= 1;
        assert_eq!(verify_inclusion(index, size, &leaf, &bad, &root), Err(ProofError::Mismatch), "hash {i} altered");
    }
    assert!(verify_inclusion(index, size, &leaf, &proof[..29], &root).is_err());
}

#[test]
fn consistency_in_the_real_log_from_3654490_to_961984011() {
    let sth = ct("get-sth");
    let root2 = hash(&sth["sha256_root_hash"]).unwrap();
    let proof = hashes(&ct("get-sth-consistency-first-3654490-second-961984011")["consistency"]).unwrap();
    let (size1, size2) = (3_654_490, 961_984_011);
    // The fixtures hold no signed head at the first size, so its root is the one the proof
    // implies; the proof must then take that root to the signed root at the second size, and
    // fail from any other first root or with any hash altered.
    let root1 = implied_first_root(size1, size2, &proof);
    assert_eq!(verify_consistency(size1, size2, &root1, &root2, &proof), Ok(()));
    let mut other = root1;
    other[31] ^= 1;
    assert!(verify_consistency(size1, size2, &other, &root2, &proof).is_err());
    for i in 0..proof.len() {
        let mut bad = proof.clone();
        bad[i][5] ^= 0x80;
        assert!(verify_consistency(size1, size2, &root1, &root2, &bad).is_err(), "hash {i} altered");
    }
    assert!(verify_consistency(size1 + 1, size2, &root1, &root2, &proof).is_err());
}

/// The first root a consistency proof implies (RFC 9162 §2.1.4.2, the `fr` half), for a first
/// size that is not a power of two.
fn implied_first_root(size1: u64, size2: u64, proof: &[Hash]) -> Hash {
    assert!(!size1.is_power_of_two());
    let (mut f, mut s) = (size1 - 1, size2 - 1);
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let mut fr = proof[0];
    for c in &proof[1..] {
        if f & 1 == 1 || f == s {
            fr = node_hash(c, &fr);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        }
        f >>= 1;
        s >>= 1;
    }
    fr
}

/// RFC 6962's definition, recursively, from the leaves: the reference the tree is checked against.
fn naive_root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = 1 << (63 - ((n - 1) as u64).leading_zeros());
            node_hash(&naive_root(&leaves[..k]), &naive_root(&leaves[k..]))
        }
    }
}

fn leaves(n: u64) -> Vec<Hash> {
    (0..n).map(|i| leaf_hash(format!("entry {i}").as_bytes())).collect()
}

#[test]
fn every_tree_up_to_300_proves_every_leaf_and_every_earlier_size() {
    let all = leaves(300);
    let mut tree = Tree::new();
    let mut roots = vec![empty_root()];
    for (n, leaf) in all.iter().enumerate() {
        tree.push(*leaf);
        let size = n as u64 + 1;
        let root = tree.root();
        assert_eq!(root, naive_root(&all[..=n]), "root at {size}");
        roots.push(root);
        for i in 0..size {
            let p = inclusion_proof(&tree, i, size).unwrap();
            assert_eq!(verify_inclusion(i, size, &all[i as usize], &p, &root), Ok(()), "leaf {i} of {size}");
            if size > 1 {
                let other = all[((i + 1) % size) as usize];
                assert!(verify_inclusion(i, size, &other, &p, &root).is_err(), "another leaf at {i} of {size}");
            }
        }
        for m in 1..=size {
            let p = consistency_proof(&tree, m, size).unwrap();
            assert_eq!(verify_consistency(m, size, &roots[m as usize], &root, &p), Ok(()), "{m} to {size}");
            if m < size {
                assert!(
                    verify_consistency(m, size, &roots[m as usize - 1], &root, &p).is_err(),
                    "wrong first root {m} to {size}"
                );
            }
        }
        assert!(verify_consistency(0, size, &roots[0], &root, &[]).is_err(), "from the empty tree proves nothing");
    }
}

#[test]
fn proofs_for_earlier_sizes_come_from_the_grown_tree() {
    let all = leaves(300);
    let mut tree = Tree::new();
    for l in &all {
        tree.push(*l);
    }
    for size in [1u64, 2, 3, 7, 8, 9, 100, 255, 256, 257, 299] {
        let root = naive_root(&all[..size as usize]);
        assert_eq!(super::root(&tree, size).unwrap(), root);
        for i in [0, size / 2, size - 1] {
            let p = inclusion_proof(&tree, i, size).unwrap();
            assert_eq!(verify_inclusion(i, size, &all[i as usize], &p, &root), Ok(()));
        }
    }
}

proptest! {
    #[test]
    fn a_proof_with_any_hash_changed_or_dropped_fails(size in 2u64..600, i in 0u64..600, which in 0usize..64, bit in 0u8..8) {
        let i = i % size;
        let all = leaves(size);
        let mut tree = Tree::new();
        for l in &all { tree.push(*l); }
        let root = tree.root();
        let p = inclusion_proof(&tree, i, size).unwrap();
        prop_assert!(verify_inclusion(i, size, &all[i as usize], &p, &root).is_ok());
        let mut bad = p.clone();
        let k = which % bad.len();
        bad[k][(which * 7) % 32] ^= 1 << bit;
        prop_assert!(verify_inclusion(i, size, &all[i as usize], &bad, &root).is_err());
        prop_assert!(verify_inclusion(i, size, &all[i as usize], &p[..p.len() - 1], &root).is_err());
        let mut longer = p.clone();
        longer.push(root);
        prop_assert!(verify_inclusion(i, size, &all[i as usize], &longer, &root).is_err());
    }
}
