//! Applying an action: who may, re-deciding when a timer wrote the case meanwhile, and the
//! texts an action carries.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::auth::{Refusal, policy};
use crate::domain::{CaseScope, Principal, Status, TimeLimit};
use crate::lifecycle::{self, Action, Entry, NotAllowed, Role};
use crate::reference::Reference;
use crate::storage::{CaseHead, Db};

use super::attempt::attempt;
use super::timers::Escalation;
use super::workloads::Workloads;

/// Longest reason or note, in characters.
const MAX_TEXT: usize = 4000;

/// An action someone takes on a case. Who acts is the signed-in caller; in which role is
/// decided here, from the transition table and [`policy`], never taken from a request.
#[derive(Clone, Debug)]
pub struct Act {
    pub action: Action,
    pub by: Principal,
    pub reason: Option<String>,
    pub note: Option<String>,
    /// The unit to reassign to (`approve_return`).
    pub unit: Option<String>,
    /// The staff id of the person to give the case to (`assign`).
    pub assignee: Option<String>,
    /// The catalog item the case belongs to (`dispatch` from the manual queue, `reclassify`).
    pub item: Option<String>,
    /// The open case to merge this report into (`merge`).
    pub into: Option<String>,
    /// How long an approved extension (`approve_extension`) stops the clock; the case's own
    /// time limit again when not given.
    pub extension: Option<TimeLimit>,
}

/// An applied action: where the case is now and the entry that records it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Applied {
    pub event_id: String,
    pub status: Status,
    pub entry: Entry,
}

#[derive(Debug, thiserror::Error)]
pub enum ActError {
    #[error("no event {0}")]
    NotFound(String),
    /// The action is possible but its content is refused (a missing reason, an unknown unit).
    #[error("{message}")]
    Invalid { code: &'static str, message: String },
    #[error(transparent)]
    NotAllowed(NotAllowed),
    /// The caller holds no role the table allows here, or the case is outside their reach.
    #[error(transparent)]
    Refused(Refusal),
    /// Another action moved the case between reading and writing; nothing was written.
    #[error("the case moved to {} while {} was applied; nothing was changed", .0.current, .0.action)]
    Changed(NotAllowed),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// What applying an action needs besides the case: the reference data, how overdue cases
/// escalate, and the time.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    pub db: &'a Db,
    pub reference: &'a Reference,
    pub workloads: &'a Arc<Workloads>,
    pub escalation: Escalation,
    /// How long a closed case keeps its reporter's name and phone.
    pub retention: SignedDuration,
    pub now: Timestamp,
}

/// How often an action is re-decided when a timer (or a side action such as 督办) wrote the
/// case between reading and writing it without moving its state.
const ATTEMPTS: usize = 3;

/// Applies `act` to the case `event_id`.
pub async fn act(cx: Context<'_>, event_id: &str, act: Act) -> Result<Applied, ActError> {
    let act = checked(act)?;
    let mut head = cx
        .db
        .case_head(event_id)
        .await?
        .ok_or_else(|| ActError::NotFound(event_id.into()))?;
    for _ in 1..ATTEMPTS {
        if let Some(applied) = attempt(cx, event_id, &act, &head).await? {
            return Ok(applied);
        }
        let now = cx
            .db
            .case_head(event_id)
            .await?
            .ok_or_else(|| ActError::NotFound(event_id.into()))?;
        if now.status != head.status {
            return Err(changed(&act, now.status));
        }
        head = now;
    }
    match attempt(cx, event_id, &act, &head).await? {
        Some(applied) => Ok(applied),
        None => {
            let current = cx
                .db
                .case_head(event_id)
                .await?
                .map_or(head.status, |h| h.status);
            Err(changed(&act, current))
        }
    }
}

fn changed(act: &Act, current: Status) -> ActError {
    let role = policy::roles(&act.by)
        .first()
        .copied()
        .unwrap_or(Role::System);
    ActError::Changed(NotAllowed {
        current,
        action: act.action,
        role,
        allowed: lifecycle::allowed(current, role),
    })
}

/// The role `act.by` takes `act.action` in on this case: one the table allows in the case's
/// state, that the caller holds, on a case within their reach.
pub(super) fn acting_role(act: &Act, head: &CaseHead) -> Result<Role, ActError> {
    let scope = CaseScope {
        street: &head.street_code,
        unit: Some(&head.handling_unit),
        source: head.source,
        assignee: head.assignee.as_deref(),
    };
    match lifecycle::rule(head.status, act.action) {
        Some(rule) => policy::acting_role(&act.by, &scope, rule.roles).map_err(ActError::Refused),
        // No row at all: the table's refusal names the actions the caller's role has here.
        None => match policy::roles_on(&act.by, &scope).first() {
            Some(role) => Ok(*role),
            None if policy::roles(&act.by).is_empty() => {
                Err(ActError::Refused(Refusal::NoCaseRole))
            }
            None => Err(ActError::Refused(Refusal::OutsideReach)),
        },
    }
}

/// Trims the texts, drops empty ones and refuses oversized ones.
fn checked(mut act: Act) -> Result<Act, ActError> {
    for text in [
        &mut act.reason,
        &mut act.note,
        &mut act.unit,
        &mut act.assignee,
        &mut act.into,
    ] {
        *text = text
            .take()
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty());
        if text.as_ref().is_some_and(|t| t.chars().count() > MAX_TEXT) {
            return Err(ActError::Invalid {
                code: "text_too_long",
                message: format!(
                    "reason, note, unit and assignee are at most {MAX_TEXT} characters"
                ),
            });
        }
    }
    // An absurd extension would move the deadline past any calendar (or overflow it).
    if let Some(extension) = act.extension {
        extension.check().map_err(|why| ActError::Invalid {
            code: "invalid_extension",
            message: format!("extension {why}"),
        })?;
    }
    Ok(act)
}
