//! Where a petition stands, from a resident's proposal to a certified result, and which changes
//! each stage allows. Every change the stage does not allow is refused with its own error, so
//! that a page can say exactly why (opening twice, editing after opening, certifying before the
//! close, sampling twice ...).

use std::fmt;

use crate::proposal::grounds::Ground;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Submitted; the petitioner has not yet confirmed their email address.
    Unconfirmed,
    /// Confirmed; `confirmed` sponsors of the number needed have confirmed theirs.
    Sponsoring {
        confirmed: u32,
    },
    /// Has its sponsors: in the officers' moderation queue.
    Moderation,
    /// Sent back to the petitioner with a note asking for changes.
    Returned,
    Refused(Ground),
    /// Withdrawn by the petitioner before it opened.
    Withdrawn,
    /// Ended without opening: it found no sponsors, or did not come back after the office sent it
    /// back, within the time allowed.
    Lapsed,
    /// Opened by an officer: collecting signatures (its trigger and window fixed).
    Open,
    Closed,
    /// Closed, and a sample drawn for checking.
    Sampled,
    Certified,
}

/// A change to a petition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// The petitioner confirmed their email address; `sponsors_needed` is the policy's number.
    ConfirmEmail {
        sponsors_needed: u32,
    },
    /// A sponsor confirmed; `needed` is the policy's number.
    SponsorConfirmed {
        needed: u32,
    },
    /// The petitioner changes the texts or the area.
    Edit,
    /// The petitioner sends a returned proposal back to the queue.
    Resubmit,
    Open,
    Return,
    Refuse(Ground),
    /// The petitioner withdraws it, at any stage before it opens.
    Withdraw,
    /// The time allowed for finding sponsors, or for coming back after the office sent it back,
    /// has run out.
    Lapse,
    Close,
    Sample,
    Certify,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StageError {
    NotConfirmed,
    AlreadyConfirmed,
    NotSponsoring,
    /// Editing or moderating a petition that has opened (or been refused).
    AlreadyOpen,
    AlreadyRefused,
    Withdrawn,
    Lapsed,
    /// Lapsing a proposal that is not waiting on its petitioner or sponsors.
    NotWaiting,
    /// Editing while the office decides: it must open the texts it read.
    WithOffice,
    /// Moderating a proposal that is not in the queue (no sponsors yet, or sent back).
    NotInModeration,
    NotReturned,
    NotOpen,
    /// Sampling or certifying before the close.
    BeforeClose,
    SampledTwice,
    CertifiedTwice,
    /// Sampling after the result was certified.
    AfterCertificate,
}

impl fmt::Display for StageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StageError::NotConfirmed => "the petitioner has not confirmed their email address yet",
            StageError::AlreadyConfirmed => "the petitioner's email address is already confirmed",
            StageError::NotSponsoring => "the petition is not asking for sponsors",
            StageError::AlreadyOpen => "the petition has opened: its texts and area are fixed",
            StageError::AlreadyRefused => "the petition was refused",
            StageError::Withdrawn => "the petition was withdrawn by the resident who started it",
            StageError::Lapsed => "the petition lapsed before it opened",
            StageError::NotWaiting => "the petition is not waiting for sponsors or for changes",
            StageError::WithOffice => {
                "the petition is with the electoral office: its texts can change again if the office sends it back"
            }
            StageError::NotInModeration => "the petition is not waiting for moderation",
            StageError::NotReturned => "the petition was not sent back for changes",
            StageError::NotOpen => "the petition is not collecting signatures",
            StageError::BeforeClose => "the petition has not closed yet",
            StageError::SampledTwice => "a sample has already been drawn",
            StageError::CertifiedTwice => "the result has already been certified",
            StageError::AfterCertificate => "the result has been certified",
        })
    }
}

impl std::error::Error for StageError {}

impl Stage {
    /// Whether the petition has opened (whatever happened since).
    pub fn has_opened(self) -> bool {
        matches!(self, Stage::Open | Stage::Closed | Stage::Sampled | Stage::Certified)
    }

    /// The stage after `change`, or why the change is refused.
    pub fn apply(self, change: Change) -> Result<Stage, StageError> {
        use Change as C;
        use Stage as S;
        use StageError as E;
        match self {
            S::Refused(_) => return Err(E::AlreadyRefused),
            S::Withdrawn => return Err(E::Withdrawn),
            S::Lapsed => return Err(E::Lapsed),
            _ => {}
        }
        match (self, change) {
            (S::Unconfirmed, C::ConfirmEmail { sponsors_needed: 0 }) => Ok(S::Moderation),
            (S::Unconfirmed, C::ConfirmEmail { .. }) => Ok(S::Sponsoring { confirmed: 0 }),
            (_, C::ConfirmEmail { .. }) => Err(E::AlreadyConfirmed),
            (S::Sponsoring { confirmed }, C::SponsorConfirmed { needed }) => {
                let confirmed = confirmed.saturating_add(1);
                Ok(if confirmed >= needed { S::Moderation } else { S::Sponsoring { confirmed } })
            }
            (S::Unconfirmed, C::SponsorConfirmed { .. }) => Err(E::NotConfirmed),
            (_, C::SponsorConfirmed { .. }) => Err(E::NotSponsoring),
            (S::Unconfirmed | S::Sponsoring { .. } | S::Returned, C::Edit) => Ok(self),
            (S::Moderation, C::Edit) => Err(E::WithOffice),
            (_, C::Edit) => Err(E::AlreadyOpen),
            (S::Returned, C::Resubmit) => Ok(S::Moderation),
            (_, C::Resubmit) => Err(E::NotReturned),
            (S::Moderation, C::Open) => Ok(S::Open),
            (S::Moderation, C::Return) => Ok(S::Returned),
            (S::Moderation, C::Refuse(g)) => Ok(S::Refused(g)),
            (s, C::Open | C::Return | C::Refuse(_)) if s.has_opened() => Err(E::AlreadyOpen),
            (_, C::Open | C::Return | C::Refuse(_)) => Err(E::NotInModeration),
            (s, C::Withdraw | C::Lapse) if s.has_opened() => Err(E::AlreadyOpen),
            (_, C::Withdraw) => Ok(S::Withdrawn),
            (S::Sponsoring { .. } | S::Returned, C::Lapse) => Ok(S::Lapsed),
            (_, C::Lapse) => Err(E::NotWaiting),
            (S::Open, C::Close) => Ok(S::Closed),
            (_, C::Close) => Err(E::NotOpen),
            (S::Closed, C::Sample) => Ok(S::Sampled),
            (S::Sampled, C::Sample) => Err(E::SampledTwice),
            (S::Certified, C::Sample) => Err(E::AfterCertificate),
            (S::Closed | S::Sampled, C::Certify) => Ok(S::Certified),
            (S::Certified, C::Certify) => Err(E::CertifiedTwice),
            (_, C::Sample | C::Certify) => Err(E::BeforeClose),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Change as C;
    use Stage as S;
    use StageError as E;

    const ALL_STAGES: [Stage; 12] = [
        S::Unconfirmed,
        S::Sponsoring { confirmed: 2 },
        S::Moderation,
        S::Returned,
        S::Refused(Ground::Repeat),
        S::Open,
        S::Closed,
        S::Sampled,
        S::Certified,
        S::Sponsoring { confirmed: 0 },
        S::Withdrawn,
        S::Lapsed,
    ];

    fn run(changes: &[Change]) -> Result<Stage, StageError> {
        changes.iter().try_fold(S::Unconfirmed, |s, c| s.apply(*c))
    }

    #[test]
    fn the_whole_life_of_a_petition() {
        let sponsor = C::SponsorConfirmed { needed: 3 };
        let path = [
            C::ConfirmEmail { sponsors_needed: 3 },
            sponsor,
            C::Edit,
            sponsor,
            sponsor,
            C::Return,
            C::Edit,
            C::Resubmit,
            C::Open,
        ];
        assert_eq!(run(&path), Ok(S::Open));
        let mut s = run(&path).unwrap();
        for (c, want) in [(C::Close, S::Closed), (C::Sample, S::Sampled), (C::Certify, S::Certified)] {
            s = s.apply(c).unwrap();
            assert_eq!(s, want);
        }
        // A full check needs no sample.
        assert_eq!(S::Closed.apply(C::Certify), Ok(S::Certified));
    }

    #[test]
    fn sponsors_move_it_to_moderation_at_the_number_needed() {
        let s = S::Unconfirmed.apply(C::ConfirmEmail { sponsors_needed: 2 }).unwrap();
        assert_eq!(s, S::Sponsoring { confirmed: 0 });
        assert_eq!(
            S::Unconfirmed.apply(C::ConfirmEmail { sponsors_needed: 0 }),
            Ok(S::Moderation),
            "no sponsors asked"
        );
        let one = s.apply(C::SponsorConfirmed { needed: 2 }).unwrap();
        assert_eq!(one, S::Sponsoring { confirmed: 1 });
        assert_eq!(one.apply(C::SponsorConfirmed { needed: 2 }), Ok(S::Moderation));
        assert_eq!(s.apply(C::SponsorConfirmed { needed: 1 }), Ok(S::Moderation));
        assert_eq!(S::Moderation.apply(C::SponsorConfirmed { needed: 2 }), Err(E::NotSponsoring));
        assert_eq!(S::Unconfirmed.apply(C::SponsorConfirmed { needed: 2 }), Err(E::NotConfirmed));
    }

    #[test]
    fn the_refused_changes() {
        let refused = [
            (S::Open, C::Open, E::AlreadyOpen),
            (S::Closed, C::Open, E::AlreadyOpen),
            (S::Open, C::Edit, E::AlreadyOpen),
            (S::Certified, C::Edit, E::AlreadyOpen),
            (S::Open, C::Refuse(Ground::Vexatious), E::AlreadyOpen),
            (S::Sponsoring { confirmed: 1 }, C::Open, E::NotInModeration),
            (S::Returned, C::Open, E::NotInModeration),
            (S::Unconfirmed, C::Return, E::NotInModeration),
            (S::Moderation, C::Resubmit, E::NotReturned),
            (S::Moderation, C::ConfirmEmail { sponsors_needed: 5 }, E::AlreadyConfirmed),
            (S::Moderation, C::Close, E::NotOpen),
            (S::Closed, C::Close, E::NotOpen),
            (S::Open, C::Certify, E::BeforeClose),
            (S::Open, C::Sample, E::BeforeClose),
            (S::Moderation, C::Certify, E::BeforeClose),
            (S::Sampled, C::Sample, E::SampledTwice),
            (S::Certified, C::Certify, E::CertifiedTwice),
            (S::Certified, C::Sample, E::AfterCertificate),
        ];
        for (stage, change, want) in refused {
            assert_eq!(stage.apply(change), Err(want), "{change:?} at {stage:?}");
        }
    }

    #[test]
    fn a_refused_petition_takes_no_change() {
        let all = [
            C::ConfirmEmail { sponsors_needed: 5 },
            C::SponsorConfirmed { needed: 1 },
            C::Edit,
            C::Resubmit,
            C::Open,
            C::Return,
            C::Refuse(Ground::Unlawful),
            C::Close,
            C::Sample,
            C::Certify,
        ];
        for c in all {
            assert_eq!(S::Refused(Ground::Repeat).apply(c), Err(E::AlreadyRefused), "{c:?}");
        }
        assert_eq!(S::Moderation.apply(C::Refuse(Ground::Repeat)), Ok(S::Refused(Ground::Repeat)));
    }

    #[test]
    fn editing_is_allowed_until_the_petition_opens_except_while_the_office_decides() {
        for s in ALL_STAGES {
            let edit = s.apply(C::Edit);
            match s {
                S::Refused(_) => assert_eq!(edit, Err(E::AlreadyRefused)),
                S::Moderation => assert_eq!(edit, Err(E::WithOffice), "the office opens what it read"),
                s if s.has_opened() => assert_eq!(edit, Err(E::AlreadyOpen), "{s:?}"),
                S::Withdrawn => assert_eq!(edit, Err(E::Withdrawn)),
                S::Lapsed => assert_eq!(edit, Err(E::Lapsed)),
                s => assert_eq!(edit, Ok(s), "{s:?}"),
            }
        }
    }

    #[test]
    fn the_petitioner_may_withdraw_it_until_it_opens() {
        for s in ALL_STAGES {
            let withdraw = s.apply(C::Withdraw);
            match s {
                S::Unconfirmed | S::Sponsoring { .. } | S::Moderation | S::Returned => {
                    assert_eq!(withdraw, Ok(S::Withdrawn), "{s:?}")
                }
                S::Refused(_) => assert_eq!(withdraw, Err(E::AlreadyRefused)),
                S::Withdrawn => assert_eq!(withdraw, Err(E::Withdrawn), "not twice"),
                S::Lapsed => assert_eq!(withdraw, Err(E::Lapsed)),
                s => assert_eq!(withdraw, Err(E::AlreadyOpen), "{s:?}"),
            }
        }
    }

    #[test]
    fn only_a_proposal_waiting_on_residents_lapses() {
        for s in ALL_STAGES {
            let lapse = s.apply(C::Lapse);
            match s {
                S::Sponsoring { .. } | S::Returned => assert_eq!(lapse, Ok(S::Lapsed), "{s:?}"),
                S::Moderation => assert_eq!(lapse, Err(E::NotWaiting), "the office's delay never ends it"),
                S::Unconfirmed => assert_eq!(lapse, Err(E::NotWaiting), "deleted unconfirmed instead"),
                S::Refused(_) => assert_eq!(lapse, Err(E::AlreadyRefused)),
                S::Withdrawn => assert_eq!(lapse, Err(E::Withdrawn)),
                S::Lapsed => assert_eq!(lapse, Err(E::Lapsed)),
                s => assert_eq!(lapse, Err(E::AlreadyOpen), "{s:?}"),
            }
        }
    }

    #[test]
    fn an_ended_proposal_takes_no_change() {
        for c in [
            C::ConfirmEmail { sponsors_needed: 1 },
            C::SponsorConfirmed { needed: 1 },
            C::Edit,
            C::Resubmit,
            C::Open,
            C::Return,
        ] {
            assert_eq!(S::Withdrawn.apply(c), Err(E::Withdrawn), "{c:?}");
            assert_eq!(S::Lapsed.apply(c), Err(E::Lapsed), "{c:?}");
        }
    }
}
