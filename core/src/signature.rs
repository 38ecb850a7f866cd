//! What a signature is, for deciding whether it counts: its status, spelled one way for the
//! database, and the facts the threshold engine counts from.

use serde::{Deserialize, Serialize};

use crate::engine::{State, Terms, Time};

/// Where a signature is in its life. Stored by [`Status::name`]; nothing else spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Status {
    /// Made, waiting for its signer to confirm by email.
    Unconfirmed,
    /// Confirmed by its signer but not matched to the register: an officer checks it.
    Review,
    /// Confirmed, and matched to the register or approved by an officer.
    Confirmed,
    /// Withdrawn by its signer.
    Withdrawn,
}

impl Status {
    pub const ALL: [Status; 4] = [Status::Unconfirmed, Status::Review, Status::Confirmed, Status::Withdrawn];

    pub fn name(self) -> &'static str {
        match self {
            Status::Unconfirmed => "unconfirmed",
            Status::Review => "review",
            Status::Confirmed => "confirmed",
            Status::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|k| k.name() == s)
    }

    /// Whether the transparency log holds this signature: every confirmed one is logged when it
    /// is confirmed (or approved), and one awaiting review is not logged until it is approved.
    pub fn is_logged(self) -> bool {
        self == Status::Confirmed
    }

    /// Whether a signature in this state holds its elector's place, so that nobody else can sign
    /// as that elector: once its signer has confirmed, until they withdraw (a strike does not
    /// free it: an officer's decision about one signer is no opening for another).
    pub fn holds_place(self) -> bool {
        matches!(self, Status::Confirmed | Status::Review)
    }
}

/// What a signature is, for deciding whether it counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureFacts {
    pub confirmed_at: Option<Time>,
    /// Matched to the register, or approved by an officer after review.
    pub verified: bool,
    pub struck: bool,
    pub withdrawn: bool,
}

impl SignatureFacts {
    /// The facts of a stored signature.
    pub fn of(status: Status, confirmed_at: Option<Time>, struck: bool) -> SignatureFacts {
        SignatureFacts {
            confirmed_at: match status {
                Status::Unconfirmed => None,
                _ => confirmed_at,
            },
            verified: status == Status::Confirmed,
            struck,
            withdrawn: status == Status::Withdrawn,
        }
    }

    /// Whether this signature counts toward the petition.
    pub fn counts(&self, terms: &Terms, state: &State) -> bool {
        self.verified && !self.struck && !self.withdrawn && self.confirmed_at.is_some_and(|at| terms.counts(state, at))
    }
}

/// The change to the valid count when a signature's facts change: -1, 0 or +1.
pub fn count_delta(terms: &Terms, state: &State, before: &SignatureFacts, after: &SignatureFacts) -> i64 {
    after.counts(terms, state) as i64 - before.counts(terms, state) as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::threshold::{Percent, Trigger};

    #[test]
    fn status_names_round_trip_and_are_distinct() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.name()), Some(s));
        }
        assert_eq!(Status::parse("Confirmed"), None);
        assert_eq!(Status::parse(""), None);
        assert!(Status::ALL.iter().filter(|s| s.is_logged()).eq([&Status::Confirmed]));
        assert!(Status::ALL.iter().filter(|s| s.holds_place()).eq([&Status::Review, &Status::Confirmed]));
    }

    #[test]
    fn only_a_confirmed_unstruck_signature_inside_the_window_counts() {
        let t = Terms::new(100, 200, Trigger::fix(100, Percent::DEFAULT, None)).unwrap();
        let s = t.open().state;
        let counts = |status, at, struck| SignatureFacts::of(status, at, struck).counts(&t, &s);
        assert!(counts(Status::Confirmed, Some(150), false));
        assert!(!counts(Status::Confirmed, Some(150), true), "struck");
        assert!(!counts(Status::Review, Some(150), false), "not verified yet");
        assert!(!counts(Status::Withdrawn, Some(150), false), "withdrawn");
        assert!(!counts(Status::Unconfirmed, Some(150), false), "an unconfirmed row's time is ignored");
        assert!(!counts(Status::Confirmed, None, false));
        assert!(!counts(Status::Confirmed, Some(99), false), "before opening");
        assert!(counts(Status::Confirmed, Some(100), false));
        assert!(counts(Status::Confirmed, Some(199), false));
        assert!(!counts(Status::Confirmed, Some(200), false), "at the deadline");
        let struck = SignatureFacts::of(Status::Confirmed, Some(150), true);
        let reinstated = SignatureFacts::of(Status::Confirmed, Some(150), false);
        assert_eq!(count_delta(&t, &s, &struck, &reinstated), 1);
        assert_eq!(count_delta(&t, &s, &reinstated, &struck), -1);
        assert_eq!(count_delta(&t, &s, &struck, &struck), 0);
    }
}
