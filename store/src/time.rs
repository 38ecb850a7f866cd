//! The clock, and instants in words for people (London time).

use chrono::{DateTime, Utc};
use petition_core::window;

/// Unix seconds now.
pub fn now() -> i64 {
    Utc::now().timestamp()
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
