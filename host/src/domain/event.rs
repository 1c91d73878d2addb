//! An event (事件) or citizen appeal (诉求) as it came in, after validation.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The channel an event came in through (来源).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
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
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
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
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Reporter {
    pub name: Option<String>,
    pub phone: Option<String>,
}

impl Reporter {
    /// The reporter as those who work the case see them: the family name and the phone's
    /// first three and last four digits (张*, 138****8000).
    pub fn masked(&self) -> Reporter {
        Reporter {
            name: self.name.as_deref().map(mask_name),
            phone: self.phone.as_deref().map(mask_phone),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.phone.is_none()
    }
}

fn mask_name(name: &str) -> String {
    let mut chars = name.trim().chars();
    match chars.next() {
        Some(first) if chars.next().is_some() => format!("{first}*"),
        Some(_) | None => "*".into(),
    }
}

fn mask_phone(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().filter(char::is_ascii_digit).collect();
    let n = digits.len();
    if n < 8 {
        return "*".repeat(n.max(1));
    }
    let head: String = digits[..3].iter().collect();
    let tail: String = digits[n - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(n - 7))
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

#[cfg(test)]
mod masking_tests {
    use super::*;

    #[test]
    fn a_reporter_is_shown_masked() {
        let reporter = Reporter {
            name: Some("张先生".into()),
            phone: Some("138 0013 8000".into()),
        };
        let masked = reporter.masked();
        assert_eq!(masked.name.as_deref(), Some("张*"));
        assert_eq!(masked.phone.as_deref(), Some("138****8000"));
        let short = Reporter {
            name: Some("李".into()),
            phone: Some("12345".into()),
        };
        assert_eq!(short.masked().name.as_deref(), Some("*"));
        assert_eq!(short.masked().phone.as_deref(), Some("*****"));
    }
}
