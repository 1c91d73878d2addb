//! A case's handling clock (处置计时): how much of its time limit is left, its deadline, and
//! the flags the timers have raised. How actions and time move it is in [`crate::cases::timers`].

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::Measure;

/// The early-warning colour of a case (预警).
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Alert {
    #[default]
    None,
    /// 黄灯预警: 80% of the time limit is spent.
    Yellow,
    /// 红灯超期: the deadline has passed.
    Red,
}

impl Alert {
    pub fn as_str(self) -> &'static str {
        match self {
            Alert::None => "none",
            Alert::Yellow => "yellow",
            Alert::Red => "red",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Alert::None, Alert::Yellow, Alert::Red]
            .into_iter()
            .find(|a| a.as_str() == s)
    }
}

/// The clock of one case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CaseClock {
    /// Whether the time limit runs on the wall clock or in working time.
    pub measure: Measure,
    /// The time limit in seconds of `measure`.
    pub budget: i64,
    /// When the clock started (sign-for, or receipt when the flow says so). Until then the
    /// deadline is provisional, counted from receipt, so that a case nobody signs for still
    /// warns and goes overdue.
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "crate::calendar::cst::option")]
    pub started_at: Option<Timestamp>,
    /// When the time limit runs out; while the clock is stopped, where it stood when it
    /// stopped.
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "crate::calendar::cst")]
    pub deadline: Timestamp,
    /// Seconds of `measure` left, while the clock is stopped (parked, handled, closed).
    pub remaining: Option<i64>,
    /// When the early warning is due, if it is still to come.
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "crate::calendar::cst::option")]
    pub warn_at: Option<Timestamp>,
    pub alert: Alert,
    /// 督办级别: 0 none, 1 the command centre, 2 the street's leaders, 3 the district's.
    pub supervision_level: u8,
    /// When this case's next timer is due (warning, overdue, escalation), if any.
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "crate::calendar::cst::option")]
    pub timer_at: Option<Timestamp>,
}

impl CaseClock {
    pub fn is_running(&self) -> bool {
        self.remaining.is_none()
    }
}
