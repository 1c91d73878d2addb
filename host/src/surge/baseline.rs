//! A place's baseline by hour of week: how many events it usually has in a window, from its
//! own history at the same hours of the week (a Tuesday 10:00 against earlier Tuesdays 10:00,
//! not against Sunday nights). Pure.
//!
//! Hours of the week are [`crate::domain::hour_of_week`]'s: China time, Monday 00:00 being
//! hour 0.

use jiff::{SignedDuration, Timestamp};

use crate::domain::{HOUR_MS, HOURS_PER_WEEK, hour_of_week};

/// The start of the hour `t` is in.
fn hour_start(t: Timestamp) -> Timestamp {
    let ms = t.as_millisecond().div_euclid(HOUR_MS) * HOUR_MS;
    Timestamp::from_millisecond(ms).unwrap_or(t)
}

/// The hours of the week the window `[start, end)` overlaps, each with the part of that hour
/// it covers (0 < part ≤ 1), in time order. A window of a week or more covers each hour once
/// per week and is cut to its last week.
pub fn overlaps(start: Timestamp, end: Timestamp) -> Vec<(u8, f64)> {
    let week = SignedDuration::from_hours(HOURS_PER_WEEK);
    let start = start.max(end - week);
    let mut out = Vec::new();
    let mut at = start;
    while at < end {
        let next = (hour_start(at) + SignedDuration::from_hours(1)).min(end);
        let part = (next.as_millisecond() - at.as_millisecond()) as f64 / HOUR_MS as f64;
        out.push((hour_of_week(at), part));
        at = next;
    }
    out
}

/// Where the history of a window starting at `start` lies: the `weeks` whole weeks before the
/// hour `start` is in. Every hour of the week is in it exactly `weeks` times, and none of the
/// window's own hours of this week, so a burst under way cannot raise its own baseline.
pub fn history(start: Timestamp, weeks: u32) -> (Timestamp, Timestamp) {
    let end = hour_start(start);
    let span = SignedDuration::from_hours(HOURS_PER_WEEK * i64::from(weeks.max(1)));
    (end - span, end)
}

/// The whole hours inside `history` (as [`history`] returns it: whole hours) whose hour of
/// the week is one of `hours`, in time order, each with its hour of the week: the only parts
/// of the history a window's baseline needs.
pub fn history_hours(
    (from, to): (Timestamp, Timestamp),
    hours: &[u8],
) -> Vec<(u8, Timestamp, Timestamp)> {
    let hour = SignedDuration::from_hours(1);
    let mut out = Vec::new();
    let mut at = hour_start(from);
    while at < to {
        let next = at + hour;
        let of_week = hour_of_week(at);
        if at >= from && next <= to && hours.contains(&of_week) {
            out.push((of_week, at, next));
        }
        at = next;
    }
    out
}

/// A place's events over its history, counted per hour of the week.
#[derive(Clone, Debug, PartialEq)]
pub struct Baseline {
    weeks: u32,
    counts: [u64; HOURS_PER_WEEK as usize],
}

impl Baseline {
    /// An empty history of `weeks` weeks (at least one).
    pub fn new(weeks: u32) -> Self {
        Self {
            weeks: weeks.max(1),
            counts: [0; HOURS_PER_WEEK as usize],
        }
    }

    /// Adds `count` events that fell in hour `hour` of the week (over all the weeks).
    pub fn add(&mut self, hour: u8, count: u64) {
        if let Some(slot) = self.counts.get_mut(usize::from(hour)) {
            *slot += count;
        }
    }

    /// Events expected in a window overlapping these hours: for each hour, the part of it the
    /// window covers × that hour's mean count per week.
    pub fn expected(&self, overlaps: &[(u8, f64)]) -> f64 {
        let weeks = f64::from(self.weeks);
        overlaps
            .iter()
            .map(|&(hour, part)| {
                let count = self.counts.get(usize::from(hour)).copied().unwrap_or(0);
                part * count as f64 / weeks
            })
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn a_window_across_the_hour_is_split_by_the_minutes_in_each() {
        let parts = overlaps(
            at("2026-12-01T09:45:00+08:00"),
            at("2026-12-01T10:45:00+08:00"),
        );
        assert_eq!(parts, vec![(33, 0.25), (34, 0.75)]);
        let aligned = overlaps(
            at("2026-12-01T09:00:00+08:00"),
            at("2026-12-01T10:00:00+08:00"),
        );
        assert_eq!(aligned, vec![(33, 1.0)]);
        let sunday_into_monday = overlaps(
            at("2026-12-06T23:30:00+08:00"),
            at("2026-12-07T00:30:00+08:00"),
        );
        assert_eq!(sunday_into_monday, vec![(167, 0.5), (0, 0.5)]);
    }

    #[test]
    fn the_history_is_whole_weeks_ending_before_the_windows_first_hour() {
        let (from, to) = history(at("2026-12-01T09:45:00+08:00"), 4);
        assert_eq!(to, at("2026-12-01T09:00:00+08:00"));
        assert_eq!(from, at("2026-11-03T09:00:00+08:00"));
    }

    #[test]
    fn the_history_is_read_only_at_the_windows_hours_of_the_week() {
        let window_start = at("2026-12-01T09:45:00+08:00");
        let hours = history_hours(history(window_start, 2), &[33, 34]);
        let expected = [
            (33, "2026-11-17T09:00:00+08:00"),
            (34, "2026-11-17T10:00:00+08:00"),
            (33, "2026-11-24T09:00:00+08:00"),
            (34, "2026-11-24T10:00:00+08:00"),
        ]
        .map(|(hour, from)| (hour, at(from), at(from) + SignedDuration::from_hours(1)));
        assert_eq!(hours, expected);
        // No hours asked, nothing to read.
        assert!(history_hours(history(window_start, 2), &[]).is_empty());
    }

    #[test]
    fn the_expected_count_weighs_each_hours_weekly_mean_by_the_part_covered() {
        // Four weeks: 8 events at Tuesday 09:00-10:00 (2 a week), 4 at 10:00-11:00 (1 a week),
        // 40 on Tuesday afternoons, which a morning window must not see.
        let mut baseline = Baseline::new(4);
        baseline.add(33, 8);
        baseline.add(34, 4);
        baseline.add(24 + 15, 40);
        // 09:45-10:45: a quarter of 2 plus three quarters of 1.
        let parts = overlaps(
            at("2026-12-01T09:45:00+08:00"),
            at("2026-12-01T10:45:00+08:00"),
        );
        assert!((baseline.expected(&parts) - 1.25).abs() < 1e-12);
        // The same window on a Wednesday has no history.
        let parts = overlaps(
            at("2026-12-02T09:45:00+08:00"),
            at("2026-12-02T10:45:00+08:00"),
        );
        assert_eq!(baseline.expected(&parts), 0.0);
    }
}
