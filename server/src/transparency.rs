//! The transparency log over HTTP (`../shared/docs/transparency.md`): checkpoints, tiles, entry
//! bundles, tally notes, keys and inclusion proofs, with CORS for everyone and the caching each
//! asks for; and the sequencer task that appends and signs.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use base64::Engine;
use petition_store::transparency::{self as log, LogKeys, Sequencer};
use petition_store::Db;
use petition_tlog::checkpoint::parse_u64;
use petition_tlog::tile::Tile;

/// The most a confirmed signature waits for a signed checkpoint is about this plus one batch.
const MERGE_EVERY: Duration = Duration::from_secs(1);

#[derive(Clone)]
pub struct LogState {
    db: Db,
    verifiers: Arc<str>,
}

const LATEST: &str = "public, max-age=2";
const FOREVER: &str = "public, max-age=31536000, immutable";

fn reply(body: impl IntoResponse, kind: &'static str, cache: &'static str) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    r
}

const TEXT: &str = "text/plain; charset=utf-8";

fn missing(what: &str) -> Response {
    let mut r = reply(format!("{what}\n"), TEXT, "no-store");
    *r.status_mut() = StatusCode::NOT_FOUND;
    r
}

fn failed(e: petition_store::StoreError) -> Response {
    tracing::error!("log read failed: {e}");
    let mut r = reply("the log is unavailable; try again shortly\n", TEXT, "no-store");
    *r.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    r
}

fn note(found: Result<Option<String>, petition_store::StoreError>, cache: &'static str, what: &str) -> Response {
    match found {
        Ok(Some(n)) => reply(n, TEXT, cache),
        Ok(None) => missing(what),
        Err(e) => failed(e),
    }
}

async fn checkpoint(State(s): State<LogState>) -> Response {
    note(log::checkpoint(&s.db).await, LATEST, "no checkpoint has been signed yet")
}

async fn checkpoint_at(State(s): State<LogState>, Path(size): Path<String>) -> Response {
    let Some(size) = parse_u64(&size) else { return missing("no such checkpoint") };
    note(log::checkpoint_at(&s.db, size).await, FOREVER, "no checkpoint of that size")
}

async fn tile(State(s): State<LogState>, Path(path): Path<String>) -> Response {
    let Some((t, entries)) = Tile::parse_path(&format!("tile/{path}")) else { return missing("no such tile") };
    match log::tile(&s.db, t, entries).await {
        Ok(Some(bytes)) => reply(bytes, "application/octet-stream", FOREVER),
        Ok(None) => missing("no such tile"),
        Err(e) => failed(e),
    }
}

fn petition(id: &str) -> Option<i64> {
    parse_u64(id).and_then(|n| i64::try_from(n).ok())
}

async fn tally(State(s): State<LogState>, Path(id): Path<String>) -> Response {
    let Some(id) = petition(&id) else { return missing("no such petition in the log") };
    note(log::tally(&s.db, id, None).await, LATEST, "no tally for that petition yet")
}

async fn tally_at(State(s): State<LogState>, Path((id, size)): Path<(String, String)>) -> Response {
    let (Some(id), Some(size)) = (petition(&id), parse_u64(&size)) else { return missing("no such tally") };
    note(log::tally(&s.db, id, Some(size)).await, FOREVER, "no tally for that petition at that size")
}

async fn verifier_keys(State(s): State<LogState>) -> Response {
    reply(s.verifiers.to_string(), TEXT, "public, max-age=3600")
}

async fn proof(State(s): State<LogState>, Path((id, commit)): Path<(String, String)>) -> Response {
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let bytes = engine.decode(commit.trim_end_matches('=')).ok();
    let (Some(id), Some(commit)) = (petition(&id), bytes.and_then(|b| <[u8; 32]>::try_from(b).ok())) else {
        return missing("no such signature");
    };
    // Not yet in a signed checkpoint is "not found, try again": nothing may cache it.
    match log::proof(&s.db, id, &commit).await {
        Ok(Some(p)) => reply(p, TEXT, LATEST),
        Ok(None) => missing("that signature is not in a signed checkpoint (yet: they are signed within seconds)"),
        Err(e) => failed(e),
    }
}

/// A petition's certificate: the tlog-proof of its `certify/v1` entry in the first checkpoint
/// that holds it, which never changes once there.
async fn certificate(State(s): State<LogState>, Path(id): Path<String>) -> Response {
    let Some(id) = petition(&id) else { return missing("no such certificate") };
    match log::certificate(&s.db, id).await {
        Ok(Some(p)) => reply(p, TEXT, FOREVER),
        Ok(None) => {
            missing("that petition has no certificate in a signed checkpoint (yet: they are signed within seconds)")
        }
        Err(e) => failed(e),
    }
}

pub fn router(db: Db, keys: &LogKeys) -> Router {
    let state = LogState { db, verifiers: keys.verifiers().into() };
    Router::new()
        .route("/log/checkpoint", get(checkpoint))
        .route("/log/checkpoints/{size}", get(checkpoint_at))
        .route("/log/tile/{*path}", get(tile))
        .route("/log/tally/{id}", get(tally))
        .route("/log/tally/{id}/{size}", get(tally_at))
        .route("/log/keys", get(verifier_keys))
        .route("/log/proof/{id}/{commit}", get(proof))
        .route("/log/certificate/{id}", get(certificate))
        .with_state(state)
}

/// Appends and signs every second while anything is queued, or at once when `wake` is notified
/// (an officer waiting for a change to reach the log); any number of servers may run one.
pub async fn sequence(mut seq: Sequencer, wake: Arc<tokio::sync::Notify>) {
    loop {
        let pacing = seq.pacing();
        match seq.run(petition_store::now(), pacing.batch).await {
            Ok(b) => {
                if !b.refused.is_empty() {
                    tracing::error!(refused = ?b.refused, "queued changes that the log's rules refuse; an officer must look");
                }
                if b.appended > 0 {
                    tracing::info!(appended = b.appended, size = b.size, "signed a checkpoint");
                    tokio::time::sleep(pacing.pause).await;
                    continue;
                }
            }
            Err(e) => tracing::warn!("the sequencer could not append (will retry): {e}"),
        }
        tokio::select! {
            _ = tokio::time::sleep(MERGE_EVERY) => {}
            _ = wake.notified() => {}
        }
    }
}
