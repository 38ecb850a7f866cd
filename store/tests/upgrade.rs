//! Upgrades keep what sites already hold: migration 0008, which moved waiting signatures into
//! attempts, is run on a database left by 0001-0007 with rows in every state that matters; and
//! 0011 and 0015, which SQLite makes by rebuilding the log queue, keep its rows, columns, keys and indexes.

mod common;

use std::path::Path;

use sqlx::{AnyConnection, Connection, Row};

fn migration(dialect: &str, name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations").join(dialect).join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A database of `dialect` migrated up to (but not including) `before`, and how to drop it.
async fn migrated_before(dialect: &str, before: &str) -> (AnyConnection, Option<String>) {
    sqlx::any::install_default_drivers();
    let tag = format!("{}_{}_{}", std::process::id(), dialect, before);
    let (mut conn, drop) = match dialect {
        "sqlite" => {
            let dir = std::env::temp_dir().join(format!("petitions-upgrade-{tag}"));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            let url = format!("sqlite://{}?mode=rwc", dir.join("old.db").display());
            (AnyConnection::connect(&url).await.unwrap(), None)
        }
        _ => {
            let name = format!("petitions_upgrade_{tag}");
            let admin = common::pg_admin_url();
            let mut a = AnyConnection::connect(&admin).await.unwrap();
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name}")).execute(&mut a).await.unwrap();
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut a).await.unwrap();
            let base = admin.rsplit_once('/').unwrap().0;
            (AnyConnection::connect(&format!("{base}/{name}")).await.unwrap(), Some(name))
        }
    };
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations").join(dialect);
    let mut names: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    for name in names.iter().filter(|n| n.as_str() < before) {
        sqlx::raw_sql(&migration(dialect, name)).execute(&mut conn).await.unwrap();
    }
    (conn, drop)
}

#[tokio::test]
async fn waiting_signatures_become_attempts_and_keep_their_strikes() {
    for dialect in ["sqlite", "postgres"] {
        let (mut conn, drop) = migrated_before(dialect, "0008").await;
        sqlx::raw_sql(
            "INSERT INTO areas (code, name, kind) VALUES ('W1', 'Ward', 'ward');
             INSERT INTO petitions (id, title, body, area_code, created_at, opens_at, closes_at, electorate,
               register_date, percent, required, published_number)
             VALUES (1, 'P', 'B', 'W1', 0, 0, 1000000, 100, '2024-01-01', '5', 5, 5);
             INSERT INTO signatures (id, petition_id, dedupe_key, status, postcode, address_text, ward_code, name,
               email, confirm_token_hash, created_at, notified_at, elector_id)
             VALUES (1, 1, 'k1', 'unconfirmed', 'AB1 2CD', 'Here', 'W1', 'Plain', 'a@x.org', 'h1', 10, 100, NULL);
             INSERT INTO signatures (id, petition_id, dedupe_key, status, postcode, address_text, ward_code, name,
               email, confirm_token_hash, created_at, struck_at, strike_reason)
             VALUES (2, 1, 'k2', 'unconfirmed', 'AB1 2CD', 'Here', 'W1', 'Struck', 'b@x.org', 'h2', 20, 5, 'fraud');
             INSERT INTO signatures (id, petition_id, dedupe_key, status, postcode, address_text, ward_code, name,
               email, confirm_token_hash, created_at)
             VALUES (3, 1, 'k3', 'unconfirmed', 'AB1 2CD', 'Here', 'W1', 'Logged', 'C@X.org', 'h3', 30);
             INSERT INTO log_queue (kind, petition_id, signature_id, queued_at) VALUES ('sig', 1, 3, 1);
             INSERT INTO signatures (id, petition_id, dedupe_key, status, postcode, address_text, ward_code, name,
               email, created_at, confirmed_at)
             VALUES (4, 1, 'k4', 'confirmed', 'AB1 2CD', 'Here', 'W1', 'Counted', 'd@x.org', 40, 41);",
        )
        .execute(&mut conn)
        .await
        .unwrap();
        sqlx::raw_sql(&migration(dialect, "0008_sign_attempts.sql")).execute(&mut conn).await.unwrap();

        let attempts: Vec<(String, String, String, i64, i64)> = sqlx::query(
            "SELECT dedupe_key, places, email_key, notified_at, expires_at FROM sign_attempts ORDER BY dedupe_key",
        )
        .fetch_all(&mut conn)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
        .collect();
        assert_eq!(
            attempts,
            [
                ("k1".into(), "k1".into(), "a@x.org".into(), 100, 100 + 48 * 3600),
                ("k2".into(), "k2".into(), "b@x.org".into(), 20, 20 + 48 * 3600),
                ("k3".into(), "k3".into(), "c@x.org".into(), 30, 30 + 48 * 3600),
            ],
            "{dialect}: every waiting signature waits on as an attempt, its link unchanged"
        );
        let rows: Vec<(i64, String, Option<i64>, Option<String>)> =
            sqlx::query("SELECT id, status, struck_at, confirm_token_hash FROM signatures ORDER BY id")
                .fetch_all(&mut conn)
                .await
                .unwrap()
                .iter()
                .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
                .collect();
        assert_eq!(
            rows,
            [
                (2, "withdrawn".into(), Some(5), None),
                (3, "withdrawn".into(), None, None),
                (4, "confirmed".into(), None, None)
            ],
            "{dialect}: a row with a strike or a log entry stays as the withdrawn place it was; others go"
        );
        conn.close().await.unwrap();
        if let Some(name) = drop {
            let mut a = AnyConnection::connect(&common::pg_admin_url()).await.unwrap();
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut a).await.unwrap();
        }
    }
}

/// How a table is made, as the dialect describes it: its columns (name, type, null or not,
/// default, key), its indexes and its foreign keys, in a stable order. Its CHECK constraints are
/// left out; they are tried by inserting.
async fn shape(conn: &mut AnyConnection, dialect: &str, table: &str) -> Vec<String> {
    let queries: Vec<String> = match dialect {
        "sqlite" => vec![
            format!("SELECT 'column ' || cid || ' ' || name || ' ' || type || ' ' || \"notnull\" || ' ' || COALESCE(dflt_value, '-') || ' ' || pk FROM pragma_table_info('{table}')"),
            format!("SELECT 'index ' || l.name || ' ' || l.\"unique\" || ' ' || l.origin || ' ' || (SELECT group_concat(i.name, ',') FROM (SELECT name FROM pragma_index_info(l.name) ORDER BY seqno) i) FROM pragma_index_list('{table}') l"),
            format!("SELECT 'key ' || \"from\" || ' ' || \"table\" || ' ' || \"to\" || ' ' || on_update || ' ' || on_delete FROM pragma_foreign_key_list('{table}')"),
        ],
        _ => vec![
            format!("SELECT 'column ' || ordinal_position || ' ' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || COALESCE(column_default, '-') FROM information_schema.columns WHERE table_name = '{table}'"),
            format!("SELECT 'index ' || indexname || ' ' || indexdef FROM pg_indexes WHERE tablename = '{table}'"),
            format!("SELECT 'key ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = '{table}'::regclass AND contype <> 'c'"),
        ],
    };
    let mut out = Vec::new();
    for q in queries {
        for r in sqlx::query(&q).fetch_all(&mut *conn).await.unwrap() {
            out.push(r.get::<String, _>(0));
        }
    }
    out.sort();
    out
}

async fn queued(conn: &mut AnyConnection) -> Vec<(i64, String, Option<String>, Option<i64>, Option<String>)> {
    sqlx::query("SELECT id, kind, entry, target, refused FROM log_queue ORDER BY id")
        .fetch_all(conn)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
        .collect()
}

#[tokio::test]
async fn the_log_queue_takes_pauses_and_keeps_everything_it_held() {
    the_log_queue_takes_new_kinds("0011", "0011_pause_entries.sql", ["pause", "resume"]).await;
}

#[tokio::test]
async fn the_log_queue_takes_samples_and_certificates_and_keeps_everything_it_held() {
    the_log_queue_takes_new_kinds("0015", "0015_verification_entries.sql", ["sample", "certify"]).await;
}

/// Migration `file` lets the log queue take `kinds`, keeping every row, column, key and index.
async fn the_log_queue_takes_new_kinds(before: &str, file: &str, kinds: [&str; 2]) {
    for dialect in ["sqlite", "postgres"] {
        let (mut conn, drop) = migrated_before(dialect, before).await;
        sqlx::raw_sql(
            "INSERT INTO areas (code, name, kind) VALUES ('W1', 'Ward', 'ward');
             INSERT INTO petitions (id, title, body, area_code, created_at, opens_at, closes_at, electorate,
               register_date, percent, required, published_number)
             VALUES (1, 'P', 'B', 'W1', 0, 0, 1000000, 100, '2024-01-01', '5', 5, 5);
             INSERT INTO log_queue (kind, petition_id, queued_at, entry, log_index) VALUES ('petition', 1, 1, 'p', 0);
             INSERT INTO log_queue (kind, petition_id, queued_at, entry, sig_commit) VALUES ('sig', 1, 2, 's', 'c');
             INSERT INTO log_queue (kind, petition_id, queued_at, reason, target) VALUES ('strike', 1, 3, 'fraud', 2);
             INSERT INTO log_queue (kind, petition_id, queued_at, refused) VALUES ('close', 1, 4, 'why');
             DELETE FROM log_queue WHERE id = 4;",
        )
        .execute(&mut conn)
        .await
        .unwrap();
        let (before, rows) = (shape(&mut conn, dialect, "log_queue").await, queued(&mut conn).await);
        assert!(before.iter().any(|l| l.contains("target")), "{dialect}: {before:?}");
        // As the server runs a migration: in a transaction, with foreign keys enforced.
        let mut tx = conn.begin().await.unwrap();
        sqlx::raw_sql(&migration(dialect, file)).execute(&mut *tx).await.unwrap();
        tx.commit().await.unwrap();

        assert_eq!(
            shape(&mut conn, dialect, "log_queue").await,
            before,
            "{dialect}: the same columns, keys and indexes"
        );
        assert_eq!(queued(&mut conn).await, rows, "{dialect}: every row as it was");
        let insert = |kind: &str, target: Option<i64>| {
            format!(
                "INSERT INTO log_queue (kind, petition_id, queued_at, target) VALUES ('{kind}', 1, 5, {}) RETURNING id",
                target.map_or("NULL".into(), |t| t.to_string())
            )
        };
        let mut ids = Vec::new();
        for kind in kinds {
            ids.push(sqlx::query(&insert(kind, None)).fetch_one(&mut conn).await.unwrap().get::<i64, _>(0));
        }
        assert_eq!(ids, [5, 6], "{dialect}: the new kinds go in, and no id is used twice");
        assert!(
            sqlx::query(&insert("bogus", None)).fetch_one(&mut conn).await.is_err(),
            "{dialect}: kinds are checked"
        );
        assert!(
            sqlx::query(&insert("strike", Some(99))).fetch_one(&mut conn).await.is_err(),
            "{dialect}: so are targets"
        );
        conn.close().await.unwrap();
        if let Some(name) = drop {
            let mut a = AnyConnection::connect(&common::pg_admin_url()).await.unwrap();
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut a).await.unwrap();
        }
    }
}
