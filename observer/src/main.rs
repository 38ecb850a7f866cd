//! `petition-observer`: check a petition transparency log without trusting its office.

use std::path::PathBuf;
use std::process::ExitCode;

use petition_observer::{
    check_certificate, check_receipt_with, sync_with, Keys, Limits, Source, Standing, DEFAULT_MAX_SIZE,
};
use petition_tlog::entry::Entry;
use petition_tlog::receipt::Receipt;

fn usage() -> String {
    format!(
        "usage:
  petition-observer sync <url or directory> KEYS [--state <directory>] [--max-size <entries>]
  petition-observer receipt <receipt file> --from <url or directory> KEYS [--max-size <entries>]
  petition-observer evidence <evidence directory> KEYS
  petition-observer certificate <certificate file> KEYS

KEYS is --keys <file>, a file with the two published verifier keys (the log key, then the
tally key), or --key <log key> --key <tally key>. Take them from the council's notices, not
from the server. evidence re-checks the signed notes in an evidence folder, without the server;
certificate checks a certificate (as /log/certificate/<petition> serves it) without the server. --state keeps the last checkpoint
seen (default ./observer-state); evidence of any failure is written beside it. --max-size is the
most entries a checkpoint may claim, since every one is downloaded and replayed (default {DEFAULT_MAX_SIZE}).

exit codes: 0 all checks passed; 1 could not check (network, files, usage); 3 a signature does
not verify; 4 the entries or tiles do not match the signed root; 5 the log does not extend what
was seen before (fork, rollback, rewritten history); 6 entries break the log's rules; 7 a
signed tally differs from the one recomputed from the entries; 8 the log claims more entries than
--max-size, or sends a file larger than that kind of file can be."
    )
}

fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

/// The limits of one run: `--max-size <entries>`, or the default.
fn limits(args: &[String]) -> Result<Limits, String> {
    let mut limits = Limits::default();
    if let Some(n) = flag(args, "--max-size") {
        limits.max_size = n.parse().map_err(|_| format!("--max-size is a number of entries, not {n:?}"))?;
    }
    Ok(limits)
}

/// The trusted keys: `--keys <file>`, or `--key <log key> --key <tally key>`.
fn keys(args: &[String]) -> Result<Keys, String> {
    let given: Vec<&String> = args.windows(2).filter(|w| w[0] == "--key").map(|w| &w[1]).collect();
    if !given.is_empty() {
        return Keys::parse(&given.iter().map(|k| format!("{k}\n")).collect::<String>());
    }
    let path =
        flag(args, "--keys").ok_or("give the keys to trust: --keys <file>, or --key <log key> --key <tally key>")?;
    let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {path}: {e}"))?;
    Keys::parse(&text)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = match args.first().map(String::as_str) {
        Some("sync") if args.len() >= 2 => {
            let state = PathBuf::from(flag(&args, "--state").unwrap_or_else(|| "observer-state".into()));
            match keys(&args).and_then(|k| Ok((k, limits(&args)?))) {
                Err(e) => {
                    eprintln!("{e}");
                    1
                }
                Ok((k, limits)) => match sync_with(&Source::parse(&args[1]), &k, &state, &limits) {
                    Ok(s) => {
                        match s.previous {
                            Some(p) => println!(
                                "ok: the log at size {} extends size {p}; {} petition tallies recomputed and match",
                                s.size, s.petitions
                            ),
                            None => println!(
                                "ok: the log at size {}; {} petition tallies recomputed and match",
                                s.size, s.petitions
                            ),
                        }
                        0
                    }
                    Err((f, dir)) => {
                        eprintln!("FAILED: {}", f.message());
                        if let Some(d) = dir {
                            eprintln!("evidence written to {}", d.display());
                        }
                        f.exit_code()
                    }
                },
            }
        }
        Some("evidence") if args.len() >= 2 => {
            match keys(&args).and_then(|k| petition_observer::check_evidence(std::path::Path::new(&args[1]), &k)) {
                Ok(lines) => {
                    for l in lines {
                        println!("{l}");
                    }
                    0
                }
                Err(e) => {
                    eprintln!("FAILED: {e}");
                    1
                }
            }
        }
        Some("certificate") if args.len() >= 2 => {
            let run = || -> Result<String, (String, i32)> {
                let k = keys(&args).map_err(|e| (e, 1))?;
                let text =
                    std::fs::read_to_string(&args[1]).map_err(|e| (format!("cannot read {}: {e}", args[1]), 1))?;
                let c = check_certificate(&text, &k).map_err(|f| (f.message().to_string(), f.exit_code()))?;
                let Entry::Certify { id, outcome, method, valid, projected } = &c.entry else {
                    unreachable!("checked to be a certify/v1 entry")
                };
                Ok(format!(
                    "ok: petition {id} certified {} by a {} check (valid {valid}, projected {projected}); entry {} of \
                     the log signed at size {} with root {}",
                    outcome.code(),
                    method.code(),
                    c.index,
                    c.size,
                    c.root
                ))
            };
            match run() {
                Ok(line) => {
                    println!("{line}");
                    0
                }
                Err((m, code)) => {
                    eprintln!("FAILED: {m}");
                    code
                }
            }
        }
        Some("receipt") if args.len() >= 2 => {
            let run = || -> Result<Standing, (String, i32)> {
                let k = keys(&args).map_err(|e| (e, 1))?;
                let limits = limits(&args).map_err(|e| (e, 1))?;
                let from = flag(&args, "--from").ok_or(("--from <url or directory> is required".to_string(), 1))?;
                let text =
                    std::fs::read_to_string(&args[1]).map_err(|e| (format!("cannot read {}: {e}", args[1]), 1))?;
                let receipt = Receipt::parse(&text).map_err(|e| (e.to_string(), 1))?;
                check_receipt_with(&Source::parse(&from), &k, &receipt, &limits)
                    .map_err(|f| (f.message().to_string(), f.exit_code()))
            };
            match run() {
                Ok(Standing::Counted { index, size }) => {
                    println!(
                        "ok: your signature is entry {index} of the signed log (size {size}) and has not been struck"
                    );
                    0
                }
                Ok(Standing::Struck { index, size, reason }) => {
                    println!(
                        "your signature is entry {index} of the signed log (size {size}) but was struck: {reason}"
                    );
                    0
                }
                Err((m, code)) => {
                    eprintln!("FAILED: {m}");
                    code
                }
            }
        }
        _ => {
            eprintln!("{}", usage());
            1
        }
    };
    ExitCode::from(code as u8)
}
