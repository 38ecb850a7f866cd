//! The sequencer: turns queued references into entries, appends them in batches, writes the new
//! tiles and entry bundles, signs a checkpoint and a tally note for each petition the batch
//! added entries to, and moves the head
//! with a compare-and-swap: a sequencer whose view is not the head's signs nothing, so two
//! servers can never fork the log. One per server process; any number may run against one
//! database.

use petition_tlog::checkpoint::{hash_b64, parse_hash, Checkpoint};
use petition_tlog::entry::Entry;
use petition_tlog::merkle::Tree;
use petition_tlog::note::sign;
use petition_tlog::tally::Replay;
use petition_tlog::tile::{encode_bundle, Tile, WIDTH};
use sqlx::{AnyConnection, Row};

use crate::db::{Backend, Db};
use crate::error::{Result, StoreError};
use crate::transparency::freeze::{build, pid};
use crate::transparency::high_water::HighWater;
use crate::transparency::keys::LogKeys;
use crate::transparency::publish::BUNDLES;
use crate::transparency::queued::{Kind, Queued};

/// The entry a queued row stands for: its frozen text; for a strike or reinstatement, built
/// from the log index its target signature entry got; for rows queued before entries were
/// frozen (migration 0005), built from the rows as they are now.
async fn thaw(
    conn: &mut AnyConnection,
    petition_id: i64,
    what: Queued,
    (entry, target): (Option<String>, Option<i64>),
) -> Result<std::result::Result<Entry, String>> {
    if let Some(text) = entry {
        let entry = Entry::parse(text.as_bytes())
            .map_err(|e| StoreError::Corrupt(format!("a queued entry of petition {petition_id}: {e}")))?;
        return Ok(Ok(entry));
    }
    let Some(target) = target else { return build(conn, petition_id, what).await };
    let index: Option<i64> = sqlx::query("SELECT log_index FROM log_queue WHERE id = $1")
        .bind(target)
        .fetch_one(&mut *conn)
        .await?
        .try_get(0)?;
    let Some(index) = index else { return Ok(Err("the signature it names is not in the log".into())) };
    let id = pid(petition_id)?;
    Ok(Ok(match what {
        Queued::Strike(_, reason) => Entry::Strike { id, target: index as u64, reason },
        Queued::Reinstate(_) => Entry::Reinstate { id, target: index as u64 },
        other => return Err(StoreError::Corrupt(format!("a queued {} names a target", other.kind().name()))),
    }))
}

/// Appends queued entries in batches and signs what it appends. One per server process; any
/// number may run against one database.
pub struct Sequencer {
    db: Db,
    keys: LogKeys,
    tree: Tree,
    replay: Replay,
    high_water: Option<HighWater>,
}

/// What one run of the sequencer did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Batch {
    pub appended: u64,
    pub size: u64,
    /// Queued changes the rules would not let into the log, with why (they need an officer).
    pub refused: Vec<String>,
}

/// How the sequencer works off a backlog: entries per batch at most, and the pause after a
/// batch that appended entries before the next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pacing {
    pub batch: i64,
    pub pause: std::time::Duration,
}

impl Pacing {
    /// On SQLite a batch holds the one write lock while it is appended and signed, and
    /// confirmations wait for it: 18,000 entries in one batch held it for 1.3–1.5 s. Worse, the
    /// next batch took the lock again at once, while the writers waiting for it slept in SQLite's
    /// busy handler (up to 100 ms at a time), so they got in only when the whole backlog was
    /// done. Small batches a pause apart keep a confirmation's wait to about one batch (`cargo
    /// bench -p petition-store --bench surge -- sqlite 20000 64 grouped backlog`). On PostgreSQL a
    /// batch locks only the log's head, which confirmations never wait for.
    pub fn of(backend: Backend) -> Pacing {
        match backend {
            Backend::Sqlite => Pacing { batch: 1_000, pause: std::time::Duration::from_millis(100) },
            Backend::Postgres => Pacing { batch: 20_000, pause: std::time::Duration::ZERO },
        }
    }
}

impl Sequencer {
    pub fn new(db: Db, keys: LogKeys) -> Sequencer {
        Sequencer { db, keys, tree: Tree::new(), replay: Replay::new(), high_water: None }
    }

    /// Keeps the largest checkpoint signed in `mark`, and refuses to sign anything that does not
    /// extend it (see [`HighWater`]). Every server that holds the log key should keep one.
    pub fn with_high_water(mut self, mark: HighWater) -> Sequencer {
        self.high_water = Some(mark);
        self
    }

    pub fn size(&self) -> u64 {
        self.tree.size()
    }

    /// Reads entries other sequencers appended, up to `size`.
    async fn catch_up(&mut self, conn: &mut AnyConnection, size: u64) -> Result<()> {
        if self.tree.size() > size {
            // Only possible if the head moved back, which nothing does: start again from the rows.
            self.tree = Tree::new();
            self.replay = Replay::new();
        }
        let rows = sqlx::query("SELECT idx, entry FROM log_entries WHERE idx >= $1 AND idx < $2 ORDER BY idx")
            .bind(self.tree.size() as i64)
            .bind(size as i64)
            .fetch_all(&mut *conn)
            .await?;
        for r in rows {
            let idx: i64 = r.try_get(0)?;
            if idx as u64 != self.tree.size() {
                return Err(StoreError::Corrupt(format!("log entry {} is missing", self.tree.size())));
            }
            let entry: String = r.try_get(1)?;
            self.tree.push_entry(entry.as_bytes());
            self.replay.apply_bytes(entry.as_bytes());
        }
        if self.tree.size() != size {
            return Err(StoreError::Corrupt(format!(
                "the log holds {} entries but its head says {size}",
                self.tree.size()
            )));
        }
        Ok(())
    }

    /// How this sequencer's database is best worked: see [`Pacing`].
    pub fn pacing(&self) -> Pacing {
        Pacing::of(self.db.backend)
    }

    /// Appends up to `max` queued entries and signs the result. With nothing queued it only makes
    /// sure a checkpoint exists (the empty log's, at first).
    pub async fn run(&mut self, now: i64, max: i64) -> Result<Batch> {
        // Catch up with what other sequencers appended before taking the lock, so that a server
        // starting on a long log reads it without holding up everyone else.
        {
            let mut conn = self.db.pool.acquire().await?;
            let size: i64 =
                sqlx::query("SELECT size FROM log_head WHERE id = 1").fetch_one(&mut *conn).await?.try_get(0)?;
            self.catch_up(&mut conn, size as u64).await?;
        }
        let _turn = self.db.write_turn().await;
        let mut tx = self.db.pool.begin().await?;
        // Take the head's row lock (SQLite: the write lock) before reading it.
        sqlx::query("UPDATE log_head SET size = size WHERE id = 1").execute(&mut *tx).await?;
        let head = sqlx::query("SELECT size, root FROM log_head WHERE id = 1").fetch_one(&mut *tx).await?;
        let old_size = head.try_get::<i64, _>(0)? as u64;
        let old_root = parse_hash(&head.try_get::<String, _>(1)?)
            .ok_or_else(|| StoreError::Corrupt("the log head's root".into()))?;
        self.catch_up(&mut tx, old_size).await?;
        if self.tree.root() != old_root {
            return Err(StoreError::Corrupt(
                "the log's entries do not hash to its signed head; refusing to sign".into(),
            ));
        }
        // A database restored from before this server's last checkpoint is found at once, not
        // only when there is something new to sign.
        if let Some(mark) = &self.high_water {
            if let Some((signed, _)) = mark.read()? {
                if signed > old_size {
                    mark.check(&self.tree, old_size, &old_root)?;
                }
            }
        }
        let queued = sqlx::query(
            "SELECT id, kind, petition_id, signature_id, reason, entry, target FROM log_queue
             WHERE log_index IS NULL AND refused IS NULL ORDER BY id LIMIT $1",
        )
        .bind(max)
        .fetch_all(&mut *tx)
        .await?;
        let mut tree = self.tree.clone();
        let mut replay = self.replay.clone();
        let mut batch = Batch::default();
        // The petitions this batch adds entries to: only their tallies change.
        let mut changed = std::collections::BTreeSet::new();
        // Closes go last: every signature confirmed before a close was queued before it, but a
        // backfill may have queued some later. A close waits while any of its petition's other
        // entries are still waiting.
        let mut read = Vec::with_capacity(queued.len());
        for q in &queued {
            let what = Queued::read(
                &q.try_get::<String, _>(1)?,
                q.try_get(3)?,
                q.try_get::<Option<String>, _>(4)?.as_deref(),
            )?;
            let frozen = (q.try_get::<Option<String>, _>(5)?, q.try_get::<Option<i64>, _>(6)?);
            read.push((q.try_get::<i64, _>(0)?, q.try_get::<i64, _>(2)?, what, frozen));
        }
        let (closes, others): (Vec<_>, Vec<_>) = read.into_iter().partition(|(_, _, what, _)| *what == Queued::Close);
        for (qid, petition_id, what, frozen) in others.into_iter().chain(closes) {
            let kind = what.kind().name();
            if what == Queued::Close {
                let waiting: i64 = sqlx::query(
                    "SELECT COUNT(*) FROM log_queue WHERE petition_id = $1 AND kind <> $2 AND log_index IS NULL AND refused IS NULL",
                )
                .bind(petition_id)
                .bind(Kind::Close.name())
                .fetch_one(&mut *tx)
                .await?
                .try_get(0)?;
                if waiting > 0 {
                    continue;
                }
            }
            let entry = match thaw(&mut tx, petition_id, what, frozen).await? {
                Ok(e) => replay.check(&e).map(|_| e).map_err(|(rule, detail)| format!("{}: {detail}", rule.describe())),
                Err(why) => Err(why),
            };
            let entry = match entry {
                Ok(e) => e,
                Err(why) => {
                    tracing::error!(queued = qid, petition_id, kind, "not logged: {why}");
                    sqlx::query("UPDATE log_queue SET refused = $1 WHERE id = $2")
                        .bind(&why)
                        .bind(qid)
                        .execute(&mut *tx)
                        .await?;
                    batch.refused.push(format!("{kind} of petition {petition_id}: {why}"));
                    continue;
                }
            };
            let idx = tree.size() as i64;
            let bytes = entry.encode();
            replay.apply(&entry);
            changed.insert(entry.id().clone());
            tree.push_entry(bytes.as_bytes());
            sqlx::query("INSERT INTO log_entries (idx, entry) VALUES ($1, $2)")
                .bind(idx)
                .bind(&bytes)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE log_queue SET log_index = $1 WHERE id = $2")
                .bind(idx)
                .bind(qid)
                .execute(&mut *tx)
                .await?;
            if let (Entry::Sig { .. }, Queued::Sig(s)) = (&entry, what) {
                sqlx::query("UPDATE signatures SET log_index = $1 WHERE id = $2")
                    .bind(idx)
                    .bind(s)
                    .execute(&mut *tx)
                    .await?;
            }
            batch.appended += 1;
        }
        let size = tree.size();
        batch.size = size;
        let have_checkpoint: i64 = sqlx::query("SELECT COUNT(*) FROM log_checkpoints WHERE size = $1")
            .bind(old_size as i64)
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
        if batch.appended == 0 && have_checkpoint > 0 {
            tx.commit().await?;
            return Ok(batch);
        }
        let root = tree.root();
        for t in Tile::new_since(old_size, size) {
            let data = Tile::encode(&t.hashes_from(&tree));
            put_tile(&mut tx, t.level as i64, t, data).await?;
            if t.level == 0 {
                let first = t.index * WIDTH;
                let rows = sqlx::query("SELECT entry FROM log_entries WHERE idx >= $1 AND idx < $2 ORDER BY idx")
                    .bind(first as i64)
                    .bind((first + t.width) as i64)
                    .fetch_all(&mut *tx)
                    .await?;
                let entries: Vec<String> = rows.iter().map(|r| r.try_get(0)).collect::<std::result::Result<_, _>>()?;
                put_tile(&mut tx, BUNDLES, t, encode_bundle(&entries)).await?;
            }
        }
        if let Some(mark) = &self.high_water {
            mark.check(&tree, size, &root)?;
        }
        let checkpoint = Checkpoint::new(&self.keys.origin, size, root);
        let note = sign(&checkpoint.text(), &[&self.keys.log]);
        // The compare-and-swap: only the sequencer that read this head may move it.
        let moved = sqlx::query("UPDATE log_head SET size = $1, root = $2 WHERE id = 1 AND size = $3 AND root = $4")
            .bind(size as i64)
            .bind(hash_b64(&root))
            .bind(old_size as i64)
            .bind(hash_b64(&old_root))
            .execute(&mut *tx)
            .await?;
        if moved.rows_affected() != 1 {
            return Err(StoreError::Conflict("the log head moved under this sequencer; nothing signed".into()));
        }
        sqlx::query("INSERT INTO log_checkpoints (size, note, signed_at) VALUES ($1, $2, $3)")
            .bind(size as i64)
            .bind(&note)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        // A tally note for each petition with an entry in this batch, not for every petition at
        // every checkpoint (the format asks no more): the others' latest notes still state their
        // counts, which no entry since has changed.
        for p in &changed {
            let tally = replay.tally(p, &self.keys.origin, &root).expect("a replayed petition has a tally");
            let note = sign(&tally.text(), &[&self.keys.tally]);
            let id: i64 = p.as_str().parse().map_err(|_| StoreError::Corrupt(format!("petition id {p} in the log")))?;
            sqlx::query("INSERT INTO log_tallies (petition_id, size, note) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(size as i64)
                .bind(note)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        if let Some(mark) = &self.high_water {
            // Committed and published: a mark that fails to record only protects less (the next
            // checkpoint records it), so this is reported, not returned.
            if let Err(e) = mark.record(size, &root) {
                tracing::error!(size, error = %e, "cannot record the log's high-water mark");
            }
        }
        self.tree = tree;
        self.replay = replay;
        Ok(batch)
    }
}

async fn put_tile(conn: &mut AnyConnection, level: i64, t: Tile, data: Vec<u8>) -> Result<()> {
    sqlx::query("INSERT INTO log_tiles (level, idx, width, data) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
        .bind(level)
        .bind(t.index as i64)
        .bind(t.width as i64)
        .bind(data)
        .execute(conn)
        .await?;
    Ok(())
}
