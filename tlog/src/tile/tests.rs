use super::*;
use crate::merkle::{consistency_proof, inclusion_proof, leaf_hash, root, verify_consistency, verify_inclusion};

#[test]
fn paths_are_spelled_as_the_specification_shows() {
    let t = |level, index, width| Tile { level, index, width };
    assert_eq!(t(0, 1_234_067, WIDTH).path(), "tile/0/x001/x234/067");
    assert_eq!(t(1, 0, WIDTH).path(), "tile/1/000");
    assert_eq!(t(2, 5, 17).path(), "tile/2/005.p/17");
    assert_eq!(t(0, 1000, WIDTH).entries_path(), "tile/entries/x001/000");
    assert_eq!(t(0, 3, 1).entries_path(), "tile/entries/003.p/1");
    for tile in [t(0, 1_234_067, WIDTH), t(3, 999, 255), t(0, 0, 1), t(63, 1_000_000_000, WIDTH)] {
        assert_eq!(Tile::parse_path(&tile.path()), Some((tile, false)));
        if tile.level == 0 {
            assert_eq!(Tile::parse_path(&tile.entries_path()), Some((tile, true)));
        }
    }
    for bad in [
        "tile/0/1",
        "tile/0/0001",
        "tile/0/x000/001",
        "tile/0/001/002",
        "tile/0/x01/002",
        "tile/00/001",
        "tile/64/001",
        "tile/0/001.p/0",
        "tile/0/001.p/256",
        "tile/0/001.p/01",
        "tile/0/001.p/",
        "tile/entries/001.p/x",
        "tile//001",
        "tiles/0/001",
    ] {
        assert_eq!(Tile::parse_path(bad), None, "{bad}");
    }
}

#[test]
fn a_tree_of_70000_has_the_tiles_the_specification_lists() {
    let tiles = Tile::all(70_000);
    let at = |l| tiles.iter().filter(|t| t.level == l).collect::<Vec<_>>();
    assert_eq!(at(0).iter().filter(|t| t.is_full()).count(), 273);
    assert_eq!(at(0).last().unwrap().width, 112);
    assert_eq!(at(1).len(), 2);
    assert_eq!(at(1)[1].width, 17);
    assert_eq!(at(2), vec![&Tile { level: 2, index: 0, width: 1 }]);
    assert!(at(3).is_empty());
    assert_eq!(Tile::all(256), vec![Tile { level: 0, index: 0, width: 256 }, Tile { level: 1, index: 0, width: 1 }]);
    assert!(Tile::all(0).is_empty());
}

#[test]
fn proofs_computed_from_tiles_alone_verify() {
    let mut tree = Tree::new();
    let mut roots = vec![];
    let mut published: Vec<Tile> = Vec::new();
    let mut served = TileHashes::new();
    let mut last = 0;
    // Grow in uneven batches, publishing the new tiles of each size as a server would.
    for size in [1u64, 5, 255, 256, 257, 600, 65_535, 65_536, 66_000] {
        while tree.size() < size {
            tree.push(leaf_hash(format!("e{}", tree.size()).as_bytes()));
        }
        roots.push((size, tree.root()));
        for t in Tile::new_since(last, size) {
            served.insert(t, t.hashes_from(&tree));
            published.push(t);
        }
        last = size;
    }
    for &(size, r) in &roots {
        assert_eq!(root(&served, size).unwrap(), r, "root at {size} from tiles");
        for i in [0, size / 3, size - 1] {
            let p = inclusion_proof(&served, i, size).unwrap();
            assert_eq!(verify_inclusion(i, size, &tree.level(0)[i as usize], &p, &r), Ok(()));
        }
        for &(s1, r1) in roots.iter().filter(|(s1, _)| *s1 <= size) {
            let p = consistency_proof(&served, s1, size).unwrap();
            assert_eq!(verify_consistency(s1, size, &r1, &r, &p), Ok(()), "{s1} to {size}");
        }
    }
    // Without a needed tile, the source says which one it needs.
    let empty = TileHashes::new();
    assert_eq!(
        root(&empty, 300),
        Err(NeedTile { level: 1, index: 0 }),
        "the first 256 leaves hash to the first level-1 tile hash"
    );
}

#[test]
fn bundles_round_trip_and_refuse_bad_lengths() {
    let entries = ["close/v1 id=1 at=5", "", "x"];
    let b = encode_bundle(&entries);
    assert_eq!(decode_bundle(&b).unwrap(), entries.iter().map(|e| e.as_bytes()).collect::<Vec<_>>());
    assert_eq!(decode_bundle(&b[..b.len() - 1]), None);
    assert_eq!(decode_bundle(&[0]), None);
    assert_eq!(decode_bundle(&[]).unwrap().len(), 0);
    let t = Tile { level: 0, index: 0, width: 2 };
    assert!(t.decode(&[0; 64]).is_some());
    assert!(t.decode(&[0; 65]).is_none());
}
