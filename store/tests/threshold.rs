//! The threshold engine through the store: published figures, concurrent crossings, strikes,
//! pauses and closes, on SQLite and PostgreSQL.

mod common;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::London;
use common::{mailing, raw_sum, request, sent_links, sign_all, sign_requests, signature_ids, world, TestDb};
use petition_core::engine::{EventKind, Refusal, StrikeReason};
use petition_core::reference::FileKind;
use petition_core::text::PersonName;
use petition_core::AreaCode;
use petition_store::demo::{self, Person};
use petition_store::import::import;
use petition_store::lifecycle::{open_petition, Policy};
use petition_store::secrets::Secrets;
use petition_store::signatures::{self, ConfirmOutcome, SignError, WithdrawOutcome};
use petition_store::signatures::{OfficerError, SignatureChange};
use petition_store::Db;
use petition_store::{counts, lifecycle, petitions, StoreError};
use sqlx::Row;

fn noon(day: NaiveDate) -> DateTime<Utc> {
    London.from_local_datetime(&day.and_hms_opt(12, 0, 0).unwrap()).unwrap().with_timezone(&Utc)
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// A row of the councils' published notices that names its period.
struct Notice {
    code: String,
    number: u64,
    register_date: String,
    electorate: Option<u64>,
    from: NaiveDate,
    to: NaiveDate,
}

/// Reads the shared notices. A number is in force from its notice or the start of its period,
/// whichever is earlier, to the end of its period; rows that give neither are left out.
fn notices() -> (Vec<Notice>, usize) {
    let text = common::shared("testdata/uk/verification_numbers/verification_numbers.csv");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"));
    let (code, number, register, electorate, from, to, dated) = (
        col("lad_or_county_gss_code"),
        col("verification_number"),
        col("register_date"),
        col("electorate_stated"),
        col("applies_from"),
        col("applies_to"),
        col("notice_dated"),
    );
    let mut out = Vec::new();
    let mut rows = 0;
    for r in reader.records() {
        let r = r.unwrap();
        rows += 1;
        let date = |i: usize| (!r[i].is_empty()).then(|| day(&r[i]));
        let Some(to) = date(to) else { continue };
        let Some(from) = [date(from), date(dated)].into_iter().flatten().min() else { continue };
        out.push(Notice {
            code: r[code].to_string(),
            number: r[number].parse().unwrap(),
            register_date: r[register].to_string(),
            electorate: (!r[electorate].is_empty()).then(|| r[electorate].parse().unwrap()),
            from,
            to,
        });
    }
    (out, rows)
}

async fn required_of(db: &Db, id: i64) -> (u64, bool) {
    let mut conn = db.pool.acquire().await.unwrap();
    let p = petitions::load(&mut conn, id).await.unwrap().unwrap();
    (p.terms.trigger.required, p.terms.trigger.published)
}

#[tokio::test]
async fn published_verification_numbers_apply_as_published() {
    let (notices, rows) = notices();
    assert_eq!(rows, 36, "the shared file should hold 36 notices");
    assert!(notices.len() >= 28, "only {} notices name their period", notices.len());
    for t in TestDb::both().await {
        let db = &t.db;
        let mut areas = String::from("code,name,kind,parent_code\n");
        let mut electorates = String::from("area_code,register_date,electorate\n");
        let mut numbers = String::from("area_code,number,in_force_from,in_force_to\n");
        let mut seen = std::collections::BTreeSet::new();
        for n in &notices {
            if seen.insert(n.code.clone()) {
                let kind = if n.code.starts_with("E10") { "county" } else { "district" };
                areas += &format!("{},Council {},{kind},\n", n.code, n.code);
            }
            // Where the notice does not state the electorate, choose one for which 5% rounded
            // up is one more than the published number, so that only the published figure fits.
            let electorate = n.electorate.unwrap_or(n.number * 20 + 7);
            electorates += &format!("{},{},{electorate}\n", n.code, n.register_date);
            numbers += &format!("{},{},{},{}\n", n.code, n.number, n.from, n.to);
        }
        import(db, FileKind::Areas, &areas).await.unwrap();
        import(db, FileKind::Electorates, &electorates).await.unwrap();
        import(db, FileKind::VerificationNumbers, &numbers).await.unwrap();

        for n in &notices {
            // A petition opened late in the period, after the register the number rests on.
            let opens = noon(n.to - Duration::days(10));
            let area = AreaCode::parse(&n.code).unwrap();
            let id = open_petition(db, "P", "T", &area, opens, Policy::default()).await.unwrap();
            let overlapping: Vec<u64> = notices
                .iter()
                .filter(|m| m.code == n.code && m.from <= opens.date_naive() && opens.date_naive() <= m.to)
                .map(|m| m.number)
                .collect();
            let expected = *overlapping.iter().min().unwrap();
            assert_eq!(required_of(db, id).await, (expected, true), "{} opened {}", n.code, opens);
            if overlapping.len() == 1 {
                assert_eq!(expected, n.number);
            }
        }

        // Eden: 2,083 for 2015-16, then 2,075 published on 15 February 2016 for 2016-17. While
        // both are in force, the lesser applies.
        let eden = AreaCode::parse("E07000030").unwrap();
        for (on, expected) in [
            ("2015-06-01", 2083),
            ("2016-02-14", 2083),
            ("2016-02-15", 2075),
            ("2016-03-31", 2075),
            ("2016-06-01", 2075),
        ] {
            let id = open_petition(db, "Eden", "T", &eden, noon(day(on)), Policy::default()).await.unwrap();
            assert_eq!(required_of(db, id).await, (expected, true), "Eden on {on}");
        }

        // Winchester 2012: 5% of 92,383 is 4,619.15. The council published 4,619, and the published
        // figure applies; without one, the rule is to round up, to 4,620. Hampshire's 51,183 is
        // 1,023,650 × 5% rounded up (and to the nearest) alike.
        let winchester = AreaCode::parse("E07000094").unwrap();
        let id = open_petition(db, "W", "T", &winchester, noon(day("2012-06-01")), Policy::default()).await.unwrap();
        assert_eq!(required_of(db, id).await, (4619, true));
        let id = open_petition(db, "W", "T", &winchester, noon(day("2013-06-01")), Policy::default()).await.unwrap();
        assert_eq!(required_of(db, id).await, (4620, false), "no number in force after March 2013");
        let hampshire = AreaCode::parse("E10000014").unwrap();
        let id = open_petition(db, "H", "T", &hampshire, noon(day("2012-06-01")), Policy::default()).await.unwrap();
        assert_eq!(required_of(db, id).await, (51183, true));

        // A later number never changes a petition already open.
        let id = open_petition(db, "W", "T", &winchester, noon(day("2013-06-02")), Policy::default()).await.unwrap();
        import(
            db,
            FileKind::VerificationNumbers,
            "area_code,number,in_force_from,in_force_to\nE07000094,4000,2013-04-01,2014-03-31\n",
        )
        .await
        .unwrap();
        assert_eq!(required_of(db, id).await, (4620, false));
        t.close().await;
    }
}

async fn kinds(db: &Db, id: i64) -> Vec<(EventKind, u64)> {
    lifecycle::events(db, id).await.unwrap().into_iter().map(|r| (r.event.kind, r.event.valid)).collect()
}

async fn officer_mails(db: &Db) -> Vec<String> {
    sqlx::query("SELECT subject FROM outbox WHERE recipient = 'elections@council.example' ORDER BY id")
        .fetch_all(&db.pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get("subject").unwrap())
        .collect()
}

async fn fast_count(db: &Db, id: i64) -> u64 {
    let mut conn = db.pool.acquire().await.unwrap();
    counts::valid_count(&mut conn, id).await.unwrap()
}

#[tokio::test]
async fn concurrent_confirmations_cross_the_trigger_exactly_once() {
    for t in TestDb::both().await {
        let w = world(t, 10).await;
        let db = w.t.db.clone();
        let district = AreaCode::parse(demo::DISTRICT).unwrap();
        let id = open_petition(&db, "Crossing", "T", &district, Utc::now() - Duration::days(1), Policy::default())
            .await
            .unwrap();
        let people: Vec<Person> = w.people.iter().take(24).cloned().collect();
        assert_eq!(people.len(), 24, "the small demo has enough electors");
        let now = petition_store::now();
        let tokens = sign_all(&w, id, &people, now).await;
        // Everyone confirms at once.
        let start = std::sync::Arc::new(tokio::sync::Barrier::new(tokens.len()));
        let tasks: Vec<_> = tokens
            .into_iter()
            .map(|token| {
                let (db, start) = (db.clone(), start.clone());
                tokio::spawn(async move {
                    start.wait().await;
                    signatures::confirm(&db, &mailing(), &token, petition_store::now()).await.unwrap()
                })
            })
            .collect();
        for task in tasks {
            assert!(matches!(task.await.unwrap(), ConfirmOutcome::Counted { .. }));
        }
        let events = kinds(&db, id).await;
        let reached: Vec<_> = events.iter().filter(|e| e.0 == EventKind::ThresholdReached).collect();
        assert_eq!(reached.len(), 1, "{}: {events:?}", w.t.name);
        assert!(reached[0].1 >= 10, "recorded with the count it was decided on: {events:?}");
        assert_eq!(events.len(), 2, "opened, then reached: {events:?}");
        assert_eq!(officer_mails(&db).await.len(), 1, "one email to the officers");
        // The fast counters and a recount from the rows agree.
        assert_eq!(fast_count(&db, id).await, 24);
        assert_eq!(counts::recount(&db, id).await.unwrap().values().sum::<u64>(), 24);
        assert!(counts::check(&db, id).await.unwrap().is_empty());
        w.t.close().await;
    }
}

#[tokio::test]
async fn strikes_withdrawals_pauses_and_the_close() {
    for t in TestDb::both().await {
        let w = world(t, 3).await;
        let db = w.t.db.clone();
        let m = mailing();
        let district = AreaCode::parse(demo::DISTRICT).unwrap();
        let opened = Utc::now() - Duration::days(1);
        let id = open_petition(&db, "Life", "T", &district, opened, Policy::default()).await.unwrap();
        let mut conn = db.pool.acquire().await.unwrap();
        let base_deadline = petitions::load(&mut conn, id).await.unwrap().unwrap().terms.base_closes;
        drop(conn);
        let mut now = petition_store::now();
        let people: Vec<Person> = w.people.iter().take(5).cloned().collect();
        let tokens = sign_all(&w, id, &people, now).await;
        for token in &tokens[..3] {
            assert!(matches!(signatures::confirm(&db, &m, token, now).await.unwrap(), ConfirmOutcome::Counted { .. }));
        }
        assert_eq!(kinds(&db, id).await, vec![(EventKind::Opened, 0), (EventKind::ThresholdReached, 3)]);

        let sig_ids: Vec<i64> =
            sqlx::query("SELECT id FROM signatures WHERE petition_id = $1 AND status = 'confirmed' ORDER BY id")
                .bind(id)
                .fetch_all(&db.pool)
                .await
                .unwrap()
                .iter()
                .map(|r| r.try_get(0).unwrap())
                .collect();
        // A strike takes it back below; striking again, or reinstating what is not struck, is refused.
        now += 10;
        let e = signatures::change_signature(
            &db,
            &m,
            sig_ids[0],
            SignatureChange::Strike(StrikeReason::Duplicate),
            &common::actor(),
            "",
            now,
        )
        .await
        .unwrap();
        assert_eq!(e.iter().map(|e| e.kind).collect::<Vec<_>>(), vec![EventKind::ThresholdLost]);
        assert!(matches!(
            signatures::change_signature(
                &db,
                &m,
                sig_ids[0],
                SignatureChange::Strike(StrikeReason::Fraud),
                &common::actor(),
                "",
                now
            )
            .await,
            Err(OfficerError::AlreadyStruck(_))
        ));
        assert!(matches!(
            signatures::change_signature(&db, &m, sig_ids[1], SignatureChange::Reinstate, &common::actor(), "", now)
                .await,
            Err(OfficerError::NotStruck(_))
        ));
        assert!(matches!(
            signatures::change_signature(&db, &m, sig_ids[1], SignatureChange::Approve, &common::actor(), "", now)
                .await,
            Err(OfficerError::NotForReview(_))
        ));
        assert!(matches!(
            signatures::change_signature(
                &db,
                &m,
                sig_ids[1],
                SignatureChange::Strike(StrikeReason::Withdrawn),
                &common::actor(),
                "",
                now
            )
            .await,
            Err(OfficerError::Reason(_))
        ));
        assert!(matches!(
            signatures::change_signature(&db, &m, 999_999, SignatureChange::Reinstate, &common::actor(), "", now).await,
            Err(OfficerError::NoSuchSignature(999_999))
        ));
        now += 10;
        signatures::change_signature(&db, &m, sig_ids[0], SignatureChange::Reinstate, &common::actor(), "", now)
            .await
            .unwrap();
        assert_eq!(fast_count(&db, id).await, 3);

        // A pause: no signing or confirming while it lasts; withdrawing is still possible.
        now += 10;
        let paused_at = now;
        let e = lifecycle::pause(
            &db,
            &m,
            id,
            now,
            &lifecycle::ByOfficer { actor: &common::actor(), reason: "Polling day" },
        )
        .await
        .unwrap();
        assert_eq!(e[0].kind, EventKind::Paused);
        assert!(matches!(
            lifecycle::pause(&db, &m, id, now, &lifecycle::ByOfficer { actor: &common::actor(), reason: "again" })
                .await,
            Err(StoreError::Refused(Refusal::AlreadyPaused))
        ));
        assert!(matches!(
            signatures::sign(&db, &w.secrets, &m, &request(id, &w.people[10], 10), now).await,
            Err(SignError::Paused)
        ));
        assert!(matches!(signatures::confirm(&db, &m, &tokens[3], now).await.unwrap(), ConfirmOutcome::Paused { .. }));
        // The signer can withdraw during a pause, which loses the threshold.
        let withdraw_token: String = {
            let body: String = sqlx::query(
                "SELECT body FROM outbox WHERE recipient = 'signer2@example.org' AND subject LIKE 'Thank you%'",
            )
            .fetch_one(&db.pool)
            .await
            .unwrap()
            .try_get(0)
            .unwrap();
            let start = body.find("/withdraw/").unwrap();
            body[start + 10..].split_whitespace().next().unwrap().to_string()
        };
        assert!(matches!(
            signatures::withdraw(&db, &m, &withdraw_token, now).await.unwrap(),
            WithdrawOutcome::Withdrawn { .. }
        ));
        // A day: the confirmation link sent before the pause still works after it (links last two
        // days from when they were sent).
        let pause_length = 86_400;
        now += pause_length;
        lifecycle::resume(&db, &m, id, now, &lifecycle::ByOfficer { actor: &common::actor(), reason: "" })
            .await
            .unwrap();
        let deadline = base_deadline + (now - paused_at);
        let mut conn = db.pool.acquire().await.unwrap();
        let p = petitions::load(&mut conn, id).await.unwrap().unwrap();
        drop(conn);
        assert_eq!(p.terms.deadline(&p.state), Some(deadline));
        // After the pause, confirming works again, and the threshold is reached once more.
        assert!(matches!(signatures::confirm(&db, &m, &tokens[3], now).await.unwrap(), ConfirmOutcome::Counted { .. }));
        assert_eq!(
            kinds(&db, id).await,
            vec![
                (EventKind::Opened, 0),
                (EventKind::ThresholdReached, 3),
                (EventKind::ThresholdLost, 2),
                (EventKind::ThresholdReached, 3),
                (EventKind::Paused, 3),
                (EventKind::ThresholdLost, 2),
                (EventKind::Resumed, 2),
                (EventKind::ThresholdReached, 3),
            ]
        );
        assert_eq!(officer_mails(&db).await.len(), 3, "an email each time the trigger is reached");

        // Signer 0's withdrawal link, for after the close (read before the mail below is sent).
        let token = {
            let body: String = sqlx::query(
                "SELECT body FROM outbox WHERE recipient = 'signer0@example.org' AND subject LIKE 'Thank you%'",
            )
            .fetch_one(&db.pool)
            .await
            .unwrap()
            .try_get(0)
            .unwrap();
            let start = body.find("/withdraw/").unwrap();
            body[start + 10..].split_whitespace().next().unwrap().to_string()
        };
        // The close: nothing one second before the deadline; at it, closed with the threshold met.
        assert_eq!(lifecycle::close_due(&db, &m, deadline - 1).await.unwrap(), 0);
        let mut last = request(id, &w.people[5], 5);
        last.email = petition_core::text::Email::parse("last@example.org").unwrap();
        let last = common::sign_requests(&w, &[last], deadline - 60).await;
        assert!(matches!(
            signatures::confirm(&db, &m, &last[0], deadline).await.unwrap(),
            ConfirmOutcome::Closed { .. }
        ));
        assert_eq!(lifecycle::close_due(&db, &m, deadline + 3_600).await.unwrap(), 1, "closed by the scheduler, late");
        let events = lifecycle::events(&db, id).await.unwrap();
        let close = events.last().unwrap();
        assert_eq!((close.event.kind, close.event.at, close.event.valid), (EventKind::ClosedReached, deadline, 3));
        assert_eq!(close.recorded_at, deadline + 3_600);
        assert_eq!(lifecycle::close_due(&db, &m, deadline + 7_200).await.unwrap(), 0, "closed once");
        // After the close: no withdrawals; an officer's strike still counts, and is recorded.
        assert!(matches!(
            signatures::withdraw(&db, &m, &token, deadline + 10).await.unwrap(),
            WithdrawOutcome::Closed { .. }
        ));
        let e = signatures::change_signature(
            &db,
            &m,
            sig_ids[1],
            SignatureChange::Strike(StrikeReason::NotEligible),
            &common::actor(),
            "",
            deadline + 20,
        )
        .await
        .unwrap();
        assert_eq!(e.iter().map(|e| (e.kind, e.valid)).collect::<Vec<_>>(), vec![(EventKind::ThresholdLost, 2)]);
        assert!(matches!(
            lifecycle::pause(
                &db,
                &m,
                id,
                deadline + 30,
                &lifecycle::ByOfficer { actor: &common::actor(), reason: "late" }
            )
            .await,
            Err(StoreError::Refused(Refusal::Closed))
        ));
        assert!(counts::check(&db, id).await.unwrap().is_empty());
        w.t.close().await;
    }
}

#[tokio::test]
async fn a_restart_records_closes_that_fell_due_while_down() {
    for t in TestDb::both().await {
        let w = world(t, 2).await;
        let db = w.t.db.clone();
        let m = mailing();
        let district = AreaCode::parse(demo::DISTRICT).unwrap();
        // Opened seven months ago: due to close a month ago, and nobody signed since.
        let id = open_petition(&db, "Old", "T", &district, Utc::now() - Duration::days(213), Policy::default())
            .await
            .unwrap();
        let mut conn = db.pool.acquire().await.unwrap();
        let deadline = petitions::load(&mut conn, id).await.unwrap().unwrap().terms.base_closes;
        drop(conn);
        let now = petition_store::now();
        assert!(deadline < now);
        assert_eq!(lifecycle::next_deadline(&db).await.unwrap(), Some(deadline));
        assert_eq!(lifecycle::settle_all(&db, &m, now).await.unwrap(), 1);
        let events = lifecycle::events(&db, id).await.unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!((events[1].event.kind, events[1].event.at), (EventKind::ClosedNotReached, deadline));
        assert_eq!(lifecycle::settle_all(&db, &m, now).await.unwrap(), 0);
        assert_eq!(lifecycle::next_deadline(&db).await.unwrap(), None);
        w.t.close().await;
    }
}

#[tokio::test]
async fn the_demo_counters_match_a_recount_and_its_old_petition_closes() {
    for t in TestDb::both().await {
        let db = t.db.clone();
        assert!(demo::load(&db, &Secrets::from_bytes([1; 32]), demo::Size::DEMO, Utc::now()).await.unwrap());
        let all = petitions::load_all(&db).await.unwrap();
        assert_eq!(all.len(), 5);
        for p in &all {
            assert!(counts::check(&db, p.id).await.unwrap().is_empty(), "petition {}", p.id);
            assert!(fast_count(&db, p.id).await > 0, "petition {} has signatures", p.id);
        }
        // Start-up records the close of the petition whose window ended while nobody watched.
        assert_eq!(lifecycle::settle_all(&db, &mailing(), petition_store::now()).await.unwrap(), 1);
        let closed: Vec<_> =
            petitions::load_all(&db).await.unwrap().into_iter().filter(|p| p.state.closed_at.is_some()).collect();
        assert_eq!(closed.len(), 1);
        t.close().await;
    }
}

/// Two changes to one signature at once, as an officer's click racing another officer's, or a
/// signer's withdrawal: each moves the count once at most. On PostgreSQL both read the row before
/// either writes; the store writes only if the row is still as read.
#[tokio::test]
async fn concurrent_changes_to_one_signature_move_the_count_once() {
    for t in TestDb::both().await {
        let w = world(t, 1_000).await;
        let db = w.t.db.clone();
        let m = mailing();
        let district = AreaCode::parse(demo::DISTRICT).unwrap();
        let id = open_petition(&db, "Races", "T", &district, Utc::now() - Duration::days(1), Policy::default())
            .await
            .unwrap();
        let now = petition_store::now();
        // Signers the register does not know: once confirmed, each waits for an officer.
        let mut uprns = std::collections::HashSet::new();
        let requests: Vec<_> = w
            .people
            .iter()
            .filter(|p| uprns.insert(p.uprn.clone()))
            .take(16)
            .enumerate()
            .map(|(n, p)| {
                let mut r = request(id, p, n);
                r.name = PersonName::parse("Nobody Onthe Register").unwrap();
                r
            })
            .collect();
        assert_eq!(requests.len(), 16);
        let tokens = sign_requests(&w, &requests, now).await;
        for token in &tokens {
            let outcome = signatures::confirm(&db, &m, token, now).await.unwrap();
            assert!(matches!(outcome, ConfirmOutcome::SentForReview { .. }), "{outcome:?}");
        }
        let withdraw_links = sent_links(&db, "withdraw", now).await;
        let ids = signature_ids(&db, id).await;

        // Two officers approve each of the first half at once: one approval counts.
        let approvals = race(&ids[..8], |sig| {
            let (db, m) = (db.clone(), m.clone());
            async move {
                signatures::change_signature(&db, &m, sig, SignatureChange::Approve, &common::actor(), "", now)
                    .await
                    .is_ok()
            }
        })
        .await;
        assert!(approvals.iter().all(|(a, b)| a ^ b), "{}: exactly one approval of each: {approvals:?}", w.t.name);
        // One officer approves each of the other half as another strikes it.
        let mut tasks = Vec::new();
        for &sig in &ids[8..] {
            let start = std::sync::Arc::new(tokio::sync::Barrier::new(2));
            for change in [SignatureChange::Approve, SignatureChange::Strike(StrikeReason::Fraud)] {
                let (db, m, start) = (db.clone(), m.clone(), start.clone());
                tasks.push(tokio::spawn(async move {
                    start.wait().await;
                    let _ = signatures::change_signature(&db, &m, sig, change, &common::actor(), "", now).await;
                }));
            }
        }
        for task in tasks {
            task.await.unwrap();
        }
        let (confirmed, struck) = (
            rows_where(&db, id, "status = 'confirmed'").await,
            rows_where(&db, id, "status = 'confirmed' AND struck_at IS NOT NULL").await,
        );
        assert!(confirmed >= 8, "{}", w.t.name);
        assert_eq!(raw_sum(&db, id).await, confirmed - struck, "{}: what is approved and not struck counts", w.t.name);
        assert_eq!(queued(&db, id, "sig").await, confirmed, "{}: one log entry for each approved", w.t.name);
        assert_eq!(queued(&db, id, "strike").await, struck, "{}: and one for each approved and struck", w.t.name);
        assert!(counts::check(&db, id).await.unwrap().is_empty());

        // An officer strikes each one as its signer withdraws it: it stops counting once.
        let emails: Vec<String> = requests.iter().map(|r| r.email.as_str().to_string()).collect();
        let pairs: Vec<(i64, String)> =
            ids.iter().copied().zip(emails.iter().map(|e| withdraw_links[e].clone())).collect();
        let mut tasks = Vec::new();
        for (sig, link) in pairs {
            let start = std::sync::Arc::new(tokio::sync::Barrier::new(2));
            let (db1, m1, s1) = (db.clone(), m.clone(), start.clone());
            tasks.push(tokio::spawn(async move {
                s1.wait().await;
                let _ = signatures::change_signature(
                    &db1,
                    &m1,
                    sig,
                    SignatureChange::Strike(StrikeReason::Fraud),
                    &common::actor(),
                    "",
                    now,
                )
                .await;
            }));
            let (db2, m2) = (db.clone(), m.clone());
            tasks.push(tokio::spawn(async move {
                start.wait().await;
                let out = signatures::withdraw(&db2, &m2, &link, now).await.unwrap();
                assert!(matches!(out, WithdrawOutcome::Withdrawn { .. }), "the signer's request goes through: {out:?}");
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(raw_sum(&db, id).await, 0, "{}: every counter back to nothing, none below", w.t.name);
        assert_eq!(counts::recount(&db, id).await.unwrap().values().sum::<u64>(), 0);
        let strikes = queued(&db, id, "strike").await;
        assert_eq!(
            strikes, confirmed,
            "{}: one strike entry for each logged, by an officer or the withdrawal",
            w.t.name
        );
        w.t.close().await;
    }
}

async fn rows_where(db: &Db, petition_id: i64, condition: &str) -> i64 {
    sqlx::query(&format!("SELECT COUNT(*) FROM signatures WHERE petition_id = $1 AND {condition}"))
        .bind(petition_id)
        .fetch_one(&db.pool)
        .await
        .unwrap()
        .try_get(0)
        .unwrap()
}

async fn queued(db: &Db, petition_id: i64, kind: &str) -> i64 {
    sqlx::query("SELECT COUNT(*) FROM log_queue WHERE petition_id = $1 AND kind = $2")
        .bind(petition_id)
        .bind(kind)
        .fetch_one(&db.pool)
        .await
        .unwrap()
        .try_get(0)
        .unwrap()
}

/// Runs `act` twice at once for each id, and says for each whether the first and second worked.
async fn race<F, Fut>(ids: &[i64], act: F) -> Vec<(bool, bool)>
where
    F: Fn(i64) -> Fut,
    Fut: std::future::Future<Output = bool> + Send + 'static,
{
    let mut out = Vec::new();
    for &sig in ids {
        let start = std::sync::Arc::new(tokio::sync::Barrier::new(2));
        let (s1, s2) = (start.clone(), start);
        let (f1, f2) = (act(sig), act(sig));
        let a = tokio::spawn(async move {
            s1.wait().await;
            f1.await
        });
        let b = tokio::spawn(async move {
            s2.wait().await;
            f2.await
        });
        out.push((a.await.unwrap(), b.await.unwrap()));
    }
    out
}
