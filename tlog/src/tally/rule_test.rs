//! What the rule tests of `window` and `certificate` share: replaying entries that keep the
//! rules, and asking which rule one more entry breaks, checking on the way that `check` foretells
//! `apply` and that a broken rule changes nothing.

use std::fmt::Debug;

use crate::entry::Entry;
use crate::tally::{Replay, Rule};

pub(super) const ROOT: [u8; 32] = [9; 32];

/// A replay of `entries`, each of which must keep the rules.
pub(super) fn replayed(entries: &[Entry]) -> Replay {
    let mut r = Replay::new();
    for e in entries {
        assert_eq!(r.apply(e), None, "{}", e.encode());
    }
    r
}

/// Which rule `e` breaks after `before` (`None`: it keeps them). An entry that breaks one changes
/// no tally (from its petition line on: the size moves on by one whatever the entry) and nothing
/// `state` reads.
pub(super) fn rule_after<T: PartialEq + Debug>(
    before: &[Entry],
    e: &Entry,
    state: impl Fn(&Replay) -> T,
) -> Option<Rule> {
    let mut r = replayed(before);
    let foretold = r.check(e).err().map(|(rule, _)| rule);
    let tallies = |r: &Replay| -> Vec<String> {
        r.petition_ids()
            .map(|p| r.tally(p, "o", &ROOT).unwrap().text().split_once("\npetition ").unwrap().1.to_string())
            .collect()
    };
    let was = (tallies(&r), state(&r));
    let broke = r.apply(e).map(|v| v.rule);
    assert_eq!(broke, foretold, "check foretells apply: {}", e.encode());
    if broke.is_some() {
        assert_eq!(tallies(&r), was.0, "a broken rule changes no tally: {}", e.encode());
        assert_eq!(state(&r), was.1, "a broken rule changes nothing else: {}", e.encode());
    }
    broke
}
