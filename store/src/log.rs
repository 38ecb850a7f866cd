//! The transparency log (`../shared/docs/transparency.md`), kept in the database.
//!
//! Every change the log records is queued, as a reference, in the same transaction as the change
//! ([`queue`]), so the database and the log cannot disagree and a crash loses nothing. The
//! [`Sequencer`] turns queued references into entries, appends them in batches, writes the new
//! tiles and entry bundles, signs a checkpoint and a tally note per petition, and moves the head
//! with a compare-and-swap: a sequencer whose view is not the head's signs nothing, so two
//! servers can never fork the log.

use petition_log::checkpoint::{hash_b64, parse_hash, Checkpoint};
use petition_log::entry::{Entry, Ident, Percent, Reason};
use petition_log::merkle::{inclusion_proof, Tree};
use petition_log::note::{sign, NoteSigner, VerifierKey};
use petition_log::proof::LogProof;
use petition_log::tally::Replay;
use petition_log::tile::{encode_bundle, Tile, TileHashes, WIDTH};
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};

use crate::{Db, Result, StoreError};

/// The level under which entry bundles are stored beside the hash tiles.
const BUNDLES: i64 = -1;

/// What the log records, queued as references to the rows it describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Queued {
    Petition,
    Sig(i64),
    Strike(i64, Reason),
    Reinstate(i64),
    Close,
}

/// Queues a log entry inside the transaction making the change it records.
pub(crate) async fn queue(conn: &mut AnyConnection, petition_id: i64, what: Queued, now: i64) -> Result<()> {
    queue_all(conn, &[(petition_id, what, now)]).await
}

/// Queues many log entries, in the order given, inside the transaction making the changes.
pub(crate) async fn queue_all(conn: &mut AnyConnection, items: &[(i64, Queued, i64)]) -> Result<()> {
    for chunk in items.chunks(crate::db::ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO log_queue (kind, petition_id, signature_id, reason, queued_at) VALUES {}",
            crate::db::values_list(chunk.len(), 5)
        );
        let mut q = sqlx::query(&sql);
        for &(petition_id, what, now) in chunk {
            let (kind, sig, reason) = match what {
                Queued::Petition => ("petition", None, None),
                Queued::Sig(s) => ("sig", Some(s), None),
                Queued::Strike(s, r) => ("strike", Some(s), Some(r.code())),
                Queued::Reinstate(s) => ("reinstate", Some(s), None),
                Queued::Close => ("close", None, None),
            };
            q = q.bind(kind).bind(petition_id).bind(sig).bind(reason).bind(now);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Queues whatever the log should hold but was never queued: for a database made before the log
/// existed, and for the demo's seeded signatures. Safe to run at every start.
pub async fn backfill(db: &Db, now: i64) -> Result<usize> {
    let mut tx = db.pool.begin().await?;
    sqlx::query("UPDATE log_head SET size = size WHERE id = 1").execute(&mut *tx).await?;
    let never = |kind: &str, signature: bool| {
        let sig = if signature { "AND q.signature_id = x.id" } else { "" };
        format!(
            "NOT EXISTS (SELECT 1 FROM log_queue q WHERE q.kind = '{kind}' AND q.petition_id = x.petition_id {sig})"
        )
    };
    let mut n = 0;
    for (kind, sql) in [
        ("petition", format!("SELECT x.petition_id, NULL, NULL FROM (SELECT id AS petition_id FROM petitions) x WHERE {} ORDER BY x.petition_id", never("petition", false))),
        (
            "sig",
            format!(
                "SELECT x.petition_id, x.id, NULL FROM signatures x WHERE x.status = 'confirmed' AND x.receipt_commit IS NOT NULL AND {} ORDER BY x.confirmed_at, x.id",
                never("sig", true)
            ),
        ),
        (
            "strike",
            format!(
                "SELECT x.petition_id, x.id, x.strike_reason FROM signatures x WHERE x.status = 'confirmed' AND x.receipt_commit IS NOT NULL
                   AND x.struck_at IS NOT NULL AND {} ORDER BY x.struck_at, x.id",
                never("strike", true)
            ),
        ),
        (
            "close",
            format!(
                "SELECT x.petition_id, NULL, NULL FROM (SELECT id AS petition_id, closed_at FROM petitions WHERE closed_at IS NOT NULL) x WHERE {} ORDER BY x.closed_at, x.petition_id",
                never("close", false)
            ),
        ),
    ] {
        let rows = sqlx::query(&sql).fetch_all(&mut *tx).await?;
        for r in rows {
            sqlx::query("INSERT INTO log_queue (kind, petition_id, signature_id, reason, queued_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(kind)
                .bind(r.try_get::<i64, _>(0)?)
                .bind(r.try_get::<Option<i64>, _>(1)?)
                .bind(r.try_get::<Option<String>, _>(2)?)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            n += 1;
        }
    }
    tx.commit().await?;
    Ok(n)
}

/// The keys and name of a deployment's log.
#[derive(Clone, Debug)]
pub struct LogKeys {
    pub origin: String,
    pub log: NoteSigner,
    pub tally: NoteSigner,
}

impl LogKeys {
    /// The verifier keys as `/log/keys` serves them: the log key, then the tally key.
    pub fn verifiers(&self) -> String {
        format!("{}\n{}\n", self.log.verifier(), self.tally.verifier())
    }

    pub fn log_verifier(&self) -> VerifierKey {
        self.log.verifier()
    }
}

/// The name of the tally key for a log origin.
pub fn tally_key_name(origin: &str) -> String {
    format!("{origin}/tally")
}

/// SHA-256 of a petition's published text: its title, a newline, then its body.
pub fn text_sha256(title: &str, body: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(title.as_bytes());
    h.update(b"\n");
    h.update(body.as_bytes());
    h.finalize().into()
}

fn ident(s: &str) -> Result<Ident> {
    Ident::parse(s).ok_or_else(|| StoreError::Invalid(format!("{s:?} cannot appear in the log")))
}

fn pid(id: i64) -> Result<Ident> {
    ident(&id.to_string())
}

async fn target(conn: &mut AnyConnection, signature_id: Option<i64>) -> Result<(i64, Option<i64>)> {
    let sig = signature_id.ok_or_else(|| StoreError::Invalid("a queued strike names no signature".into()))?;
    let r = sqlx::query("SELECT log_index FROM signatures WHERE id = $1").bind(sig).fetch_one(&mut *conn).await?;
    Ok((sig, r.try_get(0)?))
}

/// The entry a queued reference stands for, read from the rows it refers to.
async fn build(
    conn: &mut AnyConnection,
    kind: &str,
    petition_id: i64,
    signature_id: Option<i64>,
    reason: Option<&str>,
) -> Result<std::result::Result<Entry, String>> {
    let id = pid(petition_id)?;
    Ok(Ok(match kind {
        "petition" => {
            let r = sqlx::query("SELECT area_code, opens_at, base_closes_at, electorate, percent, required, title, body FROM petitions WHERE id = $1")
                .bind(petition_id)
                .fetch_one(&mut *conn)
                .await?;
            let percent: String = r.try_get(4)?;
            Entry::Petition {
                id,
                area: ident(&r.try_get::<String, _>(0)?)?,
                opens: r.try_get::<i64, _>(1)? as u64,
                closes: r.try_get::<i64, _>(2)? as u64,
                electorate: r.try_get::<i64, _>(3)? as u64,
                percent: Percent::parse(&percent)
                    .ok_or_else(|| StoreError::Invalid(format!("percentage {percent:?}")))?,
                required: r.try_get::<i64, _>(5)? as u64,
                text_sha256: text_sha256(&r.try_get::<String, _>(6)?, &r.try_get::<String, _>(7)?),
            }
        }
        "sig" => {
            let sig =
                signature_id.ok_or_else(|| StoreError::Invalid("a queued signature names no signature".into()))?;
            let r = sqlx::query("SELECT ward_code, confirmed_at, receipt_commit FROM signatures WHERE id = $1")
                .bind(sig)
                .fetch_one(&mut *conn)
                .await?;
            let commit: Option<String> = r.try_get(2)?;
            let Some(commit) = commit.as_deref().and_then(parse_hash) else {
                return Ok(Err(format!("signature {sig} has no commitment")));
            };
            let Some(at) = r.try_get::<Option<i64>, _>(1)? else {
                return Ok(Err(format!("signature {sig} is not confirmed")));
            };
            Entry::Sig { id, area: ident(&r.try_get::<String, _>(0)?)?, at: at as u64, commit }
        }
        "strike" | "reinstate" => {
            let (sig, index) = target(conn, signature_id).await?;
            let Some(index) = index else { return Ok(Err(format!("signature {sig} is not in the log"))) };
            if kind == "reinstate" {
                Entry::Reinstate { id, target: index as u64 }
            } else {
                let reason = reason
                    .and_then(Reason::parse)
                    .ok_or_else(|| StoreError::Invalid(format!("strike reason {reason:?}")))?;
                Entry::Strike { id, target: index as u64, reason }
            }
        }
        _ => {
            let r = sqlx::query("SELECT closed_at FROM petitions WHERE id = $1")
                .bind(petition_id)
                .fetch_one(&mut *conn)
                .await?;
            let Some(at) = r.try_get::<Option<i64>, _>(0)? else {
                return Ok(Err(format!("petition {petition_id} is not closed")));
            };
            Entry::Close { id, at: at as u64 }
        }
    }))
}

/// Appends queued entries in batches and signs what it appends. One per server process; any
/// number may run against one database.
pub struct Sequencer {
    db: Db,
    keys: LogKeys,
    tree: Tree,
    replay: Replay,
}

/// What one run of the sequencer did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Batch {
    pub appended: u64,
    pub size: u64,
    /// Queued changes the rules would not let into the log, with why (they need an officer).
    pub refused: Vec<String>,
}

impl Sequencer {
    pub fn new(db: Db, keys: LogKeys) -> Sequencer {
        Sequencer { db, keys, tree: Tree::new(), replay: Replay::new() }
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
                return Err(StoreError::Invalid(format!("log entry {} is missing", self.tree.size())));
            }
            let entry: String = r.try_get(1)?;
            self.tree.push_entry(entry.as_bytes());
            self.replay.apply_bytes(entry.as_bytes());
        }
        if self.tree.size() != size {
            return Err(StoreError::Invalid(format!(
                "the log holds {} entries but its head says {size}",
                self.tree.size()
            )));
        }
        Ok(())
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
        let mut tx = self.db.pool.begin().await?;
        // Take the head's row lock (SQLite: the write lock) before reading it.
        sqlx::query("UPDATE log_head SET size = size WHERE id = 1").execute(&mut *tx).await?;
        let head = sqlx::query("SELECT size, root FROM log_head WHERE id = 1").fetch_one(&mut *tx).await?;
        let old_size = head.try_get::<i64, _>(0)? as u64;
        let old_root = parse_hash(&head.try_get::<String, _>(1)?)
            .ok_or_else(|| StoreError::Invalid("the log head's root".into()))?;
        self.catch_up(&mut tx, old_size).await?;
        if self.tree.root() != old_root {
            return Err(StoreError::Invalid(
                "the log's entries do not hash to its signed head; refusing to sign".into(),
            ));
        }
        let queued = sqlx::query(
            "SELECT id, kind, petition_id, signature_id, reason FROM log_queue WHERE log_index IS NULL AND refused IS NULL ORDER BY id LIMIT $1",
        )
        .bind(max)
        .fetch_all(&mut *tx)
        .await?;
        let mut tree = self.tree.clone();
        let mut replay = self.replay.clone();
        let mut batch = Batch::default();
        // Closes go last: every signature confirmed before a close was queued before it, but a
        // backfill may have queued some later. A close waits while any of its petition's other
        // entries are still waiting.
        let (closes, others): (Vec<_>, Vec<_>) =
            queued.into_iter().partition(|q| q.try_get::<String, _>(1).is_ok_and(|k| k == "close"));
        for q in others.into_iter().chain(closes) {
            let qid: i64 = q.try_get(0)?;
            let kind: String = q.try_get(1)?;
            let petition_id: i64 = q.try_get(2)?;
            let sig: Option<i64> = q.try_get(3)?;
            let reason: Option<String> = q.try_get(4)?;
            if kind == "close" {
                let waiting: i64 = sqlx::query(
                    "SELECT COUNT(*) FROM log_queue WHERE petition_id = $1 AND kind <> 'close' AND log_index IS NULL AND refused IS NULL",
                )
                .bind(petition_id)
                .fetch_one(&mut *tx)
                .await?
                .try_get(0)?;
                if waiting > 0 {
                    continue;
                }
            }
            let entry = match build(&mut tx, &kind, petition_id, sig, reason.as_deref()).await? {
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
            if let (Entry::Sig { .. }, Some(s)) = (&entry, sig) {
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
            return Err(StoreError::Invalid("the log head moved under this sequencer; nothing signed".into()));
        }
        sqlx::query("INSERT INTO log_checkpoints (size, note, signed_at) VALUES ($1, $2, $3)")
            .bind(size as i64)
            .bind(&note)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        for p in replay.petition_ids().cloned().collect::<Vec<_>>() {
            let tally = replay.tally(&p, &self.keys.origin, &root).expect("a replayed petition has a tally");
            let note = sign(&tally.text(), &[&self.keys.tally]);
            let id: i64 = p.as_str().parse().map_err(|_| StoreError::Invalid(format!("petition id {p} in the log")))?;
            sqlx::query("INSERT INTO log_tallies (petition_id, size, note) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(size as i64)
                .bind(note)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
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
    let r = sqlx::query("SELECT log_index FROM signatures WHERE petition_id = $1 AND receipt_commit = $2")
        .bind(petition_id)
        .bind(hash_b64(commit))
        .fetch_optional(&db.pool)
        .await?;
    let Some(index) = r.map(|r| r.try_get::<Option<i64>, _>(0)).transpose()?.flatten() else { return Ok(None) };
    let Some(note) = checkpoint(db).await? else { return Ok(None) };
    let text = petition_log::note::Note::parse(note.as_bytes()).map_err(|e| StoreError::Invalid(e.to_string()))?.text;
    let cp = Checkpoint::parse(&text).map_err(|e| StoreError::Invalid(e.to_string()))?;
    let index = index as u64;
    if index >= cp.size {
        return Ok(None);
    }
    // Fetch the tiles the proof needs, one at a time, as a client would.
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
                    .ok_or_else(|| StoreError::Invalid(format!("tile {} is missing", t.path())))?;
                let h = t
                    .decode(&data)
                    .ok_or_else(|| StoreError::Invalid(format!("tile {} is the wrong size", t.path())))?;
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

/// Reads a signer key file (`PRIVATE+KEY+name+id+key` and a newline) and checks it is the key
/// for `name`. The key itself never appears in an error.
pub fn load_key(path: &std::path::Path, name: &str) -> std::result::Result<NoteSigner, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the key file {}: {e} (make one with `petitions keys`)", path.display()))?;
    let signer = NoteSigner::parse(text.strip_suffix('\n').unwrap_or(&text))
        .map_err(|e| format!("{} is not a signing key: {e}", path.display()))?;
    if signer.name() != name {
        return Err(format!(
            "{} is the key for {:?}, but this log needs the key for {name:?} (check LOG_ORIGIN)",
            path.display(),
            signer.name()
        ));
    }
    Ok(signer)
}

/// Makes a new signer key file for `name`, readable by its owner only. Never overwrites one.
pub fn create_key(path: &std::path::Path, name: &str) -> std::result::Result<NoteSigner, String> {
    if path.exists() {
        return Err(format!("{} already exists; it is not replaced (see the README on rotating keys)", path.display()));
    }
    let signer = NoteSigner::from_seed(name, rand::random()).map_err(|e| e.to_string())?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot make {}: {e}", dir.display()))?;
    }
    crate::secrets::write_private(path, format!("{}\n", signer.encode()).as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(signer)
}

impl LogKeys {
    /// Loads both keys for `origin`.
    pub fn load(
        origin: &str,
        log_key: &std::path::Path,
        tally_key: &std::path::Path,
    ) -> std::result::Result<LogKeys, String> {
        Ok(LogKeys {
            origin: origin.to_string(),
            log: load_key(log_key, origin)?,
            tally: load_key(tally_key, &tally_key_name(origin))?,
        })
    }

    /// Loads both keys, first making any that do not exist (for the demo).
    pub fn load_or_create(
        origin: &str,
        log_key: &std::path::Path,
        tally_key: &std::path::Path,
    ) -> std::result::Result<LogKeys, String> {
        if !log_key.exists() {
            create_key(log_key, origin)?;
        }
        if !tally_key.exists() {
            create_key(tally_key, &tally_key_name(origin))?;
        }
        LogKeys::load(origin, log_key, tally_key)
    }
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

#[cfg(test)]
mod key_tests {
    use super::*;

    #[test]
    fn key_files_are_private_never_replaced_and_checked_on_loading() {
        let dir = std::env::temp_dir().join(format!("petitions-keys-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let (log, tally) = (dir.join("log.key"), dir.join("tally.key"));
        let origin = "petitions.example.gov.uk/log";
        assert!(
            LogKeys::load(origin, &log, &tally).unwrap_err().contains("petitions keys"),
            "missing keys are refused"
        );
        let made = LogKeys::load_or_create(origin, &log, &tally).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&log).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let again = LogKeys::load(origin, &log, &tally).unwrap();
        assert_eq!(again.verifiers(), made.verifiers());
        assert!(create_key(&log, origin).is_err(), "an existing key is never replaced");
        let err = LogKeys::load("elsewhere.example/log", &log, &tally).unwrap_err();
        assert!(err.contains("LOG_ORIGIN"), "{err}");
        std::fs::write(&tally, "PRIVATE+KEY+garbage\n").unwrap();
        let err = LogKeys::load(origin, &log, &tally).unwrap_err();
        assert!(
            err.contains("not a signing key") && !err.contains("garbage"),
            "malformed, and the file is not echoed: {err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
