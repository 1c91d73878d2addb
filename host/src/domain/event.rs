//! An event (事件) or citizen appeal (诉求) as it came in, after validation.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The channel an event came in through (来源).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// 12345 hotline.
    Hotline,
    /// 来信.
    Letter,
    /// 网上留言.
    Web,
    /// A grid inspector (网格员).
    Grid,
    /// A video or IoT sensor alarm.
    Sensor,
    /// 上级交办.
    Referral,
    /// A follow-up opened by a scenario plugin.
    Scenario,
    /// Anything else.
    Other,
}

impl Source {
    pub const ALL: [Source; 8] = [
        Source::Hotline,
        Source::Letter,
        Source::Web,
        Source::Grid,
        Source::Sensor,
        Source::Referral,
        Source::Scenario,
        Source::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Source::Hotline => "hotline",
            Source::Letter => "letter",
            Source::Web => "web",
            Source::Grid => "grid",
            Source::Sensor => "sensor",
            Source::Referral => "referral",
            Source::Scenario => "scenario",
            Source::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|source| source.as_str() == s)
    }
}

/// How urgent the handling is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    Normal,
    High,
    Urgent,
}

impl Priority {
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Low, Self::Normal, Self::High, Self::Urgent]
            .into_iter()
            .find(|p| p.as_str() == s)
    }
}

/// Where an event happened, resolved against the district's areas.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Location {
    pub street_code: String,
    pub street_name: String,
    pub community_code: Option<String>,
    pub community_name: Option<String>,
    pub grid: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub address: Option<String>,
}

/// Who reported it. Personal data: stored for the follow-up call, never given to a plugin.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Reporter {
    pub name: Option<String>,
    pub phone: Option<String>,
}

/// A validated event whose street is known, before any decision about it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub id: String,
    pub source: Source,
    pub external_id: Option<String>,
    pub description: String,
    #[serde(with = "crate::calendar::cst")]
    pub reported_at: Timestamp,
    #[serde(with = "crate::calendar::cst")]
    pub received_at: Timestamp,
    pub location: Location,
    #[serde(skip)]
    pub reporter: Reporter,
    pub attributes: BTreeMap<String, String>,
    /// The event that caused this one, for follow-ups opened by scenarios.
    pub parent_id: Option<String>,
}
