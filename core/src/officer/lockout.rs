//! Slowing down and then stopping password guessing. Failures are counted per email address as
//! typed, whether or not an account has it, so the answers never tell an attacker which
//! addresses have accounts.

/// Failures in a row before each further attempt must wait.
pub const FREE_FAILURES: u32 = 3;
/// Failures in a row that lock sign-in for [`LOCK_SECONDS`].
pub const LOCK_AFTER: u32 = 10;
pub const LOCK_SECONDS: i64 = 15 * 60;
/// A run of failures this old is forgotten.
pub const FORGET_AFTER: i64 = 24 * 60 * 60;

/// The failures recorded for one email address.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Failures {
    pub count: u32,
    pub last_at: i64,
    pub locked_until: Option<i64>,
}

/// Whether an attempt may be checked now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gate {
    Open,
    /// Try again after this many seconds.
    Wait(i64),
    /// Locked until this moment.
    Locked(i64),
}

impl Failures {
    /// After 3 failures each attempt waits 2, 4, 8… seconds (at most a minute) after the last;
    /// after 10 the address is locked for 15 minutes.
    pub fn gate(&self, now: i64) -> Gate {
        let f = self.current(now);
        if let Some(until) = f.locked_until.filter(|u| *u > now) {
            return Gate::Locked(until);
        }
        if f.count < FREE_FAILURES {
            return Gate::Open;
        }
        let delay = (1i64 << (f.count - FREE_FAILURES + 1).min(6)).min(60);
        let ready = f.last_at + delay;
        if ready > now {
            Gate::Wait(ready - now)
        } else {
            Gate::Open
        }
    }

    /// The record after one more failure at `now`.
    pub fn failed(&self, now: i64) -> Failures {
        let f = self.current(now);
        let count = f.count + 1;
        let locked_until = if count >= LOCK_AFTER { Some(now + LOCK_SECONDS) } else { None };
        // A lock that ran out starts a fresh run, so the next lock needs ten more failures.
        let count = if count > LOCK_AFTER { 1 } else { count };
        Failures { count, last_at: now, locked_until }
    }

    /// Forgets failures long past and a lock that has run out.
    fn current(&self, now: i64) -> Failures {
        if now - self.last_at >= FORGET_AFTER {
            return Failures::default();
        }
        match self.locked_until {
            Some(u) if u <= now => Failures { count: 0, last_at: self.last_at, locked_until: None },
            _ => *self,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn after(n: u32, start: i64, step: i64) -> Failures {
        (0..n).fold(Failures::default(), |f, i| f.failed(start + i as i64 * step))
    }

    #[test]
    fn the_first_three_failures_cost_nothing() {
        assert_eq!(Failures::default().gate(0), Gate::Open);
        let f = after(2, 1000, 0);
        assert_eq!(f.gate(1000), Gate::Open);
        let f = after(3, 1000, 0);
        assert_eq!(f.gate(1000), Gate::Wait(2));
        assert_eq!(f.gate(1002), Gate::Open);
    }

    #[test]
    fn waits_double_up_to_a_minute() {
        let waits: Vec<Gate> = (3..10).map(|n| after(n, 1000, 0).gate(1000)).collect();
        assert_eq!(
            waits,
            vec![
                Gate::Wait(2),
                Gate::Wait(4),
                Gate::Wait(8),
                Gate::Wait(16),
                Gate::Wait(32),
                Gate::Wait(60),
                Gate::Wait(60)
            ]
        );
    }

    #[test]
    fn the_tenth_failure_locks_for_fifteen_minutes_then_a_fresh_run_starts() {
        let f = after(10, 1000, 100);
        let last = 1000 + 9 * 100;
        assert_eq!(f.gate(last), Gate::Locked(last + LOCK_SECONDS));
        assert_eq!(f.gate(last + LOCK_SECONDS - 1), Gate::Locked(last + LOCK_SECONDS));
        assert_eq!(f.gate(last + LOCK_SECONDS), Gate::Open);
        let again = f.failed(last + LOCK_SECONDS);
        assert_eq!(again.count, 1);
        assert_eq!(again.locked_until, None);
    }

    #[test]
    fn a_failure_during_a_lock_keeps_it_locked() {
        let f = after(10, 0, 0);
        let g = f.failed(60);
        assert!(matches!(g.gate(61), Gate::Locked(_)));
    }

    #[test]
    fn a_day_later_everything_is_forgotten() {
        let f = after(9, 0, 0);
        assert_eq!(f.gate(FORGET_AFTER), Gate::Open);
        assert_eq!(f.failed(FORGET_AFTER).count, 1);
    }
}
