//! A surge: thousands of signers sign at once, then press Confirm at once, on one petition whose
//! trigger lies in the middle of the crowd. Reports signatures and confirmations per second and
//! how long after the count first stood at the trigger the "threshold reached" event was
//! recorded (as a watcher polling both every few milliseconds sees it).
//!
//! ```sh
//! cargo bench -p petition-store --bench surge                  # SQLite, 2,000 signers, 64 at a time
//! cargo bench -p petition-store --bench surge -- postgres 4000 128
//! cargo bench -p petition-store --bench surge -- sqlite 2000 64 one   # each in its own transaction
//! cargo bench -p petition-store --bench surge -- sqlite 20000 64 grouped backlog
//! ```
//!
//! `backlog`: all but the last 2,000 confirm with no sequencer running, so that their log entries
//! wait; then the last 2,000 confirm while a sequencer catches up as a server's does (a batch of
//! [`Pacing`](petition_store::transparency::sequencer::Pacing): batches a short pause apart
//! while there are more; `BATCH=…` in the environment tries another size). Their latency is reported beside that of the first 2,000 to
//! confirm, which met no sequencer.
//!
//! By default signatures and confirmations go through a [`Signer`] and a [`Confirmer`], as in the
//! server, which commit them in groups; `one` gives each its own transaction, for comparison.
//!
//! The machine is shared and noisy: compare runs made one after the other, not across machines.

#[path = "../tests/common.rs"]
mod common;

use chrono::{Duration, Utc};
use common::TestDb;
use petition_core::address::Uprn;
use petition_core::engine::EventKind;
use petition_core::text::{Email, PersonName};
use petition_core::{AreaCode, Postcode};
use petition_store::demo::{self, Size};
use petition_store::lifecycle::{open_petition, Policy};
use petition_store::mail::outbox;
use petition_store::mail::Mailing;
use petition_store::signatures::attempts::DEFAULT_ATTEMPT_LIFETIME;
use petition_store::signatures::{self, AddressChoice, ConfirmOutcome, Confirmer, SignRequest, Signer};
use petition_store::transparency::sequencer::Sequencer;
use petition_store::{counts, lifecycle};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

fn mailing() -> Mailing {
    Mailing {
        base_url: "http://bench.invalid".into(),
        officer_emails: vec!["elections@council.example".into()],
        attempt_lifetime: DEFAULT_ATTEMPT_LIFETIME,
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let backend = args.first().map(String::as_str).unwrap_or("sqlite").to_string();
    let n: usize = args.get(1).map_or(2000, |s| s.parse().expect("N is a number"));
    let workers: usize = args.get(2).map_or(64, |s| s.parse().expect("concurrency is a number"));
    let grouped = match args.get(3).map(String::as_str) {
        None | Some("grouped") => true,
        Some("one") => false,
        Some(other) => panic!("the fourth argument is grouped or one, not {other}"),
    };
    let backlog = match args.get(4).map(String::as_str) {
        None => false,
        Some("backlog") => true,
        Some(other) => panic!("the fifth argument is backlog, not {other}"),
    };
    // The last ones to confirm, while the sequencer catches up on the others' entries.
    let last = if backlog { 2_000.min(n / 2) } else { 0 };
    let t = match backend.as_str() {
        "sqlite" => TestDb::sqlite().await,
        "postgres" => TestDb::postgres().await,
        other => panic!("backend is sqlite or postgres, not {other}"),
    };
    let required = (n / 2) as u64;
    // Enough electors in the district for `n` signers (the demo has about 3,000).
    let size = Size::demo(n.div_ceil(2_000));
    let w = common::world_of(t, size, 11, required).await;
    let db = w.t.db.clone();
    let district = AreaCode::parse(demo::DISTRICT).unwrap();
    let id = open_petition(
        &db,
        "Surge",
        "A surge of signatures.",
        &district,
        Utc::now() - Duration::days(1),
        Policy::default(),
    )
    .await
    .unwrap();
    let people = common::distinct_signers(&w.people, n);
    assert_eq!(people.len(), n, "the demo district has only {} local electors", people.len());

    let now = petition_store::now();
    let requests: Vec<SignRequest> = people
        .iter()
        .enumerate()
        .map(|(i, p)| SignRequest {
            petition_id: id,
            name: PersonName::parse(&p.name).unwrap(),
            email: Email::parse(&format!("s{i}@example.org")).unwrap(),
            postcode: Postcode::parse(&p.postcode).unwrap(),
            address: AddressChoice::Listed(Uprn::parse(&p.uprn).unwrap()),
        })
        .collect();
    let signer = grouped.then(|| Signer::start(db.clone(), w.secrets.clone(), mailing(), 256));
    let requests = Arc::new(tokio::sync::Mutex::new(requests));
    let started = Instant::now();
    let tasks: Vec<_> = (0..workers)
        .map(|_| {
            let (db, secrets, requests, signer) = (db.clone(), w.secrets.clone(), requests.clone(), signer.clone());
            tokio::spawn(async move {
                loop {
                    let Some(req) = requests.lock().await.pop() else { return };
                    match &signer {
                        Some(s) => s.sign(&req, now).await,
                        None => signatures::sign(&db, &secrets, &mailing(), &req, now).await,
                    }
                    .unwrap();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let signing_secs = started.elapsed().as_secs_f64();
    let mut tokens = HashMap::new();
    while let Some(c) = outbox::claim_next(&db, now, 60).await.unwrap() {
        outbox::mark_sent(&db, &c, now).await.unwrap();
        if let Some(start) = c.mail.body.find("/confirm/") {
            tokens.insert(
                c.mail.recipient.clone(),
                c.mail.body[start + 9..].split_whitespace().next().unwrap().to_string(),
            );
        }
    }
    let tokens: Vec<String> = tokens.into_values().collect();
    assert_eq!(tokens.len(), n, "one confirmation email per signer");

    // The watcher: the first moment the count stands at the trigger, and the first moment the
    // event is there.
    let done = Arc::new(AtomicBool::new(false));
    let watcher = {
        let (db, done) = (db.clone(), done.clone());
        tokio::spawn(async move {
            let (mut count_at, mut event_at) = (None, None);
            while !done.load(Ordering::Relaxed) || event_at.is_none() {
                let mut conn = db.pool.acquire().await.unwrap();
                let count = counts::valid_count(&mut conn, id).await.unwrap();
                drop(conn);
                let reached = lifecycle::events(&db, id)
                    .await
                    .unwrap()
                    .iter()
                    .any(|r| r.event.kind == EventKind::ThresholdReached);
                let t = Instant::now();
                if count >= required && count_at.is_none() {
                    count_at = Some(t);
                }
                if reached && event_at.is_none() {
                    event_at = Some(t);
                }
                tokio::time::sleep(std::time::Duration::from_millis(2)).await;
            }
            (count_at, event_at)
        })
    };

    let confirmer = grouped.then(|| Confirmer::start(db.clone(), mailing(), 256));
    let mut tokens = tokens;
    let late = tokens.split_off(n - last);
    let started = Instant::now();
    let mut latencies = confirm_all(&db, &confirmer, tokens, workers).await;
    let mut secs = started.elapsed().as_secs_f64();
    if backlog {
        // The first 2,000 to confirm, as a baseline: no sequencer was running then either.
        let mut quiet = latencies[..last.min(latencies.len())].to_vec();
        quiet.sort_by(f64::total_cmp);
        let stop = Arc::new(AtomicBool::new(false));
        let sequencer = {
            let (db, stop) = (db.clone(), stop.clone());
            tokio::spawn(async move {
                let mut seq = Sequencer::new(db, common::log_keys());
                let mut pacing = seq.pacing();
                if let Ok(b) = std::env::var("BATCH") {
                    pacing.batch = b.parse().expect("BATCH is a number");
                }
                let mut batches = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let t = Instant::now();
                    let b = seq.run(petition_store::now(), pacing.batch).await.unwrap();
                    batches.push((b.appended, t.elapsed().as_secs_f64() * 1000.0));
                    // As the server's: on after a short pause while there is more, else a
                    // second's wait.
                    let pause = if b.appended > 0 { pacing.pause } else { std::time::Duration::from_millis(1000) };
                    tokio::time::sleep(pause).await;
                }
                batches
            })
        };
        // Confirmations arriving while the first batch is being built and signed.
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let started = Instant::now();
        let mut during = confirm_all(&db, &confirmer, late, workers).await;
        secs += started.elapsed().as_secs_f64();
        stop.store(true, Ordering::Relaxed);
        let batches = sequencer.await.unwrap();
        during.sort_by(f64::total_cmp);
        let p = |v: &[f64], q: f64| v[((v.len() - 1) as f64 * q) as usize];
        println!("backlog of {} entries: sequencer batches (entries, ms): {batches:?}", n - last);
        println!(
            "confirmation latency ms, no sequencer: median {:.1}, p99 {:.1}; during the catch-up: median {:.1}, p99 {:.1}, max {:.1}",
            p(&quiet, 0.5),
            p(&quiet, 0.99),
            p(&during, 0.5),
            p(&during, 0.99),
            p(&during, 1.0)
        );
        latencies.extend(during);
    }
    done.store(true, Ordering::Relaxed);
    let (count_at, event_at) = watcher.await.unwrap();
    latencies.sort_by(f64::total_cmp);
    let pct = |p: f64| latencies[((latencies.len() - 1) as f64 * p) as usize];

    let events = lifecycle::events(&db, id).await.unwrap();
    let reached = events.iter().filter(|r| r.event.kind == EventKind::ThresholdReached).count();
    let recount: u64 = counts::recount(&db, id).await.unwrap().values().sum();
    let how = if grouped { "committed in groups" } else { "each in its own transaction" };
    println!("backend {backend}, {n} signers, {workers} confirming at a time ({how}), trigger at {required}");
    println!("signing: {:.0} per second", n as f64 / signing_secs);
    println!("confirming: {:.0} per second ({n} in {secs:.2} s)", n as f64 / secs);
    println!("confirmation latency ms: median {:.1}, p99 {:.1}, max {:.1}", pct(0.5), pct(0.99), pct(1.0));
    match (count_at, event_at) {
        (Some(c), Some(e)) => println!(
            "threshold reached recorded {:.1} ms after the count first stood at the trigger (as polled; negative means in the same poll)",
            e.saturating_duration_since(c).as_secs_f64() * 1000.0
        ),
        other => println!("watcher saw count/event at {other:?}"),
    }
    let counters: u64 = counts::by_ward(&db, id).await.unwrap().values().sum();
    println!("threshold-reached events: {reached}; counters {counters}, recount {recount}");
    assert_eq!(reached, 1, "exactly one threshold-reached event");
    assert_eq!(recount, n as u64);
    assert_eq!(counters, recount, "the counters agree with the recount");
    w.t.close().await;
}

/// Confirms every token, `workers` at a time; the latency of each in milliseconds, in the order
/// they finished.
async fn confirm_all(
    db: &petition_store::db::Db,
    confirmer: &Option<Confirmer>,
    tokens: Vec<String>,
    workers: usize,
) -> Vec<f64> {
    let queue = Arc::new(tokio::sync::Mutex::new(tokens));
    let finished = Arc::new(std::sync::Mutex::new(Vec::new()));
    let tasks: Vec<_> = (0..workers)
        .map(|_| {
            let (db, queue, confirmer, finished) = (db.clone(), queue.clone(), confirmer.clone(), finished.clone());
            tokio::spawn(async move {
                loop {
                    let Some(token) = queue.lock().await.pop() else { return };
                    let t = Instant::now();
                    let now = petition_store::now();
                    let out = match &confirmer {
                        Some(c) => c.confirm(&token, now).await,
                        None => signatures::confirm(&db, &mailing(), &token, now).await,
                    }
                    .unwrap();
                    assert!(matches!(out, ConfirmOutcome::Counted { .. }), "{out:?}");
                    finished.lock().unwrap().push(t.elapsed().as_secs_f64() * 1000.0);
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let v = finished.lock().unwrap().clone();
    v
}
