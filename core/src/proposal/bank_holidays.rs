//! Bank holidays in England and Wales, by the rules that fix them, so the moderation target
//! skips them without a list to download. One-off holidays (a coronation, a jubilee) are not
//! rules: the office adds them as dates in its settings. A holiday moved by proclamation (the
//! May holiday of 2020) is both: the new date added, the rule's date cancelled (see
//! `crate::settings`).
//!
//! The rules: New Year's Day, Good Friday, Easter Monday, the first and last Mondays of May, the
//! last Monday of August, Christmas Day and Boxing Day. A holiday falling on a Saturday or
//! Sunday is replaced by the next weekday that is not already a holiday.

use super::working_days::{weekday, Day};

/// The day number (since 1970-01-01) of a date in the proleptic Gregorian calendar.
pub fn day_of(year: i64, month: u32, day: u32) -> Day {
    // Counting years from March puts the leap day last, so each month's offset is fixed.
    let (y, m) = if month <= 2 { (year - 1, i64::from(month) + 9) } else { (year, i64::from(month) - 3) };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * m + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date of a day number: the inverse of [`day_of`].
pub fn date_of(day: Day) -> (i64, u32, u32) {
    let z = day + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let m = (5 * day_of_year + 2) / 153;
    let d = (day_of_year - (153 * m + 2) / 5 + 1) as u32;
    let month = if m < 10 { m + 3 } else { m - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, d)
}

/// Easter Sunday of `year` (the Gregorian computus).
pub fn easter_sunday(year: i64) -> Day {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    day_of(year, month as u32, day as u32)
}

/// The first Monday on or after `day`.
fn monday_from(day: Day) -> Day {
    day + (7 - weekday(day)) % 7
}

/// The bank holidays of England and Wales in `year`, in order, substitutes in place of the
/// days that fell at a weekend.
pub fn england_and_wales(year: i64) -> Vec<Day> {
    let easter = easter_sunday(year);
    let fixed = [day_of(year, 1, 1), day_of(year, 12, 25), day_of(year, 12, 26)];
    let mut days = vec![
        easter - 2,
        easter + 1,
        monday_from(day_of(year, 5, 1)),
        monday_from(day_of(year, 5, 25)),
        monday_from(day_of(year, 8, 25)),
    ];
    for day in fixed {
        let mut d = day;
        while weekday(d) >= 5 || days.contains(&d) {
            d += 1;
        }
        days.push(d);
    }
    days.sort_unstable();
    days
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i64, m: u32, d: u32) -> Day {
        day_of(y, m, d)
    }

    #[test]
    fn day_numbers_match_the_calendar() {
        assert_eq!(date(1970, 1, 1), 0);
        assert_eq!(date(1969, 12, 31), -1);
        assert_eq!(date(2000, 3, 1), 11_017, "2000 was a leap year");
        assert_eq!(date(2026, 11, 30), 20_787);
        assert_eq!(date(2028, 3, 1) - date(2028, 2, 28), 2, "29 February 2028");
        assert_eq!(date(2100, 3, 1) - date(2100, 2, 28), 1, "2100 is not a leap year");
    }

    #[test]
    fn dates_come_back_from_day_numbers() {
        for day in -800_000..800_000 {
            let (y, m, d) = date_of(day);
            assert_eq!(day_of(y, m, d), day, "{y}-{m}-{d}");
        }
        assert_eq!(date_of(0), (1970, 1, 1));
        assert_eq!(date_of(date(2028, 2, 29)), (2028, 2, 29));
    }

    #[test]
    fn easter_falls_on_the_published_sundays() {
        for (year, month, day) in
            [(2024, 3, 31), (2025, 4, 20), (2026, 4, 5), (2027, 3, 28), (2028, 4, 16), (2038, 4, 25)]
        {
            assert_eq!(easter_sunday(year), date(year, month, day), "{year}");
            assert_eq!(weekday(easter_sunday(year)), 6);
        }
    }

    /// The holidays as GOV.UK lists them for England and Wales.
    #[test]
    fn the_published_lists_for_2025_to_2027() {
        let as_dates =
            |year: i64, list: &[(u32, u32)]| list.iter().map(|(m, d)| date(year, *m, *d)).collect::<Vec<_>>();
        assert_eq!(
            england_and_wales(2025),
            as_dates(2025, &[(1, 1), (4, 18), (4, 21), (5, 5), (5, 26), (8, 25), (12, 25), (12, 26)])
        );
        assert_eq!(
            england_and_wales(2026),
            as_dates(2026, &[(1, 1), (4, 3), (4, 6), (5, 4), (5, 25), (8, 31), (12, 25), (12, 28)]),
            "Boxing Day on a Saturday moves to Monday 28 December"
        );
        assert_eq!(
            england_and_wales(2027),
            as_dates(2027, &[(1, 1), (3, 26), (3, 29), (5, 3), (5, 31), (8, 30), (12, 27), (12, 28)]),
            "Christmas on a Saturday and Boxing Day on a Sunday: Monday and Tuesday"
        );
    }

    #[test]
    fn christmas_on_a_sunday_moves_after_boxing_day() {
        // 2022: Christmas Day was a Sunday; Boxing Day Monday 26, the substitute Tuesday 27.
        let days = england_and_wales(2022);
        assert!(days.contains(&date(2022, 12, 26)) && days.contains(&date(2022, 12, 27)));
        assert!(!days.contains(&date(2022, 12, 25)));
        // 2028: New Year's Day is a Saturday: Monday 3 January.
        assert_eq!(england_and_wales(2028)[0], date(2028, 1, 3));
    }

    #[test]
    fn every_year_has_eight_weekday_holidays() {
        for year in 1990..2100 {
            let days = england_and_wales(year);
            assert_eq!(days.len(), 8, "{year}");
            assert!(days.iter().all(|d| weekday(*d) < 5), "{year}");
            assert!(days.windows(2).all(|w| w[0] < w[1]), "{year}: distinct and in order");
        }
    }
}
