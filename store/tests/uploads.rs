//! Reference data uploaded from the browser, on both databases: a check runs the whole import
//! and changes nothing, its report is the import's own, and a sound upload is imported once, by
//! whoever confirms it, with an audit row in the same transaction.

mod common;

use common::{mailing, TestDb};
use petition_core::franchise::NonLocalMarkers;
use petition_core::officer::Role;
use petition_core::reference::FileKind;
use petition_core::text::Email;
use petition_store::audit::Actor;
use petition_store::demo::{self, Size};
use petition_store::import::uploads::{self, ConfirmError, Report};
use petition_store::import::{import_with, Apply, ImportError};
use petition_store::officers::accounts;
use petition_store::Db;
use sqlx::Row;

const T0: i64 = 1_900_000_000;

async fn count(db: &Db, sql: &str) -> i64 {
    sqlx::query(sql).fetch_one(&db.pool).await.unwrap().try_get(0).unwrap()
}

/// Every table an import writes, and the audit trail.
async fn snapshot(db: &Db) -> Vec<i64> {
    let mut out = vec![];
    for t in ["areas", "electorates", "postcodes", "addresses", "electors", "verification_numbers", "officer_audit"] {
        out.push(count(db, &format!("SELECT COUNT(*) FROM {t}")).await);
    }
    out.push(count(db, "SELECT COUNT(*) FROM electors WHERE removed_at IS NOT NULL").await);
    out
}

#[tokio::test]
async fn a_check_gives_the_imports_report_and_changes_nothing() {
    let files = demo::generate(Size::SMALL, 3, "2026-02-15");
    let markers = NonLocalMarkers::standard();
    let actor = common::actor();
    for t in TestDb::both().await {
        for (kind, text) in [
            (FileKind::Areas, &files.areas),
            (FileKind::Electorates, &files.electorates),
            (FileKind::Gazetteer, &files.gazetteer),
            (FileKind::Register, &files.register),
        ] {
            let before = snapshot(&t.db).await;
            let checked = import_with(&t.db, kind, text, &markers, Apply::Check).await.unwrap();
            assert_eq!(snapshot(&t.db).await, before, "checking {kind:?} changed something on {}", t.name);
            let by = petition_store::import::ImportedBy {
                actor: &actor,
                file: "demo.csv",
                sha256: &uploads::sha256_hex(text),
                now: T0,
                upload: None,
            };
            let imported = import_with(&t.db, kind, text, &markers, Apply::Commit(Some(by))).await.unwrap();
            assert_eq!(checked, imported, "{kind:?} on {}", t.name);
            assert_ne!(snapshot(&t.db).await, before, "importing {kind:?} changed nothing on {}", t.name);
        }
        // A register of one district, most of whose electors it drops, is refused by the check as
        // by the import, with the departures counted inside the rolled-back transaction.
        let mut lines = files.register.lines();
        let header = lines.next().unwrap();
        let one: String = std::iter::once(header).chain(lines.take(1)).map(|l| format!("{l}\n")).collect();
        let before = snapshot(&t.db).await;
        let refused = import_with(&t.db, FileKind::Register, &one, &markers, Apply::Check).await;
        assert!(
            matches!(refused, Err(ImportError::Refused(ref why)) if why.contains("polling district")),
            "{refused:?}"
        );
        assert_eq!(snapshot(&t.db).await, before);
        // The command line's imports are in the audit trail; the checks are not.
        let imports = count(&t.db, "SELECT COUNT(*) FROM officer_audit WHERE action = 'import'").await;
        assert_eq!(imports, 4, "{}", t.name);
        t.close().await;
    }
}

async fn officer(db: &Db) -> i64 {
    let email = Email::parse("reference@council.example").unwrap();
    let (account, _) =
        accounts::create(db, &mailing(), &common::actor(), &email, Role::Officer, false, T0).await.unwrap();
    account.id
}

#[tokio::test]
async fn an_upload_is_checked_kept_and_imported_once() {
    let files = demo::generate(Size::SMALL, 4, "2026-02-15");
    let markers = NonLocalMarkers::standard();
    for t in TestDb::both().await {
        let db = &t.db;
        let account = officer(db).await;
        let actor = Actor::CommandLine("test".into());
        let areas =
            uploads::check(db, &markers, FileKind::Areas, "wards.csv", &files.areas, account, T0).await.unwrap();
        // Three presses at once: one imports, the others are told it is done, whatever the order.
        let press = || uploads::confirm(db, &markers, areas, &actor, T0 + 1);
        let (a, b, c) = tokio::join!(press(), press(), press());
        let presses = [a, b, c];
        let imported = presses.iter().filter(|r| r.is_ok()).count();
        assert_eq!(imported, 1, "{presses:?} on {}", t.name);
        assert!(presses.iter().all(|r| matches!(r, Ok(_) | Err(ConfirmError::AlreadyImported))), "{presses:?}");

        // A file with problems: every line reported, nothing kept to import.
        let bad = "area_code,register_date,electorate\nE05900001,2026-02-15,1200\nE05999999,2026-02-15,5\nE05900001,2026-02-30,5\n";
        let before = snapshot(db).await;
        let id = uploads::check(db, &markers, FileKind::Electorates, "bad.csv", bad, account, T0 + 2).await.unwrap();
        assert_eq!(snapshot(db).await, before);
        let u = uploads::find(db, id).await.unwrap().unwrap();
        let Report::Problems { count: found, problems } = &u.report else { panic!("{:?}", u.report) };
        assert_eq!(*found, 2);
        assert_eq!(problems.iter().map(|p| p.line).collect::<Vec<_>>(), vec![3, 4]);
        assert!(problems[0].message.contains("E05999999"), "{}", problems[0]);
        assert_eq!(
            (u.file_name.as_str(), u.bytes, u.uploaded_by.as_str()),
            ("bad.csv", bad.len() as i64, "reference@council.example")
        );
        assert!(matches!(uploads::confirm(db, &markers, id, &actor, T0 + 3).await, Err(ConfirmError::NotSound)));
        let kept: String = sqlx::query("SELECT body FROM reference_uploads WHERE id = $1")
            .bind(id)
            .fetch_one(&db.pool)
            .await
            .unwrap()
            .try_get(0)
            .unwrap();
        assert_eq!(kept, "", "a file that cannot be imported is not kept");

        // A sound file: the report says what it would do; two presses of the button import it once.
        let id =
            uploads::check(db, &markers, FileKind::Electorates, "electorates.csv", &files.electorates, account, T0 + 4)
                .await
                .unwrap();
        let u = uploads::find(db, id).await.unwrap().unwrap();
        let rows = files.electorates.lines().count() as i64 - 1;
        assert_eq!(u.report, Report::Sound { rows, notes: vec![] });
        assert_eq!(u.sha256.len(), 64);
        assert_eq!(snapshot(db).await[1], before[1], "checked, not imported");
        let (a, b) = tokio::join!(
            uploads::confirm(db, &markers, id, &actor, T0 + 5),
            uploads::confirm(db, &markers, id, &actor, T0 + 5)
        );
        let done: Vec<_> = [a, b]
            .into_iter()
            .filter_map(|r| r.map_err(|e| assert!(matches!(e, ConfirmError::AlreadyImported), "{e}")).ok())
            .collect();
        assert_eq!(done.len(), 1, "imported exactly once on {}", t.name);
        assert_eq!(done[0].rows as i64, rows);
        assert!(matches!(uploads::confirm(db, &markers, id, &actor, T0 + 6).await, Err(ConfirmError::AlreadyImported)));
        let u = uploads::find(db, id).await.unwrap().unwrap();
        assert_eq!(u.imported_at, Some(T0 + 5));
        let audited = count(
            db,
            "SELECT COUNT(*) FROM officer_audit WHERE action = 'import' AND subject = 'electorates file electorates.csv'",
        )
        .await;
        assert_eq!(audited, 1);
        let detail: String =
            sqlx::query("SELECT detail FROM officer_audit WHERE subject = 'electorates file electorates.csv'")
                .fetch_one(&db.pool)
                .await
                .unwrap()
                .try_get(0)
                .unwrap();
        assert_eq!(
            detail,
            format!("{rows} row(s) from the file with SHA-256 {}", uploads::sha256_hex(&files.electorates))
        );

        // A day on, uploads are gone, imported or not.
        assert_eq!(uploads::purge(db, T0 + 4 + uploads::KEPT - 1).await.unwrap(), 2, "the two earlier ones");
        assert!(uploads::find(db, id).await.unwrap().is_some());
        assert_eq!(uploads::purge(db, T0 + 4 + uploads::KEPT).await.unwrap(), 1);
        assert!(matches!(uploads::confirm(db, &markers, id, &actor, T0 + 7).await, Err(ConfirmError::NotFound)));
        t.close().await;
    }
}
