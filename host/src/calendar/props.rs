//! Properties of the deadline arithmetic over any start instant and any time limit: never a
//! panic, never before the start, never further than about a year for an accepted limit, and
//! exactly the limit's budget of working (or elapsed) time between start and deadline.

use jiff::civil::date;
use proptest::prelude::*;

use super::*;

/// 2026 with a long Spring Festival, National Day and their make-up days; other years fall
/// back to Monday to Friday.
fn calendar() -> WorkingCalendar {
    let holidays = (15..=23)
        .map(|d| date(2026, 2, d))
        .chain((1..=7).map(|d| date(2026, 10, d)));
    WorkingCalendar::new([CalendarYear {
        year: 2026,
        working_hours: DEFAULT_HOURS.to_vec(),
        holidays: holidays.collect(),
        makeup_workdays: [date(2026, 2, 14), date(2026, 2, 28), date(2026, 10, 10)]
            .into_iter()
            .collect(),
        note: None,
    }])
}

fn unit() -> impl Strategy<Value = TimeUnit> {
    prop_oneof![
        Just(TimeUnit::UrgentHours),
        Just(TimeUnit::WorkingHours),
        Just(TimeUnit::WorkingDays),
        Just(TimeUnit::CalendarDays),
    ]
}

/// Any limit [`TimeLimit::check`] accepts.
fn accepted_limit() -> impl Strategy<Value = TimeLimit> {
    unit().prop_flat_map(|unit| {
        (1..=unit.max_value()).prop_map(move |value| TimeLimit { value, unit })
    })
}

/// Any instant from 2000 to 2100, to the nanosecond: the years an event may be reported in.
fn start() -> impl Strategy<Value = Timestamp> {
    (946_684_800_i64..4_102_444_800, 0_i32..1_000_000_000)
        .prop_map(|(s, ns)| Timestamp::new(s, ns).expect("in range"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn an_accepted_limit_gives_a_deadline_after_the_start_within_about_a_year(
        start in start(),
        limit in accepted_limit(),
    ) {
        let c = calendar();
        let deadline = c.deadline(start, limit);
        prop_assert!(deadline >= start, "{limit}: {deadline} before {start}");
        // 250 working days with weekends and holidays, or 366 calendar days, at most.
        let longest = SignedDuration::from_hours(24 * 400);
        prop_assert!(start.duration_until(deadline) <= longest, "{limit}: {deadline}");
        let measure = limit.unit.measure();
        let spent = c.spent(measure, start, deadline);
        let budget = c.budget(start, limit);
        // Elapsed time keeps the start's fraction of a second; whole seconds are compared.
        prop_assert!((spent - budget).abs() <= 1, "{limit}: spent {spent} of {budget}");
    }

    #[test]
    fn any_limit_at_any_instant_never_panics_nor_falls_due_before_it_starts(
        seconds in any::<i64>(),
        value in any::<u32>(),
        unit in unit(),
    ) {
        let start = Timestamp::from_second(
            seconds.rem_euclid(Timestamp::MAX.as_second() - Timestamp::MIN.as_second())
                + Timestamp::MIN.as_second(),
        )
        .expect("in range");
        let deadline = calendar().deadline(start, TimeLimit { value, unit });
        prop_assert!(deadline >= start, "{value} {unit:?}: {deadline} before {start}");
    }
}
