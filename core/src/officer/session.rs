//! When an officer's session ends: after a spell of inactivity, or at an absolute limit however
//! active it was, whichever comes first.

/// Defaults: 30 minutes idle, 12 hours in all.
pub const IDLE_SECONDS: i64 = 30 * 60;
pub const LIFETIME_SECONDS: i64 = 12 * 60 * 60;
/// A session half signed in (password right, second factor not yet given) lasts this long.
pub const SECOND_FACTOR_SECONDS: i64 = 5 * 60;
/// Activity is written back at most this often, so reading pages does not write a row each time;
/// more often under a short idle limit (see [`SessionTimes::touch_every`]).
pub const TOUCH_EVERY: i64 = 60;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionTimes {
    pub created_at: i64,
    pub last_seen_at: i64,
    pub idle: i64,
    pub lifetime: i64,
}

impl SessionTimes {
    /// The moment the session ends if nothing more happens.
    pub fn ends_at(&self) -> i64 {
        (self.last_seen_at + self.idle).min(self.created_at + self.lifetime)
    }

    pub fn live(&self, now: i64) -> bool {
        now < self.ends_at()
    }

    /// How stale the recorded activity may get: [`TOUCH_EVERY`], or a tenth of the idle limit
    /// where that is shorter. Were it as long as the idle limit, a session in use could be ended
    /// as idle between two writes.
    pub fn touch_every(&self) -> i64 {
        (self.idle / 10).clamp(1, TOUCH_EVERY)
    }

    /// Whether a request at `now` should record the activity.
    pub fn should_touch(&self, now: i64) -> bool {
        now - self.last_seen_at >= self.touch_every()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(created: i64, seen: i64) -> SessionTimes {
        SessionTimes { created_at: created, last_seen_at: seen, idle: IDLE_SECONDS, lifetime: LIFETIME_SECONDS }
    }

    #[test]
    fn idle_for_thirty_minutes_ends_it() {
        let s = at(0, 100);
        assert!(s.live(100 + IDLE_SECONDS - 1));
        assert!(!s.live(100 + IDLE_SECONDS));
    }

    #[test]
    fn twelve_hours_ends_it_however_active() {
        let s = at(0, LIFETIME_SECONDS - 10);
        assert_eq!(s.ends_at(), LIFETIME_SECONDS);
        assert!(s.live(LIFETIME_SECONDS - 1));
        assert!(!s.live(LIFETIME_SECONDS));
    }

    #[test]
    fn activity_is_written_once_a_minute_at_most() {
        let s = at(0, 1000);
        assert!(!s.should_touch(1000 + TOUCH_EVERY - 1));
        assert!(s.should_touch(1000 + TOUCH_EVERY));
    }

    #[test]
    fn under_a_short_idle_limit_a_session_in_use_stays_live() {
        for idle in [60, 90, 600, IDLE_SECONDS] {
            let mut s = SessionTimes { created_at: 0, last_seen_at: 0, idle, lifetime: LIFETIME_SECONDS };
            assert!(s.touch_every() >= 1 && s.touch_every() <= idle / 10, "idle {idle}");
            // A request every touch interval, for ten idle limits: the session never ends.
            let mut now = 0;
            while now < 10 * idle {
                now += s.touch_every();
                assert!(s.live(now), "idle {idle}: ended while in use at {now}");
                if s.should_touch(now) {
                    s.last_seen_at = now;
                }
            }
        }
    }
}
