//! The threshold engine: whether a petition has triggered a referendum, as a pure state machine.
//!
//! A petition's [`Terms`] are fixed when it opens: the moment it opened, the end of its window
//! before any pause, and its [`Trigger`]. Its [`State`] changes only through [`Terms::step`], which
//! is given the time and the number of valid signatures at that time (verified, confirmed inside
//! the window, not struck, not withdrawn) and returns the new state with the events to record.
//!
//! Callers promise one thing: once the deadline has passed, they submit an observation of the count
//! as it stood at the deadline before any later change (strikes after close, for instance). The
//! store does this by running [`Terms::step`] before every change it makes after a deadline.
//!
//! Times are Unix seconds.

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::threshold::{Percent, Trigger};

pub type Time = i64;

/// What a petition fixed when it opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Terms {
    pub opens: Time,
    /// The exclusive end of the window before any pause.
    pub base_closes: Time,
    pub trigger: Trigger,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TermsError {
    /// The electorate figure gives a required count of 0: nothing to collect.
    NothingRequired,
    /// The window would close before it opens.
    EmptyWindow,
}

impl fmt::Display for TermsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TermsError::NothingRequired => {
                "the electorate figure for this area is 0, so a petition there would need no signatures"
            }
            TermsError::EmptyWindow => "the signing window would close before it opens",
        })
    }
}

impl std::error::Error for TermsError {}

/// Where a petition stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    /// The valid count as last observed.
    pub valid: u64,
    pub reached: bool,
    /// When the current pause began, while collection is paused.
    pub paused_since: Option<Time>,
    /// Seconds paused in completed pauses.
    pub paused_total: i64,
    /// The deadline at which the petition closed, once it has.
    pub closed_at: Option<Time>,
}

impl State {
    pub fn phase(&self) -> Phase {
        match (self.closed_at, self.paused_since) {
            (Some(_), _) => Phase::Closed,
            (None, Some(_)) => Phase::Paused,
            (None, None) => Phase::Open,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Phase {
    Open,
    Paused,
    Closed,
}

/// What an officer does, beside the count changing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Observe,
    Pause,
    Resume,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    BeforeOpening,
    AlreadyPaused,
    NotPaused,
    Closed,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Refusal::BeforeOpening => "the petition has not opened yet",
            Refusal::AlreadyPaused => "collection is already paused",
            Refusal::NotPaused => "collection is not paused",
            Refusal::Closed => "the petition has closed",
        })
    }
}

impl std::error::Error for Refusal {}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EventKind {
    Opened,
    ThresholdReached,
    ThresholdLost,
    Paused,
    Resumed,
    ClosedReached,
    ClosedNotReached,
}

impl EventKind {
    pub const ALL: [EventKind; 7] = [
        EventKind::Opened,
        EventKind::ThresholdReached,
        EventKind::ThresholdLost,
        EventKind::Paused,
        EventKind::Resumed,
        EventKind::ClosedReached,
        EventKind::ClosedNotReached,
    ];

    /// The name stored and shown: `threshold-reached`.
    pub fn name(self) -> &'static str {
        match self {
            EventKind::Opened => "opened",
            EventKind::ThresholdReached => "threshold-reached",
            EventKind::ThresholdLost => "threshold-lost",
            EventKind::Paused => "paused",
            EventKind::Resumed => "resumed",
            EventKind::ClosedReached => "closed-reached",
            EventKind::ClosedNotReached => "closed-not-reached",
        }
    }

    pub fn parse(s: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.name() == s)
    }

    /// In words, for the officer page.
    pub fn label(self) -> &'static str {
        match self {
            EventKind::Opened => "Opened",
            EventKind::ThresholdReached => "Threshold reached",
            EventKind::ThresholdLost => "Threshold lost",
            EventKind::Paused => "Collection paused",
            EventKind::Resumed => "Collection resumed",
            EventKind::ClosedReached => "Closed with the threshold reached",
            EventKind::ClosedNotReached => "Closed without reaching the threshold",
        }
    }
}

/// A change of state, with the count and the figures it was decided on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub kind: EventKind,
    pub at: Time,
    pub valid: u64,
    pub required: u64,
    pub electorate: u64,
    pub percent: Percent,
    /// The deadline in force after the event; `None` while paused.
    pub deadline: Option<Time>,
}

/// The new state and what to record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub state: State,
    pub events: Vec<Event>,
}

impl Terms {
    pub fn new(opens: Time, base_closes: Time, trigger: Trigger) -> Result<Terms, TermsError> {
        if trigger.required == 0 {
            return Err(TermsError::NothingRequired);
        }
        if base_closes <= opens {
            return Err(TermsError::EmptyWindow);
        }
        Ok(Terms { opens, base_closes, trigger })
    }

    /// The state at opening and the `opened` event.
    pub fn open(&self) -> Step {
        let state = State { valid: 0, reached: false, paused_since: None, paused_total: 0, closed_at: None };
        let events = vec![self.event(EventKind::Opened, self.opens, &state)];
        Step { state, events }
    }

    /// The exclusive end of the window, extended by completed pauses; `None` while paused (the
    /// deadline moves on for as long as the pause lasts).
    pub fn deadline(&self, s: &State) -> Option<Time> {
        match (s.closed_at, s.paused_since) {
            (Some(closed), _) => Some(closed),
            (None, Some(_)) => None,
            (None, None) => Some(self.base_closes.saturating_add(s.paused_total)),
        }
    }

    /// Whether a signature may be confirmed (or made) at `at`: open, not paused, inside the window.
    pub fn accepts(&self, s: &State, at: Time) -> bool {
        s.phase() == Phase::Open && at >= self.opens && self.deadline(s).is_some_and(|d| at < d)
    }

    /// Whether the signing window is running at `at`: opened, not closed, and either paused (the
    /// deadline moves on while it is) or before the deadline. Signers may withdraw then, and the
    /// public pages list the petition; only while it also [`Terms::accepts`] may anyone sign.
    pub fn collecting(&self, s: &State, at: Time) -> bool {
        at >= self.opens
            && match s.phase() {
                Phase::Closed => false,
                Phase::Paused => true,
                Phase::Open => self.deadline(s).is_some_and(|d| at < d),
            }
    }

    /// Whether a signature confirmed at `confirmed_at` and still valid in every other way counts.
    /// Confirmations are only accepted while [`Terms::accepts`], so the window check here matters
    /// for a recount from the rows.
    pub fn counts(&self, s: &State, confirmed_at: Time) -> bool {
        confirmed_at >= self.opens && self.deadline(s).is_none_or(|d| confirmed_at < d)
    }

    fn event(&self, kind: EventKind, at: Time, s: &State) -> Event {
        Event {
            kind,
            at,
            valid: s.valid,
            required: self.trigger.required,
            electorate: self.trigger.electorate,
            percent: self.trigger.percent,
            deadline: self.deadline(s),
        }
    }

    /// Brings the state up to `at`, where the valid count is `valid`, then applies `action`.
    ///
    /// In order: a change in whether the trigger is met is recorded (at `at`, or at the deadline if
    /// that has passed unrecorded); a deadline that has passed closes the petition; then the action.
    /// An `Observe` is never refused; a refused pause or resume changes nothing.
    pub fn step(&self, s: &State, at: Time, valid: u64, action: Action) -> Result<Step, Refusal> {
        if at < self.opens && action != Action::Observe {
            return Err(Refusal::BeforeOpening);
        }
        let mut state = *s;
        let mut events = Vec::new();
        let due = match (state.closed_at, self.deadline(&state)) {
            (None, Some(deadline)) if at >= deadline => Some(deadline),
            _ => None,
        };
        // The count first: if it crossed before an unrecorded close, it did so by the deadline.
        let seen_at = due.unwrap_or(at).max(self.opens);
        state.valid = valid;
        let reached = self.trigger.reached(valid);
        if reached != state.reached {
            state.reached = reached;
            let kind = if reached { EventKind::ThresholdReached } else { EventKind::ThresholdLost };
            events.push(self.event(kind, seen_at, &state));
        }
        if let Some(deadline) = due {
            state.closed_at = Some(deadline);
            let kind = if state.reached { EventKind::ClosedReached } else { EventKind::ClosedNotReached };
            events.push(self.event(kind, deadline, &state));
        }
        match action {
            Action::Observe => {}
            Action::Pause => {
                match state.phase() {
                    Phase::Closed => return Err(Refusal::Closed),
                    Phase::Paused => return Err(Refusal::AlreadyPaused),
                    Phase::Open => {}
                }
                state.paused_since = Some(at);
                events.push(self.event(EventKind::Paused, at, &state));
            }
            Action::Resume => {
                let since = match (state.phase(), state.paused_since) {
                    (Phase::Closed, _) => return Err(Refusal::Closed),
                    (_, None) => return Err(Refusal::NotPaused),
                    (_, Some(since)) => since,
                };
                state.paused_total = state.paused_total.saturating_add((at - since).max(0));
                state.paused_since = None;
                events.push(self.event(EventKind::Resumed, at, &state));
            }
        }
        Ok(Step { state, events })
    }
}

/// Why a signature no longer counts: the transparency log's reason codes, one definition for both.
pub use petition_tlog::entry::Reason as StrikeReason;

#[cfg(test)]
mod tests;
