//! What a scenario plugin asks for once the runtime has checked its answer: a warning, a
//! follow-up task for a unit, a tag or an escalation, and the [`Action`] each becomes on the
//! case. Checking the plugin's answer is `crate::runtime`'s.

use super::{Action, Priority};

/// A checked scenario action, in domain terms.
#[derive(Clone, Debug, PartialEq)]
pub enum ScenarioAction {
    Warning {
        level: &'static str,
        message: String,
        community: Option<String>,
    },
    FollowUp {
        unit_code: String,
        item_code: Option<String>,
        description: String,
        priority: Priority,
    },
    Tag(String),
    Escalate {
        level: u8,
        reason: String,
    },
}

impl ScenarioAction {
    /// The action in domain terms; a follow-up without an item takes `default_item` (the
    /// triggering event's), and has no event yet.
    pub fn into_action(self, default_item: &str) -> Action {
        match self {
            ScenarioAction::Warning {
                level,
                message,
                community,
            } => Action::EarlyWarning {
                level: level.into(),
                message,
                community,
            },
            ScenarioAction::Tag(tag) => Action::Tag { tag },
            ScenarioAction::Escalate { level, reason } => Action::Escalate { level, reason },
            ScenarioAction::FollowUp {
                unit_code,
                item_code,
                description,
                priority,
            } => Action::FollowUp {
                unit_code,
                item_code: item_code.unwrap_or_else(|| default_item.to_string()),
                description,
                priority,
                event_id: None,
            },
        }
    }
}
