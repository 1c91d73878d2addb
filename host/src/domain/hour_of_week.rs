//! Hours of the week, as surges compare a window against its place's history: China time
//! (UTC+8 all year, no daylight saving), Monday 00:00 being hour 0, computed from epoch
//! milliseconds by integer arithmetic.

use jiff::Timestamp;

pub const HOURS_PER_WEEK: i64 = 168;
pub const HOUR_MS: i64 = 3_600_000;
/// The hour of the week of the Unix epoch, 1970-01-01T00:00Z: Thursday 08:00 in China, hour
/// 3 × 24 + 8 of a week that starts on Monday.
const HOUR_OF_WEEK_AT_EPOCH: i64 = 80;

/// The hour of the week (0 = Monday 00:00-01:00 China time, 167 = Sunday 23:00-24:00) of `t`.
pub fn hour_of_week(t: Timestamp) -> u8 {
    let hour = t.as_millisecond().div_euclid(HOUR_MS);
    (hour + HOUR_OF_WEEK_AT_EPOCH).rem_euclid(HOURS_PER_WEEK) as u8
}

#[cfg(test)]
mod tests {
    use jiff::SignedDuration;

    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn hours_of_the_week_start_on_monday_midnight_china_time() {
        assert_eq!(hour_of_week(at("2026-11-30T00:00:00+08:00")), 0); // a Monday
        assert_eq!(hour_of_week(at("2026-11-30T00:59:59+08:00")), 0);
        assert_eq!(hour_of_week(at("2026-12-01T10:30:00+08:00")), 24 + 10);
        assert_eq!(hour_of_week(at("2026-12-06T23:59:59+08:00")), 167); // Sunday
        assert_eq!(hour_of_week(at("1970-01-01T00:00:00Z")), 80);
    }

    #[test]
    fn the_formula_agrees_with_the_calendar_for_every_hour_of_a_week() {
        let monday = at("2026-03-02T00:00:00+08:00");
        for h in 0..HOURS_PER_WEEK {
            let t = monday + SignedDuration::from_mins(h * 60 + 17);
            let local = t.to_zoned_datetime(crate::calendar::china());
            let weekday = i64::from(local.weekday().to_monday_zero_offset());
            assert_eq!(
                i64::from(hour_of_week(t)),
                weekday * 24 + i64::from(local.hour())
            );
        }
    }
}
