//! Writing a log's published files from its entries, as the server lays them out: for mirrors,
//! fixtures and benchmarks.

use std::path::Path;

use petition_tlog::checkpoint::Checkpoint;
use petition_tlog::merkle::Tree;
use petition_tlog::tally::Replay;
use petition_tlog::tile::Tile;

/// Writes a log's published files for `entries` into `dir`, laid out as the server serves them
/// under `/log`: every tile and entry bundle, the checkpoint, and each petition's tally at this
/// size. For mirrors, fixtures and benchmarks.
pub fn write_dir(
    dir: &Path,
    entries: &[String],
    log: &petition_tlog::note::NoteSigner,
    tally: &petition_tlog::note::NoteSigner,
) -> std::io::Result<Checkpoint> {
    let mut tree = Tree::new();
    let mut replay = Replay::new();
    for e in entries {
        tree.push_entry(e.as_bytes());
        replay.apply_bytes(e.as_bytes());
    }
    let size = tree.size();
    let write = |path: &str, bytes: &[u8]| -> std::io::Result<()> {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().expect("a file in a folder"))?;
        std::fs::write(p, bytes)
    };
    for t in Tile::all(size) {
        write(&t.path(), &Tile::encode(&t.hashes_from(&tree)))?;
        if t.level == 0 {
            let first = (t.index * 256) as usize;
            write(&t.entries_path(), &petition_tlog::tile::encode_bundle(&entries[first..first + t.width as usize]))?;
        }
    }
    let cp = Checkpoint::new(log.name(), size, tree.root());
    write("checkpoint", petition_tlog::note::sign(&cp.text(), &[log]).as_bytes())?;
    for p in replay.petition_ids() {
        let text = replay.tally(p, log.name(), &cp.root).expect("a replayed petition").text();
        write(&format!("tally/{p}/{size}"), petition_tlog::note::sign(&text, &[tally]).as_bytes())?;
    }
    Ok(cp)
}
