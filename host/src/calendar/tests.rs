//! Worked examples of the working calendar: holidays, make-up days, lunch breaks, nights.

use super::*;
use jiff::civil::date;

fn calendar_2026() -> WorkingCalendar {
    WorkingCalendar::new([CalendarYear {
        year: 2026,
        working_hours: DEFAULT_HOURS.to_vec(),
        holidays: [date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 5)]
            .into_iter()
            .collect(),
        makeup_workdays: [date(2026, 10, 10)].into_iter().collect(),
        note: None,
    }])
}

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn limit(value: u32, unit: TimeUnit) -> TimeLimit {
    TimeLimit { value, unit }
}

#[test]
fn urgent_hours_run_around_the_clock() {
    let c = calendar_2026();
    let d = c.deadline(
        at("2026-10-01T22:00:00+08:00"),
        limit(4, TimeUnit::UrgentHours),
    );
    assert_eq!(d, at("2026-10-02T02:00:00+08:00"));
}

#[test]
fn working_hours_skip_lunch_nights_and_weekends() {
    let c = calendar_2026();
    // Friday 2026-11-27 17:00: one hour on Friday, then Monday 09:00-12:00 and 14:00-15:00.
    let d = c.deadline(
        at("2026-11-27T17:00:00+08:00"),
        limit(5, TimeUnit::WorkingHours),
    );
    assert_eq!(d, at("2026-11-30T15:00:00+08:00"));
}

#[test]
fn a_report_at_night_starts_counting_the_next_working_morning() {
    let c = calendar_2026();
    let d = c.deadline(
        at("2026-11-24T21:30:00+08:00"),
        limit(2, TimeUnit::WorkingHours),
    );
    assert_eq!(d, at("2026-11-25T11:00:00+08:00"));
}

#[test]
fn working_days_skip_holidays_and_count_make_up_days() {
    let c = calendar_2026();
    // Wednesday 30 Sep 10:00. Oct 1, 2, 5 are holidays here, 3-4 a weekend; 6 Oct works.
    let d = c.deadline(
        at("2026-09-30T10:00:00+08:00"),
        limit(1, TimeUnit::WorkingDays),
    );
    assert_eq!(d, at("2026-10-06T10:00:00+08:00"));
    // Saturday 10 Oct is a make-up working day.
    assert!(c.is_working_day(date(2026, 10, 10)));
    assert!(!c.is_working_day(date(2026, 10, 11)));
}

#[test]
fn calendar_days_are_whole_days() {
    let c = calendar_2026();
    let d = c.deadline(
        at("2026-09-30T10:00:00+08:00"),
        limit(3, TimeUnit::CalendarDays),
    );
    assert_eq!(d, at("2026-10-03T10:00:00+08:00"));
}

#[test]
fn a_year_without_a_calendar_falls_back_to_weekdays() {
    let c = calendar_2026();
    assert!(!c.knows_year(2027));
    // 1 Jan 2027 is a Friday; with no 2027 calendar it counts as a working day.
    let d = c.deadline(
        at("2027-01-01T09:00:00+08:00"),
        limit(1, TimeUnit::WorkingHours),
    );
    assert_eq!(d, at("2027-01-01T10:00:00+08:00"));
}

#[test]
fn working_time_spent_counts_only_working_periods() {
    let c = calendar_2026();
    // Friday 17:00 to Monday 10:30: one hour on Friday, one and a half on Monday.
    let spent = c.spent(
        Measure::Working,
        at("2026-11-27T17:00:00+08:00"),
        at("2026-11-30T10:30:00+08:00"),
    );
    assert_eq!(spent, 9000);
    // The National Day holidays count nothing.
    let holiday = c.spent(
        Measure::Working,
        at("2026-10-01T09:00:00+08:00"),
        at("2026-10-02T18:00:00+08:00"),
    );
    assert_eq!(holiday, 0);
    assert_eq!(
        c.spent(
            Measure::Working,
            at("2026-11-30T12:00:00+08:00"),
            at("2026-11-30T11:00:00+08:00")
        ),
        0
    );
}

#[test]
fn advancing_then_measuring_gives_back_the_same_working_time() {
    let c = calendar_2026();
    let start = at("2026-09-30T16:20:30+08:00");
    for seconds in [0, 59, 3600, 5 * 3600 + 17, 7 * 3600 * 4 + 1] {
        let end = c.advance(start, Measure::Working, seconds);
        assert_eq!(
            c.spent(Measure::Working, start, end),
            seconds,
            "{seconds} s"
        );
    }
    let end = c.advance(start, Measure::Elapsed, 86_400);
    assert_eq!(end, at("2026-10-01T16:20:30+08:00"));
    assert_eq!(c.spent(Measure::Elapsed, start, end), 86_400);
}

#[test]
fn a_calendar_that_mixes_holidays_and_make_up_days_is_invalid() {
    let mut year = calendar_2026().years().next().unwrap().clone();
    year.makeup_workdays.insert(date(2026, 10, 1));
    assert!(year.validate().is_err());
}
