//! Test databases: a fresh SQLite file, or a fresh PostgreSQL database created on the local
//! server (TEST_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/postgres) and dropped
//! afterwards.

#![allow(dead_code)]

use chrono::{Duration, Utc};
use petition_core::address::Uprn;
use petition_core::reference::FileKind;
use petition_core::text::{Email, PersonName};
use petition_core::Postcode;
use petition_store::demo::{self, Person, Size};
use petition_store::import::import;
use petition_store::mail::outbox;
use petition_store::mail::Mailing;
use petition_store::secrets::Secrets;
use petition_store::signatures::attempts::DEFAULT_ATTEMPT_LIFETIME;
use petition_store::signatures::{self, AddressChoice, SignRequest};
use petition_store::transparency::{self as log, LogKeys};
use petition_store::Db;
use petition_tlog::checkpoint::Checkpoint;
use petition_tlog::merkle::Tree;
use petition_tlog::note::Note;
use petition_tlog::note::NoteSigner;
use petition_tlog::tally::Replay;
use petition_tlog::tile::{decode_bundle, Tile};
use sqlx::Connection;
use sqlx::Row;
use std::collections::BTreeMap;
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
        panic!(
            "this test needs the shared test data at {} ({e}); check out ../shared beside the repository",
            full.display()
        )
    })
}

/// Who the tests' officer actions are by: the command line, as a script's would be.
pub fn actor() -> petition_store::audit::Actor {
    petition_store::audit::Actor::CommandLine("test".into())
}

pub fn mailing() -> Mailing {
    Mailing {
        base_url: "https://petitions.example".into(),
        officer_emails: vec!["elections@council.example".into()],
        attempt_lifetime: DEFAULT_ATTEMPT_LIFETIME,
    }
}

pub struct World {
    pub t: TestDb,
    pub people: Vec<Person>,
    pub secrets: Secrets,
}

/// The small demo district, with a published number of `required` in force now.
pub async fn world(t: TestDb, required: u64) -> World {
    world_of(t, Size::SMALL, 7, required).await
}

/// A demo district of any size, with a published number of `required` in force now.
pub async fn world_of(t: TestDb, size: Size, seed: u64, required: u64) -> World {
    let files = demo::generate(size, seed, "2024-02-15");
    demo::import_files(&t.db, &files).await.unwrap();
    let today = Utc::now().date_naive();
    let numbers = format!(
        "area_code,number,in_force_from,in_force_to\n{},{required},{},{}\n",
        demo::DISTRICT,
        today - Duration::days(30),
        today + Duration::days(30)
    );
    import(&t.db, FileKind::VerificationNumbers, &numbers).await.unwrap();
    let people = files.people.into_iter().filter(|p| p.local).collect();
    World { t, people, secrets: Secrets::from_bytes([9; 32]) }
}

pub fn request(petition_id: i64, p: &Person, n: usize) -> SignRequest {
    SignRequest {
        petition_id,
        name: PersonName::parse(&p.name).unwrap(),
        email: Email::parse(&format!("signer{n}@example.org")).unwrap(),
        postcode: Postcode::parse(&p.postcode).unwrap(),
        address: AddressChoice::Listed(Uprn::parse(&p.uprn).unwrap()),
    }
}

/// Up to `n` of `people`, at most one per name and address: two electors of one name at one
/// address are told apart only by the order in which they sign, which these tests leave out.
pub fn distinct_signers<'a>(people: impl IntoIterator<Item = &'a Person>, n: usize) -> Vec<Person> {
    let mut seen = std::collections::HashSet::new();
    people.into_iter().filter(|p| seen.insert((p.name.to_lowercase(), p.uprn.clone()))).take(n).cloned().collect()
}

/// Signs for each person and returns their confirmation tokens, in order.
pub async fn sign_all(w: &World, petition_id: i64, people: &[Person], now: i64) -> Vec<String> {
    let requests: Vec<SignRequest> = people.iter().enumerate().map(|(n, p)| request(petition_id, p, n)).collect();
    sign_requests(w, &requests, now).await
}

/// Makes each request (each with its own email address) and returns the confirmation tokens,
/// in order.
pub async fn sign_requests(w: &World, requests: &[SignRequest], now: i64) -> Vec<String> {
    for r in requests {
        signatures::sign(&w.t.db, &w.secrets, &mailing(), r, now).await.unwrap();
    }
    let links = sent_links(&w.t.db, "confirm", now).await;
    requests.iter().map(|r| links[r.email.as_str()].clone()).collect()
}

/// Takes every email queued by `now`, as a sender would, and returns them in order.
pub async fn drain(db: &Db, now: i64) -> Vec<outbox::Mail> {
    let mut out = vec![];
    while let Some(c) = outbox::claim_next(db, now, 60).await.unwrap() {
        assert!(outbox::mark_sent(db, &c, now).await.unwrap());
        out.push(c.mail);
    }
    out
}

/// The `kind` link (`confirm`, `withdraw`) in an email, if it has one.
pub fn find_link(mail: &outbox::Mail, kind: &str) -> Option<String> {
    let start = mail.body.find(&format!("/{kind}/"))?;
    Some(mail.body[start + kind.len() + 2..].split_whitespace().next().unwrap().to_string())
}

pub fn link(mail: &outbox::Mail, kind: &str) -> String {
    find_link(mail, kind).unwrap_or_else(|| panic!("no {kind} link in {}", mail.body))
}

/// Takes every email queued by `now`, and returns the `kind` link each recipient was sent last.
pub async fn sent_links(db: &Db, kind: &str, now: i64) -> BTreeMap<String, String> {
    let mut links = BTreeMap::new();
    for mail in drain(db, now).await {
        if let Some(token) = find_link(&mail, kind) {
            links.insert(mail.recipient.clone(), token);
        }
    }
    links
}

/// Every signature of a petition, oldest first.
pub async fn signature_ids(db: &Db, petition_id: i64) -> Vec<i64> {
    sqlx::query("SELECT id FROM signatures WHERE petition_id = $1 ORDER BY id")
        .bind(petition_id)
        .fetch_all(&db.pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get(0).unwrap())
        .collect()
}

/// A petition's counters summed as stored, negative shards included (the store's own reads
/// clamp at zero, which would hide a counter moved twice).
pub async fn raw_sum(db: &Db, petition_id: i64) -> i64 {
    sqlx::query("SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM count_shards WHERE petition_id = $1")
        .bind(petition_id)
        .fetch_one(&db.pool)
        .await
        .unwrap()
        .try_get(0)
        .unwrap()
}

pub const LOG_ORIGIN: &str = "petitions.example.gov.uk/log";

/// Fixed keys for the test logs.
pub fn log_keys() -> LogKeys {
    LogKeys {
        origin: LOG_ORIGIN.into(),
        log: NoteSigner::from_seed(LOG_ORIGIN, [1; 32]).unwrap(),
        tally: NoteSigner::from_seed(&log::tally_key_name(LOG_ORIGIN), [2; 32]).unwrap(),
    }
}

/// Everything an observer checks, from the published resources alone. Returns the replay.
pub async fn observe(db: &Db, keys: &LogKeys) -> (Checkpoint, Replay) {
    let note = log::checkpoint(db).await.unwrap().expect("a checkpoint is published");
    let note = Note::parse(note.as_bytes()).unwrap();
    note.verify_by(&keys.log.verifier()).expect("signed by the log key");
    let cp = Checkpoint::parse(&note.text).unwrap();
    assert_eq!(cp.origin, LOG_ORIGIN);
    let mut tree = Tree::new();
    let mut replay = Replay::new();
    let mut last = std::collections::HashMap::new();
    for t in Tile::all_at(0, cp.size) {
        let bundle = log::tile(db, t, true).await.unwrap().unwrap_or_else(|| panic!("{} is served", t.entries_path()));
        let entries = decode_bundle(&bundle).expect("a well-formed bundle");
        assert_eq!(entries.len() as u64, t.width);
        for e in entries {
            let id = petition_tlog::entry::Entry::parse(e).map(|e| e.id().clone());
            last.insert(id.expect("an entry"), tree.size());
            tree.push_entry(e);
            replay.apply_bytes(e);
        }
    }
    assert_eq!(tree.root(), cp.root, "the entries hash to the signed root");
    for t in Tile::all(cp.size) {
        let served = log::tile(db, t, false).await.unwrap().unwrap_or_else(|| panic!("{} is served", t.path()));
        assert_eq!(served, Tile::encode(&t.hashes_from(&tree)), "{}", t.path());
    }
    assert!(replay.violations().is_empty(), "{:?}", replay.violations());
    for id in replay.petition_ids() {
        let pid: i64 = id.as_str().parse().unwrap();
        let text = log::tally(db, pid, None).await.unwrap().expect("a tally note per petition");
        let note = Note::parse(text.as_bytes()).unwrap();
        note.verify_by(&keys.tally.verifier()).expect("signed by the tally key");
        // Signed at the checkpoint that added the petition's last entry, or a later one.
        let size = petition_tlog::tally::Tally::parse(&note.text).unwrap().size;
        assert!(size > last[id] && size <= cp.size, "petition {id}: a note at {size}, its last entry {}", last[id]);
        let mut want = replay.tally(id, LOG_ORIGIN, &petition_tlog::merkle::root(&tree, size).unwrap()).unwrap();
        want.size = size;
        assert_eq!(note.text, want.text(), "the tally of petition {id} recomputes byte for byte");
    }
    (cp, replay)
}

/// The entries of petition `id` in the log at its latest checkpoint, as an observer reads them
/// (checking everything [`observe`] checks first).
pub async fn entries_of(db: &Db, id: i64) -> Vec<petition_tlog::entry::Entry> {
    use petition_tlog::entry::{Entry, Ident};
    let (cp, _) = observe(db, &log_keys()).await;
    let pid = Ident::parse(&id.to_string()).unwrap();
    log::entries_from(db, 0, cp.size)
        .await
        .unwrap()
        .iter()
        .map(|e| Entry::parse(e.as_bytes()).unwrap())
        .filter(|e| *e.id() == pid)
        .collect()
}

/// Opens a petition for the demo district a day ago (its trigger from the figures in force);
/// returns its id, when it opened and the end of its window.
pub async fn open_a_day_ago(db: &Db, title: &str) -> (i64, i64, i64) {
    use petition_store::lifecycle::{open_petition, Policy};
    let district = petition_core::AreaCode::parse(demo::DISTRICT).unwrap();
    let id = open_petition(
        db,
        title,
        "A petition opened by a test.",
        &district,
        Utc::now() - Duration::days(1),
        Policy::default(),
    )
    .await
    .unwrap();
    let mut conn = db.pool.acquire().await.unwrap();
    let terms = petition_store::petitions::load(&mut conn, id).await.unwrap().unwrap().terms;
    (id, terms.opens, terms.base_closes)
}
