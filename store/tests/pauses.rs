//! Pauses in the transparency log, on SQLite and PostgreSQL: a pause and its resume are logged
//! with the events, signatures confirmed in the time the pauses added are logged, and the log,
//! the signed tally and the site's count agree, as an observer checks from what is published.

mod common;

use chrono::Utc;
use common::{entries_of, log_keys as keys, mailing, observe, sign_all, world, TestDb, World, LOG_ORIGIN as ORIGIN};
use petition_core::engine::StrikeReason;
use petition_store::signatures::{self, ConfirmOutcome, SignatureChange};
use petition_store::transparency::{self as log, Sequencer};
use petition_store::{counts, lifecycle, petitions, Db};
use petition_tlog::entry::{Entry, Ident};
use petition_tlog::tally::Tally;
use sqlx::Row;

const DAY: i64 = 86_400;

/// Signs and confirms for `n` people from `from` on, at `at`; returns the signature ids.
async fn confirm_at(w: &World, id: i64, from: usize, n: usize, at: i64) -> Vec<i64> {
    let people = &w.people[from..from + n];
    for token in sign_all(w, id, people, at).await {
        let outcome = signatures::confirm(&w.t.db, &mailing(), &token, at).await.unwrap();
        assert!(matches!(outcome, ConfirmOutcome::Counted { .. }), "{}: {outcome:?}", w.t.name);
    }
    let rows = sqlx::query("SELECT id FROM signatures WHERE petition_id = $1 AND confirmed_at = $2 ORDER BY id")
        .bind(id)
        .bind(at)
        .fetch_all(&w.t.db.pool)
        .await
        .unwrap();
    rows.iter().map(|r| r.try_get(0).unwrap()).collect()
}

/// The deadline in force, as the petition row keeps it.
async fn deadline(db: &Db, id: i64) -> i64 {
    let mut conn = db.pool.acquire().await.unwrap();
    let p = petitions::load(&mut conn, id).await.unwrap().unwrap();
    p.terms.deadline(&p.state).expect("not paused")
}

/// The signed tally of petition `id` as published now.
async fn published(db: &Db, id: i64) -> Tally {
    let note = log::tally(db, id, None).await.unwrap().expect("a tally note");
    Tally::parse(&petition_tlog::note::Note::parse(note.as_bytes()).unwrap().text).unwrap()
}

/// Valid signatures as the counters keep them, and as the public page shows them.
async fn site_counts(db: &Db, id: i64) -> (u64, u64) {
    let counters = counts::by_ward(db, id).await.unwrap().values().sum::<u64>();
    let shown = petition_store::read::public::petition_summary(db, id, Utc::now()).await.unwrap().unwrap().valid;
    (counters, shown)
}

#[tokio::test]
async fn signatures_confirmed_in_the_time_pauses_added_are_logged_and_counted_alike() {
    for t in TestDb::both().await {
        let w = world(t, 50).await;
        let db = w.t.db.clone();
        let m = mailing();
        let (id, opens, base) = common::open_a_day_ago(&db, "Paused").await;
        let mut seq = Sequencer::new(db.clone(), keys());
        let t0 = petition_store::now();
        let before = confirm_at(&w, id, 0, 3, t0).await;

        // Two pauses, with a strike during the first; each resume moves the deadline on by its length.
        let (p1, r1) = (t0 + 100, t0 + 100 + 3 * DAY);
        lifecycle::pause(&db, &m, id, p1, &lifecycle::ByOfficer { actor: &common::actor(), reason: "an outage" })
            .await
            .unwrap();
        signatures::change_signature(
            &db,
            &m,
            before[0],
            SignatureChange::Strike(StrikeReason::Duplicate),
            &common::actor(),
            "",
            p1 + 10,
        )
        .await
        .unwrap();
        assert!(seq.run(p1 + 20, 1000).await.unwrap().refused.is_empty(), "{}", w.t.name);
        lifecycle::resume(&db, &m, id, r1, &lifecycle::ByOfficer { actor: &common::actor(), reason: "" })
            .await
            .unwrap();
        assert_eq!(deadline(&db, id).await, base + 3 * DAY);
        confirm_at(&w, id, 3, 1, r1).await;
        let (p2, r2) = (r1 + DAY, r1 + DAY + 7 * DAY + 5);
        lifecycle::pause(&db, &m, id, p2, &lifecycle::ByOfficer { actor: &common::actor(), reason: "polling day" })
            .await
            .unwrap();
        lifecycle::resume(&db, &m, id, r2, &lifecycle::ByOfficer { actor: &common::actor(), reason: "" })
            .await
            .unwrap();
        let end = base + 3 * DAY + 7 * DAY + 5;
        assert_eq!(deadline(&db, id).await, end, "{}: the window's end plus both pauses", w.t.name);

        // After the window's original end, inside what the pauses added: at once, and at the last second.
        confirm_at(&w, id, 4, 2, base + 60).await;
        confirm_at(&w, id, 6, 1, end - 1).await;
        let batch = seq.run(end - 1, 1000).await.unwrap();
        assert!(batch.refused.is_empty(), "{}: {:?}", w.t.name, batch.refused);

        let logged = entries_of(&db, id).await;
        let pid = Ident::parse(&id.to_string()).unwrap();
        let at = |e: &Entry| match e {
            Entry::Sig { at, .. } => Some(*at as i64),
            _ => None,
        };
        assert_eq!(
            logged
                .iter()
                .filter(|e| matches!(e, Entry::Pause { .. } | Entry::Resume { .. }))
                .cloned()
                .collect::<Vec<_>>(),
            [
                Entry::Pause { id: pid.clone(), at: p1 as u64 },
                Entry::Resume { id: pid.clone(), at: r1 as u64, closes: (base + 3 * DAY) as u64 },
                Entry::Pause { id: pid.clone(), at: p2 as u64 },
                Entry::Resume { id: pid.clone(), at: r2 as u64, closes: end as u64 },
            ],
            "{}",
            w.t.name
        );
        let sig_times: Vec<i64> = logged.iter().filter_map(at).collect();
        assert_eq!(
            sig_times,
            [t0, t0, t0, r1, base + 60, base + 60, end - 1],
            "{}: every signature is in the log",
            w.t.name
        );

        let tally = published(&db, id).await;
        assert_eq!(
            (tally.terms.opens, tally.terms.closes),
            (opens as u64, end as u64),
            "{}: the window's new end",
            w.t.name
        );
        assert!(tally.text().contains(&format!("\nwindow {opens} {end}\n")));
        assert_eq!((tally.total.recorded, tally.total.valid()), (7, 6));
        let (counters, shown) = site_counts(&db, id).await;
        assert_eq!((counters, shown), (6, 6), "{}: the site counts what the tally states", w.t.name);

        // The close comes at the new end, and the log takes it.
        assert_eq!(lifecycle::close_due(&db, &m, end).await.unwrap(), 1);
        assert!(seq.run(end + 1, 1000).await.unwrap().refused.is_empty());
        let (cp, replay) = observe(&db, &keys()).await;
        let closed = replay.tally(&pid, ORIGIN, &cp.root).unwrap();
        assert_eq!((closed.status.code(), closed.terms.closes), ("closed-not-reached", end as u64));
        assert_eq!(logged.len() + 1, entries_of(&db, id).await.len(), "{}: the close and nothing else", w.t.name);
        w.t.close().await;
    }
}

/// The flaw this guards: a pause moved the deadline but was not in the log, so the sequencer
/// refused every signature confirmed after the window's original end ("a signature dated outside
/// the petition's window"), and the site counted signatures the published tally did not.
#[tokio::test]
async fn a_signature_confirmed_after_the_original_end_of_a_paused_petition_is_published() {
    for t in TestDb::both().await {
        let w = world(t, 50).await;
        let db = w.t.db.clone();
        let m = mailing();
        let (id, _, base) = common::open_a_day_ago(&db, "Paused").await;
        let t0 = petition_store::now();
        lifecycle::pause(&db, &m, id, t0, &lifecycle::ByOfficer { actor: &common::actor(), reason: "an outage" })
            .await
            .unwrap();
        lifecycle::resume(&db, &m, id, t0 + DAY, &lifecycle::ByOfficer { actor: &common::actor(), reason: "" })
            .await
            .unwrap();
        confirm_at(&w, id, 0, 1, base + 10).await;
        let batch = Sequencer::new(db.clone(), keys()).run(base + 10, 1000).await.unwrap();
        assert!(batch.refused.is_empty(), "{}: {:?}", w.t.name, batch.refused);
        assert_eq!(published(&db, id).await.total.valid(), 1, "{}", w.t.name);
        assert_eq!(site_counts(&db, id).await, (1, 1));
        observe(&db, &keys()).await;
        w.t.close().await;
    }
}

/// A link opened during a pause whose confirmation is written only after the resume would be
/// dated inside the pause, which the log refuses: it is not written then, and works once opened
/// again.
#[tokio::test]
async fn a_confirmation_dated_inside_a_pause_is_not_written_after_the_resume() {
    for t in TestDb::both().await {
        let w = world(t, 50).await;
        let db = w.t.db.clone();
        let m = mailing();
        let (id, _, _) = common::open_a_day_ago(&db, "Paused").await;
        let t0 = petition_store::now();
        let token = sign_all(&w, id, &w.people[..1], t0).await.remove(0);
        lifecycle::pause(&db, &m, id, t0 + 10, &lifecycle::ByOfficer { actor: &common::actor(), reason: "an outage" })
            .await
            .unwrap();
        lifecycle::resume(&db, &m, id, t0 + 100, &lifecycle::ByOfficer { actor: &common::actor(), reason: "" })
            .await
            .unwrap();
        let outcome = signatures::confirm(&db, &m, &token, t0 + 50).await.unwrap();
        assert!(matches!(outcome, ConfirmOutcome::Paused { .. }), "{}: {outcome:?}", w.t.name);
        let outcome = signatures::confirm(&db, &m, &token, t0 + 100).await.unwrap();
        assert!(matches!(outcome, ConfirmOutcome::Counted { .. }), "{}: {outcome:?}", w.t.name);
        assert!(Sequencer::new(db.clone(), keys()).run(t0 + 100, 1000).await.unwrap().refused.is_empty());
        assert_eq!(site_counts(&db, id).await, (1, 1));
        observe(&db, &keys()).await;
        w.t.close().await;
    }
}

/// A petition paused before pauses were logged (their queue rows are removed here to make one):
/// its log cannot follow its deadline, so its later pauses are refused when queued, with the
/// reason, rather than logged half; its log stays as it was and its close is still logged.
#[tokio::test]
async fn a_petition_paused_before_pauses_were_logged_keeps_its_old_log() {
    for t in TestDb::both().await {
        let w = world(t, 50).await;
        let db = w.t.db.clone();
        let m = mailing();
        let (id, _, base) = common::open_a_day_ago(&db, "Paused").await;
        let t0 = petition_store::now();
        lifecycle::pause(
            &db,
            &m,
            id,
            t0,
            &lifecycle::ByOfficer { actor: &common::actor(), reason: "before the upgrade" },
        )
        .await
        .unwrap();
        lifecycle::resume(&db, &m, id, t0 + DAY, &lifecycle::ByOfficer { actor: &common::actor(), reason: "" })
            .await
            .unwrap();
        sqlx::query("DELETE FROM log_queue WHERE petition_id = $1 AND kind IN ('pause', 'resume')")
            .bind(id)
            .execute(&db.pool)
            .await
            .unwrap();
        let mut seq = Sequencer::new(db.clone(), keys());
        seq.run(t0 + DAY, 1000).await.unwrap();

        lifecycle::pause(
            &db,
            &m,
            id,
            t0 + 2 * DAY,
            &lifecycle::ByOfficer { actor: &common::actor(), reason: "after the upgrade" },
        )
        .await
        .unwrap();
        lifecycle::resume(&db, &m, id, t0 + 3 * DAY, &lifecycle::ByOfficer { actor: &common::actor(), reason: "" })
            .await
            .unwrap();
        let refused: Vec<(String, String)> = sqlx::query(
            "SELECT kind, refused FROM log_queue WHERE petition_id = $1 AND refused IS NOT NULL ORDER BY id",
        )
        .bind(id)
        .fetch_all(&db.pool)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
        assert_eq!(refused.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(), ["pause", "resume"], "{}", w.t.name);
        assert!(refused[0].1.contains("made before pauses were logged"), "{}", refused[0].1);
        assert_eq!(seq.run(t0 + 3 * DAY, 1000).await.unwrap().appended, 0);
        assert_eq!(published(&db, id).await.terms.closes, base as u64, "the log's window is the petition's");

        let end = deadline(&db, id).await;
        assert_eq!(end, base + 2 * DAY);
        assert_eq!(lifecycle::close_due(&db, &m, end).await.unwrap(), 1);
        assert!(seq.run(end, 1000).await.unwrap().refused.is_empty());
        let logged = entries_of(&db, id).await;
        assert!(matches!(logged.last(), Some(Entry::Close { .. })), "{}: {logged:?}", w.t.name);
        assert!(!logged.iter().any(|e| matches!(e, Entry::Pause { .. } | Entry::Resume { .. })));
        w.t.close().await;
    }
}
