//! `Tally::parse` (tally notes that observers fetch) and `Replay`, which reads a whole log of
//! entries from the outside and recomputes the tallies.

use arbitrary::{Result, Unstructured};
use petition_tlog::entry::{Entry, Ident, Method, Outcome, Reason};
use petition_tlog::proof::strike_of;
use petition_tlog::tally::{Counts, Replay, Status, Tally};

const ORIGIN: &str = "petitions.example.gov.uk/log";

pub fn check(data: &[u8]) {
    if let Ok(s) = std::str::from_utf8(data) {
        check_str(s);
    }
    let _ = check_replay(&mut Unstructured::new(data));
}

/// What parses is exactly what `text` writes, with counts that add up line by line.
pub fn check_str(s: &str) {
    let Ok(t) = Tally::parse(s) else { return };
    assert_eq!(t.text(), s, "a tally reads back byte for byte");
    assert_eq!(Tally::parse(&t.text()).as_ref(), Ok(&t));
    for c in std::iter::once(&t.total).chain(t.areas.values()) {
        assert!(c.struck <= c.recorded, "{c:?}");
    }
    assert!(t.areas.keys().all(|a| Ident::parse(a).is_some()));
}

/// A log drawn from the input, with few ids, areas, times and commits so that entries meet:
/// replayed whole (rule breaking entries included) and as the server would write it (only the
/// entries that break no rule).
fn check_replay(u: &mut Unstructured) -> Result<()> {
    let mut whole = Replay::new();
    let mut as_bytes = Replay::new();
    let mut written = Replay::new();
    let mut log: Vec<Vec<u8>> = Vec::new();
    let n = u.int_in_range(0..=60)?;
    for _ in 0..n {
        let (entry, raw) = if u.ratio(1, 16)? {
            (None, u.arbitrary::<Vec<u8>>()?)
        } else {
            let e = entry(u, whole.size())?;
            let raw = e.encode().into_bytes();
            (Some(e), raw)
        };
        step(&mut whole, &mut as_bytes, entry.as_ref(), &raw);
        if let Some(e) = entry.filter(|e| written.check(e).is_ok()) {
            assert!(written.apply(&e).is_none());
            log.push(raw);
        }
    }
    assert_eq!(whole.size(), n as u64);
    let indices: Vec<u64> = whole.violations().iter().map(|v| v.index).collect();
    assert!(indices.windows(2).all(|w| w[0] < w[1]) && indices.iter().all(|i| *i < whole.size()));
    assert!(written.violations().is_empty());
    for replay in [&whole, &written] {
        check_tallies(replay);
    }
    check_strikes(&written, &log);
    Ok(())
}

/// One entry into both replays: `check` foretells what `apply` does, and replaying the bytes
/// does the same as replaying the parsed entry.
fn step(whole: &mut Replay, as_bytes: &mut Replay, entry: Option<&Entry>, raw: &[u8]) {
    let foretold = entry.map(|e| whole.check(e).err().map(|(rule, _)| rule));
    let from_bytes = as_bytes.apply_bytes(raw).map(|v| v.rule);
    let applied = match entry {
        Some(e) => whole.apply(e).map(|v| v.rule),
        None => whole.apply_bytes(raw).map(|v| v.rule),
    };
    if let Some(foretold) = foretold {
        assert_eq!(applied, foretold, "check and apply agree");
    }
    assert_eq!(applied, from_bytes, "entries and their bytes replay alike");
}

/// Every petition's tally adds up, reads back from its text, and has the status its counts give
/// (a certified one: the certificate's outcome, which a sample may give whatever the counts).
fn check_tallies(replay: &Replay) {
    let root = [7u8; 32];
    for id in replay.petition_ids() {
        let t = replay.tally(id, ORIGIN, &root).expect("a petition in the log has a tally");
        assert_eq!(Tally::parse(&t.text()).as_ref(), Ok(&t), "{}", t.text());
        let sum = t
            .areas
            .values()
            .fold(Counts::default(), |s, c| Counts { recorded: s.recorded + c.recorded, struck: s.struck + c.struck });
        assert_eq!(sum, t.total, "the total is the sum of the areas");
        assert!(t.areas.values().all(|c| c.recorded > 0 && c.struck <= c.recorded));
        let reached = t.total.valid() >= t.terms.required;
        assert!(matches!(
            (t.status, reached),
            (Status::Collecting | Status::ClosedNotReached, false)
                | (Status::Reached | Status::ClosedReached, true)
                | (Status::CertifiedReached | Status::CertifiedNotReached, _)
        ));
        check_str(&t.text());
    }
    assert!(replay.tally(&Ident::parse("unknown").unwrap(), ORIGIN, &root).is_none());
}

/// In a log with no broken rules, a signer's strike check (`strike_of`, from the entries after
/// theirs) agrees with the replay.
fn check_strikes(replay: &Replay, log: &[Vec<u8>]) {
    for i in 0..log.len() {
        if let Some(struck) = replay.signature_struck(i as u64) {
            let later = log[i + 1..].iter().map(Vec::as_slice);
            assert_eq!(strike_of(i as u64, later).is_some(), struck, "signature {i}");
        }
    }
}

/// An entry among few petitions, areas, times, commits and targets.
fn entry(u: &mut Unstructured, size: u64) -> Result<Entry> {
    let pick = |u: &mut Unstructured, from: &[&str]| -> Result<Ident> { Ok(Ident::parse(u.choose(from)?).unwrap()) };
    let id = pick(u, &["1", "2", "3"])?;
    let small = |u: &mut Unstructured| -> Result<u64> { u.int_in_range(0..=20) };
    Ok(match u.int_in_range(0..=13)? {
        0 | 1 => Entry::Petition {
            id,
            area: pick(u, &["E07000030", "E07000031"])?,
            opens: small(u)?,
            closes: small(u)?,
            electorate: u.int_in_range(0..=100)?,
            percent: crate::entry::percent(u)?,
            required: u.int_in_range(0..=5)?,
            text_sha256: [1; 32],
        },
        2..=5 => Entry::Sig {
            id,
            area: pick(u, &["E05003220", "E05003221", "E05003222"])?,
            at: small(u)?,
            commit: [u.int_in_range(0..=30)?; 32],
        },
        6 => Entry::Strike { id, target: u.int_in_range(0..=size)?, reason: *u.choose(&Reason::ALL)? },
        7 => Entry::Reinstate { id, target: u.int_in_range(0..=size)? },
        // Few times and ends, so that resumes sometimes move the end by exactly the pause.
        8 => Entry::Pause { id, at: small(u)? },
        9 => Entry::Resume { id, at: small(u)?, closes: u.int_in_range(0..=40)? },
        10 | 11 => Entry::Close { id, at: small(u)? },
        // Two seeds; figures as small as the counts, mostly projecting the valid count (what a
        // full check and a sample with nothing struck project), so that certificates often hold.
        12 => Entry::Sample { id, seed: [u.int_in_range(0..=1)?; 32], source: pick(u, &["drand-quicknet-1"])? },
        _ => {
            let valid = u.int_in_range(0..=4)?;
            let projected = if u.ratio(3, 4)? { valid } else { u.int_in_range(0..=4)? };
            Entry::Certify {
                id,
                outcome: *u.choose(&Outcome::ALL)?,
                method: *u.choose(&Method::ALL)?,
                valid,
                projected,
            }
        }
    })
}
