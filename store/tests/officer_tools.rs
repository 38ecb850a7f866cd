//! The officers' tools beyond one signature at a time, on both databases: a bulk strike by a
//! selection (previewed, then made in one transaction, each strike logged and audited), the
//! signatures as CSV for the office, the public counts, and the review queue's reasons.

mod common;

use chrono::{Duration, Utc};
use common::{distinct_signers, mailing, request, sign_requests, world, TestDb};
use petition_core::engine::StrikeReason;
use petition_core::text::{Email, PersonName};
use petition_core::AreaCode;
use petition_store::lifecycle::{open_petition, ByOfficer, Policy};
use petition_store::read::{exports, review};
use petition_store::signatures::bulk::{self, Selection};
use petition_store::{audit, counts, demo, signatures};

#[tokio::test]
async fn a_bulk_strike_is_previewed_then_made_whole_logged_and_audited() {
    for t in TestDb::both().await {
        let w = world(t, 5).await;
        let db = w.t.db.clone();
        let now = petition_store::now();
        let district = AreaCode::parse(demo::DISTRICT).unwrap();
        let id = open_petition(&db, "Bulk", "T", &district, Utc::now() - Duration::days(1), Policy::default())
            .await
            .unwrap();
        let people = distinct_signers(&w.people, 6);
        let requests: Vec<_> = people
            .iter()
            .enumerate()
            .map(|(n, p)| {
                let mut r = request(id, p, n);
                let domain = if n < 4 { "bulk.example" } else { "example.org" };
                r.email = Email::parse(&format!("signer{n}@{domain}")).unwrap();
                r
            })
            .collect();
        for token in sign_requests(&w, &requests, now).await {
            signatures::confirm(&db, &mailing(), &token, now).await.unwrap();
        }
        let mut conn = db.pool.acquire().await.unwrap();
        assert_eq!(counts::valid_count(&mut conn, id).await.unwrap(), 6, "{}", w.t.name);
        drop(conn);

        let spam = Selection::EmailDomain("BULK.example".into());
        let seen = bulk::preview(&db, id, &spam, StrikeReason::Fraud).await.unwrap();
        assert_eq!(seen.count, 4, "{}", w.t.name);
        assert_eq!(seen.by_ward.values().sum::<usize>(), 4);
        assert_eq!((seen.effect.valid_before, seen.effect.valid_after), (6, 2));
        assert!(seen.effect.takes_below_trigger(), "6 of 5 required, then 2");
        let mut conn = db.pool.acquire().await.unwrap();
        assert_eq!(counts::valid_count(&mut conn, id).await.unwrap(), 6, "{}: a preview changes nothing", w.t.name);
        drop(conn);

        let actor = common::actor();
        let by = ByOfficer { actor: &actor, reason: "a batch from one throwaway domain" };
        let (done, events) =
            bulk::strike_all(&db, &mailing(), id, &spam, StrikeReason::Fraud, &by, now + 5).await.unwrap();
        assert_eq!(done.count, 4);
        assert!(
            events.iter().any(|e| e.kind == petition_core::engine::EventKind::ThresholdLost),
            "{}: {events:?}",
            w.t.name
        );
        let mut conn = db.pool.acquire().await.unwrap();
        assert_eq!(counts::valid_count(&mut conn, id).await.unwrap(), 2);
        drop(conn);
        assert!(counts::check(&db, id).await.unwrap().is_empty(), "{}: the counters agree with a recount", w.t.name);
        let strikes: i64 = sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM log_queue WHERE kind = 'strike' AND petition_id = $1",
        )
        .bind(id)
        .fetch_one(&db.pool)
        .await
        .unwrap();
        assert_eq!(strikes, 4, "{}: each strike its own log entry", w.t.name);
        let trail = audit::search(&db, &audit::Search { petition_id: Some(id), ..Default::default() }).await.unwrap();
        assert_eq!(trail.iter().filter(|r| r.action == "strike").count(), 4);
        assert!(trail.iter().all(|r| r.reason == "a batch from one throwaway domain"));

        // Again: nothing left to strike there. A list of references skips what is already struck.
        assert_eq!(bulk::preview(&db, id, &spam, StrikeReason::Fraud).await.unwrap().count, 0);
        let ids = common::signature_ids(&db, id).await;
        let listed = Selection::References(ids.clone());
        assert_eq!(bulk::preview(&db, id, &listed, StrikeReason::Duplicate).await.unwrap().count, 2, "{}", w.t.name);

        // The office's CSV names every signer, struck or not; the public counts name nobody.
        let (csv, rows) = exports::signers_csv(&db, id).await.unwrap();
        assert_eq!(rows, 6);
        assert_eq!(csv.lines().count(), 7);
        assert!(csv.starts_with("reference,name,address,postcode,ward,email,status,confirmed,strike_reason\n"));
        assert_eq!(csv.lines().filter(|l| l.ends_with(",struck,") || l.contains(",struck,")).count(), 4, "{csv}");
        assert!(csv.contains(&people[0].name));
        w.t.close().await;
    }
}

#[tokio::test]
async fn the_review_queue_says_why_a_signer_was_not_matched() {
    for t in TestDb::both().await {
        let w = world(t, 50).await;
        let db = w.t.db.clone();
        let now = petition_store::now();
        let district = AreaCode::parse(demo::DISTRICT).unwrap();
        let id = open_petition(&db, "Review", "T", &district, Utc::now() - Duration::days(1), Policy::default())
            .await
            .unwrap();
        let p = &w.people[0];
        let mut r = request(id, p, 0);
        r.name = PersonName::parse("Zebedee Quartermaine").unwrap();
        let token = sign_requests(&w, &[r], now).await.remove(0);
        signatures::confirm(&db, &mailing(), &token, now).await.unwrap();
        let queue = review::queue(&db, Some(id), None, 0).await.unwrap();
        assert_eq!(queue.len(), 1, "{}", w.t.name);
        let item = &queue[0];
        assert_eq!(item.name, "Zebedee Quartermaine");
        assert!(item.address_listed);
        let here: Vec<_> = item.register.iter().filter(|e| e.at_property).collect();
        assert!(!here.is_empty(), "{}: the register entries at the property are shown", w.t.name);
        assert!(here.iter().all(|e| e.why_not.contains("name differs")), "{:?}", here);
        assert!(review::queue(&db, Some(id), Some("E05999999"), 0).await.unwrap().is_empty(), "filtered by ward");
        w.t.close().await;
    }
}
