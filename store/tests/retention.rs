//! Retention: once a petition has been closed for the retention period, its signers' personal
//! data is gone from every table, while its counts, its log entries, its signed tally and its
//! signers' receipts all still check.

mod common;

use chrono::{Duration, Utc};
use common::{distinct_signers, log_keys, mailing, request, sign_all, world, TestDb};
use petition_core::engine::StrikeReason;
use petition_core::AreaCode;
use petition_store::lifecycle::{close_due, open_petition, Policy};
use petition_store::retention::{erase_due, Retention};
use petition_store::signatures::{self, ConfirmOutcome, SignatureChange};
use petition_store::transparency::{self as log, Sequencer};
use petition_store::{counts, demo, Db};
use sqlx::Row;

const DAY: i64 = 24 * 60 * 60;

async fn count(db: &Db, sql: &str, id: i64) -> i64 {
    sqlx::query(sql).bind(id).fetch_one(&db.pool).await.unwrap().try_get(0).unwrap()
}

/// How many rows of `table` in petition `id` still hold anything that says who signed.
async fn personal_rows(db: &Db, id: i64) -> i64 {
    count(
        db,
        "SELECT COUNT(*) FROM signatures WHERE petition_id = $1 AND (name <> '' OR email <> '' OR postcode <> ''
           OR address_text <> '' OR uprn IS NOT NULL OR elector_id IS NOT NULL OR receipt_r IS NOT NULL
           OR withdraw_token_hash IS NOT NULL OR confirm_token_hash IS NOT NULL OR dedupe_key NOT LIKE 'erased-%')",
        id,
    )
    .await
        + count(db, "SELECT COUNT(*) FROM sign_attempts WHERE petition_id = $1", id).await
        + count(db, "SELECT COUNT(*) FROM sign_conflicts WHERE petition_id = $1", id).await
}

#[tokio::test]
async fn personal_data_goes_after_retention_and_every_count_still_checks() {
    for t in TestDb::both().await {
        let w = world(t, 5).await;
        let db = w.t.db.clone();
        let m = mailing();
        let now = petition_store::now();
        let district = AreaCode::parse(demo::DISTRICT).unwrap();
        let opened = Utc::now() - Duration::days(200);
        let old = open_petition(&db, "Old", "T", &district, opened, Policy::default()).await.unwrap();
        let open = open_petition(&db, "Open", "T", &district, Utc::now(), Policy::default()).await.unwrap();
        let people = distinct_signers(w.people.iter(), 8);

        // Long ago: six sign the old petition, five confirm (one is struck), one attempt is left
        // waiting, and another mailbox confirms as the first signer (a conflict).
        let then = opened.timestamp() + DAY;
        let tokens = sign_all(&w, old, &people[..6], then).await;
        let mut receipts = Vec::new();
        for token in &tokens[..5] {
            if let ConfirmOutcome::Counted { receipt, .. } = signatures::confirm(&db, &m, token, then).await.unwrap() {
                receipts.push(receipt);
            }
        }
        assert_eq!(receipts.len(), 5);
        let first: i64 = sqlx::query("SELECT MIN(id) FROM signatures WHERE petition_id = $1")
            .bind(old)
            .fetch_one(&db.pool)
            .await
            .unwrap()
            .try_get(0)
            .unwrap();
        signatures::change_signature(
            &db,
            &m,
            first,
            SignatureChange::Strike(StrikeReason::Fraud),
            &common::actor(),
            "",
            then,
        )
        .await
        .unwrap();
        let again = common::sign_requests(&w, &[request(old, &people[1], 99)], then).await;
        assert!(matches!(
            signatures::confirm(&db, &m, &again[0], then).await.unwrap(),
            ConfirmOutcome::ElectorHasSigned { .. }
        ));
        // Now: two sign the open petition.
        for token in sign_all(&w, open, &people[6..8], now).await {
            signatures::confirm(&db, &m, &token, now).await.unwrap();
        }
        // Two electors left the register long ago; a signature to the open petition names one.
        let named: i64 = count(&db, "SELECT MIN(elector_id) FROM signatures WHERE petition_id = $1", open).await;
        let unnamed: i64 = count(
            &db,
            "SELECT MIN(id) FROM electors WHERE id NOT IN (SELECT elector_id FROM signatures WHERE elector_id IS NOT NULL)
               AND id > $1",
            0,
        )
        .await;
        sqlx::query("UPDATE electors SET removed_at = $1 WHERE id IN ($2, $3)")
            .bind(then)
            .bind(named)
            .bind(unnamed)
            .execute(&db.pool)
            .await
            .unwrap();

        close_due(&db, &m, now).await.unwrap();
        let mut seq = Sequencer::new(db.clone(), log_keys());
        seq.run(now, 10_000).await.unwrap();
        let tally = log::tally(&db, old, None).await.unwrap().expect("a signed tally");
        let wards = counts::by_ward(&db, old).await.unwrap();
        assert!(personal_rows(&db, old).await > 0);

        // Closed 17 days ago: not yet due under a 30-day period.
        let keep = Retention { after_close: 30 * DAY, ..Retention::default() };
        let erased = erase_due(&db, &keep, now).await.unwrap();
        assert_eq!(erased.petitions, 0, "{}", w.t.name);
        assert!(personal_rows(&db, old).await > 0);
        // Emails go by their own age, whatever their petition.
        assert!(erased.mails > 0, "{}: the emails of long ago", w.t.name);
        // So do electors who left the register, unless a signature still names them.
        assert_eq!(erased.electors, 1, "{}: the one no signature names", w.t.name);
        assert_eq!(count(&db, "SELECT COUNT(*) FROM electors WHERE id = $1", named).await, 1);

        // Not certified: kept twice the period from the close (not due at 2 × 10 days, due at 2 × 7).
        let keep = Retention { after_close: 10 * DAY, ..Retention::default() };
        assert_eq!(erase_due(&db, &keep, now).await.unwrap().petitions, 0, "{}", w.t.name);
        let keep = Retention { after_close: 7 * DAY, ..Retention::default() };
        let erased = erase_due(&db, &keep, now).await.unwrap();
        assert_eq!((erased.petitions, erased.signatures, erased.conflicts), (1, 5, 1), "{}: {erased:?}", w.t.name);
        assert_eq!(erased.attempts, 7, "{}: the waiting one and the six decided", w.t.name);
        assert_eq!(personal_rows(&db, old).await, 0, "{}", w.t.name);
        for p in &people[..6] {
            for table in ["signatures", "outbox", "sign_attempts", "sign_conflicts"] {
                let column = if table == "outbox" { "recipient || subject || body" } else { "name || email" };
                let sql = format!("SELECT COUNT(*) FROM {table} WHERE {column} LIKE '%' || $1 || '%'");
                let n: i64 = sqlx::query(&sql).bind(&p.name).fetch_one(&db.pool).await.unwrap().try_get(0).unwrap();
                assert_eq!(n, 0, "{}: {} is still in {table}", w.t.name, p.name);
            }
        }
        // The open petition keeps its signers, and what was not due stays.
        assert_eq!(count(&db, "SELECT COUNT(*) FROM signatures WHERE petition_id = $1 AND name <> ''", open).await, 2);

        // Every count still checks: counters against a recount, the signed tally, the receipts.
        assert_eq!(counts::by_ward(&db, old).await.unwrap(), wards);
        assert!(counts::check(&db, old).await.unwrap().is_empty(), "{}", w.t.name);
        seq.run(now + 1, 10_000).await.unwrap();
        assert_eq!(log::tally(&db, old, None).await.unwrap().as_deref(), Some(tally.as_str()));
        for r in &receipts {
            let commit = petition_tlog::entry::commitment(&r.petition_id, &r.area, &r.r.0);
            assert!(log::proof(&db, old, &commit).await.unwrap().is_some(), "{}: a receipt still proves", w.t.name);
        }
        // Once is enough.
        assert!(erase_due(&db, &keep, now).await.unwrap().is_empty(), "{}", w.t.name);
        w.t.close().await;
    }
}
