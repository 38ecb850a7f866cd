use super::*;
use crate::entry::{commitment, Reason};

fn id(s: &str) -> Ident {
    Ident::parse(s).unwrap()
}

fn petition(pid: &str, area: &str, required: u64) -> Entry {
    Entry::Petition {
        id: id(pid),
        area: id(area),
        opens: 1000,
        closes: 2000,
        electorate: required * 20,
        percent: Percent::parse("5").unwrap(),
        required,
        text_sha256: [1; 32],
    }
}

fn sig(pid: &str, area: &str, at: u64, n: u8) -> Entry {
    Entry::Sig { id: id(pid), area: id(area), at, commit: commitment(pid, area, &[n; 32]) }
}

fn strike(pid: &str, target: u64) -> Entry {
    Entry::Strike { id: id(pid), target, reason: Reason::Duplicate }
}

const ROOT: Hash = [9; 32];

#[test]
fn a_tally_states_what_the_entries_say_in_the_documented_form() {
    let mut r = Replay::new();
    for e in [
        petition("7", "E07000030", 3),
        sig("7", "E05009001", 1000, 1),
        sig("7", "E05009002", 1500, 2),
        sig("7", "E05009001", 1999, 3),
        strike("7", 2),
    ] {
        assert_eq!(r.apply(&e), None, "{}", e.encode());
    }
    let t = r.tally(&id("7"), "petitions.example.gov.uk/log", &ROOT).unwrap();
    let want = "petition-tally/v1\norigin petitions.example.gov.uk/log\nsize 5\nroot CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=\npetition 7\narea E07000030 electorate 60 percent 5 required 3\nwindow 1000 2000\nstatus collecting\n* recorded 3 struck 1 valid 2\nE05009001 recorded 2 struck 0 valid 2\nE05009002 recorded 1 struck 1 valid 0\n";
    assert_eq!(t.text(), want);
    assert_eq!(Tally::parse(want).unwrap(), t);
    r.apply(&Entry::Reinstate { id: id("7"), target: 2 });
    assert_eq!(r.tally(&id("7"), "o", &ROOT).unwrap().status, Status::Reached);
    r.apply(&strike("7", 1));
    assert_eq!(r.tally(&id("7"), "o", &ROOT).unwrap().status, Status::Collecting);
    r.apply(&Entry::Close { id: id("7"), at: 2000 });
    assert_eq!(r.tally(&id("7"), "o", &ROOT).unwrap().status, Status::ClosedNotReached);
    r.apply(&Entry::Reinstate { id: id("7"), target: 1 });
    assert_eq!(
        r.tally(&id("7"), "o", &ROOT).unwrap().status,
        Status::ClosedReached,
        "a reinstatement after the close still counts"
    );
    assert!(r.violations().is_empty());
}

#[test]
fn every_rule_is_caught_and_the_offending_entry_changes_nothing() {
    let base = || {
        let mut r = Replay::new();
        for e in [petition("7", "A", 2), sig("7", "W1", 1000, 1), petition("8", "B", 2), sig("8", "W2", 1500, 2)] {
            assert_eq!(r.apply(&e), None);
        }
        r
    };
    let cases: Vec<(Entry, Rule)> = vec![
        (petition("7", "A", 2), Rule::PetitionRepeated),
        (
            Entry::Petition {
                id: id("9"),
                area: id("A"),
                opens: 1000,
                closes: 1000,
                electorate: 40,
                percent: Percent::parse("5").unwrap(),
                required: 2,
                text_sha256: [1; 32],
            },
            Rule::PetitionImpossible,
        ),
        (petition("9", "A", 0), Rule::PetitionImpossible),
        (sig("9", "W1", 1000, 3), Rule::UnknownPetition),
        (Entry::Close { id: id("9"), at: 1500 }, Rule::UnknownPetition),
        (sig("7", "W1", 999, 3), Rule::SignatureOutsideWindow),
        (sig("7", "W1", 2000, 3), Rule::SignatureOutsideWindow),
        (sig("7", "W1", 1200, 1), Rule::CommitReused),
        (
            Entry::Sig { id: id("7"), area: id("W1"), at: 1200, commit: commitment("8", "W2", &[2; 32]) },
            Rule::CommitReused,
        ),
        (strike("7", 0), Rule::TargetNotASignature),
        (strike("7", 3), Rule::TargetNotASignature),
        (strike("7", 4), Rule::TargetNotASignature),
        (strike("7", 99), Rule::TargetNotASignature),
        (Entry::Reinstate { id: id("7"), target: 1 }, Rule::NotStruck),
        (Entry::Close { id: id("7"), at: 999 }, Rule::BadClose),
    ];
    for (e, rule) in cases {
        let mut r = base();
        let before = r.tally(&id("7"), "o", &ROOT).unwrap();
        let v = r.apply(&e).cloned().unwrap_or_else(|| panic!("{} should break {rule:?}", e.encode()));
        assert_eq!((v.index, v.rule), (4, rule), "{}", e.encode());
        let after = r.tally(&id("7"), "o", &ROOT).unwrap();
        assert_eq!((after.total, after.areas, after.status), (before.total, before.areas, before.status));
        assert_eq!(r.size(), 5);
    }
    let mut r = base();
    assert_eq!(r.apply(&strike("7", 1)), None);
    assert_eq!(r.apply(&strike("7", 1)).map(|v| v.rule), Some(Rule::AlreadyStruck));
    assert_eq!(r.apply(&Entry::Close { id: id("7"), at: 1800 }), None);
    assert_eq!(r.apply(&sig("7", "W1", 1500, 5)).map(|v| v.rule), Some(Rule::SignatureAfterClose));
    assert_eq!(r.apply(&Entry::Close { id: id("7"), at: 1900 }).map(|v| v.rule), Some(Rule::BadClose));
    assert_eq!(r.apply_bytes(b"sig/v1 id=7").map(|v| v.rule), Some(Rule::Malformed));
    assert_eq!(r.violations().len(), 4);
}

#[test]
fn tally_notes_are_read_strictly() {
    let mut r = Replay::new();
    r.apply(&petition("7", "A", 2));
    r.apply(&sig("7", "W1", 1000, 1));
    let text = r.tally(&id("7"), "o.example/log", &ROOT).unwrap().text();
    assert!(Tally::parse(&text).is_ok());
    let bad = [
        text.replace('\n', "\r\n"),
        text.trim_end().to_string(),
        text.replace("valid 1\n", "valid 2\n"),
        text.replace("recorded 1 struck 0 valid 1\nW1", "recorded 1 struck 0 valid 1\nW1 "),
        text.replace("size 2", "size 02"),
        text.replace("status collecting", "status open"),
        text.replace("* recorded", "all recorded"),
        format!("{text}W0 recorded 0 struck 0 valid 0\n"),
        text.replace("window 1000 2000", "window 1000"),
        text.replace("origin o.example/log\n", ""),
        // Self-contradicting: a total that is not the sum of the areas, a status the counts deny.
        text.replace("* recorded 1 struck 0 valid 1", "* recorded 2 struck 0 valid 2"),
        text.replace("status collecting", "status reached"),
        text.replace("status collecting", "status closed-reached"),
        text.replace("window 1000 2000", "window 2000 2000"),
        text.replace("window 1000 2000", "window 2001 2000"),
        format!("{text}\n"),
    ];
    for b in &bad {
        assert!(Tally::parse(b).is_err(), "{b:?}");
    }
    // Areas are sorted bytewise: upper case before lower case.
    let mut r = Replay::new();
    r.apply(&petition("7", "A", 2));
    r.apply(&sig("7", "b", 1000, 1));
    r.apply(&sig("7", "B", 1000, 2));
    r.apply(&sig("7", "_", 1000, 3));
    let t = r.tally(&id("7"), "o", &ROOT).unwrap().text();
    let order: Vec<&str> = t.lines().skip(9).map(|l| l.split(' ').next().unwrap()).collect();
    assert_eq!(order, ["B", "_", "b"]);
    assert!(Tally::parse(&t).is_ok());
    let swapped = t.replace("B recorded", "X").replace("b recorded", "B recorded").replace("X", "b recorded");
    assert!(Tally::parse(&swapped).is_err());
}

#[test]
fn certified_statuses_read_back_whatever_the_counts() {
    let mut r = Replay::new();
    r.apply(&petition("7", "A", 2));
    r.apply(&sig("7", "W1", 1000, 1));
    let text = r.tally(&id("7"), "o", &ROOT).unwrap().text();
    assert!(text.contains("\nstatus collecting\n* recorded 1 struck 0 valid 1\n"));
    // One valid of two required: a full check could not certify it reached, but a sample could
    // have (its outcome follows from the projection), and the note does not say which certified.
    for status in [Status::CertifiedReached, Status::CertifiedNotReached] {
        let t = text.replace("status collecting", &format!("status {}", status.code()));
        assert_eq!(Tally::parse(&t).map(|t| t.status), Ok(status), "{t}");
        let t = t.replace("required 2", "required 1");
        assert_eq!(Tally::parse(&t).map(|t| t.status), Ok(status), "{t}");
    }
    for bad in ["certified", "certified-", "certified-closed-reached", "Certified-reached", "certified_reached"] {
        assert!(Tally::parse(&text.replace("status collecting", &format!("status {bad}"))).is_err(), "{bad}");
    }
    for s in Status::ALL {
        assert_eq!(Status::parse(s.code()), Some(s));
    }
}
