//! Time limits (处置时限): a number and a unit, as the catalog states them.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The unit of a time limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TimeUnit {
    /// 紧急工时: hours on a 24-hour clock.
    UrgentHours,
    /// 工作时: hours inside the working calendar's working hours.
    WorkingHours,
    /// 工作日: working days of the working calendar.
    WorkingDays,
    /// 自然日: calendar days.
    CalendarDays,
}

impl TimeUnit {
    pub fn as_str(self) -> &'static str {
        match self {
            TimeUnit::UrgentHours => "urgent_hours",
            TimeUnit::WorkingHours => "working_hours",
            TimeUnit::WorkingDays => "working_days",
            TimeUnit::CalendarDays => "calendar_days",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::UrgentHours,
            Self::WorkingHours,
            Self::WorkingDays,
            Self::CalendarDays,
        ]
        .into_iter()
        .find(|u| u.as_str() == s)
    }

    /// How this unit's clock runs.
    pub fn measure(self) -> Measure {
        match self {
            TimeUnit::UrgentHours | TimeUnit::CalendarDays => Measure::Elapsed,
            TimeUnit::WorkingHours | TimeUnit::WorkingDays => Measure::Working,
        }
    }

    /// The longest time limit accepted in this unit: about a year of it, so that a deadline
    /// is always found on the working calendar and stays a date anyone can act on.
    pub fn max_value(self) -> u32 {
        match self {
            // 30 days around the clock.
            TimeUnit::UrgentHours => 720,
            // 250 working days of 7 hours.
            TimeUnit::WorkingHours => 1750,
            TimeUnit::WorkingDays => 250,
            TimeUnit::CalendarDays => 366,
        }
    }

    /// The Chinese name used in the district's lists.
    pub fn name_zh(self) -> &'static str {
        match self {
            TimeUnit::UrgentHours => "紧急工时",
            TimeUnit::WorkingHours => "工作时",
            TimeUnit::WorkingDays => "工作日",
            TimeUnit::CalendarDays => "自然日",
        }
    }
}

/// How a time limit's clock runs: on the wall clock (urgent hours, calendar days) or only
/// inside working hours on working days (working hours, working days).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    Elapsed,
    Working,
}

impl Measure {
    pub fn as_str(self) -> &'static str {
        match self {
            Measure::Elapsed => "elapsed",
            Measure::Working => "working",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Measure::Elapsed, Measure::Working]
            .into_iter()
            .find(|m| m.as_str() == s)
    }
}

/// A time limit such as "5 working hours".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TimeLimit {
    pub value: u32,
    pub unit: TimeUnit,
}

impl TimeLimit {
    /// Checks that the value is 1 to [`TimeUnit::max_value`]; the error says the bound.
    pub fn check(self) -> Result<Self, String> {
        let max = self.unit.max_value();
        if (1..=max).contains(&self.value) {
            Ok(self)
        } else {
            Err(format!(
                "{} {} is out of range: 1 to {max} {} (时限须为 1 至 {max} {})",
                self.value,
                self.unit.as_str(),
                self.unit.as_str(),
                self.unit.name_zh()
            ))
        }
    }
}

impl fmt::Display for TimeLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.value, self.unit.name_zh())
    }
}
