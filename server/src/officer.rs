//! `petitions officer ...` and `petitions officer-account ...`: what officers do in the browser,
//! for scripts, through the same store functions as the forms, audited as the command line.

use petition_core::engine::{Event, StrikeReason};
use petition_core::officer::Role;
use petition_core::text::Email;
use petition_store::audit::Actor;
use petition_store::lifecycle::ByOfficer;
use petition_store::officers::accounts;
use petition_store::signatures::{self, SignatureChange};
use petition_store::{counts, lifecycle, StoreError};

use crate::config::Config;

fn number(s: &str, what: &str) -> Result<i64, String> {
    s.parse().ok().filter(|n: &i64| *n > 0).ok_or(format!("{what} must be a number, like 12 (got {s:?})"))
}

fn print(events: &[Event]) {
    if events.is_empty() {
        println!("done; no change of state");
    }
    for e in events {
        println!(
            "{}: {} (valid {}, required {})",
            petition_store::time::moment_label(e.at),
            e.kind.label(),
            e.valid,
            e.required
        );
    }
}

pub async fn run(args: &[&str]) -> Result<(), String> {
    let cfg = Config::from_env()?;
    let usage = "see `petitions help` for the officer commands";
    let db = crate::connect(&cfg).await?;
    let m = cfg.mailing();
    let now = petition_store::now();
    let refused = |e: StoreError| match e {
        StoreError::Refused(r) => format!("refused: {r}"),
        other => other.to_string(),
    };
    let actor = Actor::command_line();
    match args {
        ["pause", id, reason @ ..] if !reason.is_empty() => {
            let by = ByOfficer { actor: &actor, reason: &reason.join(" ") };
            print(&lifecycle::pause(&db, &m, number(id, "the petition")?, now, &by).await.map_err(refused)?);
        }
        ["pause", _] => {
            return Err("give a reason for the pause, for example: petitions officer pause 3 polling day".into())
        }
        ["resume", id, note @ ..] => {
            let by = ByOfficer { actor: &actor, reason: &note.join(" ") };
            print(&lifecycle::resume(&db, &m, number(id, "the petition")?, now, &by).await.map_err(refused)?);
        }
        ["strike", sig, reason, note @ ..] => {
            let reason = StrikeReason::parse(reason).filter(|r| *r != StrikeReason::Withdrawn).ok_or_else(|| {
                let codes: Vec<&str> = StrikeReason::for_officers().map(|r| r.code()).collect();
                format!("the reason must be one of {}", codes.join(", "))
            })?;
            let e = signatures::change_signature(
                &db,
                &m,
                number(sig, "the signature")?,
                SignatureChange::Strike(reason),
                &actor,
                &note.join(" "),
                now,
            )
            .await
            .map_err(|e| e.to_string())?;
            print(&e);
        }
        ["reinstate", sig, note @ ..] => {
            let sig = number(sig, "the signature")?;
            let e =
                signatures::change_signature(&db, &m, sig, SignatureChange::Reinstate, &actor, &note.join(" "), now)
                    .await
                    .map_err(|e| e.to_string())?;
            print(&e);
        }
        ["approve", sig, note @ ..] => {
            let sig = number(sig, "the signature")?;
            let e = signatures::change_signature(&db, &m, sig, SignatureChange::Approve, &actor, &note.join(" "), now)
                .await
                .map_err(|e| e.to_string())?;
            print(&e);
        }
        ["recount", id] => {
            let id = number(id, "the petition")?;
            let slow = counts::recount(&db, id).await.map_err(|e| e.to_string())?;
            let diff = counts::check(&db, id).await.map_err(|e| e.to_string())?;
            for (ward, n) in &slow {
                println!("{ward} {n}");
            }
            println!("total {}", slow.values().sum::<u64>());
            if !diff.is_empty() {
                for (ward, fast, slow) in diff {
                    eprintln!("{ward}: counters {fast}, recount {slow}");
                }
                return Err("the counters disagree with the recount".into());
            }
            println!("the counters agree with the recount");
        }
        _ => return Err(format!("unknown officer command; {usage}")),
    }
    Ok(())
}

/// `petitions officer-account ...`: the first admin, and account repairs when no admin can sign in.
pub async fn accounts(args: &[&str]) -> Result<(), String> {
    let cfg = Config::from_env()?;
    let db = crate::connect(&cfg).await?;
    let m = cfg.mailing();
    let now = petition_store::now();
    let actor = Actor::command_line();
    let find = |email: &str| {
        let db = db.clone();
        let email = email.to_string();
        async move {
            let mut conn = db.pool.acquire().await.map_err(|e| e.to_string())?;
            accounts::by_email(&mut conn, &email)
                .await
                .map_err(|e| e.to_string())?
                .ok_or(format!("there is no account for {email}"))
        }
    };
    match args {
        ["add", email, "--role", role] | ["add", "--role", role, email] => {
            let email = Email::parse(email).map_err(|e| format!("{email}: {e}"))?;
            let role = Role::parse(role).ok_or("the role must be admin, officer or viewer")?;
            let (a, path) =
                accounts::create(&db, &m, &actor, &email, role, false, now).await.map_err(|e| e.to_string())?;
            println!("made the {} account {}; its holder sets it up within 7 days, once, at:", role.code(), a.email);
            println!("{}{path}", cfg.public_url);
        }
        ["list"] => {
            for a in accounts::list(&db).await.map_err(|e| e.to_string())? {
                let state = match (a.disabled_at, a.set_up_at) {
                    (Some(_), _) => "disabled",
                    (None, Some(_)) => "set up",
                    (None, None) => "waiting to be set up",
                };
                println!("{} {} ({state})", a.email, a.role.code());
            }
        }
        ["set-up-again", email, reason @ ..] => {
            let a = find(email).await?;
            let path = accounts::reissue_set_up(&db, &m, &actor, a.id, &reason.join(" "), now)
                .await
                .map_err(|e| e.to_string())?;
            println!("{} must set the account up again, within 7 days, at:", a.email);
            println!("{}{path}", cfg.public_url);
        }
        ["disable", email, reason @ ..] => {
            let a = find(email).await?;
            accounts::disable(&db, &actor, a.id, &reason.join(" "), now).await.map_err(|e| e.to_string())?;
            println!("disabled {}; its sessions are ended", a.email);
        }
        _ => return Err("unknown officer-account command; see `petitions help`".into()),
    }
    Ok(())
}

/// `petitions settings [set <name> <value> --reason <why...>]`: prints the council's settings,
/// or changes one as the settings page does (checked, audited as the command line).
pub async fn settings(args: &[&str]) -> Result<(), String> {
    use petition_core::settings::Name;
    use petition_store::settings::{self, ChangeError};
    let cfg = Config::from_env()?;
    let db = crate::connect(&cfg).await?;
    let mut conn = db.pool.acquire().await.map_err(|e| e.to_string())?;
    let now = settings::in_force(&mut conn, &cfg.settings).await.map_err(|e| e.to_string())?;
    drop(conn);
    let names = || Name::ALL.iter().map(|n| n.code()).collect::<Vec<_>>().join(", ");
    match args {
        [] => {
            for name in Name::ALL {
                let from = match now.saved.iter().find(|s| s.name == name) {
                    Some(s) => {
                        format!("saved by {} at {}", s.changed_by, petition_store::time::moment_label(s.changed_at))
                    }
                    None => format!("from {}", name.env()),
                };
                println!("{}: {} ({from})", name.code(), now.settings.describe(name));
            }
            Ok(())
        }
        ["set", name, value, "--reason", why @ ..] if !why.is_empty() => {
            let name = Name::parse(name).ok_or_else(|| format!("no setting {name:?}; the settings are {}", names()))?;
            let texts = [(name, value.to_string())];
            match settings::change(
                &db,
                &cfg.settings,
                &Actor::command_line(),
                now.version,
                &texts,
                &why.join(" "),
                petition_store::now(),
            )
            .await
            {
                Ok(_) => {
                    println!(
                        "{}: now {}",
                        name.code(),
                        now.settings.with(&texts).map(|s| s.describe(name)).unwrap_or_default()
                    );
                    Ok(())
                }
                // Scripts may set what is already set: nothing to do is not a failure.
                Err(ChangeError::NoChange) => {
                    println!("{}: already {}", name.code(), now.settings.describe(name));
                    Ok(())
                }
                Err(ChangeError::Invalid(errors)) => {
                    Err(errors.iter().map(|(_, e)| e.to_string()).collect::<Vec<_>>().join("\n"))
                }
                Err(e) => Err(e.to_string()),
            }
        }
        _ => Err(format!(
            "usage: petitions settings [set <name> <value> --reason <why...>]; the settings are {}",
            names()
        )),
    }
}
