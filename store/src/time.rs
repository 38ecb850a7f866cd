//! The clock, and instants in words for people (London time).
//!
//! The site reads the time only through [`now`] and [`now_utc`], so that a rehearsal can run
//! its clock ahead of real time ([`run_ahead`]): an office can try out a whole petition's life,
//! six-month window and certificate included, on a copy of its site, and the browser tests
//! carry one petition from a resident's proposal to its certificate against the real server.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Utc};
use petition_core::window;

/// Seconds the site's clock runs ahead of real time: 0 except in a rehearsal.
static AHEAD: AtomicI64 = AtomicI64::new(0);

/// Runs the site's clock `seconds` ahead of real time from now on (set once, at start-up).
pub fn run_ahead(seconds: i64) {
    AHEAD.store(seconds, Ordering::Relaxed);
}

/// Seconds the site's clock runs ahead of real time.
pub fn ahead() -> i64 {
    AHEAD.load(Ordering::Relaxed)
}

/// Unix seconds now, by the site's clock.
pub fn now() -> i64 {
    now_utc().timestamp()
}

/// The instant now, by the site's clock.
pub fn now_utc() -> DateTime<Utc> {
    Utc::now() + chrono::Duration::seconds(ahead())
}

/// The real time at the site's moment `at`: for authenticator codes, which officers' phones
/// compute from the real time whatever a rehearsal's clock says.
pub fn real(at: i64) -> i64 {
    at - ahead()
}

/// An instant in Unix seconds; out-of-range values (never written) read as the epoch.
pub fn instant(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap_or_default()
}

/// "Friday 10 July 2026" for the local day on which an instant falls.
pub fn day_label(at: DateTime<Utc>) -> String {
    window::local_date(at).format("%A %-d %B %Y").to_string()
}

/// "10:15:07 on Friday 10 July 2026", London time, for an instant in Unix seconds.
pub fn moment_label(at: i64) -> String {
    use chrono_tz::Europe::London;
    instant(at).with_timezone(&London).format("%H:%M:%S on %A %-d %B %Y").to_string()
}
