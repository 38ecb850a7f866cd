//! The petition site: web server, mail sender and command line.
//!
//! ```text
//! petitions serve [--demo]          run the site (and load the demo borough into an empty database)
//! petitions demo                    load the demo borough into an empty database
//! petitions import <kind> <file>    import reference data: areas, electorates, postcodes,
//!                                   gazetteer, register, verification-numbers
//! petitions officer <action> ...    pause, resume, strike, reinstate, approve, recount
//! petitions officer-account ...     add (the first admin), list, set-up-again, disable
//! petitions settings [set ...]      print the council's settings, or change one
//! petitions keys                    make the transparency log's signing keys
//! ```

mod assets;
mod clients;
mod config;
mod mailer;
mod officer;
mod officer_web;
mod page_cache;
mod proposals_web;
mod scheduler;
mod serve;
mod transparency;
mod web;

use std::process::ExitCode;
use std::sync::Arc;

use app::state::AppState;
use leptos::prelude::LeptosOptions;
use petition_core::reference::FileKind;
use petition_store::audit::Actor;
use petition_store::import::{self, ImportError};
use petition_store::secrets::Secrets;
use petition_store::transparency::{LogKeys, Sequencer};
use petition_store::Db;
use tokio::sync::Notify;

use crate::config::Config;

const USAGE: &str = "usage:
  petitions serve [--demo]          run the site; --demo loads the demo borough into an empty database
  petitions demo                    load the demo borough into an empty database
  petitions demo-electors [N]       print N people on the demo register, to sign as (name,postcode,address)
  petitions import <kind> <file>    import reference data; kind is one of
                                    areas, electorates, postcodes, gazetteer, register, verification-numbers
  petitions officer pause <petition> <reason...>     pause collection (the deadline moves on while paused)
  petitions officer resume <petition> [note...]      resume collection
  petitions officer strike <signature> <reason> [note...]   strike a signature; reason is one of
                                    duplicate, not-eligible, outside-window, fraud, correction
  petitions officer reinstate <signature> [note...]  undo a strike
  petitions officer approve <signature> [note...]    accept a signature that could not be matched
  petitions officer recount <petition>               recount from the signature rows and compare
  petitions officer-account add <email> --role admin|officer|viewer
                                    make an account and print its one-time set-up link
  petitions officer-account list                     list the accounts
  petitions officer-account set-up-again <email> [reason...]   clear its password and authenticator
                                    and print a new set-up link (a lost phone)
  petitions officer-account disable <email> [reason...]        disable it and end its sessions
  petitions settings                 print the council's settings (as the officer settings page shows them)
  petitions settings set <name> <value> --reason <why...>
                                    change one, as the settings page does (lists: separate items with commas)
  petitions keys                    make the log and tally signing keys (LOG_KEY_FILE, TALLY_KEY_FILE)
                                    and print the verifier keys to publish
settings (environment): DATABASE_URL, PUBLIC_URL, SITE_ADDR, SMTP_URL, MAIL_FROM, MAIL_DIR, SECRET_FILE,
  LOG_ORIGIN, LOG_KEY_FILE, TALLY_KEY_FILE, SIGN_PER_IP_PER_MINUTE, SIGN_PER_EMAIL_PER_HOUR, SIGN_IN_PER_IP_PER_MINUTE, UPLOAD_MAX_MB, NON_LOCAL_MARKERS;
  and the starting values of the council's settings: OFFICER_EMAIL, SPONSORS_NEEDED, MODERATION_WORKING_DAYS,
  EXTRA_BANK_HOLIDAYS, CANCELLED_BANK_HOLIDAYS, PROPOSAL_LAPSE_DAYS, REPEAT_REFUSAL_YEARS, OFFICER_IDLE_MINUTES,
  OFFICER_SESSION_HOURS, RETAIN_PERSONAL_DATA_DAYS (see README.md)";

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["serve"] | [] => serve(false).await,
        ["serve", "--demo"] => serve(true).await,
        ["demo"] => demo().await,
        ["demo-electors"] => demo_electors(10),
        ["demo-electors", n] => n.parse().map_err(|_| format!("not a number: {n}")).and_then(demo_electors),
        ["import", kind, file] => import_file(kind, file).await,
        ["officer", rest @ ..] => officer::run(rest).await,
        ["officer-account", rest @ ..] => officer::accounts(rest).await,
        ["settings", rest @ ..] => officer::settings(rest).await,
        ["keys"] => make_keys(),
        ["help" | "--help" | "-h"] => {
            println!("{USAGE}");
            Ok(())
        }
        _ => Err(format!("unknown command\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

fn ensure_sqlite_dir(url: &str) {
    if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
        let path = path.split('?').next().unwrap_or("");
        if let Some(dir) = std::path::Path::new(path).parent() {
            let _ = std::fs::create_dir_all(dir);
        }
    }
}

/// Opens the database for a command or the server, if this machine's clock can write to it.
pub(crate) async fn connect(cfg: &Config) -> Result<Db, String> {
    ensure_sqlite_dir(&cfg.database_url);
    let db = Db::connect(&cfg.database_url).await.map_err(|e| format!("cannot open the database: {e}"))?;
    // A clock that went back (a failed time server, or a rehearsal's REHEARSAL_DAYS_AHEAD
    // lowered) would date new signatures, log entries and audit rows before ones already
    // written, so neither the server nor any command starts on it.
    let latest = petition_store::lifecycle::latest_record(&db)
        .await
        .map_err(|e| format!("cannot read the site's history: {e}"))?;
    if let Some(latest) = latest.filter(|t| *t > petition_store::now() + CLOCK_SLACK) {
        return Err(format!(
            "this server's clock reads {}, but the site's history was written as late as {}: set the clock right (or, in a rehearsal, do not lower REHEARSAL_DAYS_AHEAD)",
            petition_store::time::moment_label(petition_store::now()),
            petition_store::time::moment_label(latest)
        ));
    }
    Ok(db)
}

async fn load_demo(db: &Db, secrets: &Secrets) -> Result<(), String> {
    let size = petition_store::demo::Size::demo(config::demo_scale()?);
    match petition_store::demo::load(db, secrets, size, petition_store::time::now_utc()).await {
        Ok(true) => {
            tracing::info!("loaded the demo borough (Rivermouth, postcodes RV1 to RV6)");
            Ok(())
        }
        Ok(false) => Ok(()),
        Err(e) => Err(format!("cannot load the demo: {e}")),
    }
}

async fn demo() -> Result<(), String> {
    let cfg = Config::from_env()?;
    let db = connect(&cfg).await?;
    let secrets = Secrets::load_or_create(&cfg.secret_file)?;
    load_demo(&db, &secrets).await
}

/// People on the demo register, one per ward in turn, as CSV: name, postcode, address, ward.
fn demo_electors(n: usize) -> Result<(), String> {
    let files = petition_store::demo::generate(
        petition_store::demo::Size::demo(config::demo_scale()?),
        petition_store::demo::SEED,
        petition_store::demo::REGISTER_DATE,
    );
    let addresses: std::collections::HashMap<String, String> = files
        .gazetteer
        .lines()
        .skip(1)
        .filter_map(|l| {
            let (uprn, rest) = l.split_once(',')?;
            let lines: Vec<&str> =
                rest.split(',').map(|f| f.trim_matches('"')).take(6).filter(|f| !f.is_empty()).collect();
            Some((uprn.to_string(), lines.join(", ")))
        })
        .collect();
    let mut by_ward: Vec<Vec<&petition_store::demo::Person>> = vec![];
    for p in files.people.iter().filter(|p| p.local) {
        match by_ward.iter_mut().find(|w| w[0].ward == p.ward) {
            Some(w) => w.push(p),
            None => by_ward.push(vec![p]),
        }
    }
    println!("name,postcode,address,ward");
    let chosen = late_first(&by_ward, n);
    for p in &chosen {
        println!("{},{},\"{}\",{}", p.name, p.postcode, addresses.get(&p.uprn).cloned().unwrap_or_default(), p.ward);
    }
    if chosen.len() < n {
        return Err(format!("the demo register has only {} local government electors", chosen.len()));
    }
    Ok(())
}

/// Up to `n` people, a ward at a time in turn, each ward's from the end of its list, where the
/// demo's seeded signatures do not reach; all of them if there are fewer than `n`.
fn late_first<'a, T>(by_ward: &[Vec<&'a T>], n: usize) -> Vec<&'a T> {
    let longest = by_ward.iter().map(Vec::len).max().unwrap_or(0);
    (0..longest)
        .flat_map(|i| by_ward.iter().filter_map(move |w| w.len().checked_sub(1 + i).map(|j| w[j])))
        .take(n)
        .collect()
}

async fn import_file(kind: &str, file: &str) -> Result<(), String> {
    let Some(k) = FileKind::parse(kind) else {
        return Err(format!("unknown kind {kind:?}\n{USAGE}"));
    };
    let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read {file}: {e}"))?;
    let cfg = Config::from_env()?;
    let db = connect(&cfg).await?;
    let actor = Actor::command_line();
    let sha256 = import::uploads::sha256_hex(&text);
    let by = import::ImportedBy { actor: &actor, file, sha256: &sha256, now: petition_store::now(), upload: None };
    match import::import_with(&db, k, &text, &cfg.non_local_markers, import::Apply::Commit(Some(by))).await {
        Ok(done) => {
            println!("imported {} row(s) from {file}", done.rows);
            for n in done.notes {
                println!("note: {n}");
            }
            Ok(())
        }
        Err(ImportError::Lines(errors)) => {
            let mut msg = format!("{file} was not imported; {} problem(s):", errors.len());
            for e in errors {
                msg.push_str(&format!("\n  {file}:{e}"));
            }
            Err(msg)
        }
        Err(e) => Err(e.to_string()),
    }
}

/// How far behind the history this server's clock may read at start: servers sharing a
/// database may disagree by a few seconds, never by minutes.
const CLOCK_SLACK: i64 = 5 * 60;

async fn serve(with_demo: bool) -> Result<(), String> {
    let mut cfg = Config::from_env()?;
    if with_demo && cfg.settings.officer_emails.is_empty() {
        cfg.settings.officer_emails = vec!["elections@localhost".into()];
    }
    if cfg.settings.officer_emails.is_empty() {
        tracing::warn!(
            "OFFICER_EMAIL is not set: unless an admin sets who gets the office's notices on the settings page, officers will not be emailed when a petition reaches its trigger"
        );
    }
    if petition_store::time::ahead() > 0 {
        tracing::warn!(
            "REHEARSAL_DAYS_AHEAD is set: this site's clock runs {} days ahead of real time, and every page says so",
            petition_store::time::ahead() / 86_400
        );
    }
    let db = connect(&cfg).await?;
    let secrets = if with_demo {
        Secrets::load_or_create(&cfg.secret_file)?
    } else {
        Secrets::load(&cfg.secret_file).map_err(|e| {
            format!("{e}\nCreate one with 64 random hex digits (for example: openssl rand -hex 32 > {}; chmod 600 it), and keep it backed up.", cfg.secret_file.display())
        })?
    };
    // The log's keys: made for the demo, required otherwise (a server that cannot sign refuses
    // to start rather than accept signatures it cannot publish).
    let keys = if with_demo {
        LogKeys::load_or_create(&cfg.log_origin, &cfg.log_key_file, &cfg.tally_key_file)?
    } else {
        LogKeys::load(&cfg.log_origin, &cfg.log_key_file, &cfg.tally_key_file)?
    };
    tracing::info!("log {} with verifier keys {} and {}", keys.origin, keys.log.verifier(), keys.tally.verifier());
    if with_demo {
        load_demo(&db, &secrets).await?;
    }
    let rekeyed = petition_store::signatures::sign::rekey_elector_signatures(&db, &secrets)
        .await
        .map_err(|e| format!("cannot re-key earlier signatures: {e}"))?;
    if rekeyed > 0 {
        tracing::info!(rekeyed, "re-keyed signatures made before keys had places");
    }
    // A proposal opened just before a crash may not have all its first signatures yet.
    // (The scheduler tries again every few minutes; a failure here does not stop the start.)
    match petition_store::proposals::carry_over(&db, &secrets, &cfg.mailing(), None, petition_store::now()).await {
        Ok(0) => {}
        Ok(carried) => tracing::info!(carried, "carried over first signatures of opened proposals"),
        Err(e) => tracing::warn!("carrying over first signatures of opened proposals failed (will retry): {e}"),
    }
    let queued = petition_store::transparency::backfill(&db, petition_store::now())
        .await
        .map_err(|e| format!("cannot queue the log: {e}"))?;
    if queued > 0 {
        tracing::info!(queued, "queued what was already in the database for the log");
    }
    let mark = petition_store::transparency::HighWater::beside_key(&cfg.log_key_file);
    let wake_log = Arc::new(Notify::new());
    tokio::spawn(transparency::sequence(
        Sequencer::new(db.clone(), keys.clone()).with_high_water(mark),
        wake_log.clone(),
    ));
    let wake = Arc::new(Notify::new());
    let transport = mailer::Transport::from_config(&cfg)?;
    match &cfg.smtp_url {
        Some(_) => tracing::info!("sending email over SMTP"),
        None => tracing::info!("SMTP_URL is not set: emails are written to {}", cfg.mail_dir.display()),
    }
    let domain = cfg
        .public_origin()
        .rsplit('/')
        .next()
        .unwrap_or("localhost")
        .split(':')
        .next()
        .unwrap_or("localhost")
        .to_string();
    let mail = mailer::Mailer { db: db.clone(), transport, from: cfg.mail_from.clone(), domain, wake: wake.clone() };
    let mail = Arc::new(mail);
    for _ in 0..mailer::SENDERS {
        tokio::spawn(mail.clone().run());
    }
    let settings = Arc::new(petition_store::settings::Live::new(cfg.settings.clone()));
    // Closes and anything a crash left unrecorded are settled before the first request.
    let scheduler = scheduler::Scheduler {
        db: db.clone(),
        secrets: secrets.clone(),
        mailing: cfg.mailing(),
        settings: settings.clone(),
        wake_mailer: wake.clone(),
    };
    scheduler.catch_up().await?;
    tokio::spawn(scheduler.run());

    // The built files' names carry their content's hash where the build wrote one.
    let hashes = assets::beside_binary();
    assets::set_stylesheet("petitions", hashes.as_ref());
    let options = LeptosOptions::builder()
        .output_name("petitions")
        .site_root(cfg.site_root.clone())
        .site_pkg_dir("pkg")
        .site_addr(cfg.site_addr)
        .hash_files(hashes.is_some())
        .build();
    let db_for_log = db.clone();
    let state = AppState { db, secrets, mailing: cfg.mailing(), settings };
    let addr = cfg.site_addr;
    // Signatures, and confirmations, that arrive together are committed together (group commit).
    let groups = web::Groups {
        signer: petition_store::signatures::Signer::start(
            state.db.clone(),
            state.secrets.clone(),
            state.mailing.clone(),
            256,
        ),
        confirmer: petition_store::signatures::Confirmer::start(state.db.clone(), state.mailing.clone(), 256),
    };
    let limits = serve::Limits::new(cfg.max_connections);
    let shared = web::Shared::new(state, options, cfg, wake, wake_log, keys.log_verifier(), groups);
    // Rate limits forget clients that have recovered, so that memory stays bounded.
    let pruned = shared.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(60)).await;
            pruned.prune_limits();
        }
    });
    tokio::spawn(shared.pages.clone().follow_the_log(db_for_log.clone()));
    let app = web::router(shared, transparency::router(db_for_log, &keys));
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    tracing::info!("listening on http://{addr}");
    serve::serve(listener, app, limits, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await;
    Ok(())
}

/// Makes the log and tally keys where the settings say, refusing to replace existing ones, and
/// prints the verifier keys to publish.
fn make_keys() -> Result<(), String> {
    let cfg = Config::from_env()?;
    let log = petition_store::transparency::create_key(&cfg.log_key_file, &cfg.log_origin)?;
    let tally = petition_store::transparency::create_key(
        &cfg.tally_key_file,
        &petition_store::transparency::tally_key_name(&cfg.log_origin),
    )?;
    println!(
        "wrote {} and {} (readable by their owner only; back them up offline)",
        cfg.log_key_file.display(),
        cfg.tally_key_file.display()
    );
    println!("publish these verifier keys (log key first, then tally key):");
    println!("{}", log.verifier());
    println!("{}", tally.verifier());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::late_first;

    #[test]
    fn demo_electors_come_from_each_ward_in_turn_and_run_out() {
        let (a, b) = ([1, 2, 3], [10, 20]);
        let wards = vec![a.iter().collect::<Vec<_>>(), b.iter().collect::<Vec<_>>()];
        let take = |n| late_first(&wards, n).into_iter().copied().collect::<Vec<i32>>();
        assert_eq!(take(3), vec![3, 20, 2]);
        assert_eq!(take(5), vec![3, 20, 2, 10, 1]);
        assert_eq!(take(50), vec![3, 20, 2, 10, 1], "asking for more than there are ends");
        assert!(late_first::<i32>(&[], 4).is_empty());
    }
}
