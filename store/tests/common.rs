//! Test databases: a fresh SQLite file, or a fresh PostgreSQL database created on the local
//! server (TEST_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/postgres) and dropped
//! afterwards.

#![allow(dead_code)]

use petition_store::Db;
use sqlx::Connection;
use std::sync::atomic::{AtomicU32, Ordering};

static N: AtomicU32 = AtomicU32::new(0);

pub struct TestDb {
    pub db: Db,
    pub name: String,
    drop_pg: Option<String>,
}

pub fn pg_admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let n = N.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("petitions-test-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}", dir.join("test.db").display());
        TestDb { db: Db::connect(&url).await.unwrap(), name: "sqlite".into(), drop_pg: None }
    }

    pub async fn postgres() -> TestDb {
        sqlx::any::install_default_drivers();
        let n = N.fetch_add(1, Ordering::SeqCst);
        let name = format!("petitions_test_{}_{n}", std::process::id());
        let admin = pg_admin_url();
        let mut conn = sqlx::AnyConnection::connect(&admin)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL is needed for these tests at {admin}: {e}"));
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name}")).execute(&mut conn).await.unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.unwrap();
        let base = admin.rsplit_once('/').unwrap().0;
        let db = Db::connect(&format!("{base}/{name}")).await.unwrap();
        TestDb { db, name: "postgres".into(), drop_pg: Some(name) }
    }

    pub async fn both() -> Vec<TestDb> {
        vec![TestDb::sqlite().await, TestDb::postgres().await]
    }

    pub async fn close(self) {
        self.db.pool.close().await;
        if let Some(name) = self.drop_pg {
            let mut conn = sqlx::AnyConnection::connect(&pg_admin_url()).await.unwrap();
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn).await.unwrap();
        }
    }
}

pub fn shared(path: &str) -> String {
    let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared").join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| {
        panic!("this test needs the shared test data at {} ({e}); check out ../shared beside the repository", full.display())
    })
}
