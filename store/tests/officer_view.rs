//! The officer pages read the schedulers' latest check of the counters rather than recount the
//! signature rows on every view, which a reload loop could otherwise turn into a full scan each.

mod common;

use chrono::{Duration, Utc};
use common::{mailing, sign_all, world, TestDb};
use petition_core::AreaCode;
use petition_store::lifecycle::{open_petition, Policy};
use petition_store::read::officer;
use petition_store::{counts, demo, signatures};

#[tokio::test]
async fn the_officer_page_shows_the_latest_check_without_recounting() {
    for t in TestDb::both().await {
        let w = world(t, 5).await;
        let db = w.t.db.clone();
        let now = petition_store::now();
        let district = AreaCode::parse(demo::DISTRICT).unwrap();
        let id = open_petition(&db, "Checked", "T", &district, Utc::now() - Duration::days(1), Policy::default())
            .await
            .unwrap();
        for token in sign_all(&w, id, &w.people[..3], now).await {
            signatures::confirm(&db, &mailing(), &token, now).await.unwrap();
        }
        let page = officer::petition(&db, id, now).await.unwrap().unwrap();
        assert_eq!((page.checked, page.mismatches.len()), (None, 0), "{}: not checked yet", w.t.name);
        assert!(counts::check_and_record(&db, id, now).await.unwrap().is_empty());
        let page = officer::petition(&db, id, now).await.unwrap().unwrap();
        assert!(page.checked.is_some() && page.mismatches.is_empty(), "{}", w.t.name);

        // The counters drift (as a bug would make them): views show the last check until the
        // next one, which sees the drift.
        sqlx::query("UPDATE count_shards SET n = n + 1 WHERE petition_id = $1 AND n > 0")
            .bind(id)
            .execute(&db.pool)
            .await
            .unwrap();
        assert!(officer::petition(&db, id, now).await.unwrap().unwrap().mismatches.is_empty(), "no recount per view");
        let diff = counts::check_and_record(&db, id, now + 600).await.unwrap();
        assert!(!diff.is_empty());
        let page = officer::petition(&db, id, now + 600).await.unwrap().unwrap();
        assert_eq!(page.mismatches, diff, "{}", w.t.name);
        w.t.close().await;
    }
}
