//! Pauses and resumes through the replay, each rule at its boundaries. The petition opens at 1000
//! and closes at 2000 unless a test says otherwise.

use crate::entry::{commitment, Entry, Ident, Percent, Reason};
use crate::tally::rule_test::{replayed, rule_after, ROOT};
use crate::tally::{Replay, Rule};

fn id(s: &str) -> Ident {
    Ident::parse(s).unwrap()
}

fn petition(pid: &str) -> Entry {
    Entry::Petition {
        id: id(pid),
        area: id("A"),
        opens: 1000,
        closes: 2000,
        electorate: 100,
        percent: Percent::parse("5").unwrap(),
        required: 5,
        text_sha256: [1; 32],
    }
}

fn sig(pid: &str, at: u64, n: u8) -> Entry {
    Entry::Sig { id: id(pid), area: id("W1"), at, commit: commitment(pid, "W1", &[n; 32]) }
}

fn pause(pid: &str, at: u64) -> Entry {
    Entry::Pause { id: id(pid), at }
}

fn resume(pid: &str, at: u64, closes: u64) -> Entry {
    Entry::Resume { id: id(pid), at, closes }
}

fn close(pid: &str, at: u64) -> Entry {
    Entry::Close { id: id(pid), at }
}

/// Which rule `e` breaks after `before` (`None`: it keeps them). An entry that breaks one
/// changes nothing: every petition's window, close and tally stay as they were.
fn after(before: &[Entry], e: &Entry) -> Option<Rule> {
    rule_after(before, e, |r: &Replay| r.petitions.iter().map(|p| (p.window.clone(), p.closed)).collect::<Vec<_>>())
}

fn window_line(r: &Replay) -> String {
    let t = r.tally(&id("7"), "o", &ROOT).unwrap().text();
    t.lines().find(|l| l.starts_with("window ")).unwrap().to_string()
}

/// Paused at 1500, resumed at 1600: the end moves from 2000 to 2100.
fn paused_and_resumed() -> Vec<Entry> {
    vec![petition("7"), sig("7", 1000, 1), pause("7", 1500), resume("7", 1600, 2100)]
}

#[test]
fn a_pause_and_resume_move_the_end_and_the_tally_states_it() {
    let r = replayed(&[petition("7")]);
    assert_eq!(window_line(&r), "window 1000 2000");
    let r = replayed(&paused_and_resumed()[..3]);
    assert_eq!(window_line(&r), "window 1000 2000", "while paused, the end in force is the one before the pause");
    let mut entries = paused_and_resumed();
    let r = replayed(&entries);
    assert_eq!(window_line(&r), "window 1000 2100");
    // Signatures in the extension count, and the note reads back.
    entries.extend([sig("7", 2000, 2), sig("7", 2099, 3)]);
    let r = replayed(&entries);
    let t = r.tally(&id("7"), "o", &ROOT).unwrap();
    assert_eq!((t.terms.opens, t.terms.closes, t.total.recorded), (1000, 2100, 3));
    assert_eq!(crate::tally::Tally::parse(&t.text()), Ok(t));
}

#[test]
fn signatures_keep_out_of_every_pause() {
    let resumed = paused_and_resumed();
    for (at, rule) in [
        (999, Some(Rule::SignatureOutsideWindow)),
        (1000, None),
        (1499, None),
        (1500, Some(Rule::SignatureWhilePaused)),
        (1599, Some(Rule::SignatureWhilePaused)),
        (1600, None),
        (2099, None),
        (2100, Some(Rule::SignatureOutsideWindow)),
    ] {
        assert_eq!(after(&resumed, &sig("7", at, 9)), rule, "after the resume, a signature at {at}");
    }
    let paused = &resumed[..3];
    for (at, rule) in [
        (1000, None),
        // A late signature, confirmed before the pause and sequenced after it.
        (1499, None),
        (1500, Some(Rule::SignatureWhilePaused)),
        (1999, Some(Rule::SignatureWhilePaused)),
        (2000, Some(Rule::SignatureOutsideWindow)),
    ] {
        assert_eq!(after(paused, &sig("7", at, 9)), rule, "while paused, a signature at {at}");
    }
    // Several pauses: each gap stays closed, the time between them open.
    let many = vec![
        petition("7"),
        pause("7", 1100),
        resume("7", 1200, 2100),
        pause("7", 1300),
        resume("7", 1400, 2200),
        pause("7", 1400),
        resume("7", 1400, 2200),
    ];
    assert_eq!(window_line(&replayed(&many)), "window 1000 2200");
    for (at, rule) in [
        (1099, None),
        (1100, Some(Rule::SignatureWhilePaused)),
        (1199, Some(Rule::SignatureWhilePaused)),
        (1200, None),
        (1299, None),
        (1300, Some(Rule::SignatureWhilePaused)),
        (1399, Some(Rule::SignatureWhilePaused)),
        (1400, None),
        (2199, None),
        (2200, Some(Rule::SignatureOutsideWindow)),
    ] {
        assert_eq!(after(&many, &sig("7", at, 9)), rule, "after two pauses, a signature at {at}");
    }
}

#[test]
fn a_pause_comes_only_while_collecting_and_inside_the_window() {
    let open = [petition("7"), sig("7", 1000, 1)];
    for (at, rule) in
        [(999, Some(Rule::PauseOutsideWindow)), (1000, None), (1999, None), (2000, Some(Rule::PauseOutsideWindow))]
    {
        assert_eq!(after(&open, &pause("7", at)), rule, "a pause at {at}");
    }
    assert_eq!(after(&[], &pause("7", 1500)), Some(Rule::UnknownPetition));
    assert_eq!(after(&paused_and_resumed()[..3], &pause("7", 1700)), Some(Rule::AlreadyPaused), "twice in a row");
    assert_eq!(after(&paused_and_resumed()[..3], &pause("7", 1500)), Some(Rule::AlreadyPaused));
    let closed = [petition("7"), close("7", 2000)];
    assert_eq!(after(&closed, &pause("7", 1500)), Some(Rule::PauseAfterClose));
    // After a resume: not before it, and inside the moved window.
    let resumed = paused_and_resumed();
    for (at, rule) in
        [(1599, Some(Rule::PauseOutsideWindow)), (1600, None), (2099, None), (2100, Some(Rule::PauseOutsideWindow))]
    {
        assert_eq!(after(&resumed, &pause("7", at)), rule, "after the resume, a pause at {at}");
    }
}

#[test]
fn a_resume_ends_the_pause_and_moves_the_end_by_exactly_its_length() {
    let paused = &paused_and_resumed()[..3];
    for (at, closes, rule) in [
        (1600, 2100, None),
        (1600, 2099, Some(Rule::ResumeClosesWrong)),
        (1600, 2101, Some(Rule::ResumeClosesWrong)),
        (1600, 2000, Some(Rule::ResumeClosesWrong)),
        // Resumed the second it paused: nothing moves.
        (1500, 2000, None),
        (1500, 2001, Some(Rule::ResumeClosesWrong)),
        (1499, 1999, Some(Rule::ResumeBeforePause)),
        // Long after the old end: the whole pause is added, wherever it ends.
        (5000, 5500, None),
        (u64::MAX, u64::MAX, Some(Rule::ResumeClosesWrong)),
    ] {
        assert_eq!(after(paused, &resume("7", at, closes)), rule, "a resume at {at} closing {closes}");
    }
    assert_eq!(after(&[petition("7")], &resume("7", 1600, 2100)), Some(Rule::ResumeWithoutPause), "without a pause");
    assert_eq!(after(&paused_and_resumed(), &resume("7", 1700, 2200)), Some(Rule::ResumeWithoutPause), "twice");
    let closed = [petition("7"), close("7", 2000)];
    assert_eq!(after(&closed, &resume("7", 2100, 2000)), Some(Rule::ResumeWithoutPause), "after the close");
    assert_eq!(after(&[], &resume("7", 1600, 2100)), Some(Rule::UnknownPetition));
}

#[test]
fn entries_of_the_same_or_other_ids_may_come_between_a_pause_and_its_resume() {
    let mut entries = vec![petition("7"), petition("8"), sig("7", 1000, 1), pause("7", 1500)];
    entries.extend([
        // Another petition goes on, and pauses and resumes on its own.
        sig("8", 1600, 2),
        pause("8", 1650),
        resume("8", 1700, 2050),
        // Petition 7's own: a late signature dated before its pause, a strike and a reinstatement.
        sig("7", 1499, 3),
        Entry::Strike { id: id("7"), target: 2, reason: Reason::Duplicate },
        Entry::Reinstate { id: id("7"), target: 2 },
        Entry::Strike { id: id("7"), target: 7, reason: Reason::Fraud },
    ]);
    assert_eq!(after(&entries, &resume("7", 1600, 2100)), None);
    entries.push(resume("7", 1600, 2100));
    let r = replayed(&entries);
    assert_eq!(window_line(&r), "window 1000 2100");
    let t = r.tally(&id("7"), "o", &ROOT).unwrap();
    assert_eq!((t.total.recorded, t.total.struck), (2, 1));
    let eight = r.tally(&id("8"), "o", &ROOT).unwrap();
    assert_eq!(eight.terms.closes, 2050);
}

#[test]
fn a_close_never_comes_while_paused() {
    let paused = &paused_and_resumed()[..3];
    assert_eq!(after(paused, &close("7", 2000)), Some(Rule::CloseWhilePaused));
    assert_eq!(after(paused, &close("7", 1500)), Some(Rule::CloseWhilePaused));
    let resumed = paused_and_resumed();
    assert_eq!(after(&resumed, &close("7", 2100)), None);
    // Once closed: no signature, pause or resume.
    let mut closed = resumed.clone();
    closed.push(close("7", 2100));
    assert_eq!(after(&closed, &sig("7", 2050, 9)), Some(Rule::SignatureAfterClose));
    assert_eq!(after(&closed, &pause("7", 2050)), Some(Rule::PauseAfterClose));
    assert_eq!(after(&closed, &resume("7", 2100, 2100)), Some(Rule::ResumeWithoutPause));
    assert_eq!(window_line(&replayed(&closed)), "window 1000 2100", "the note keeps the end in force");
}
