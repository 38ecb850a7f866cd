use super::*;
use crate::signature::{count_delta, SignatureFacts};
use crate::threshold::Trigger;
use proptest::prelude::*;

const T0: Time = 1_780_000_000;

fn terms(required: u64, length: i64) -> Terms {
    let trigger = Trigger { electorate: required * 20, percent: Percent::DEFAULT, required, published: false };
    Terms::new(T0, T0 + length, trigger).unwrap()
}

fn kinds(events: &[Event]) -> Vec<(EventKind, Time, u64)> {
    events.iter().map(|e| (e.kind, e.at, e.valid)).collect()
}

#[test]
fn opening_fixes_the_figures_and_refuses_nothing_to_collect() {
    let t = terms(4, 100);
    let step = t.open();
    assert_eq!(step.state.phase(), Phase::Open);
    assert_eq!(kinds(&step.events), vec![(EventKind::Opened, T0, 0)]);
    assert_eq!(step.events[0].required, 4);
    assert_eq!(step.events[0].electorate, 80);
    assert_eq!(step.events[0].deadline, Some(T0 + 100));
    // An electorate of 0 needs 0 signatures: refused rather than triggered on opening.
    let zero = Trigger::fix(0, Percent::DEFAULT, None);
    assert_eq!(Terms::new(T0, T0 + 100, zero), Err(TermsError::NothingRequired));
    let one = Trigger::fix(1, Percent::DEFAULT, None);
    assert_eq!(Terms::new(T0, T0 + 100, one.clone()).unwrap().trigger.required, 1);
    assert_eq!(Terms::new(T0, T0, one), Err(TermsError::EmptyWindow));
}

#[test]
fn exactly_at_and_one_below_the_required_count() {
    // The Isles of Scilly: 80 is the published number.
    let t = Terms::new(T0, T0 + 100, Trigger::fix(1_600, Percent::DEFAULT, Some(80))).unwrap();
    let s = t.open().state;
    let below = t.step(&s, T0 + 10, 79, Action::Observe).unwrap();
    assert!(below.events.is_empty() && !below.state.reached);
    let at = t.step(&below.state, T0 + 11, 80, Action::Observe).unwrap();
    assert_eq!(kinds(&at.events), vec![(EventKind::ThresholdReached, T0 + 11, 80)]);
    let again = t.step(&at.state, T0 + 12, 81, Action::Observe).unwrap();
    assert!(again.events.is_empty(), "reached once, recorded once");
    let lost = t.step(&again.state, T0 + 13, 79, Action::Observe).unwrap();
    assert_eq!(kinds(&lost.events), vec![(EventKind::ThresholdLost, T0 + 13, 79)]);
    // ceil on a fractional threshold: 81 electors × 5% = 4.05 needs 5.
    let t = Terms::new(T0, T0 + 100, Trigger::fix(81, Percent::DEFAULT, None)).unwrap();
    let s = t.open().state;
    assert!(!t.step(&s, T0 + 1, 4, Action::Observe).unwrap().state.reached);
    assert!(t.step(&s, T0 + 1, 5, Action::Observe).unwrap().state.reached);
    assert_eq!(t.trigger.required, Percent::DEFAULT.required(81));
}

#[test]
fn one_second_either_side_of_opening_and_closing() {
    let t = terms(2, 100);
    let s = t.open().state;
    assert!(!t.accepts(&s, T0 - 1));
    assert!(t.accepts(&s, T0));
    assert!(t.accepts(&s, T0 + 99));
    assert!(!t.accepts(&s, T0 + 100));
    // One second before the deadline nothing closes; at the deadline it closes, dated the deadline.
    let before = t.step(&s, T0 + 99, 1, Action::Observe).unwrap();
    assert_eq!(before.state.phase(), Phase::Open);
    let at = t.step(&before.state, T0 + 100, 1, Action::Observe).unwrap();
    assert_eq!(kinds(&at.events), vec![(EventKind::ClosedNotReached, T0 + 100, 1)]);
    assert_eq!(at.state.closed_at, Some(T0 + 100));
    // Noticed late (a restart, say): still dated the deadline.
    let late = t.step(&before.state, T0 + 5_000, 2, Action::Observe).unwrap();
    assert_eq!(
        kinds(&late.events),
        vec![(EventKind::ThresholdReached, T0 + 100, 2), (EventKind::ClosedReached, T0 + 100, 2)]
    );
    // Nothing further happens to a closed petition but counts changing under verification.
    let after = t.step(&late.state, T0 + 6_000, 2, Action::Observe).unwrap();
    assert!(after.events.is_empty());
    let struck = t.step(&late.state, T0 + 6_000, 1, Action::Observe).unwrap();
    assert_eq!(kinds(&struck.events), vec![(EventKind::ThresholdLost, T0 + 6_000, 1)]);
    assert_eq!(t.step(&late.state, T0 + 6_000, 2, Action::Pause), Err(Refusal::Closed));
    assert_eq!(t.step(&late.state, T0 + 6_000, 2, Action::Resume), Err(Refusal::Closed));
}

#[test]
fn a_pause_extends_the_deadline_by_its_length() {
    let t = terms(3, 100);
    let s = t.open().state;
    assert_eq!(t.step(&s, T0 - 1, 0, Action::Pause), Err(Refusal::BeforeOpening));
    assert_eq!(t.step(&s, T0 + 10, 0, Action::Resume), Err(Refusal::NotPaused));
    let paused = t.step(&s, T0 + 10, 1, Action::Pause).unwrap();
    assert_eq!(kinds(&paused.events), vec![(EventKind::Paused, T0 + 10, 1)]);
    assert_eq!(paused.events[0].deadline, None);
    assert!(!t.accepts(&paused.state, T0 + 11));
    assert_eq!(t.step(&paused.state, T0 + 11, 1, Action::Pause), Err(Refusal::AlreadyPaused));
    // The original deadline passes during the pause: nothing closes.
    let long = t.step(&paused.state, T0 + 150, 1, Action::Observe).unwrap();
    assert!(long.events.is_empty() && long.state.phase() == Phase::Paused);
    let resumed = t.step(&long.state, T0 + 160, 1, Action::Resume).unwrap();
    assert_eq!(resumed.state.paused_total, 150);
    assert_eq!(resumed.events[0].deadline, Some(T0 + 250));
    assert!(t.accepts(&resumed.state, T0 + 249));
    assert!(!t.accepts(&resumed.state, T0 + 250));
    let closed = t.step(&resumed.state, T0 + 250, 1, Action::Observe).unwrap();
    assert_eq!(kinds(&closed.events), vec![(EventKind::ClosedNotReached, T0 + 250, 1)]);
}

#[test]
fn collecting_covers_the_window_and_its_pauses() {
    let t = terms(3, 100);
    let s = t.open().state;
    assert!(!t.collecting(&s, T0 - 1));
    assert!(t.collecting(&s, T0));
    assert!(t.collecting(&s, T0 + 99));
    assert!(!t.collecting(&s, T0 + 100), "the deadline has passed, recorded or not");
    let paused = t.step(&s, T0 + 10, 0, Action::Pause).unwrap().state;
    assert!(t.collecting(&paused, T0 + 10) && !t.accepts(&paused, T0 + 10), "paused: running, not accepting");
    assert!(t.collecting(&paused, T0 + 5_000), "the deadline moves on while paused");
    let closed = t.step(&s, T0 + 100, 0, Action::Observe).unwrap().state;
    assert!(!t.collecting(&closed, T0 + 50), "closed is closed");
    // Accepting implies collecting, at every moment and in every phase.
    for state in [s, paused, closed] {
        for at in T0 - 2..T0 + 200 {
            assert!(!t.accepts(&state, at) || t.collecting(&state, at));
        }
    }
}

#[test]
fn pausing_at_the_deadline_is_too_late() {
    let t = terms(3, 100);
    let s = t.open().state;
    let r = t.step(&s, T0 + 100, 0, Action::Pause);
    assert_eq!(r, Err(Refusal::Closed));
    assert!(t.step(&s, T0 + 99, 0, Action::Pause).is_ok());
}

#[test]
fn event_names_round_trip() {
    for k in EventKind::ALL {
        assert_eq!(EventKind::parse(k.name()), Some(k));
    }
    assert_eq!(EventKind::parse("reached"), None);
}

// ---- The engine against a deliberately naive model -------------------------------------------

#[derive(Clone, Copy, Debug)]
enum Op {
    Confirm { verified: bool },
    Verify(usize),
    Strike(usize),
    Reinstate(usize),
    Withdraw(usize),
    Pause,
    Resume,
    Wait,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => any::<bool>().prop_map(|verified| Op::Confirm { verified }),
        1 => any::<usize>().prop_map(Op::Verify),
        2 => any::<usize>().prop_map(Op::Strike),
        1 => any::<usize>().prop_map(Op::Reinstate),
        1 => any::<usize>().prop_map(Op::Withdraw),
        1 => Just(Op::Pause),
        1 => Just(Op::Resume),
        1 => Just(Op::Wait),
    ]
}

/// A gap before each operation: mostly short, sometimes a jump past the whole window.
fn gap() -> impl Strategy<Value = i64> {
    prop_oneof![8 => 0i64..20, 1 => 0i64..400]
}

#[derive(Clone, Copy, Default)]
struct Sig {
    verified: bool,
    struck: bool,
    withdrawn: bool,
}

/// Drives the engine as the store does: a running counter changed by deltas, an observation
/// before each change (to record a due close first) and after it.
fn run_engine(t: &Terms, ops: &[(i64, Op)]) -> (Vec<(EventKind, Time, u64)>, State) {
    let first = t.open();
    let mut state = first.state;
    let mut events = first.events;
    let mut facts: Vec<SignatureFacts> = Vec::new();
    let mut count: u64 = 0;
    let mut now = t.opens;
    for &(gap, op) in ops {
        now += gap;
        let pre = t.step(&state, now, count, Action::Observe).unwrap();
        state = pre.state;
        events.extend(pre.events);
        let mut change = |facts: &mut Vec<SignatureFacts>, i: usize, f: &dyn Fn(&mut SignatureFacts)| {
            if facts.is_empty() {
                return;
            }
            let i = i % facts.len();
            let before = facts[i];
            f(&mut facts[i]);
            let d = count_delta(t, &state, &before, &facts[i]);
            count = (count as i64 + d) as u64;
        };
        let action = match op {
            Op::Confirm { verified } => {
                if t.accepts(&state, now) {
                    facts.push(SignatureFacts::default());
                    let i = facts.len() - 1;
                    change(&mut facts, i, &|f| {
                        f.confirmed_at = Some(now);
                        f.verified = verified;
                    });
                }
                Action::Observe
            }
            Op::Verify(i) => {
                change(&mut facts, i, &|f| f.verified = true);
                Action::Observe
            }
            Op::Strike(i) => {
                change(&mut facts, i, &|f| f.struck = true);
                Action::Observe
            }
            Op::Reinstate(i) => {
                change(&mut facts, i, &|f| f.struck = false);
                Action::Observe
            }
            Op::Withdraw(i) => {
                if state.phase() != Phase::Closed {
                    change(&mut facts, i, &|f| f.withdrawn = true);
                }
                Action::Observe
            }
            Op::Pause => Action::Pause,
            Op::Resume => Action::Resume,
            Op::Wait => Action::Observe,
        };
        if let Ok(step) = t.step(&state, now, count, action) {
            state = step.state;
            events.extend(step.events);
        }
    }
    (kinds(&events), state)
}

/// Recomputes everything from the whole history at each point: which pauses happened, how much
/// unpaused time has passed, which signatures exist and count.
struct Naive {
    opens: Time,
    length: i64,
    required: u64,
    pauses: Vec<(Time, Option<Time>)>,
    sigs: Vec<Sig>,
    events: Vec<(EventKind, Time, u64)>,
}

impl Naive {
    fn paused_now(&self) -> bool {
        self.pauses.last().is_some_and(|p| p.1.is_none())
    }

    fn paused_at(&self, s: Time) -> bool {
        self.pauses.iter().any(|&(a, b)| a <= s && b.is_none_or(|b| s < b))
    }

    /// The first instant by which the unpaused seconds since opening add up to the window's
    /// length, if that is no later than `t`.
    fn closed_by(&self, t: Time) -> Option<Time> {
        let mut active = 0;
        let mut s = self.opens;
        while s < t {
            if !self.paused_at(s) {
                active += 1;
                if active == self.length {
                    return Some(s + 1);
                }
            }
            s += 1;
        }
        None
    }

    fn count(&self) -> u64 {
        self.sigs.iter().filter(|s| s.verified && !s.struck && !s.withdrawn).count() as u64
    }

    fn reached_recorded(&self) -> bool {
        self.events
            .iter()
            .rev()
            .find_map(|e| match e.0 {
                EventKind::ThresholdReached => Some(true),
                EventKind::ThresholdLost => Some(false),
                _ => None,
            })
            .unwrap_or(false)
    }

    fn close_recorded(&self) -> bool {
        self.events.iter().any(|e| matches!(e.0, EventKind::ClosedReached | EventKind::ClosedNotReached))
    }

    fn observe(&mut self, t: Time) {
        let valid = self.count();
        let due = if self.close_recorded() { None } else { self.closed_by(t) };
        let reached = valid >= self.required;
        if reached != self.reached_recorded() {
            let kind = if reached { EventKind::ThresholdReached } else { EventKind::ThresholdLost };
            self.events.push((kind, due.unwrap_or(t), valid));
        }
        if let Some(at) = due {
            let kind = if reached { EventKind::ClosedReached } else { EventKind::ClosedNotReached };
            self.events.push((kind, at, valid));
        }
    }

    fn run(t: &Terms, ops: &[(i64, Op)]) -> Naive {
        let mut n = Naive {
            opens: t.opens,
            length: t.base_closes - t.opens,
            required: t.trigger.required,
            pauses: Vec::new(),
            sigs: Vec::new(),
            events: vec![(EventKind::Opened, t.opens, 0)],
        };
        let mut now = t.opens;
        for &(gap, op) in ops {
            now += gap;
            n.observe(now);
            let open = !n.close_recorded();
            let len = n.sigs.len();
            let pick = |i: usize| (len > 0).then(|| i % len);
            match op {
                Op::Confirm { verified } => {
                    if open && !n.paused_now() {
                        n.sigs.push(Sig { verified, ..Sig::default() });
                    }
                }
                Op::Verify(i) => pick(i).into_iter().for_each(|i| n.sigs[i].verified = true),
                Op::Strike(i) => pick(i).into_iter().for_each(|i| n.sigs[i].struck = true),
                Op::Reinstate(i) => pick(i).into_iter().for_each(|i| n.sigs[i].struck = false),
                Op::Withdraw(i) => {
                    if open {
                        pick(i).into_iter().for_each(|i| n.sigs[i].withdrawn = true)
                    }
                }
                Op::Pause => {
                    if open && !n.paused_now() {
                        n.pauses.push((now, None));
                        n.observe(now);
                        n.events.push((EventKind::Paused, now, n.count()));
                        continue;
                    }
                }
                Op::Resume => {
                    if open && n.paused_now() {
                        n.pauses.last_mut().unwrap().1 = Some(now);
                        n.observe(now);
                        n.events.push((EventKind::Resumed, now, n.count()));
                        continue;
                    }
                }
                Op::Wait => {}
            }
            n.observe(now);
        }
        n
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, ..ProptestConfig::default() })]

    #[test]
    fn engine_agrees_with_the_naive_model(
        required in 1u64..6,
        length in 1i64..300,
        ops in prop::collection::vec((gap(), op()), 0..60),
    ) {
        let t = terms(required, length);
        let (events, state) = run_engine(&t, &ops);
        let naive = Naive::run(&t, &ops);
        prop_assert_eq!(&events, &naive.events);
        prop_assert_eq!(state.valid, naive.count());
        // Reached and lost alternate, starting with reached; at most one close, and it is final
        // for everything but the count.
        let mut reached = false;
        let mut closed = false;
        for e in &events {
            match e.0 {
                EventKind::ThresholdReached => { prop_assert!(!reached); reached = true; }
                EventKind::ThresholdLost => { prop_assert!(reached); reached = false; }
                EventKind::ClosedReached | EventKind::ClosedNotReached => {
                    prop_assert!(!closed);
                    prop_assert_eq!(e.0 == EventKind::ClosedReached, reached);
                    closed = true;
                }
                EventKind::Paused | EventKind::Resumed => prop_assert!(!closed),
                EventKind::Opened => {}
            }
        }
        // Events are recorded in time order.
        prop_assert!(events.windows(2).all(|w| w[0].1 <= w[1].1));
    }

    #[test]
    fn only_confirmations_reach_the_threshold_exactly_once(
        required in 1u64..40,
        n in 0u64..80,
    ) {
        let t = terms(required, 1_000);
        let ops: Vec<(i64, Op)> = (0..n).map(|_| (1, Op::Confirm { verified: true })).collect();
        let (events, state) = run_engine(&t, &ops);
        let reached: Vec<_> = events.iter().filter(|e| e.0 == EventKind::ThresholdReached).collect();
        prop_assert_eq!(reached.len(), usize::from(n >= required));
        if let Some(e) = reached.first() {
            prop_assert_eq!(e.2, required);
            prop_assert_eq!(e.1, T0 + required as i64);
        }
        prop_assert_eq!(state.valid, n);
    }
}

#[test]
fn strike_reason_codes() {
    for r in StrikeReason::ALL {
        assert_eq!(StrikeReason::parse(r.code()), Some(r));
    }
    assert!(StrikeReason::for_officers().all(|r| r != StrikeReason::Withdrawn));
    assert_eq!(StrikeReason::for_officers().count(), 5);
    assert_eq!(StrikeReason::parse("Duplicate"), None);
}
