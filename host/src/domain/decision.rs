//! What the platform decided about an event, and why: classification, dispatch, the trace of
//! each step, and the actions scenarios asked for afterwards.

use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{Assignee, CaseClock, Event, Priority, TimeLimit};

/// Who took a decision: the district's own rules, or a street plugin at a version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", from = "String")]
pub enum DecidedBy {
    District,
    Plugin { name: String, version: u32 },
}

impl fmt::Display for DecidedBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecidedBy::District => f.write_str("district"),
            DecidedBy::Plugin { name, version } => write!(f, "{name}@{version}"),
        }
    }
}

impl From<DecidedBy> for String {
    fn from(d: DecidedBy) -> String {
        d.to_string()
    }
}

impl From<String> for DecidedBy {
    fn from(s: String) -> Self {
        match s.rsplit_once('@') {
            Some((name, version)) => match version.parse() {
                Ok(version) => DecidedBy::Plugin {
                    name: name.into(),
                    version,
                },
                Err(_) => DecidedBy::District,
            },
            None => DecidedBy::District,
        }
    }
}

/// A unit named in a decision.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UnitRef {
    pub code: String,
    pub name: String,
}

/// An event's classification against the catalog.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Classification {
    pub item_code: String,
    pub item_name: String,
    pub category_code: String,
    pub category_name: String,
    pub confidence: f32,
    pub priority: Priority,
    pub tags: Vec<String>,
    pub reason: String,
    pub decided_by: DecidedBy,
    /// The learned classifier's alternatives, best first, when it decided.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suggestions: Vec<ItemSuggestion>,
    /// The version of the learned model that decided, when one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<i64>,
}

/// An item the learned classifier proposes, with its confidence.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ItemSuggestion {
    pub item_code: String,
    pub item_name: String,
    pub category_code: String,
    pub confidence: f32,
}

/// Where the event was sent and by when it must be handled.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Dispatch {
    pub owner_unit: UnitRef,
    pub handling_unit: UnitRef,
    /// The candidates the responsibility list allowed, in order of preference.
    pub candidates: Vec<String>,
    pub time_limit: TimeLimit,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "crate::calendar::cst")]
    pub deadline: Timestamp,
    pub decided_by: DecidedBy,
    /// The person inside the handling unit who has the case, when one could be assigned
    /// (cases stored before assignment existed have none).
    #[serde(default)]
    pub assignee: Option<Assignee>,
}

/// One step of the pipeline as it happened to this event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TraceStep {
    /// `validate`, `locate`, `classify`, `plugin:classifier`, `responsibility`, `plugin:router`,
    /// `deadline`, `assign`, `store`, `plugin:scenario`.
    pub step: String,
    pub decided_by: DecidedBy,
    /// `ok`, `applied`, `kept`, `unassigned`, `manual`, `unclear`, `duplicate`, or a fault such
    /// as `fault:timeout`.
    pub outcome: String,
    /// A sentence a handler can read.
    pub detail: String,
    pub micros: u64,
}

impl TraceStep {
    /// The `queue` step's outcome for an event whose description names no problem (a
    /// follow-up on an unnamed matter, a request to be called back). Whatever item the centre
    /// then dispatches it as was learned outside its text, so that text is never a training
    /// label for the item.
    pub const NAMES_NO_PROBLEM: &'static str = "unclear";
}

/// Where a case stands in its lifecycle (see `crate::lifecycle` for what may follow what).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 已受理: registered, not yet dispatched.
    Accepted,
    /// 不予受理: not accepted as a case.
    Rejected,
    /// 已派单(待签收): sent to the handling unit, awaiting sign-for.
    Dispatched,
    /// 已签收: the unit acknowledged it.
    Signed,
    /// 处置中: being handled (also after rework or a redo).
    InProgress,
    /// 退单申请: the unit asked the centre to take it back; awaiting adjudication (审定).
    ReturnRequested,
    /// 延期申请: the unit asked for more time; awaiting approval.
    ExtensionRequested,
    /// 挂账: a long-term case taken off the clock with the centre's approval.
    Parked,
    /// 已办结(待核查): the unit reported it handled; awaiting on-site verification.
    Handled,
    /// 待回访: verified; awaiting the follow-up call to the citizen.
    FollowUp,
    /// 已结案.
    Closed,
    /// 已合并: a duplicate report closed into the case that was reported first; the centre
    /// can split it out again.
    Merged,
}

impl Status {
    pub const ALL: [Status; 12] = [
        Status::Accepted,
        Status::Rejected,
        Status::Dispatched,
        Status::Signed,
        Status::InProgress,
        Status::ReturnRequested,
        Status::ExtensionRequested,
        Status::Parked,
        Status::Handled,
        Status::FollowUp,
        Status::Closed,
        Status::Merged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Accepted => "accepted",
            Status::Rejected => "rejected",
            Status::Dispatched => "dispatched",
            Status::Signed => "signed",
            Status::InProgress => "in_progress",
            Status::ReturnRequested => "return_requested",
            Status::ExtensionRequested => "extension_requested",
            Status::Parked => "parked",
            Status::Handled => "handled",
            Status::FollowUp => "follow_up",
            Status::Closed => "closed",
            Status::Merged => "merged",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == s)
    }

    /// Whether the case is over: nobody works on it and its clock is stopped. (A merged
    /// report can still be split out again.)
    pub fn is_final(self) -> bool {
        matches!(self, Status::Rejected | Status::Closed | Status::Merged)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An action a scenario plugin asked for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    /// 预警.
    EarlyWarning {
        level: String,
        message: String,
        community: Option<String>,
    },
    /// A follow-up event opened for a unit; `event_id` is the event created for it.
    FollowUp {
        unit_code: String,
        item_code: String,
        description: String,
        priority: Priority,
        event_id: Option<String>,
    },
    /// A tag on the triggering case.
    Tag { tag: String },
    /// 督办 of the triggering case.
    Escalate { level: u8, reason: String },
}

/// An action as stored: who asked, when.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ActionRecord {
    pub plugin: DecidedBy,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "crate::calendar::cst")]
    pub created_at: Timestamp,
    #[serde(flatten)]
    pub action: Action,
}

/// An event with everything decided about it: what `GET /api/v1/events/{id}` shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventRecord {
    pub event: Event,
    pub status: Status,
    pub classification: Classification,
    pub dispatch: Dispatch,
    /// The handling clock: current deadline, warning and supervision.
    pub clock: CaseClock,
    pub trace: Vec<TraceStep>,
    pub actions: Vec<ActionRecord>,
    /// Whether the street's scenarios have run on it.
    pub scenarios_done: bool,
    /// The open case this report probably duplicates, found at intake: it waits in 待分拨
    /// for the centre to merge it or dispatch it on its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<String>,
    /// The case it was merged into (合并), while it is merged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_into: Option<String>,
}
