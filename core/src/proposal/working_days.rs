//! Counting working days, for the date by which officers should have moderated a proposal
//! (default: ten working days after it has its sponsors). Days are whole days numbered from
//! 1970-01-01 (a Thursday), so the rule needs no calendar library; the caller passes the bank
//! holidays it knows of.

/// A day, as the number of days since 1970-01-01.
pub type Day = i64;

/// 0 for Monday … 6 for Sunday.
pub fn weekday(day: Day) -> i64 {
    (day + 3).rem_euclid(7)
}

/// Whether `day` is a working day: not a Saturday or Sunday, and not in `holidays`.
pub fn is_working(day: Day, holidays: &[Day]) -> bool {
    weekday(day) < 5 && !holidays.contains(&day)
}

/// The day `n` working days after `from` (which itself does not count, working or not): the
/// target date of moderation for a proposal complete on `from`.
pub fn add_working_days(from: Day, n: u32, holidays: &[Day]) -> Day {
    let mut day = from;
    let mut left = n;
    while left > 0 {
        day += 1;
        if is_working(day, holidays) {
            left -= 1;
        }
    }
    day
}

/// Working days from `from` (not counted) to `to` (counted); 0 when `to` is not after `from`.
pub fn working_days_between(from: Day, to: Day, holidays: &[Day]) -> u32 {
    ((from + 1)..=to).filter(|d| is_working(*d, holidays)).count() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2026-11-30 is a Monday: 20,787 days after 1970-01-01.
    const MONDAY: Day = 20_787;

    #[test]
    fn the_epoch_was_a_thursday() {
        assert_eq!(weekday(0), 3);
        assert_eq!(weekday(MONDAY), 0);
        assert_eq!(weekday(MONDAY + 5), 5, "Saturday");
        assert_eq!(weekday(-1), 2, "1969-12-31 was a Wednesday");
    }

    #[test]
    fn ten_working_days_from_a_monday_is_the_friday_week_after_next() {
        assert_eq!(add_working_days(MONDAY, 10, &[]), MONDAY + 14);
        // From a Friday: the next Monday is the first.
        assert_eq!(add_working_days(MONDAY + 4, 1, &[]), MONDAY + 7);
        // From a Saturday, as from a Sunday: Monday is the first.
        assert_eq!(add_working_days(MONDAY + 5, 1, &[]), MONDAY + 7);
        assert_eq!(add_working_days(MONDAY + 6, 1, &[]), MONDAY + 7);
        assert_eq!(add_working_days(MONDAY, 0, &[]), MONDAY);
    }

    #[test]
    fn bank_holidays_do_not_count() {
        // Christmas Day and Boxing Day 2026 are a Friday and a Saturday; the Monday after is the
        // substitute holiday.
        let christmas = MONDAY + 25;
        let holidays = [christmas, christmas + 3];
        assert_eq!(weekday(christmas), 4);
        assert_eq!(add_working_days(christmas - 1, 1, &holidays), christmas + 4, "Thursday to Tuesday");
        assert_eq!(add_working_days(christmas - 1, 1, &[]), christmas);
    }

    #[test]
    fn counting_agrees_with_adding() {
        for from in MONDAY..MONDAY + 7 {
            for n in 0..25 {
                let to = add_working_days(from, n, &[MONDAY + 9]);
                assert_eq!(working_days_between(from, to, &[MONDAY + 9]), n, "from {from}, {n} days");
            }
        }
        assert_eq!(working_days_between(MONDAY, MONDAY - 3, &[]), 0);
    }
}
