//! The council's settings on SQLite and PostgreSQL: the environment's values until an admin
//! saves others; a save is all or nothing, audited change by change, and refused from a page
//! read before another save; the officers' notices go to the list in force when the news is
//! written. And the newest moment the site wrote, which a server's clock may not read earlier
//! than, counts the audit trail and the log's queue.

mod common;

use common::{mailing, sign_all, world, TestDb};
use petition_core::settings::{Name, Settings};
use petition_store::audit::{self, Actor};
use petition_store::settings::{self, ChangeError, InForce, Live};
use petition_store::signatures::{self, ConfirmOutcome};
use petition_store::Db;
use sqlx::Row;

fn admin() -> Actor {
    Actor::CommandLine("admin".into())
}

fn env() -> Settings {
    let mut s = Settings::default();
    s.set(Name::SponsorsNeeded, "4").unwrap();
    s.set(Name::OfficerEmails, "elections@council.example").unwrap();
    s
}

async fn read(db: &Db) -> InForce {
    let mut conn = db.pool.acquire().await.unwrap();
    settings::in_force(&mut conn, &env()).await.unwrap()
}

fn texts(pairs: &[(Name, &str)]) -> Vec<(Name, String)> {
    pairs.iter().map(|(n, t)| (*n, t.to_string())).collect()
}

async fn setting_rows(db: &Db) -> Vec<(String, String, String)> {
    let s = audit::Search { action: Some("setting".into()), ..Default::default() };
    audit::search(db, &s).await.unwrap().into_iter().rev().map(|r| (r.subject, r.detail, r.reason)).collect()
}

#[tokio::test]
async fn a_save_overrides_the_environment_all_or_nothing_and_is_audited() {
    for t in TestDb::both().await {
        let db = t.db.clone();
        let start = read(&db).await;
        assert_eq!(start.settings, env(), "{}: nothing saved, the environment's values", t.name);
        assert_eq!(start.version, 0);
        assert!(start.saved.is_empty());

        // A form with one bad value saves nothing, not even its good ones.
        let bad = texts(&[(Name::SponsorsNeeded, "3"), (Name::ExtraBankHolidays, "2027-02-30")]);
        match settings::change(&db, &env(), &admin(), 0, &bad, "new policy", 100).await {
            Err(ChangeError::Invalid(e)) => assert_eq!(e.len(), 1, "{e:?}"),
            other => panic!("{}: {other:?}", t.name),
        }
        // No reason, or nothing different, is refused too.
        let good = texts(&[
            (Name::SponsorsNeeded, "3"),
            (Name::ExtraBankHolidays, "2027-06-04"),
            (Name::ProposalLapseDays, "90"),
        ]);
        assert!(matches!(
            settings::change(&db, &env(), &admin(), 0, &good, "  ", 100).await,
            Err(ChangeError::NoReason)
        ));
        let same = texts(&[(Name::SponsorsNeeded, "4")]);
        assert!(matches!(
            settings::change(&db, &env(), &admin(), 0, &same, "why", 100).await,
            Err(ChangeError::NoChange)
        ));
        assert_eq!(read(&db).await, start, "{}: nothing refused changed anything", t.name);
        assert!(setting_rows(&db).await.is_empty());

        let changed = settings::change(&db, &env(), &admin(), 0, &good, "council decision 12/2026", 200).await.unwrap();
        assert_eq!(changed, vec![Name::SponsorsNeeded, Name::ExtraBankHolidays], "lapse days was already 90");
        let after = read(&db).await;
        assert_eq!(after.version, 1);
        assert_eq!(after.settings.sponsors_needed, 3);
        assert_eq!(after.settings.show(Name::ExtraBankHolidays), "2027-06-04");
        assert_eq!(after.settings.officer_emails, env().officer_emails, "what was not saved keeps the environment's");
        assert_eq!(
            after.saved.iter().map(|s| (s.name, s.changed_at, s.changed_by.as_str())).collect::<Vec<_>>(),
            vec![
                (Name::ExtraBankHolidays, 200, "command line (admin)"),
                (Name::SponsorsNeeded, 200, "command line (admin)")
            ]
        );
        assert_eq!(
            setting_rows(&db).await,
            vec![
                (
                    "setting sponsors-needed".to_string(),
                    "from 4 sponsors to 3 sponsors".to_string(),
                    "council decision 12/2026".to_string()
                ),
                (
                    "setting extra-bank-holidays".to_string(),
                    "from none to 2027-06-04".to_string(),
                    "council decision 12/2026".to_string()
                ),
            ]
        );

        // A save from a page read before that one is refused, and changes nothing.
        let late = texts(&[(Name::SponsorsNeeded, "7")]);
        assert!(matches!(
            settings::change(&db, &env(), &admin(), 0, &late, "why", 300).await,
            Err(ChangeError::Changed)
        ));
        assert_eq!(read(&db).await, after, "{}", t.name);
        settings::change(&db, &env(), &admin(), 1, &late, "why", 300).await.unwrap();
        assert_eq!(read(&db).await.settings.sponsors_needed, 7);
        t.close().await;
    }
}

#[tokio::test]
async fn two_saves_from_the_same_page_at_once_make_one_change() {
    for t in TestDb::both().await {
        let db = t.db.clone();
        let saves = (0..6).map(|i| {
            let db = db.clone();
            tokio::spawn(async move {
                let mine = texts(&[(Name::ModerationWorkingDays, &(11 + i).to_string())]);
                settings::change(&db, &env(), &admin(), 0, &mine, "why", 100).await
            })
        });
        let mut saved = 0;
        for s in saves {
            match s.await.unwrap() {
                Ok(_) => saved += 1,
                Err(ChangeError::Changed) => {}
                // SQLite may answer busy to a writer that waited too long: also nothing changed.
                Err(ChangeError::Store(e)) if e.is_retryable() => {}
                Err(e) => panic!("{}: {e:?}", t.name),
            }
        }
        assert_eq!(saved, 1, "{}", t.name);
        assert_eq!(read(&db).await.version, 1);
        assert_eq!(setting_rows(&db).await.len(), 1);
        t.close().await;
    }
}

#[tokio::test]
async fn a_server_sees_a_save_within_its_freshness_and_at_once_after_its_own() {
    let t = TestDb::sqlite().await;
    let db = t.db.clone();
    let live = Live::new(env());
    assert_eq!(live.get(&db).await.unwrap().sponsors_needed, 4);
    let mine = texts(&[(Name::SponsorsNeeded, "9")]);
    settings::change(&db, &env(), &admin(), 0, &mine, "why", 100).await.unwrap();
    assert_eq!(live.get(&db).await.unwrap().sponsors_needed, 4, "read less than FRESH_FOR ago");
    live.forget();
    assert_eq!(live.get(&db).await.unwrap().sponsors_needed, 9);
    t.close().await;
}

#[tokio::test]
async fn the_trigger_notice_goes_to_the_list_in_force() {
    for t in TestDb::both().await {
        let w = world(t, 2).await;
        let db = w.t.db.clone();
        let m = mailing();
        let (id, _, _) = common::open_a_day_ago(&db, "Notices").await;
        let list = texts(&[(Name::OfficerEmails, "clerk@council.example\nreturning.officer@council.example")]);
        let defaults = Settings { officer_emails: m.officer_emails.clone(), ..Settings::default() };
        settings::change(&db, &defaults, &admin(), 0, &list, "new team", 100).await.unwrap();
        let now = petition_store::now();
        for token in sign_all(&w, id, &common::distinct_signers(w.people.iter(), 2), now).await {
            assert!(matches!(signatures::confirm(&db, &m, &token, now).await.unwrap(), ConfirmOutcome::Counted { .. }));
        }
        let to: Vec<String> =
            sqlx::query("SELECT recipient FROM outbox WHERE subject LIKE '%trigger%' ORDER BY recipient")
                .fetch_all(&db.pool)
                .await
                .unwrap()
                .iter()
                .map(|r| r.try_get(0).unwrap())
                .collect();
        assert_eq!(to, ["clerk@council.example", "returning.officer@council.example"], "{}", w.t.name);
        w.t.close().await;
    }
}

/// The clock check at start reads the newest moment the site wrote: an audit row (a save here)
/// or an entry queued for the log counts, not only a petition's events.
#[tokio::test]
async fn the_newest_moment_written_includes_the_audit_trail_and_the_log_queue() {
    for t in TestDb::both().await {
        let w = world(t, 5).await;
        let db = w.t.db.clone();
        let before = petition_store::lifecycle::latest_record(&db).await.unwrap();
        let later = before.unwrap_or(0).max(petition_store::now()) + 3600;
        let mine = texts(&[(Name::SponsorsNeeded, "2")]);
        settings::change(&db, &env(), &admin(), 0, &mine, "why", later).await.unwrap();
        assert_eq!(petition_store::lifecycle::latest_record(&db).await.unwrap(), Some(later), "{}", w.t.name);
        let (id, _, _) = common::open_a_day_ago(&db, "Queued").await;
        let queued = later + 500;
        for token in sign_all(&w, id, &common::distinct_signers(w.people.iter(), 1), queued).await {
            signatures::confirm(&db, &mailing(), &token, queued).await.unwrap();
        }
        assert_eq!(petition_store::lifecycle::latest_record(&db).await.unwrap(), Some(queued), "{}", w.t.name);
        w.t.close().await;
    }
}

/// A release may drop a setting or narrow its bounds: a saved value it does not take is passed
/// over, and the environment's value stands, rather than every page failing.
#[tokio::test]
async fn a_saved_value_this_release_does_not_take_is_passed_over() {
    let t = TestDb::sqlite().await;
    let db = t.db.clone();
    for (name, value) in [("sponsors-needed", "500"), ("a-setting-since-dropped", "1"), ("repeat-refusal-years", "4")] {
        sqlx::query("INSERT INTO settings (name, value, changed_at, changed_by) VALUES ($1, $2, 1, 'x')")
            .bind(name)
            .bind(value)
            .execute(&db.pool)
            .await
            .unwrap();
    }
    let now = read(&db).await;
    assert_eq!(now.settings.sponsors_needed, env().sponsors_needed);
    assert_eq!(now.settings.repeat_refusal_years, 4, "the values it takes still apply");
    assert_eq!(now.saved.iter().map(|s| s.name).collect::<Vec<_>>(), [Name::RepeatRefusalYears]);
    t.close().await;
}
