//! A log entry built from the rows it records. The queue does this in the transaction that
//! makes the change, so the log says what was true then, whatever happens to the rows before the
//! sequencer runs (a signer may withdraw, sign again and confirm in between). Strikes and
//! reinstatements name the queued signature entry they target instead, since its log index is
//! known only once it is sequenced.

use std::collections::BTreeMap;

use petition_tlog::checkpoint::{hash_b64, parse_hash};
use petition_tlog::entry::{Entry, Ident, Method, Outcome, Percent};
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};

use crate::db::ROWS_PER_STATEMENT;
use crate::error::{Result, StoreError};
use crate::transparency::queued::{Kind, Queued};

/// SHA-256 of a petition's published text: its title, a newline, then its body.
pub fn text_sha256(title: &str, body: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(title.as_bytes());
    h.update(b"\n");
    h.update(body.as_bytes());
    h.finalize().into()
}

/// A petition's published text: its background, after its referendum question and a blank line
/// where it has one.
pub fn published_text(question: Option<&str>, body: &str) -> String {
    match question {
        Some(q) => format!("{q}\n\n{body}"),
        None => body.to_string(),
    }
}

pub(crate) fn ident(s: &str) -> Result<Ident> {
    Ident::parse(s).ok_or_else(|| StoreError::Corrupt(format!("{s:?} cannot appear in the log")))
}

pub(crate) fn pid(id: i64) -> Result<Ident> {
    ident(&id.to_string())
}

/// The log index of a signature, once the log holds it: for strikes queued before entries were
/// frozen (migration 0005), which name no target.
pub(crate) async fn index_of(conn: &mut AnyConnection, sig: i64) -> Result<Option<i64>> {
    let r = sqlx::query("SELECT log_index FROM signatures WHERE id = $1").bind(sig).fetch_one(&mut *conn).await?;
    Ok(r.try_get(0)?)
}

/// The entry a queued reference stands for, read from the rows it refers to; `Ok(Err(why))` when
/// the rows do not allow one. At queue time for everything but strikes and reinstatements; at
/// sequencing time only for references queued before migration 0005.
pub(crate) async fn build(
    conn: &mut AnyConnection,
    petition_id: i64,
    what: Queued,
) -> Result<std::result::Result<Entry, String>> {
    let id = pid(petition_id)?;
    Ok(Ok(match what {
        Queued::Petition => {
            let r = sqlx::query(
                "SELECT area_code, opens_at, base_closes_at, electorate, percent, required, title, body, question
                 FROM petitions WHERE id = $1",
            )
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
                percent: Percent::parse(&percent).ok_or_else(|| {
                    StoreError::Corrupt(format!("petition {petition_id} has the percentage {percent:?}"))
                })?,
                required: r.try_get::<i64, _>(5)? as u64,
                text_sha256: text_sha256(
                    &r.try_get::<String, _>(6)?,
                    &published_text(r.try_get::<Option<String>, _>(8)?.as_deref(), &r.try_get::<String, _>(7)?),
                ),
            }
        }
        Queued::Sig(sig) => {
            let r = sqlx::query("SELECT ward_code, confirmed_at, receipt_commit FROM signatures WHERE id = $1")
                .bind(sig)
                .fetch_one(&mut *conn)
                .await?;
            match sig_entry(petition_id, sig, r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)? {
                Ok(e) => e,
                Err(why) => return Ok(Err(why)),
            }
        }
        Queued::Strike(sig, reason) => {
            let Some(index) = index_of(conn, sig).await? else {
                return Ok(Err(format!("signature {sig} is not in the log")));
            };
            Entry::Strike { id, target: index as u64, reason }
        }
        Queued::Reinstate(sig) => {
            let Some(index) = index_of(conn, sig).await? else {
                return Ok(Err(format!("signature {sig} is not in the log")));
            };
            Entry::Reinstate { id, target: index as u64 }
        }
        // Frozen when queued, always (`transparency::pauses`): there are none from before 0005.
        Queued::Pause | Queued::Resume => {
            return Ok(Err(format!("a queued {} has no frozen entry", what.kind().name())));
        }
        Queued::Close => {
            let r = sqlx::query("SELECT closed_at FROM petitions WHERE id = $1")
                .bind(petition_id)
                .fetch_one(&mut *conn)
                .await?;
            let Some(at) = r.try_get::<Option<i64>, _>(0)? else {
                return Ok(Err(format!("petition {petition_id} is not closed")));
            };
            Entry::Close { id, at: at as u64 }
        }
        Queued::Sample => {
            let r = sqlx::query("SELECT sample_seed, sample_source FROM petitions WHERE id = $1")
                .bind(petition_id)
                .fetch_one(&mut *conn)
                .await?;
            let (Some(seed), Some(source)) = (r.try_get::<Option<String>, _>(0)?, r.try_get::<Option<String>, _>(1)?)
            else {
                return Ok(Err(format!("petition {petition_id} has no sample")));
            };
            let seed = petition_core::verification::Seed::parse(&seed)
                .map_err(|e| StoreError::Corrupt(format!("petition {petition_id}'s seed: {e}")))?;
            Entry::Sample { id, seed: seed.0, source: ident(&source)? }
        }
        Queued::Certify => {
            let r = sqlx::query(
                "SELECT certified_outcome, certified_method, certified_valid, certified_projected FROM petitions WHERE id = $1",
            )
            .bind(petition_id)
            .fetch_one(&mut *conn)
            .await?;
            let (Some(outcome), Some(method)) =
                (r.try_get::<Option<String>, _>(0)?, r.try_get::<Option<String>, _>(1)?)
            else {
                return Ok(Err(format!("petition {petition_id} is not certified")));
            };
            let bad = |what: &str| StoreError::Corrupt(format!("petition {petition_id}'s certified {what}"));
            Entry::Certify {
                id,
                outcome: Outcome::parse(&outcome).ok_or_else(|| bad("outcome"))?,
                method: Method::parse(&method).ok_or_else(|| bad("method"))?,
                valid: r.try_get::<Option<i64>, _>(2)?.ok_or_else(|| bad("valid count"))? as u64,
                projected: r.try_get::<Option<i64>, _>(3)?.ok_or_else(|| bad("projection"))? as u64,
            }
        }
    }))
}

/// A signature's `sig/v1` entry from its row's ward, confirmation time and commitment;
/// `Ok(Err(why))` when the row is not (yet) one the log can hold.
fn sig_entry(
    petition_id: i64,
    sig: i64,
    ward: String,
    at: Option<i64>,
    commit: Option<String>,
) -> Result<std::result::Result<Entry, String>> {
    let Some(commit) = commit.as_deref().and_then(parse_hash) else {
        return Ok(Err(format!("signature {sig} has no commitment")));
    };
    let Some(at) = at else { return Ok(Err(format!("signature {sig} is not confirmed"))) };
    Ok(Ok(Entry::Sig { id: pid(petition_id)?, area: ident(&ward)?, at: at as u64, commit }))
}

/// What the queue keeps of an entry: its text, or for a strike or reinstatement the queued
/// signature entry it targets; or why no entry can be made (an officer must look).
#[derive(Debug, Default)]
pub(crate) struct Frozen {
    pub(crate) entry: Option<String>,
    pub(crate) target: Option<i64>,
    /// A signature entry's commitment, so a receipt finds its entry after its signer signs again.
    pub(crate) commit: Option<String>,
    pub(crate) refused: Option<String>,
}

impl Frozen {
    pub(crate) fn of(built: std::result::Result<Entry, String>) -> Frozen {
        match built {
            Ok(entry) => Frozen {
                commit: match &entry {
                    Entry::Sig { commit, .. } => Some(hash_b64(commit)),
                    _ => None,
                },
                entry: Some(entry.encode()),
                ..Frozen::default()
            },
            Err(why) => Frozen { refused: Some(why), ..Frozen::default() },
        }
    }
}

/// Freezes one queued reference, inside the transaction that made the change.
pub(crate) async fn freeze(conn: &mut AnyConnection, petition_id: i64, what: Queued) -> Result<Frozen> {
    match what {
        Queued::Strike(sig, _) | Queued::Reinstate(sig) => {
            // The signature as it now stands is the one its latest queued entry records.
            let target: Option<i64> =
                sqlx::query("SELECT id FROM log_queue WHERE kind = $1 AND signature_id = $2 ORDER BY id DESC LIMIT 1")
                    .bind(Kind::Sig.name())
                    .bind(sig)
                    .fetch_optional(&mut *conn)
                    .await?
                    .map(|r| r.try_get(0))
                    .transpose()?;
            Ok(match target {
                Some(t) => Frozen { target: Some(t), ..Frozen::default() },
                None => Frozen { refused: Some(format!("signature {sig} is not in the log")), ..Frozen::default() },
            })
        }
        _ => Ok(Frozen::of(build(conn, petition_id, what).await?)),
    }
}

/// Freezes many signature entries with one read, as a confirmation group queues them.
pub(crate) async fn freeze_sigs(conn: &mut AnyConnection, sigs: &[i64]) -> Result<BTreeMap<i64, Frozen>> {
    let mut out = BTreeMap::new();
    for chunk in sigs.chunks(ROWS_PER_STATEMENT) {
        let list: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT id, petition_id, ward_code, confirmed_at, receipt_commit FROM signatures WHERE id IN ({})",
            list.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for s in chunk {
            q = q.bind(*s);
        }
        for r in q.fetch_all(&mut *conn).await? {
            let (sig, petition_id): (i64, i64) = (r.try_get(0)?, r.try_get(1)?);
            let built = sig_entry(petition_id, sig, r.try_get(2)?, r.try_get(3)?, r.try_get(4)?)?;
            out.insert(sig, Frozen::of(built));
        }
    }
    Ok(out)
}
