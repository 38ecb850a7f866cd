//! `petitions officer ...`: what electoral officers do, from the command line until the officer
//! pages have forms.

use petition_core::engine::{Event, StrikeReason};
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
    match args {
        ["pause", id, reason @ ..] if !reason.is_empty() => {
            print(
                &lifecycle::pause(&db, &m, number(id, "the petition")?, now, &reason.join(" "))
                    .await
                    .map_err(refused)?,
            );
        }
        ["pause", _] => {
            return Err("give a reason for the pause, for example: petitions officer pause 3 polling day".into())
        }
        ["resume", id] => {
            print(&lifecycle::resume(&db, &m, number(id, "the petition")?, now, "").await.map_err(refused)?);
        }
        ["strike", sig, reason] => {
            let reason = StrikeReason::parse(reason).filter(|r| *r != StrikeReason::Withdrawn).ok_or_else(|| {
                let codes: Vec<&str> = StrikeReason::for_officers().map(|r| r.code()).collect();
                format!("the reason must be one of {}", codes.join(", "))
            })?;
            let e = signatures::change_signature(
                &db,
                &m,
                number(sig, "the signature")?,
                SignatureChange::Strike(reason),
                now,
            )
            .await
            .map_err(|e| e.to_string())?;
            print(&e);
        }
        ["reinstate", sig] => {
            let e =
                signatures::change_signature(&db, &m, number(sig, "the signature")?, SignatureChange::Reinstate, now)
                    .await
                    .map_err(|e| e.to_string())?;
            print(&e);
        }
        ["approve", sig] => {
            let e = signatures::change_signature(&db, &m, number(sig, "the signature")?, SignatureChange::Approve, now)
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
