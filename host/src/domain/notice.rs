//! What a channel is told about the events it submitted (status callbacks): the changes a
//! citizen cares about, and the notice each becomes.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{Source, Status};

/// A change of a case that its reporter is told about, through the channel that took it in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// 已受理: registered (waiting in 待分拨, or about to be dispatched).
    Accepted,
    /// 已派单: sent to the unit that handles it (again after a reassignment).
    Dispatched,
    /// 已签收: the unit took it on.
    Signed,
    /// 已办结: the unit reports it handled.
    Handled,
    /// 已结案.
    Closed,
    /// 已合并: handled together with an earlier report of the same problem.
    Merged,
    /// 不予受理, with the reason.
    Rejected,
}

impl Change {
    /// The change a case makes by moving into `to`, if its reporter is told of it.
    pub fn entering(to: Status) -> Option<Change> {
        Some(match to {
            Status::Accepted => Change::Accepted,
            Status::Dispatched => Change::Dispatched,
            Status::Signed => Change::Signed,
            Status::Handled => Change::Handled,
            Status::Closed => Change::Closed,
            Status::Merged => Change::Merged,
            Status::Rejected => Change::Rejected,
            _ => return None,
        })
    }

    pub const ALL: [Change; 7] = [
        Change::Accepted,
        Change::Dispatched,
        Change::Signed,
        Change::Handled,
        Change::Closed,
        Change::Merged,
        Change::Rejected,
    ];

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|change| change.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Change::Accepted => "accepted",
            Change::Dispatched => "dispatched",
            Change::Signed => "signed",
            Change::Handled => "handled",
            Change::Closed => "closed",
            Change::Merged => "merged",
            Change::Rejected => "rejected",
        }
    }
}

/// What a notice says of its case.
#[derive(Clone, Debug)]
pub struct NoticeFacts<'a> {
    pub event_id: &'a str,
    pub external_id: Option<&'a str>,
    pub source: Source,
    pub status: Status,
    pub at: Timestamp,
    /// The name of the unit handling the case.
    pub unit: Option<&'a str>,
    /// Why the case was rejected.
    pub reason: Option<&'a str>,
    /// The case a merged report joined.
    pub merged_into: Option<&'a str>,
}

/// A notice to a channel: the body of a webhook delivery, the same in every retry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// Unique per notice: the receiver's idempotency key.
    pub id: String,
    pub event_id: String,
    /// The channel's own id for the event, as it submitted it.
    pub external_id: Option<String>,
    pub source: Source,
    pub change: Change,
    pub status: Status,
    #[serde(with = "crate::calendar::cst")]
    pub at: Timestamp,
    pub unit: Option<String>,
    pub reason: Option<String>,
    pub merged_into: Option<String>,
    /// What the citizen may be told, in Chinese.
    pub message: String,
}

impl Notice {
    /// The notice of `change`, identified by `id`.
    pub fn new(id: String, change: Change, facts: &NoticeFacts<'_>) -> Self {
        let unit = facts.unit.unwrap_or("承办单位");
        let message = match change {
            Change::Accepted => "您反映的问题已受理。".to_string(),
            Change::Dispatched => format!("您反映的问题已派至{unit}办理。"),
            Change::Signed => format!("{unit}已签收，正在处理。"),
            Change::Handled => format!("{unit}已办结，待核查。"),
            Change::Closed if facts.merged_into.is_some() => {
                "您反映的问题已与同一问题合并办理，现已办结，感谢您的反映。".to_string()
            }
            Change::Closed => "您反映的问题已办结，感谢您的反映。".to_string(),
            Change::Merged => "您反映的问题已有人反映，已并入同一案件办理。".to_string(),
            Change::Rejected => match facts.reason {
                Some(reason) => format!("您反映的问题不予受理：{reason}"),
                None => "您反映的问题不予受理。".to_string(),
            },
        };
        Notice {
            id,
            event_id: facts.event_id.into(),
            external_id: facts.external_id.map(Into::into),
            source: facts.source,
            change,
            status: facts.status,
            at: facts.at,
            unit: facts.unit.map(Into::into),
            reason: (change == Change::Rejected)
                .then(|| facts.reason.map(Into::into))
                .flatten(),
            merged_into: facts.merged_into.map(Into::into),
            message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(status: Status) -> NoticeFacts<'static> {
        NoticeFacts {
            event_id: "e1",
            external_id: Some("12345-0001"),
            source: Source::Hotline,
            status,
            at: Timestamp::from_second(1_800_000_000).unwrap(),
            unit: Some("布吉街道城市管理和综合执法队"),
            reason: Some("不属于本区管辖"),
            merged_into: None,
        }
    }

    #[test]
    fn a_citizen_hears_of_the_steps_that_matter_to_them_only() {
        assert_eq!(Change::entering(Status::Signed), Some(Change::Signed));
        assert_eq!(Change::entering(Status::Merged), Some(Change::Merged));
        assert_eq!(Change::entering(Status::InProgress), None);
        assert_eq!(Change::entering(Status::ExtensionRequested), None);
        assert_eq!(Change::entering(Status::ReturnRequested), None);
    }

    #[test]
    fn a_change_reads_back_its_stored_name() {
        for change in Change::ALL {
            assert_eq!(Change::parse(change.as_str()), Some(change));
            let json = serde_json::to_value(change).unwrap();
            assert_eq!(json, change.as_str(), "the stored name is the JSON name");
        }
        assert_eq!(Change::parse("reopened"), None);
    }

    #[test]
    fn a_notice_names_the_unit_and_a_rejection_its_reason() {
        let dispatched = Notice::new("n1".into(), Change::Dispatched, &facts(Status::Dispatched));
        assert_eq!(
            dispatched.message,
            "您反映的问题已派至布吉街道城市管理和综合执法队办理。"
        );
        assert_eq!(dispatched.reason, None, "only a rejection carries a reason");
        let rejected = Notice::new("n2".into(), Change::Rejected, &facts(Status::Rejected));
        assert_eq!(rejected.message, "您反映的问题不予受理：不属于本区管辖");
        let body = serde_json::to_value(&rejected).unwrap();
        assert_eq!(body["change"], "rejected");
        assert_eq!(body["at"], "2027-01-15T16:00:00+08:00");
        assert_eq!(body["external_id"], "12345-0001");
    }
}
