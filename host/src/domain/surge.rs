//! Surge warnings (预警监测): an abnormally high count of one item in one community, or of one
//! category in one street, in a sliding window, against that place's own history. How they are
//! detected is `crate::surge`'s; this is what is stored and shown.

use jiff::Timestamp;
use serde::Serialize;

/// What was counted: one catalog item in a community, or one category in a street.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SurgeKind {
    /// An item (事项) per community (社区).
    Item,
    /// A category (大类) per street (街道).
    Category,
}

impl SurgeKind {
    pub const ALL: [SurgeKind; 2] = [SurgeKind::Item, SurgeKind::Category];

    pub fn as_str(self) -> &'static str {
        match self {
            SurgeKind::Item => "item",
            SurgeKind::Category => "category",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The kind's Chinese name, as the console shows it.
    pub fn label(self) -> &'static str {
        match self {
            SurgeKind::Item => "事项·社区",
            SurgeKind::Category => "大类·街道",
        }
    }
}

/// Where a warning is in its handling by the centre.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SurgeStatus {
    /// Raised, nobody has looked at it yet. A later scan updates it while the surge lasts.
    Open,
    /// The centre has seen it; a later scan still updates it while the surge lasts.
    Acknowledged,
    /// Done with: the next surge of the same key raises a new warning.
    Closed,
}

impl SurgeStatus {
    pub const ALL: [SurgeStatus; 3] = [
        SurgeStatus::Open,
        SurgeStatus::Acknowledged,
        SurgeStatus::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SurgeStatus::Open => "open",
            SurgeStatus::Acknowledged => "acknowledged",
            SurgeStatus::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The status's Chinese name, as the console shows it.
    pub fn label(self) -> &'static str {
        match self {
            SurgeStatus::Open => "待确认",
            SurgeStatus::Acknowledged => "已确认",
            SurgeStatus::Closed => "已关闭",
        }
    }
}

impl std::fmt::Display for SurgeStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the centre does with a warning.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SurgeChange {
    /// 确认: seen, being looked into.
    Acknowledge,
    /// 关闭: done with.
    Close,
}

impl SurgeChange {
    pub fn as_str(self) -> &'static str {
        match self {
            SurgeChange::Acknowledge => "acknowledge",
            SurgeChange::Close => "close",
        }
    }

    /// The statuses a warning may be in for this change.
    pub fn from(self) -> &'static [SurgeStatus] {
        match self {
            SurgeChange::Acknowledge => &[SurgeStatus::Open],
            SurgeChange::Close => &[SurgeStatus::Open, SurgeStatus::Acknowledged],
        }
    }

    pub fn to(self) -> SurgeStatus {
        match self {
            SurgeChange::Acknowledge => SurgeStatus::Acknowledged,
            SurgeChange::Close => SurgeStatus::Closed,
        }
    }

    /// The change's Chinese name, as the console's buttons say it.
    pub fn label(self) -> &'static str {
        match self {
            SurgeChange::Acknowledge => "确认",
            SurgeChange::Close => "关闭",
        }
    }

    /// The changes a warning in `status` allows.
    pub fn allowed(status: SurgeStatus) -> Vec<SurgeChange> {
        [SurgeChange::Acknowledge, SurgeChange::Close]
            .into_iter()
            .filter(|c| c.from().contains(&status))
            .collect()
    }
}

impl std::fmt::Display for SurgeChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a warning is about: at most one warning of a key is open or acknowledged at a time.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, utoipa::ToSchema)]
pub struct SurgeKey {
    pub kind: SurgeKind,
    /// The item's or the category's code.
    pub code: String,
    /// The community's code (item) or the street's code (category).
    pub area: String,
}

/// The events of one key in a window, or in one minute of it.
#[derive(Clone, Debug, PartialEq)]
pub struct WindowCount {
    pub key: SurgeKey,
    /// The least street code among the events (the area's street; for a category, the area).
    pub street_code: String,
    pub count: u64,
    /// When the first of the events came in.
    pub first_at: Timestamp,
}

pub const MINUTE_MS: i64 = 60_000;

/// The minute an event received at `at` counts in for surges: minute `m` holds the events
/// received in `(m·60 s, (m+1)·60 s]` (milliseconds since the epoch), the windows' `(from,
/// to]` convention. The database groups by the same `(received_at - 1) / 60000`.
pub fn minute_of(at: Timestamp) -> i64 {
    (at.as_millisecond() - 1).div_euclid(MINUTE_MS)
}

/// A stored surge warning.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SurgeWarning {
    pub id: i64,
    #[serde(flatten)]
    pub key: SurgeKey,
    /// The street the area is in (the area itself for a category).
    pub street_code: String,
    /// Events counted in the window at the latest scan that found it abnormal.
    pub count: i64,
    /// Events expected in such a window there (the baseline, at least the floor).
    pub expected: f64,
    /// The chance of at least `count` events if `expected` were right (Poisson).
    pub p: f64,
    pub window_minutes: u32,
    /// The first event of the window in which it was raised.
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "crate::calendar::cst")]
    pub since: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "crate::calendar::cst")]
    pub raised_at: Timestamp,
    /// The latest scan that found it abnormal.
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "crate::calendar::cst")]
    pub last_seen: Timestamp,
    pub status: SurgeStatus,
    pub acknowledged_by: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "crate::calendar::cst::option")]
    pub acknowledged_at: Option<Timestamp>,
    pub closed_by: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "crate::calendar::cst::option")]
    pub closed_at: Option<Timestamp>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_open_warning_may_be_acknowledged_or_closed_and_a_closed_one_nothing() {
        use SurgeChange::*;
        assert_eq!(
            SurgeChange::allowed(SurgeStatus::Open),
            vec![Acknowledge, Close]
        );
        assert_eq!(SurgeChange::allowed(SurgeStatus::Acknowledged), vec![Close]);
        assert!(SurgeChange::allowed(SurgeStatus::Closed).is_empty());
    }

    #[test]
    fn kinds_and_statuses_read_back_what_they_write() {
        for kind in SurgeKind::ALL {
            assert_eq!(SurgeKind::parse(kind.as_str()), Some(kind));
        }
        for status in SurgeStatus::ALL {
            assert_eq!(SurgeStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(SurgeStatus::parse("active"), None);
    }
}
