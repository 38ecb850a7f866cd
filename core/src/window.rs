//! The signing window: opens at the moment a petition opens and closes at the end of the day,
//! local time in Europe/London, a number of calendar months later (the last day of the month when
//! that day does not exist). Pauses extend it by their length: the threshold engine
//! (`engine.rs`) keeps that arithmetic, in seconds.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::London;

use crate::threshold::days_in_month;

/// The local date `months` calendar months after `date`, clamped to the end of the month.
pub fn add_months(date: NaiveDate, months: u32) -> NaiveDate {
    let total = date.year() * 12 + date.month0() as i32 + months as i32;
    let (year, month) = (total.div_euclid(12), total.rem_euclid(12) as u32 + 1);
    let day = date.day().min(days_in_month(year, month));
    NaiveDate::from_ymd_opt(year, month, day).expect("clamped to a real day")
}

/// The first instant of a local London day (midnight; London never skips midnight).
pub fn start_of_local_day(date: NaiveDate) -> DateTime<Utc> {
    let naive = date.and_hms_opt(0, 0, 0).expect("midnight");
    London.from_local_datetime(&naive).earliest().expect("midnight exists in Europe/London").with_timezone(&Utc)
}

/// The local London date of an instant.
pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&London).date_naive()
}

/// The exclusive end of the window for a petition opened at `opens`: the first instant after the
/// end of the local day `months` months on.
pub fn closes(opens: DateTime<Utc>, months: u32) -> DateTime<Utc> {
    let last_day = add_months(local_date(opens), months);
    start_of_local_day(last_day.succ_opt().expect("not the end of time"))
}

/// Whole days left, counted as residents do: 0 on the last day.
pub fn days_left(now: DateTime<Utc>, closes: DateTime<Utc>) -> i64 {
    if now >= closes {
        return 0;
    }
    let last_day = local_date(closes - Duration::seconds(1));
    (last_day - local_date(now)).num_days().max(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn six_months_to_the_end_of_the_day() {
        // Winter opening, summer close: end of 10 July is 23:00 UTC (BST).
        assert_eq!(closes(utc("2026-01-10T09:30:00Z"), 6), utc("2026-07-10T23:00:00Z"));
        // Summer opening, winter close: midnight GMT.
        assert_eq!(closes(utc("2026-06-15T12:00:00Z"), 6), utc("2026-12-16T00:00:00Z"));
    }

    #[test]
    fn month_ends_clamp() {
        assert_eq!(closes(utc("2026-08-31T12:00:00Z"), 6), utc("2027-03-01T00:00:00Z")); // 28 Feb
        assert_eq!(closes(utc("2027-08-31T12:00:00Z"), 6), utc("2028-03-01T00:00:00Z")); // 29 Feb (leap)
        assert_eq!(
            add_months(NaiveDate::from_ymd_opt(2027, 8, 31).unwrap(), 6),
            NaiveDate::from_ymd_opt(2028, 2, 29).unwrap()
        );
        assert_eq!(
            add_months(NaiveDate::from_ymd_opt(2026, 3, 31).unwrap(), 6),
            NaiveDate::from_ymd_opt(2026, 9, 30).unwrap()
        );
        assert_eq!(
            add_months(NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(), 2),
            NaiveDate::from_ymd_opt(2027, 2, 28).unwrap()
        );
    }

    #[test]
    fn closing_on_the_days_the_clocks_change() {
        // 28 March 2027 is the spring-forward day (23 hours): its end is midnight BST.
        assert_eq!(closes(utc("2026-09-28T10:00:00Z"), 6), utc("2027-03-28T23:00:00Z"));
        // 25 October 2026 is the fall-back day (25 hours): its end is midnight GMT.
        assert_eq!(closes(utc("2026-04-25T10:00:00Z"), 6), utc("2026-10-26T00:00:00Z"));
        // Opening in the hour before the clocks go forward (00:30 GMT on 29 March 2026).
        assert_eq!(closes(utc("2026-03-29T00:30:00Z"), 6), utc("2026-09-29T23:00:00Z"));
        // Opening in the repeated hour of 25 October 2026 (01:30 BST, then 01:30 GMT).
        assert_eq!(closes(utc("2026-10-25T00:30:00Z"), 6), utc("2027-04-26T00:00:00Z") - Duration::hours(1));
        assert_eq!(closes(utc("2026-10-25T01:30:00Z"), 6), utc("2027-04-25T23:00:00Z"));
        // The day the clocks change has 23 or 25 hours, and the last hour still counts.
        let c = closes(utc("2026-04-25T10:00:00Z"), 6);
        assert_eq!(local_date(c - Duration::seconds(1)), NaiveDate::from_ymd_opt(2026, 10, 25).unwrap());
        assert_eq!(local_date(c), NaiveDate::from_ymd_opt(2026, 10, 26).unwrap());
    }

    #[test]
    fn leap_years() {
        // 29 August to 29 February in a leap year; 30 August clamps to the 29th, or the 28th.
        assert_eq!(closes(utc("2027-08-29T12:00:00Z"), 6), utc("2028-03-01T00:00:00Z"));
        assert_eq!(closes(utc("2027-08-30T12:00:00Z"), 6), utc("2028-03-01T00:00:00Z"));
        assert_eq!(closes(utc("2028-08-30T12:00:00Z"), 6), utc("2029-03-01T00:00:00Z"));
        assert_eq!(closes(utc("2028-08-28T12:00:00Z"), 6), utc("2029-03-01T00:00:00Z"));
        assert_eq!(closes(utc("2028-08-27T12:00:00Z"), 6), utc("2029-02-28T00:00:00Z"));
        // Opening on 29 February: twelve months on is 28 February.
        assert_eq!(closes(utc("2028-02-29T12:00:00Z"), 12), utc("2029-03-01T00:00:00Z"));
        // A century year that is not a leap year.
        assert_eq!(
            add_months(NaiveDate::from_ymd_opt(2099, 8, 31).unwrap(), 6),
            NaiveDate::from_ymd_opt(2100, 2, 28).unwrap()
        );
    }

    #[test]
    fn local_date_decides_near_midnight() {
        // 23:30 UTC on 31 March in summer time is already 1 April in London.
        assert_eq!(closes(utc("2026-03-31T23:30:00Z"), 6), utc("2026-10-01T23:00:00Z"));
        // 23:30 UTC on 31 January is still 31 January in London.
        assert_eq!(closes(utc("2026-01-31T23:30:00Z"), 6), utc("2026-08-01T00:00:00Z") - Duration::hours(1));
    }

    #[test]
    fn days_left_as_people_count() {
        let c = utc("2026-07-10T23:00:00Z");
        assert_eq!(days_left(utc("2026-07-10T22:59:59Z"), c), 0);
        assert_eq!(days_left(utc("2026-07-09T12:00:00Z"), c), 1);
        assert_eq!(days_left(c, c), 0);
    }
}
