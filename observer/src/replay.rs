//! Replaying entries through the log's rules, at no more memory for an entry that breaks them than
//! for one that keeps them.

use petition_tlog::entry::Entry;
use petition_tlog::tally::{Replay, Rule, Violation};

/// What the rules made of one entry.
pub(crate) enum Replayed {
    /// The entry keeps the rules and counts.
    Kept(Entry),
    /// The entry breaks a rule and changes nothing.
    Broke(Violation),
}

/// An entry the reader refuses before looking at it, with a reason of a few bytes.
const STAND_IN: &[u8] = b"";

/// Replays the next entry. [`Replay`] keeps every violation with its reason, and the reason the
/// entry reader gives for an entry it cannot read quotes the entry: over 2 KiB for a kilobyte of
/// backslashes, where [`DEFAULT_MAX_SIZE`](crate::DEFAULT_MAX_SIZE) reckons on some 140 bytes an
/// entry. So the replay is handed a stand-in instead, malformed too, which moves it on by one
/// entry in the same way at the cost of a short reason; the real reason comes back here, for the
/// evidence and the report.
pub(crate) fn step(replay: &mut Replay, bytes: &[u8]) -> Replayed {
    let index = replay.size();
    match Entry::parse(bytes) {
        Ok(entry) => match replay.apply(&entry) {
            None => Replayed::Kept(entry),
            Some(v) => Replayed::Broke(v.clone()),
        },
        Err(e) => {
            let stand_in = replay.apply_bytes(STAND_IN);
            debug_assert!(stand_in.is_some_and(|v| v.rule == Rule::Malformed));
            Replayed::Broke(Violation { index, rule: Rule::Malformed, detail: e.0 })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_replays_as_the_replay_itself_does() {
        let entries: [&[u8]; 5] = [
            b"petition/v1 id=7 area=E07000030 opens=1000 closes=2000 electorate=100 percent=5 required=5 text-sha256=0707070707070707070707070707070707070707070707070707070707070707",
            b"close/v1 id=7 at=1500",
            b"not an entry",
            b"close/v1 id=7 at=1600",
            &[b'\\'; 1024],
        ];
        let (mut stepped, mut whole) = (Replay::new(), Replay::new());
        let mut broke = Vec::new();
        for e in entries {
            if let Replayed::Broke(v) = step(&mut stepped, e) {
                broke.push(v);
            }
            whole.apply_bytes(e);
        }
        assert_eq!(broke, whole.violations());
        assert_eq!(stepped.size(), whole.size());
        let id = petition_tlog::entry::Ident::parse("7").unwrap();
        assert_eq!(stepped.tally(&id, "o", &[0; 32]), whole.tally(&id, "o", &[0; 32]));
        // The replay's own record of the malformed entries is short.
        assert!(stepped.violations().iter().all(|v| v.detail.len() < 64));
    }
}
