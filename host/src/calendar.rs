//! The working calendar and deadlines.
//!
//! Time limits come in four units (see [`TimeUnit`]). Urgent hours and calendar days run on the
//! clock; working hours and working days run only inside working hours on working days, which
//! depend on each year's public holidays and make-up working days (调休). Off-the-shelf
//! calendars lack the latter, so each year is data that district IT loads.
//!
//! All times are China Standard Time (UTC+8, no daylight saving).

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::{Date, DateTime, Time, Weekday};
use jiff::tz::{self, TimeZone};
use jiff::{SignedDuration, Span, Timestamp};
use serde::{Deserialize, Serialize};

use crate::domain::{Measure, TimeLimit, TimeUnit};

/// China Standard Time.
pub fn china() -> TimeZone {
    TimeZone::fixed(tz::offset(8))
}

/// One year of the working calendar, as loaded from `seed/calendar/<year>.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CalendarYear {
    pub year: i16,
    /// Working periods of a working day, e.g. 09:00-12:00 and 14:00-18:00.
    #[schema(value_type = Vec<(String, String)>, example = json!([["09:00:00", "12:00:00"], ["14:00:00", "18:00:00"]]))]
    pub working_hours: Vec<(Time, Time)>,
    #[schema(value_type = Vec<String>, format = Date)]
    pub holidays: BTreeSet<Date>,
    #[schema(value_type = Vec<String>, format = Date)]
    pub makeup_workdays: BTreeSet<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl CalendarYear {
    /// Checks that periods are ordered and dates belong to the year.
    pub fn validate(&self) -> Result<(), String> {
        if self.working_hours.is_empty() {
            return Err("working_hours is empty".into());
        }
        let mut previous_end = Time::midnight();
        for (start, end) in &self.working_hours {
            if start >= end {
                return Err(format!(
                    "working period {start}-{end} ends before it starts"
                ));
            }
            if *start < previous_end {
                return Err(format!(
                    "working period {start}-{end} overlaps the one before"
                ));
            }
            previous_end = *end;
        }
        for date in self.holidays.iter().chain(&self.makeup_workdays) {
            if date.year() != self.year {
                return Err(format!("{date} is not in {}", self.year));
            }
        }
        if let Some(both) = self.holidays.intersection(&self.makeup_workdays).next() {
            return Err(format!(
                "{both} is both a holiday and a make-up working day"
            ));
        }
        Ok(())
    }

    fn minutes_per_day(&self) -> i64 {
        self.working_hours
            .iter()
            .map(|(a, b)| minutes_between(*a, *b))
            .sum()
    }
}

/// The working calendar over all loaded years.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WorkingCalendar {
    years: BTreeMap<i16, CalendarYear>,
}

/// Working hours used when no year is loaded at all.
const DEFAULT_HOURS: [(Time, Time); 2] = [
    (Time::constant(9, 0, 0, 0), Time::constant(12, 0, 0, 0)),
    (Time::constant(14, 0, 0, 0), Time::constant(18, 0, 0, 0)),
];

/// Deadlines further than this are refused rather than searched for.
const MAX_DAYS_SEARCHED: i32 = 3660;

impl WorkingCalendar {
    pub fn new(years: impl IntoIterator<Item = CalendarYear>) -> Self {
        Self {
            years: years.into_iter().map(|y| (y.year, y)).collect(),
        }
    }

    pub fn years(&self) -> impl Iterator<Item = &CalendarYear> {
        self.years.values()
    }

    /// Whether the year has its own calendar (otherwise Monday to Friday is assumed).
    pub fn knows_year(&self, year: i16) -> bool {
        self.years.contains_key(&year)
    }

    pub fn is_working_day(&self, date: Date) -> bool {
        let weekday = !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday);
        match self.years.get(&date.year()) {
            Some(year) if year.holidays.contains(&date) => false,
            Some(year) if year.makeup_workdays.contains(&date) => true,
            _ => weekday,
        }
    }

    /// The working periods of `date`'s year, or of the latest known year before it.
    fn hours(&self, year: i16) -> &[(Time, Time)] {
        self.years
            .range(..=year)
            .next_back()
            .or_else(|| self.years.iter().next())
            .map_or(&DEFAULT_HOURS[..], |(_, y)| &y.working_hours)
    }

    fn minutes_per_day(&self, year: i16) -> i64 {
        self.hours(year)
            .iter()
            .map(|(a, b)| minutes_between(*a, *b))
            .sum::<i64>()
            .max(1)
    }

    /// The deadline for a time limit whose clock starts at `start`.
    pub fn deadline(&self, start: Timestamp, limit: TimeLimit) -> Timestamp {
        let measure = limit.unit.measure();
        self.advance(start, measure, self.budget(start, limit))
    }

    /// A time limit as seconds of its measure, counted from `start` (a working day is as
    /// long as the working hours of `start`'s year).
    pub fn budget(&self, start: Timestamp, limit: TimeLimit) -> i64 {
        let value = i64::from(limit.value);
        match limit.unit {
            TimeUnit::UrgentHours | TimeUnit::WorkingHours => value * 3600,
            TimeUnit::CalendarDays => value * 86_400,
            TimeUnit::WorkingDays => {
                let year = start.to_zoned_datetime(china()).year();
                let per_day = self
                    .years
                    .get(&year)
                    .map_or_else(|| self.minutes_per_day(year), CalendarYear::minutes_per_day);
                value * per_day * 60
            }
        }
    }

    /// The instant `seconds` of `measure` after `start`.
    pub fn advance(&self, start: Timestamp, measure: Measure, seconds: i64) -> Timestamp {
        match measure {
            // China Standard Time has no daylight saving: a calendar day is 86,400 s.
            // Past the last representable instant a deadline never comes due; it never
            // falls back to `start`, which would make it due at once.
            Measure::Elapsed => start
                .checked_add(SignedDuration::from_secs(seconds))
                .unwrap_or(Timestamp::MAX),
            Measure::Working => self.add_working_seconds(start, seconds),
        }
    }

    /// Seconds of `measure` from `from` to `to`; zero when `to` is not after `from`.
    pub fn spent(&self, measure: Measure, from: Timestamp, to: Timestamp) -> i64 {
        if to <= from {
            return 0;
        }
        match measure {
            Measure::Elapsed => from.duration_until(to).as_secs(),
            Measure::Working => self.working_seconds_between(from, to),
        }
    }

    /// Walks forward through working periods until `seconds` of working time have passed.
    fn add_working_seconds(&self, start: Timestamp, mut seconds: i64) -> Timestamp {
        let tz = china();
        let local = start.to_zoned_datetime(tz.clone()).datetime();
        let mut date = local.date();
        let mut cursor = local.time();
        for _ in 0..MAX_DAYS_SEARCHED {
            if self.is_working_day(date) {
                for (open, close) in self.hours(date.year()) {
                    let from = cursor.max(*open);
                    if from >= *close {
                        continue;
                    }
                    let available = seconds_between(from, *close);
                    if seconds <= available {
                        let end = DateTime::from_parts(date, from) + Span::new().seconds(seconds);
                        return end.to_zoned_datetime(tz).map_or(start, |z| z.timestamp());
                    }
                    seconds -= available;
                }
            }
            date = match date.tomorrow() {
                Ok(next) => next,
                Err(_) => break,
            };
            cursor = Time::midnight();
        }
        // Unreachable with a bounded time limit and any real calendar: give the limit on the
        // clock instead (saturating, as above: `Span` arithmetic would panic).
        self.advance(start, Measure::Elapsed, seconds)
    }

    /// Working seconds inside `[from, to)`.
    fn working_seconds_between(&self, from: Timestamp, to: Timestamp) -> i64 {
        let tz = china();
        let from = from.to_zoned_datetime(tz.clone()).datetime();
        let to = to.to_zoned_datetime(tz).datetime();
        let mut date = from.date();
        let mut total = 0;
        for _ in 0..MAX_DAYS_SEARCHED {
            if date > to.date() {
                break;
            }
            if self.is_working_day(date) {
                for (open, close) in self.hours(date.year()) {
                    let start = DateTime::from_parts(date, *open).max(from);
                    let end = DateTime::from_parts(date, *close).min(to);
                    if end > start {
                        total += start.duration_until(end).as_secs();
                    }
                }
            }
            date = match date.tomorrow() {
                Ok(next) => next,
                Err(_) => break,
            };
        }
        total
    }
}

fn seconds_between(a: Time, b: Time) -> i64 {
    let seconds =
        |t: Time| i64::from(t.hour()) * 3600 + i64::from(t.minute()) * 60 + i64::from(t.second());
    seconds(b) - seconds(a)
}

fn minutes_between(a: Time, b: Time) -> i64 {
    let seconds = |t: Time| i64::from(t.hour()) * 3600 + i64::from(t.minute()) * 60;
    (seconds(b) - seconds(a)) / 60
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod props;

/// RFC 3339 in China Standard Time, e.g. "2026-07-01T09:30:00+08:00".
pub fn rfc3339(t: Timestamp) -> String {
    t.to_zoned_datetime(china())
        .strftime("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// Serde for timestamps as RFC 3339 in China Standard Time (what users and channels read);
/// any RFC 3339 offset is accepted back.
pub mod cst {
    use jiff::Timestamp;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::rfc3339(*t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }

    /// The same for an optional timestamp (`null` when absent).
    pub mod option {
        use jiff::Timestamp;
        use serde::{Deserialize, Deserializer, Serializer};

        pub fn serialize<S: Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
            match t {
                Some(t) => s.serialize_str(&crate::calendar::rfc3339(*t)),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
            Option::<String>::deserialize(d)?
                .map(|text| text.parse().map_err(serde::de::Error::custom))
                .transpose()
        }
    }
}
