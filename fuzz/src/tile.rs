//! Tiles: `Tile::parse_path` (the paths the server is asked for), `Tile::decode` and
//! `decode_bundle` (the bytes browsers and observers fetch), and proofs computed from fetched
//! tiles by `TileHashes`.

use arbitrary::{Result, Unstructured};
use petition_tlog::merkle::{inclusion_proof, root, Hash, Hashes, Tree};
use petition_tlog::tile::{decode_bundle, encode_bundle, Tile, TileHashes, WIDTH};

pub fn check(data: &[u8]) {
    check_str(&crate::text(data));
    check_bytes(data);
    let mut u = Unstructured::new(data);
    let _ = check_path_recipe(&mut u);
    let _ = check_tree(&mut u);
}

/// A path that parses is the one path of its tile.
pub fn check_str(s: &str) {
    let Some((tile, entries)) = Tile::parse_path(s) else { return };
    assert!(tile.level < 64 && (1..=WIDTH).contains(&tile.width), "{tile:?}");
    let written = if entries { tile.entries_path() } else { tile.path() };
    assert_eq!(written, s, "a tile path reads back");
    assert!(!entries || tile.level == 0);
}

/// Bundles and tiles: what decodes encodes back to the same bytes.
pub fn check_bytes(data: &[u8]) {
    if let Some(entries) = decode_bundle(data) {
        assert_eq!(encode_bundle(&entries), data, "a bundle reads back byte for byte");
    }
    let width = (data.len() / 32).clamp(1, WIDTH as usize) as u64;
    let tile = Tile { level: 0, index: 0, width };
    match tile.decode(data) {
        Some(hashes) => {
            assert_eq!(data.len(), 32 * width as usize);
            assert_eq!(Tile::encode(&hashes), data);
        }
        None => assert_ne!(data.len(), 32 * width as usize, "a tile of the right length decodes"),
    }
}

/// Any tile's path reads back to it.
fn check_path_recipe(u: &mut Unstructured) -> Result<()> {
    let tile = Tile { level: u.int_in_range(0..=63)?, index: u.arbitrary()?, width: u.int_in_range(1..=WIDTH)? };
    assert_eq!(Tile::parse_path(&tile.path()), Some((tile, false)), "{}", tile.path());
    let level0 = Tile { level: 0, ..tile };
    assert_eq!(Tile::parse_path(&tile.entries_path()), Some((level0, true)), "{}", tile.entries_path());
    Ok(())
}

/// A tree of up to 700 leaves cut into its tiles, some of them left out: proofs and roots read
/// from the tiles are the tree's own, or name a tile that is missing. Arbitrary queries of
/// arbitrary tile bytes never panic.
fn check_tree(u: &mut Unstructured) -> Result<()> {
    let size: u64 = u.int_in_range(1..=700)?;
    let mut tree = Tree::new();
    for i in 0..size {
        tree.push_entry(&i.to_be_bytes());
    }
    let mut tiles = TileHashes::new();
    let mut complete = true;
    for t in Tile::all(size) {
        let hashes = t.hashes_from(&tree);
        assert_eq!(t.decode(&Tile::encode(&hashes)).as_ref(), Some(&hashes));
        if u.ratio(1, 8)? {
            complete = false;
        } else {
            tiles.insert(t, hashes);
        }
    }
    for _ in 0..4 {
        let n = u.int_in_range(1..=size)?;
        let index = u.int_in_range(0..=n - 1)?;
        match (inclusion_proof(&tiles, index, n), root(&tiles, n)) {
            (Ok(p), Ok(r)) => {
                assert_eq!(p, inclusion_proof(&tree, index, n).unwrap());
                assert_eq!(r, root(&tree, n).unwrap());
            }
            _ => assert!(!complete, "every tile is there, so nothing is missing"),
        }
    }
    let junk: Vec<Hash> = u.arbitrary()?;
    let at = Tile { level: u.int_in_range(0..=63)?, index: u.arbitrary()?, width: WIDTH };
    tiles.insert(at, junk);
    let _ = tiles.hash(u.arbitrary()?, u.arbitrary()?);
    Ok(())
}
