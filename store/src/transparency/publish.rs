//! What the log publishes, as stored: checkpoints, hash tiles and entry bundles, tally notes,
//! entries, and the tlog-proof of a signature for its receipt.

use petition_tlog::checkpoint::{hash_b64, Checkpoint};
use petition_tlog::merkle::inclusion_proof;
use petition_tlog::proof::LogProof;
use petition_tlog::tile::{Tile, TileHashes, WIDTH};
use sqlx::Row;

use crate::db::Db;
use crate::error::{Result, StoreError};

/// The level under which entry bundles are stored beside the hash tiles.
pub(crate) const BUNDLES: i64 = -1;

/// The log's size: its latest checkpoint's, which the sequencer signs in the transaction that
/// grows it. A page showing tallies is out of date once this grows.
pub async fn log_size(db: &Db) -> Result<u64> {
    let r = sqlx::query("SELECT size FROM log_head WHERE id = 1").fetch_one(&db.pool).await?;
    Ok(r.try_get::<i64, _>(0)?.max(0) as u64)
}

/// The latest signed checkpoint.
pub async fn checkpoint(db: &Db) -> Result<Option<String>> {
    let r = sqlx::query("SELECT note FROM log_checkpoints ORDER BY size DESC LIMIT 1").fetch_optional(&db.pool).await?;
    Ok(r.map(|r| r.try_get(0)).transpose()?)
}

pub async fn checkpoint_at(db: &Db, size: u64) -> Result<Option<String>> {
    let r = sqlx::query("SELECT note FROM log_checkpoints WHERE size = $1")
        .bind(size as i64)
        .fetch_optional(&db.pool)
        .await?;
    Ok(r.map(|r| r.try_get(0)).transpose()?)
}

/// A hash tile or (with `entries`) an entry bundle, by the coordinates of its path.
pub async fn tile(db: &Db, t: Tile, entries: bool) -> Result<Option<Vec<u8>>> {
    let r = sqlx::query("SELECT data FROM log_tiles WHERE level = $1 AND idx = $2 AND width = $3")
        .bind(if entries { BUNDLES } else { t.level as i64 })
        .bind(t.index as i64)
        .bind(t.width as i64)
        .fetch_optional(&db.pool)
        .await?;
    Ok(r.map(|r| r.try_get(0)).transpose()?)
}

/// A petition's latest signed tally, read from its note; None before its first.
pub(crate) async fn latest_tally(db: &Db, petition_id: i64) -> Result<Option<petition_tlog::tally::Tally>> {
    let Some(note) = tally(db, petition_id, None).await? else { return Ok(None) };
    let bad = |e: String| StoreError::Corrupt(format!("the tally note of petition {petition_id}: {e}"));
    let note = petition_tlog::note::Note::parse(note.as_bytes()).map_err(|e| bad(e.to_string()))?;
    petition_tlog::tally::Tally::parse(&note.text).map(Some).map_err(|e| bad(e.to_string()))
}

/// A petition's latest tally note, or its note at a checkpoint size.
pub async fn tally(db: &Db, petition_id: i64, size: Option<u64>) -> Result<Option<String>> {
    let r = match size {
        None => {
            sqlx::query("SELECT note FROM log_tallies WHERE petition_id = $1 ORDER BY size DESC LIMIT 1")
                .bind(petition_id)
                .fetch_optional(&db.pool)
                .await?
        }
        Some(s) => {
            sqlx::query("SELECT note FROM log_tallies WHERE petition_id = $1 AND size = $2")
                .bind(petition_id)
                .bind(s as i64)
                .fetch_optional(&db.pool)
                .await?
        }
    };
    Ok(r.map(|r| r.try_get(0)).transpose()?)
}

/// The tlog-proof for a signature, by petition and commitment, against the latest checkpoint:
/// `None` until the signature is in a signed checkpoint.
pub async fn proof(db: &Db, petition_id: i64, commit: &[u8; 32]) -> Result<Option<String>> {
    // The queue keeps every signature entry's commitment, including entries of a signature whose
    // signer has since withdrawn and signed again; rows queued before it did (migration 0005) are
    // found through the signature itself.
    let commit = hash_b64(commit);
    let queued: Option<Option<i64>> =
        sqlx::query("SELECT log_index FROM log_queue WHERE petition_id = $1 AND sig_commit = $2")
            .bind(petition_id)
            .bind(&commit)
            .fetch_optional(&db.pool)
            .await?
            .map(|r| r.try_get(0))
            .transpose()?;
    let mut index = queued.flatten();
    if queued.is_none() {
        index = sqlx::query("SELECT log_index FROM signatures WHERE petition_id = $1 AND receipt_commit = $2")
            .bind(petition_id)
            .bind(&commit)
            .fetch_optional(&db.pool)
            .await?
            .map(|r| r.try_get::<Option<i64>, _>(0))
            .transpose()?
            .flatten();
    }
    let Some(index) = index else { return Ok(None) };
    let Some(note) = checkpoint(db).await? else { return Ok(None) };
    proof_in(db, index as u64, note).await
}

/// The tlog-proof of the entry at `index` in the tree of the signed checkpoint `note`, with the
/// entry in its `extra` line; `None` if that tree does not hold it.
async fn proof_in(db: &Db, index: u64, note: String) -> Result<Option<String>> {
    let text = petition_tlog::note::Note::parse(note.as_bytes())
        .map_err(|e| StoreError::Corrupt(format!("a signed checkpoint: {e}")))?
        .text;
    let cp = Checkpoint::parse(&text).map_err(|e| StoreError::Corrupt(format!("a signed checkpoint: {e}")))?;
    if index >= cp.size {
        return Ok(None);
    }
    // Fetch the tiles the proof needs, one at a time, as a client would. Partial tiles stay
    // stored for every published size, so this works at any checkpoint.
    let mut tiles = TileHashes::new();
    let hashes = loop {
        match inclusion_proof(&tiles, index, cp.size) {
            Ok(p) => break p,
            Err(need) => {
                let at_level = cp.size >> (8 * need.level as u32);
                let width = if need.index < at_level / WIDTH { WIDTH } else { at_level % WIDTH };
                let t = Tile { level: need.level, index: need.index, width };
                let data = tile(db, t, false)
                    .await?
                    .ok_or_else(|| StoreError::Corrupt(format!("tile {} is missing", t.path())))?;
                let h = t
                    .decode(&data)
                    .ok_or_else(|| StoreError::Corrupt(format!("tile {} is the wrong size", t.path())))?;
                tiles.insert(t, h);
            }
        }
    };
    let entry: String = sqlx::query("SELECT entry FROM log_entries WHERE idx = $1")
        .bind(index as i64)
        .fetch_one(&db.pool)
        .await?
        .try_get(0)?;
    Ok(Some(LogProof { extra: Some(entry.into_bytes()), index, hashes, checkpoint: note }.encode()))
}

/// A petition's certificate as the log proves it: the tlog-proof of its `certify/v1` entry in
/// the first checkpoint that holds it, so that a printed certificate stays the same however the
/// log grows. `None` until the entry is in a signed checkpoint.
pub async fn certificate(db: &Db, petition_id: i64) -> Result<Option<String>> {
    let index: Option<i64> = sqlx::query(
        "SELECT log_index FROM log_queue WHERE petition_id = $1 AND kind = 'certify' AND log_index IS NOT NULL",
    )
    .bind(petition_id)
    .fetch_optional(&db.pool)
    .await?
    .map(|r| r.try_get(0))
    .transpose()?;
    let Some(index) = index else { return Ok(None) };
    let note: Option<String> = sqlx::query("SELECT note FROM log_checkpoints WHERE size > $1 ORDER BY size LIMIT 1")
        .bind(index)
        .fetch_optional(&db.pool)
        .await?
        .map(|r| r.try_get(0))
        .transpose()?;
    let Some(note) = note else { return Ok(None) };
    proof_in(db, index as u64, note).await
}

/// The entries in `(index, size)` that may strike or reinstate the signature entry at `index`,
/// in log order: those queued for the same signature, found by index rather than by reading the
/// log, so that checking a receipt costs the same however long the log. The caller replays them
/// (`petition_tlog::proof::strike_of`), which keeps only those that name `index`.
pub async fn strikes_after(db: &Db, index: u64, size: u64) -> Result<Vec<String>> {
    let rows = sqlx::query(
        "SELECT e.entry FROM log_queue q JOIN log_entries e ON e.idx = q.log_index
         WHERE q.signature_id = (SELECT signature_id FROM log_queue WHERE log_index = $1)
           AND q.log_index > $1 AND q.log_index < $2 AND q.kind IN ('strike', 'reinstate')
         ORDER BY q.log_index",
    )
    .bind(index as i64)
    .bind(size as i64)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.iter().map(|r| r.try_get(0)).collect::<std::result::Result<_, _>>()?)
}

/// The entries `[from, to)` in log order.
pub async fn entries_from(db: &Db, from: u64, to: u64) -> Result<Vec<String>> {
    let rows = sqlx::query("SELECT entry FROM log_entries WHERE idx >= $1 AND idx < $2 ORDER BY idx")
        .bind(from as i64)
        .bind(to as i64)
        .fetch_all(&db.pool)
        .await?;
    Ok(rows.iter().map(|r| r.try_get(0)).collect::<std::result::Result<_, _>>()?)
}
