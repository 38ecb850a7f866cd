//! The largest checkpoint this server has signed, kept in a file beside its key.
//!
//! A checkpoint, once signed, is a promise: every later checkpoint extends it. If the database
//! is restored from an older backup, its log is shorter (or, once more is appended, different)
//! from what this key already signed and published; signing it would fork the log, and observers
//! would rightly treat the key as compromised. So the sequencer refuses to sign any tree that is
//! smaller than this mark or does not contain it, and records the mark after every checkpoint it
//! commits. The file is written whole and synced before it replaces the last one.

use std::io::Write;
use std::path::{Path, PathBuf};

use petition_tlog::checkpoint::{hash_b64, parse_hash};
use petition_tlog::merkle::{root, Hash, Hashes};

use crate::error::{Result, StoreError};

/// Where the mark is kept, and what it says once read.
#[derive(Clone, Debug)]
pub struct HighWater {
    path: PathBuf,
}

impl HighWater {
    pub fn at(path: impl Into<PathBuf>) -> HighWater {
        HighWater { path: path.into() }
    }

    /// The mark's file for a log key file: `log.key` keeps `log.key.signed` beside it.
    pub fn beside_key(key_file: &Path) -> HighWater {
        let mut name = key_file.as_os_str().to_owned();
        name.push(".signed");
        HighWater::at(PathBuf::from(name))
    }

    /// The size and root of the largest checkpoint signed, if any.
    pub fn read(&self) -> Result<Option<(u64, Hash)>> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(StoreError::Config(format!("cannot read {}: {e}", self.path.display()))),
        };
        let bad = || StoreError::Corrupt(format!("{} is not a size and a root", self.path.display()));
        let (size, root) = text.trim_end().split_once(' ').ok_or_else(bad)?;
        Ok(Some((size.parse().map_err(|_| bad())?, parse_hash(root).ok_or_else(bad)?)))
    }

    /// Refuses a tree of `size` entries with `tree_root` that would not extend the mark.
    pub fn check<H: Hashes>(&self, hashes: &H, size: u64, tree_root: &Hash) -> Result<()> {
        let Some((signed, signed_root)) = self.read()? else { return Ok(()) };
        let restored = |what: &str| {
            StoreError::Corrupt(format!(
                "refusing to sign: this server already signed a checkpoint of {signed} entries, and the log in the \
                 database {what}. The database looks restored from an older backup; signing would fork the log. \
                 See \"Recovering the log\" in the README"
            ))
        };
        if size < signed {
            return Err(restored(&format!("has only {size}")));
        }
        let ours = if size == signed { Ok(*tree_root) } else { root(hashes, signed) };
        match ours {
            Ok(r) if r == signed_root => Ok(()),
            _ => Err(restored("holds different entries up to that size")),
        }
    }

    /// Records a checkpoint signed and committed: written to a new file, synced, then moved over
    /// the old one, so the mark is always one whole checkpoint.
    pub fn record(&self, size: u64, tree_root: &Hash) -> std::io::Result<()> {
        if self.read().ok().flatten().is_some_and(|(signed, _)| signed >= size) {
            return Ok(());
        }
        let mut next = self.path.as_os_str().to_owned();
        next.push(".next");
        let next = PathBuf::from(next);
        let mut f = std::fs::File::create(&next)?;
        f.write_all(format!("{size} {}\n", hash_b64(tree_root)).as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&next, &self.path)?;
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::File::open(dir)?.sync_all()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use petition_tlog::merkle::Tree;

    fn tree(n: u8) -> Tree {
        let mut t = Tree::new();
        for i in 0..n {
            t.push_entry(&[i]);
        }
        t
    }

    #[test]
    fn a_tree_is_signed_only_if_it_extends_the_mark() {
        let dir = std::env::temp_dir().join(format!("petitions-high-water-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let hw = HighWater::beside_key(&dir.join("log.key"));
        let (five, six) = (tree(5), tree(6));
        hw.check(&five, 5, &five.root()).expect("no mark yet: anything goes");
        hw.record(5, &five.root()).unwrap();
        assert_eq!(hw.read().unwrap(), Some((5, five.root())));
        hw.check(&five, 5, &five.root()).expect("the same checkpoint again");
        hw.check(&six, 6, &six.root()).expect("an extension");
        let below = hw.check(&tree(4), 4, &tree(4).root()).unwrap_err().to_string();
        assert!(below.contains("has only 4") && below.contains("Recovering the log"), "{below}");
        let mut other = Tree::new();
        for i in 0..6u8 {
            other.push_entry(&[i + 100]);
        }
        let beside = hw.check(&other, 6, &other.root()).unwrap_err().to_string();
        assert!(beside.contains("different entries"), "{beside}");
        let same_size = hw.check(&other, 5, &other.root()).unwrap_err().to_string();
        assert!(same_size.contains("different entries"), "{same_size}");
        // A smaller mark never overwrites a larger one.
        hw.record(3, &tree(3).root()).unwrap();
        assert_eq!(hw.read().unwrap(), Some((5, five.root())));
        std::fs::write(dir.join("log.key.signed"), "nonsense").unwrap();
        assert!(matches!(hw.read(), Err(StoreError::Corrupt(_))));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
