//! The transparency log through the store, on SQLite and PostgreSQL, checked as an observer
//! would: only from what is published (checkpoints, tiles, entry bundles, tally notes, proofs)
//! and the verifier keys.

mod common;

use chrono::{Duration, Utc};
use common::{log_keys as keys, mailing, observe, sign_all, signature_ids, world, TestDb};
use petition_core::engine::StrikeReason;
use petition_core::AreaCode;
use petition_store::demo;
use petition_store::lifecycle::{open_petition, Policy};
use petition_store::signatures::SignatureChange;
use petition_store::signatures::{self, ConfirmOutcome, WithdrawOutcome};
use petition_store::transparency::{self as log, Sequencer};
use petition_store::{counts, lifecycle, petitions};
use petition_store::{Db, StoreError};
use petition_tlog::checkpoint::parse_hash;
use petition_tlog::merkle::{verify_consistency, Tree};
use petition_tlog::proof::{verify_receipt, LogProof};
use petition_tlog::receipt::Receipt;
use sqlx::Row;

use common::LOG_ORIGIN as ORIGIN;

fn receipt_commit(r: &Receipt) -> [u8; 32] {
    petition_tlog::entry::commitment(&r.petition_id, &r.area, &r.r.0)
}

/// The receipt, among those its signers were shown, of signature `sig`: the server keeps only
/// its commitment.
async fn receipt_of(db: &Db, sig: i64, shown: &[Receipt]) -> Receipt {
    let commit: String = sqlx::query("SELECT receipt_commit FROM signatures WHERE id = $1")
        .bind(sig)
        .fetch_one(&db.pool)
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    shown.iter().find(|r| r.commitment() == commit).expect("a receipt was shown for each signature").clone()
}

#[tokio::test]
async fn the_log_records_signatures_strikes_withdrawals_and_closes_and_observers_can_check_it() {
    for t in TestDb::both().await {
        let w = world(t, 5).await;
        let db = w.t.db.clone();
        let keys = keys();
        let district = AreaCode::parse(demo::DISTRICT).unwrap();
        let id = open_petition(
            &db,
            "Log",
            "A petition for the log.",
            &district,
            Utc::now() - Duration::days(1),
            Policy::default(),
        )
        .await
        .unwrap();
        let now = petition_store::now();
        let tokens = sign_all(&w, id, &w.people[..8], now).await;
        let mut receipts = Vec::new();
        for token in &tokens {
            match signatures::confirm(&db, &mailing(), token, now).await.unwrap() {
                ConfirmOutcome::Counted { receipt, .. } => receipts.push(receipt),
                other => panic!("{other:?}"),
            }
        }
        let sigs = signature_ids(&db, id).await;
        // Nothing is published until the sequencer runs; then a checkpoint covers it all. The
        // count residents see is the published one.
        assert_eq!(log::checkpoint(&db).await.unwrap(), None);
        let shown = || async {
            petition_store::read::public::petition_summary(&db, id, Utc::now()).await.unwrap().unwrap().valid
        };
        assert_eq!(shown().await, 0);
        let mut seq = Sequencer::new(db.clone(), keys.clone());
        let first = seq.run(now, 1000).await.unwrap();
        assert_eq!(shown().await, 8);
        assert_eq!(first.appended, 9, "the petition and eight signatures");
        let (cp1, replay) = observe(&db, &keys).await;
        assert_eq!(cp1.size, 9);
        let tally =
            replay.tally(&petition_tlog::entry::Ident::parse(&id.to_string()).unwrap(), ORIGIN, &cp1.root).unwrap();
        assert_eq!(
            tally.total.valid(),
            counts::by_ward(&db, id).await.unwrap().values().sum::<u64>(),
            "the site's count is the tally's"
        );
        assert_eq!(tally.status.code(), "reached");

        // A receipt checks against its proof.
        let receipt = receipt_of(&db, sigs[2], &receipts).await;
        let commit = petition_tlog::entry::commitment(&receipt.petition_id, &receipt.area, &receipt.r.0);
        let proof =
            LogProof::parse(&log::proof(&db, id, &commit).await.unwrap().expect("a proof once signed")).unwrap();
        let (index, _, _) = verify_receipt(&proof, &receipt, &keys.log.verifier(), ORIGIN).unwrap();

        // An officer strikes it.
        signatures::change_signature(
            &db,
            &mailing(),
            sigs[2],
            SignatureChange::Strike(StrikeReason::Fraud),
            &common::actor(),
            "",
            now,
        )
        .await
        .unwrap();
        let second = seq.run(now, 1000).await.unwrap();
        assert_eq!(second.appended, 1, "one strike");
        let (cp2, replay) = observe(&db, &keys).await;
        assert_eq!(replay.signature_struck(index), Some(true), "the signer sees the strike");
        // The receipt page finds the strike by index, reading only that signature's entries.
        let found = log::strikes_after(&db, index, cp2.size).await.unwrap();
        assert_eq!(found.len(), 1, "{}", w.t.name);
        let everything = log::entries_from(&db, index + 1, cp2.size).await.unwrap();
        let struck = |es: &[String]| petition_tlog::proof::strike_of(index, es.iter().map(|e| e.as_bytes()));
        assert_eq!(struck(&found), struck(&everything));
        assert!(struck(&found).is_some());
        let other = verify_receipt(
            &LogProof::parse(
                &log::proof(&db, id, &receipt_commit(&receipt_of(&db, sigs[3], &receipts).await))
                    .await
                    .unwrap()
                    .unwrap(),
            )
            .unwrap(),
            &receipt_of(&db, sigs[3], &receipts).await,
            &keys.log.verifier(),
            ORIGIN,
        )
        .unwrap()
        .0;
        assert_eq!(log::strikes_after(&db, other, cp2.size).await.unwrap(), Vec::<String>::new(), "not struck");
        // The new checkpoint extends the old one.
        let mut tree = Tree::new();
        for i in 0..cp2.size {
            let e: String = sqlx::query("SELECT entry FROM log_entries WHERE idx = $1")
                .bind(i as i64)
                .fetch_one(&db.pool)
                .await
                .unwrap()
                .try_get(0)
                .unwrap();
            tree.push_entry(e.as_bytes());
        }
        let p = petition_tlog::merkle::consistency_proof(&tree, cp1.size, cp2.size).unwrap();
        assert_eq!(verify_consistency(cp1.size, cp2.size, &cp1.root, &cp2.root, &p), Ok(()));
        // The old checkpoint and tally stay published at their size.
        assert!(log::checkpoint_at(&db, cp1.size).await.unwrap().is_some());
        assert!(log::tally(&db, id, Some(cp1.size)).await.unwrap().is_some());

        // Running again with nothing queued signs nothing new.
        assert_eq!(seq.run(now, 1000).await.unwrap().appended, 0);
        assert_eq!(observe(&db, &keys).await.0, cp2);

        // The window ends: the close is logged, and the tally says how it ended.
        let long_after = now + 400 * 86_400;
        assert_eq!(lifecycle::close_due(&db, &mailing(), long_after).await.unwrap(), 1);
        assert_eq!(seq.run(long_after, 1000).await.unwrap().appended, 1);
        let (cp3, replay) = observe(&db, &keys).await;
        let t = replay.tally(&petition_tlog::entry::Ident::parse(&id.to_string()).unwrap(), ORIGIN, &cp3.root).unwrap();
        assert_eq!((t.status.code(), t.total.valid()), ("closed-reached", 7));
        w.t.close().await;
    }
}

#[tokio::test]
async fn withdrawals_become_strikes_and_a_second_sequencer_continues_the_same_log() {
    for t in TestDb::both().await {
        let w = world(t, 50).await;
        let db = w.t.db.clone();
        let keys = keys();
        let district = AreaCode::parse(demo::DISTRICT).unwrap();
        let id =
            open_petition(&db, "Two", "Two sequencers.", &district, Utc::now() - Duration::days(1), Policy::default())
                .await
                .unwrap();
        let now = petition_store::now();
        let tokens = sign_all(&w, id, &w.people[..6], now).await;
        for token in &tokens {
            assert!(matches!(
                signatures::confirm(&db, &mailing(), token, now).await.unwrap(),
                ConfirmOutcome::Counted { .. }
            ));
        }
        let mut a = Sequencer::new(db.clone(), keys.clone());
        let mut b = Sequencer::new(db.clone(), keys.clone());
        assert_eq!(a.run(now, 3).await.unwrap().appended, 3);
        assert_eq!(b.run(now, 3).await.unwrap().appended, 3, "b catches up with a's entries first");
        assert_eq!(a.run(now, 100).await.unwrap().appended, 1);
        assert_eq!((a.size(), b.size()), (7, 6));
        // A signer withdraws through their link: a strike with reason withdrawn.
        let withdraw_token = withdraw_link(&db).await;
        assert!(matches!(
            signatures::withdraw(&db, &mailing(), &withdraw_token, now).await.unwrap(),
            WithdrawOutcome::Withdrawn { .. }
        ));
        assert_eq!(b.run(now, 100).await.unwrap().appended, 1);
        let last: String = sqlx::query("SELECT entry FROM log_entries WHERE idx = 7")
            .fetch_one(&db.pool)
            .await
            .unwrap()
            .try_get(0)
            .unwrap();
        assert!(last.starts_with("strike/v1 id=") && last.ends_with(" reason=withdrawn"), "{last}");
        let (cp, _) = observe(&db, &keys).await;
        assert_eq!(cp.size, 8);
        // Both at once: the head's lock and compare-and-swap keep one log.
        let tokens = sign_all(&w, id, &w.people[6..12], now).await;
        for token in &tokens {
            signatures::confirm(&db, &mailing(), token, now).await.unwrap();
        }
        let (ra, rb) = tokio::join!(a.run(now, 2), b.run(now, 2));
        let results = [ra, rb];
        for r in &results {
            if let Err(e) = r {
                assert!(matches!(e, StoreError::Conflict(_)), "{}: a run may only lose the race: {e}", w.t.name);
            }
        }
        let appended: u64 = results.iter().filter_map(|r| r.as_ref().ok()).map(|b| b.appended).sum();
        assert!(appended >= 2, "{}: the concurrent round appended {appended}", w.t.name);
        while a.run(now, 100).await.unwrap().appended > 0 {}
        let (cp, _) = observe(&db, &keys).await;
        assert_eq!(cp.size, 14, "every queued entry logged once ({appended} in the concurrent round)");
        // A head that does not match the entries is never signed over.
        sqlx::query("UPDATE log_head SET root = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' WHERE id = 1")
            .execute(&db.pool)
            .await
            .unwrap();
        let mut c = Sequencer::new(db.clone(), keys.clone());
        assert!(c.run(now, 100).await.is_err());
        w.t.close().await;
    }
}

/// The withdraw link the first confirmed signer was emailed.
async fn withdraw_link(db: &Db) -> String {
    let body: String = sqlx::query("SELECT body FROM outbox WHERE body LIKE '%/withdraw/%' ORDER BY id LIMIT 1")
        .fetch_one(&db.pool)
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    let start = body.find("/withdraw/").unwrap() + 10;
    body[start..].split_whitespace().next().unwrap().to_string()
}

#[test]
fn the_log_key_has_the_origin_as_its_name() {
    let k = keys();
    assert_eq!(k.log.verifier().name(), ORIGIN);
    let v = k.verifiers();
    assert!(v.starts_with(&format!("{ORIGIN}+")) && v.lines().count() == 2);
    assert!(parse_hash("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=").is_some());
}

#[tokio::test]
async fn the_demo_and_older_databases_are_backfilled_once_in_an_order_the_rules_accept() {
    for t in TestDb::both().await {
        let db = t.db.clone();
        let keys = keys();
        assert!(demo::load(&db, &petition_store::secrets::Secrets::from_bytes([1; 32]), demo::Size::DEMO, Utc::now())
            .await
            .unwrap());
        let now = petition_store::now();
        lifecycle::settle_all(&db, &mailing(), now).await.unwrap();
        let queued = log::backfill(&db, now).await.unwrap();
        assert!(queued > 100, "the seeded signatures are queued ({queued})");
        assert_eq!(log::backfill(&db, now).await.unwrap(), 0, "and only once");
        let batch = Sequencer::new(db.clone(), keys.clone()).run(now, 100_000).await.unwrap();
        assert!(batch.refused.is_empty(), "{:?}", batch.refused);
        let (cp, replay) = observe(&db, &keys).await;
        assert_eq!(cp.size, batch.appended);
        // Every petition's tally states the count the site shows.
        for p in petitions::load_all(&db).await.unwrap() {
            let tally = replay
                .tally(&petition_tlog::entry::Ident::parse(&p.id.to_string()).unwrap(), ORIGIN, &cp.root)
                .unwrap();
            assert_eq!(
                tally.total.valid(),
                counts::by_ward(&db, p.id).await.unwrap().values().sum::<u64>(),
                "petition {}",
                p.id
            );
            assert_eq!(tally.status.code().starts_with("closed"), p.state.closed_at.is_some());
        }
        t.close().await;
    }
}

/// The flaw this guards: entries were built from the signature row when sequenced, so a signer who
/// withdrew, signed again and confirmed between two sequencer runs had both entries built from the
/// new row, and the log and the site disagreed. Each entry is now frozen when it is queued.
#[tokio::test]
async fn a_signature_changed_between_sequencer_runs_is_logged_as_it_was() {
    for t in TestDb::both().await {
        let w = world(t, 50).await;
        let db = w.t.db.clone();
        let keys = keys();
        let m = mailing();
        let district = AreaCode::parse(demo::DISTRICT).unwrap();
        let id =
            open_petition(&db, "Again", "Signed twice.", &district, Utc::now() - Duration::days(1), Policy::default())
                .await
                .unwrap();
        let mut seq = Sequencer::new(db.clone(), keys.clone());
        seq.run(petition_store::now(), 100).await.unwrap();
        let now = petition_store::now();
        let people = &w.people[..2];
        let tokens = sign_all(&w, id, people, now).await;
        let mut first_receipts = Vec::new();
        for token in &tokens {
            let ConfirmOutcome::Counted { receipt, .. } = signatures::confirm(&db, &m, token, now).await.unwrap()
            else {
                panic!("counted")
            };
            first_receipts.push(receipt);
        }
        let withdraw = common::sent_links(&db, "withdraw", now).await["signer0@example.org"].clone();
        // Between two runs of the sequencer: withdraw, sign again, confirm again.
        signatures::withdraw(&db, &m, &withdraw, now).await.unwrap();
        let again = common::sign_all(&w, id, &people[..1], now).await;
        let ConfirmOutcome::Counted { receipt: second, .. } =
            signatures::confirm(&db, &m, &again[0], now).await.unwrap()
        else {
            panic!("counted again")
        };
        let batch = seq.run(now, 100).await.unwrap();
        assert!(batch.refused.is_empty(), "{}: {:?}", w.t.name, batch.refused);
        assert_eq!(batch.appended, 4, "two signatures, a strike, the new signature");
        let (cp, replay) = observe(&db, &keys).await;
        let tally =
            replay.tally(&petition_tlog::entry::Ident::parse(&id.to_string()).unwrap(), ORIGIN, &cp.root).unwrap();
        let logged: u64 = tally.areas.values().map(|c| c.valid()).sum();
        assert_eq!(logged, 2, "{}: the log counts both signers once", w.t.name);
        assert_eq!(counts::by_ward(&db, id).await.unwrap().values().sum::<u64>(), 2, "and so does the site");
        // Every receipt finds its own entry: the first, struck by the withdrawal; the second, counted.
        let verifier = keys.log.verifier();
        let entries = log::entries_from(&db, 0, cp.size).await.unwrap();
        for (receipt, struck) in [(&first_receipts[0], true), (&first_receipts[1], false), (&second, false)] {
            let commit = petition_tlog::entry::commitment(&receipt.petition_id, &receipt.area, &receipt.r.0);
            let proof = log::proof(&db, id, &commit).await.unwrap().expect("a proof for every receipt");
            let proof = LogProof::parse(&proof).unwrap();
            let (index, _, _) = verify_receipt(&proof, receipt, &verifier, ORIGIN).unwrap();
            let later = entries[index as usize + 1..].iter().map(|e| e.as_bytes());
            assert_eq!(petition_tlog::proof::strike_of(index, later).is_some(), struck, "{}: entry {index}", w.t.name);
        }
        w.t.close().await;
    }
}

/// The flaw this guards: a database restored from an older backup let the sequencer sign a
/// smaller or different log under the same key. The high-water mark beside the key refuses.
#[tokio::test]
async fn a_restored_database_is_never_signed_over() {
    let dir = std::env::temp_dir().join(format!("petitions-restore-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for t in TestDb::both().await {
        let mark = log::HighWater::at(dir.join(format!("{}.signed", t.name)));
        let w = world(t, 50).await;
        let db = w.t.db.clone();
        let district = AreaCode::parse(demo::DISTRICT).unwrap();
        open_petition(&db, "Before", "T", &district, Utc::now() - Duration::days(1), Policy::default()).await.unwrap();
        let now = petition_store::now();
        let mut seq = Sequencer::new(db.clone(), keys()).with_high_water(mark.clone());
        seq.run(now, 100).await.unwrap();
        let (signed, _) = mark.read().unwrap().expect("the mark is recorded");
        assert_eq!(signed, 1);
        // The same key over a database restored from before that checkpoint: an empty log.
        let restored = TestDb::sqlite().await;
        let mut over = Sequencer::new(restored.db.clone(), keys()).with_high_water(mark.clone());
        let err = over.run(now, 100).await.unwrap_err();
        assert!(matches!(err, StoreError::Corrupt(_)) && err.to_string().contains("restored"), "{err}");
        assert_eq!(log::checkpoint(&restored.db).await.unwrap(), None, "nothing was signed");
        // The original goes on extending its own log.
        open_petition(&db, "After", "T", &district, Utc::now() - Duration::days(1), Policy::default()).await.unwrap();
        assert_eq!(seq.run(now, 100).await.unwrap().appended, 1);
        assert_eq!(mark.read().unwrap().unwrap().0, 2);
        restored.close().await;
        w.t.close().await;
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_checkpoint_signs_tally_notes_only_for_the_petitions_it_adds_entries_to() {
    for t in TestDb::both().await {
        let w = world(t, 5).await;
        let db = w.t.db.clone();
        let keys = keys();
        let district = AreaCode::parse(demo::DISTRICT).unwrap();
        let opens = Utc::now() - Duration::days(1);
        let a =
            open_petition(&db, "Busy", "A petition still signed.", &district, opens, Policy::default()).await.unwrap();
        let b = open_petition(&db, "Quiet", "A petition no longer signed.", &district, opens, Policy::default())
            .await
            .unwrap();
        let now = petition_store::now();
        let people = common::distinct_signers(&w.people, 6);
        let confirm_all = |id: i64, from: usize, to: usize| {
            let requests: Vec<_> = (from..to).map(|n| common::request(id, &people[n], n)).collect();
            let (w, db) = (&w, db.clone());
            async move {
                for token in common::sign_requests(w, &requests, now).await {
                    let done = signatures::confirm(&db, &mailing(), &token, now).await.unwrap();
                    assert!(matches!(done, ConfirmOutcome::Counted { .. }), "{done:?}");
                }
            }
        };
        confirm_all(a, 0, 2).await;
        confirm_all(b, 2, 4).await;
        let mut seq = Sequencer::new(db.clone(), keys.clone());
        seq.run(now, 1000).await.unwrap();
        let (cp1, _) = observe(&db, &keys).await;
        confirm_all(a, 4, 6).await;
        assert_eq!(seq.run(now, 1000).await.unwrap().appended, 2);
        let (cp2, _) = observe(&db, &keys).await;
        assert!(log::tally(&db, a, Some(cp2.size)).await.unwrap().is_some(), "{}", w.t.name);
        assert_eq!(log::tally(&db, b, Some(cp2.size)).await.unwrap(), None, "no entry of b, no note: {}", w.t.name);
        assert_eq!(log::tally(&db, b, None).await.unwrap(), log::tally(&db, b, Some(cp1.size)).await.unwrap());
        let notes: i64 = sqlx::query("SELECT COUNT(*) FROM log_tallies WHERE petition_id = $1")
            .bind(b)
            .fetch_one(&db.pool)
            .await
            .unwrap()
            .try_get(0)
            .unwrap();
        assert_eq!(notes, 1, "{}", w.t.name);
        // The page still shows b's count, from its latest note.
        let shown = petition_store::read::public::petition_summary(&db, b, Utc::now()).await.unwrap().unwrap();
        assert_eq!(shown.valid, 2);
        w.t.close().await;
    }
}
