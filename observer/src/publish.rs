//! Writing a log's published files from its entries, as the server lays them out: for mirrors,
//! fixtures and benchmarks.

use std::path::Path;

use petition_tlog::checkpoint::Checkpoint;
use petition_tlog::merkle::Tree;
use petition_tlog::tally::Replay;
use petition_tlog::tile::Tile;

/// [`write_dir_since`] with a tally note for every petition.
pub fn write_dir(
    dir: &Path,
    entries: &[String],
    log: &petition_tlog::note::NoteSigner,
    tally: &petition_tlog::note::NoteSigner,
) -> std::io::Result<Checkpoint> {
    write_dir_since(dir, entries, 0, log, tally)
}

/// Writes a log's published files for `entries` into `dir`, laid out as the server serves them
/// under `/log` (a petition's latest note as `tally/<id>/latest`, see [`Source`](crate::Source)):
/// every tile and entry bundle, the checkpoint (as the latest and by its size), and, as the
/// server signs them, a tally note at this size for each petition with an entry since
/// `since` (the size written before; 0 for all of them), which is then its latest. For mirrors,
/// fixtures and benchmarks.
pub fn write_dir_since(
    dir: &Path,
    entries: &[String],
    since: u64,
    log: &petition_tlog::note::NoteSigner,
    tally: &petition_tlog::note::NoteSigner,
) -> std::io::Result<Checkpoint> {
    let mut tree = Tree::new();
    let mut replay = Replay::new();
    let mut changed = std::collections::BTreeSet::new();
    for (i, e) in entries.iter().enumerate() {
        tree.push_entry(e.as_bytes());
        if replay.apply_bytes(e.as_bytes()).is_none() && i as u64 >= since {
            if let Ok(entry) = petition_tlog::entry::Entry::parse(e.as_bytes()) {
                changed.insert(entry.id().clone());
            }
        }
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
    let signed = petition_tlog::note::sign(&cp.text(), &[log]);
    write("checkpoint", signed.as_bytes())?;
    write(&format!("checkpoints/{size}"), signed.as_bytes())?;
    for p in &changed {
        let text = replay.tally(p, log.name(), &cp.root).expect("a replayed petition").text();
        let note = petition_tlog::note::sign(&text, &[tally]);
        write(&format!("tally/{p}/{size}"), note.as_bytes())?;
        write(&format!("tally/{p}/latest"), note.as_bytes())?;
    }
    Ok(cp)
}
