//! Confirmations committed in groups, on SQLite and PostgreSQL: each link in a group gets the
//! answer it would get alone, one that cannot be written does not fail the rest, and concurrent
//! confirmations through a `Confirmer` cross the trigger exactly once.

mod common;

use chrono::{Duration, Utc};
use common::{mailing, request, sign_all, world, TestDb};
use petition_core::engine::EventKind;
use petition_core::text::PersonName;
use petition_core::AreaCode;
use petition_store::demo::{self, Person};
use petition_store::lifecycle::{open_petition, Policy};
use petition_store::mail::outbox;
use petition_store::signatures::{self, ConfirmOutcome, Confirmer, SignOutcome};
use petition_store::{counts, lifecycle, Backend, Db};
use sqlx::Row;

async fn scalar(db: &Db, sql: &str, id: i64) -> i64 {
    sqlx::query(sql).bind(id).fetch_one(&db.pool).await.unwrap().try_get(0).unwrap()
}

/// Sign-ups counted once confirmed (log entries and thank-you emails included) for a petition.
async fn written(db: &Db, id: i64) -> (i64, i64, i64) {
    (
        scalar(db, "SELECT COUNT(*) FROM signatures WHERE petition_id = $1 AND status IN ('confirmed', 'review')", id)
            .await,
        scalar(db, "SELECT COUNT(*) FROM log_queue WHERE petition_id = $1 AND kind = 'sig'", id).await,
        sqlx::query("SELECT COUNT(*) FROM outbox WHERE subject LIKE 'Thank you for signing%' AND body LIKE $1")
            .bind(format!("%/petitions/{id}\n%"))
            .fetch_one(&db.pool)
            .await
            .unwrap()
            .try_get(0)
            .unwrap(),
    )
}

fn name(o: &ConfirmOutcome) -> &'static str {
    match o {
        ConfirmOutcome::Counted { .. } => "counted",
        ConfirmOutcome::SentForReview { .. } => "review",
        ConfirmOutcome::AlreadyConfirmed { .. } => "already",
        ConfirmOutcome::ElectorHasSigned { .. } => "elector has signed",
        ConfirmOutcome::Closed { .. } => "closed",
        ConfirmOutcome::Paused { .. } => "paused",
        ConfirmOutcome::Withdrawn { .. } => "withdrawn",
        ConfirmOutcome::Expired { .. } => "expired",
        ConfirmOutcome::UnknownLink => "unknown",
    }
}

#[tokio::test]
async fn a_group_answers_each_link_as_it_would_alone() {
    for t in TestDb::both().await {
        let w = world(t, 1000).await;
        let db = w.t.db.clone();
        let m = mailing();
        let district = AreaCode::parse(demo::DISTRICT).unwrap();
        let now = petition_store::now();
        let open = open_petition(&db, "Open", "T", &district, Utc::now() - Duration::days(1), Policy::default())
            .await
            .unwrap();
        let paused = open_petition(&db, "Paused", "T", &district, Utc::now() - Duration::days(1), Policy::default())
            .await
            .unwrap();
        let people: Vec<Person> = w.people.iter().take(4).cloned().collect();
        let tokens = sign_all(&w, open, &people[..3], now).await;
        // Someone the register does not know at that address: an officer reviews it.
        let mut stranger = request(open, &people[3], 3);
        stranger.name = PersonName::parse("Nobody Onthe Register").unwrap();
        assert_eq!(signatures::sign(&db, &w.secrets, &m, &stranger, now).await.unwrap(), SignOutcome::Unmatched);
        let mut review_token = None;
        while let Some(c) = outbox::claim_next(&db, now, 60).await.unwrap() {
            outbox::mark_sent(&db, &c, now).await.unwrap();
            review_token = c
                .mail
                .body
                .find("/confirm/")
                .map(|s| c.mail.body[s + 9..].split_whitespace().next().unwrap().to_string());
        }
        let review_token = review_token.expect("a confirmation email for the unmatched signer");
        let on_paused = sign_all(&w, paused, &people[..1], now).await;
        lifecycle::pause(&db, &m, paused, now, &lifecycle::ByOfficer { actor: &common::actor(), reason: "an outage" })
            .await
            .unwrap();
        let late = now + 400 * 86_400;
        // Signed a minute before the close and confirmed a minute after: the link is young, the
        // petition closed.
        let deadline = petition_store::petitions::fetch(&db, open).await.unwrap().unwrap().terms.base_closes;
        let mut last_minute = request(open, &w.people[4], 4);
        last_minute.email = petition_core::text::Email::parse("last-minute@example.org").unwrap();
        let last_minute = common::sign_requests(&w, &[last_minute], deadline - 60).await;

        let links = [
            (tokens[0].as_str(), now),
            (tokens[1].as_str(), now),
            (tokens[0].as_str(), now), // the same link twice in one group
            (review_token.as_str(), now),
            (on_paused[0].as_str(), now),
            (last_minute[0].as_str(), deadline + 60), // after the window
            (tokens[2].as_str(), late),               // more than two days after the email
            ("no-such-link", now),
        ];
        let got: Vec<&str> =
            signatures::confirm_all(&db, &m, &links).await.iter().map(|r| name(r.as_ref().unwrap())).collect();
        assert_eq!(
            got,
            ["counted", "counted", "already", "review", "paused", "closed", "expired", "unknown"],
            "{}",
            w.t.name
        );
        // Exactly what was written is counted, logged and thanked: two counted, one for review.
        assert_eq!(written(&db, open).await, (3, 2, 3), "{}", w.t.name);
        assert_eq!(written(&db, paused).await, (0, 0, 0), "{}", w.t.name);
        assert!(counts::check(&db, open).await.unwrap().is_empty());
        assert_eq!(counts::recount(&db, open).await.unwrap().values().sum::<u64>(), 2);
        // A group of links that are all answered without writing changes nothing.
        let again: Vec<&str> =
            signatures::confirm_all(&db, &m, &links[..3]).await.iter().map(|r| name(r.as_ref().unwrap())).collect();
        assert_eq!(again, ["already", "already", "already"]);
        assert_eq!(written(&db, open).await, (3, 2, 3));
        w.t.close().await;
    }
}

/// Makes the database refuse to confirm one attempt, as a fault that only it would hit.
async fn refuse_to_confirm(db: &Db, attempt_id: i64) {
    let statements: Vec<String> = match db.backend {
        Backend::Sqlite => vec![format!(
            "CREATE TRIGGER refuse_one BEFORE UPDATE OF decided_at ON sign_attempts WHEN NEW.id = {attempt_id}
             BEGIN SELECT RAISE(ABORT, 'refused for the test'); END"
        )],
        Backend::Postgres => vec![
            format!(
                "CREATE FUNCTION refuse_one() RETURNS trigger AS $$ BEGIN
                   IF NEW.id = {attempt_id} THEN RAISE EXCEPTION 'refused for the test'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
            ),
            "CREATE TRIGGER refuse_one BEFORE UPDATE ON sign_attempts FOR EACH ROW EXECUTE FUNCTION refuse_one()".into(),
        ],
    };
    for s in statements {
        sqlx::raw_sql(&s).execute(&db.pool).await.unwrap();
    }
}

#[tokio::test]
async fn one_confirmation_that_fails_does_not_fail_its_group() {
    for t in TestDb::both().await {
        let w = world(t, 1000).await;
        let db = w.t.db.clone();
        let m = mailing();
        let district = AreaCode::parse(demo::DISTRICT).unwrap();
        let now = petition_store::now();
        let id = open_petition(&db, "Faults", "T", &district, Utc::now() - Duration::days(1), Policy::default())
            .await
            .unwrap();
        let people: Vec<Person> = w.people.iter().take(6).cloned().collect();
        let tokens = sign_all(&w, id, &people, now).await;
        let bad: i64 =
            sqlx::query("SELECT MIN(id) FROM sign_attempts WHERE petition_id = $1 AND email = 'signer3@example.org'")
                .bind(id)
                .fetch_one(&db.pool)
                .await
                .unwrap()
                .try_get(0)
                .unwrap();
        refuse_to_confirm(&db, bad).await;
        let links: Vec<(&str, i64)> = tokens.iter().map(|t| (t.as_str(), now)).collect();
        let results = signatures::confirm_all(&db, &m, &links).await;
        for (i, r) in results.iter().enumerate() {
            if i == 3 {
                assert!(r.is_err(), "{}: the refused one reports its failure: {r:?}", w.t.name);
            } else {
                assert_eq!(name(r.as_ref().unwrap()), "counted", "{}: signer {i}", w.t.name);
            }
        }
        assert_eq!(written(&db, id).await, (5, 5, 5), "{}", w.t.name);
        assert!(counts::check(&db, id).await.unwrap().is_empty());
        // Once the fault is gone, the same link works.
        sqlx::raw_sql("DROP TRIGGER refuse_one").execute(&db.pool).await.ok();
        sqlx::raw_sql("DROP TRIGGER IF EXISTS refuse_one ON sign_attempts").execute(&db.pool).await.ok();
        assert_eq!(name(&signatures::confirm(&db, &m, &tokens[3], now).await.unwrap()), "counted", "{}", w.t.name);
        assert_eq!(written(&db, id).await, (6, 6, 6), "{}", w.t.name);
        w.t.close().await;
    }
}

#[tokio::test]
async fn concurrent_confirmations_through_a_confirmer_cross_the_trigger_once() {
    for t in TestDb::both().await {
        let w = world(t, 20).await;
        let db = w.t.db.clone();
        let district = AreaCode::parse(demo::DISTRICT).unwrap();
        let id = open_petition(&db, "Grouped", "T", &district, Utc::now() - Duration::days(1), Policy::default())
            .await
            .unwrap();
        let people = common::distinct_signers(&w.people, 48);
        assert_eq!(people.len(), 48, "the small demo has enough electors");
        let now = petition_store::now();
        let tokens = sign_all(&w, id, &people, now).await;
        let confirmer = Confirmer::start(db.clone(), mailing(), 16);
        let start = std::sync::Arc::new(tokio::sync::Barrier::new(tokens.len()));
        let tasks: Vec<_> = tokens
            .into_iter()
            .map(|token| {
                let (confirmer, start) = (confirmer.clone(), start.clone());
                tokio::spawn(async move {
                    start.wait().await;
                    confirmer.confirm(&token, petition_store::now()).await.unwrap()
                })
            })
            .collect();
        for task in tasks {
            assert_eq!(name(&task.await.unwrap()), "counted", "{}", w.t.name);
        }
        // Every answer came after its group's commit and settle: the event is already there.
        let events = lifecycle::events(&db, id).await.unwrap();
        let reached: Vec<_> = events.iter().filter(|r| r.event.kind == EventKind::ThresholdReached).collect();
        assert_eq!(reached.len(), 1, "{}: {events:?}", w.t.name);
        assert!(reached[0].event.valid >= 20);
        assert_eq!(written(&db, id).await, (48, 48, 48), "{}", w.t.name);
        assert!(counts::check(&db, id).await.unwrap().is_empty());
        assert_eq!(counts::recount(&db, id).await.unwrap().values().sum::<u64>(), 48);
        if db.backend == Backend::Postgres {
            // Rows written by one transaction share its id: fewer transactions than signatures,
            // and none larger than the limit.
            let groups: Vec<i64> = sqlx::query(
                "SELECT CAST(COUNT(*) AS BIGINT) FROM signatures WHERE petition_id = $1 AND status = 'confirmed' GROUP BY xmin::text",
            )
            .bind(id)
            .fetch_all(&db.pool)
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get(0).unwrap())
            .collect();
            assert!(groups.len() < 48 && groups.iter().all(|&n| n <= 16), "group sizes {groups:?}");
        }
        w.t.close().await;
    }
}
