//! Casework: lifecycle actions applied to stored cases, and their timelines read back and
//! verified. The glue between the rules in [`crate::lifecycle`] and [`crate::storage`]; the
//! HTTP API and the command line both go through here.

use jiff::Timestamp;
use serde::Serialize;

use crate::domain::{Assignee, SectionRef, Status, UnitRef};
use crate::lifecycle::{
    self, Action, ChainBroken, Draft, Entry, Flows, NotAllowed, Requires, Role,
};
use crate::reference::Reference;
use crate::storage::{Assign, Db, Transition};

/// Longest actor name, and longest reason or note, in characters.
const MAX_ACTOR: usize = 100;
const MAX_TEXT: usize = 4000;

/// An action someone takes on a case.
#[derive(Clone, Debug)]
pub struct Act {
    pub action: Action,
    pub actor: String,
    pub role: Role,
    pub reason: Option<String>,
    pub note: Option<String>,
    /// The unit to reassign to (`approve_return`).
    pub unit: Option<String>,
    /// The staff id of the person to give the case to (`assign`).
    pub assignee: Option<String>,
}

/// An applied action: where the case is now and the entry that records it.
#[derive(Clone, Debug, Serialize)]
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
    /// Another action moved the case between reading and writing; nothing was written.
    #[error("the case moved to {} while {} was applied; nothing was changed", .0.current, .0.action)]
    Changed(NotAllowed),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// Applies `act` to the case `event_id` at `now`.
pub async fn act(
    db: &Db,
    reference: &Reference,
    event_id: &str,
    act: Act,
    now: Timestamp,
) -> Result<Applied, ActError> {
    let act = checked(act)?;
    let head = db
        .case_head(event_id)
        .await?
        .ok_or_else(|| ActError::NotFound(event_id.into()))?;
    let flow = Flows::shipped().for_source(head.source);
    let to =
        lifecycle::next(head.status, act.action, act.role, flow).map_err(ActError::NotAllowed)?;
    let requires =
        lifecycle::rule(head.status, act.action).map_or(Requires::Nothing, |r| r.requires);
    let invalid = |code, message: String| Err(ActError::Invalid { code, message });
    let reassign = match requires {
        Requires::Reason if act.reason.is_none() => {
            return invalid("missing_reason", format!("{} needs a reason", act.action));
        }
        Requires::Note if act.note.is_none() => {
            return invalid(
                "missing_note",
                format!("{} needs a note: the handling report", act.action),
            );
        }
        Requires::Unit => {
            let Some(code) = act.unit.as_deref() else {
                return invalid(
                    "missing_unit",
                    format!("{} needs the unit to reassign the case to", act.action),
                );
            };
            let Some(unit) = reference.unit(code) else {
                return invalid("unknown_unit", format!("unknown unit {code:?}"));
            };
            if unit.code == head.handling_unit {
                return invalid(
                    "same_unit",
                    format!("the case is already with {code}: reassign it to another unit"),
                );
            }
            Some(UnitRef {
                code: unit.code.clone(),
                name: unit.name.clone(),
            })
        }
        _ => None,
    };
    let assign = match (requires, &reassign) {
        (Requires::Assignee, _) => {
            let Some(id) = act.assignee.as_deref() else {
                return invalid(
                    "missing_assignee",
                    format!("{} needs the staff id of the new assignee", act.action),
                );
            };
            let Some(person) = reference.staff_member(id) else {
                return invalid("unknown_staff", format!("unknown staff member {id:?}"));
            };
            if person.unit != head.handling_unit {
                return invalid(
                    "not_in_unit",
                    format!(
                        "{id} ({}) is not staff of the case's handling unit {}",
                        person.name, head.handling_unit
                    ),
                );
            }
            if head.assignee.as_deref() == Some(id) {
                return invalid(
                    "same_assignee",
                    format!("the case is already assigned to {id}"),
                );
            }
            let section = person.section.as_deref().and_then(|c| reference.section(c));
            Some(Assignee {
                id: person.id.clone(),
                name: person.name.clone(),
                section: section.map(|s| SectionRef {
                    code: s.code.clone(),
                    name: s.name.clone(),
                }),
            })
        }
        // A case reassigned to another unit leaves its person behind: the new unit's own
        // assignment picks one there, balanced like at intake.
        (_, Some(unit)) => match reference.item(&head.item_code) {
            Some(item) => {
                crate::assignment::assign(
                    db,
                    reference,
                    &unit.code,
                    item,
                    head.community_code.as_deref(),
                )
                .await
                .assignee
            }
            None => None,
        },
        _ => None,
    };
    // An action that hands the case to a person (or to nobody) says so on its entry.
    let assign = match (requires, &reassign) {
        (Requires::Assignee, _) | (_, Some(_)) => Assign::To(assign.as_ref()),
        _ => Assign::Keep,
    };
    // Stored times are milliseconds: the entry must hash the same before and after storing.
    let now = Timestamp::from_millisecond(now.as_millisecond()).unwrap_or(now);
    let genesis = Draft {
        actor: "system".into(),
        role: Role::System.as_str().into(),
        action: Action::Dispatch.as_str().into(),
        from: Status::Accepted.as_str().into(),
        to: flow.initial().as_str().into(),
        reason: None,
        note: Some(format!("受理并派单（流程 {}）", flow.name)),
        unit: Some(head.handling_unit.clone()),
        assignee: head.assignee.clone(),
        at: Timestamp::from_millisecond(head.received_at.as_millisecond())
            .unwrap_or(head.received_at),
    };
    let entry = Draft {
        actor: act.actor,
        role: act.role.as_str().into(),
        action: act.action.as_str().into(),
        from: head.status.as_str().into(),
        to: to.as_str().into(),
        reason: act.reason,
        note: act.note,
        unit: reassign.as_ref().map(|u| u.code.clone()),
        assignee: match assign {
            Assign::To(assignee) => assignee.map(|a| a.id.clone()),
            Assign::Keep => None,
        },
        at: now,
    };
    let transition = Transition {
        from: head.status,
        to,
        genesis,
        entry,
        reassign: reassign.as_ref(),
        assign,
    };
    match db.apply_transition(event_id, transition).await? {
        Some(entry) => Ok(Applied {
            event_id: event_id.into(),
            status: to,
            entry,
        }),
        None => {
            let current = db
                .case_head(event_id)
                .await?
                .map_or(head.status, |h| h.status);
            Err(ActError::Changed(NotAllowed {
                current,
                action: act.action,
                role: act.role,
                allowed: lifecycle::allowed(current, act.role),
            }))
        }
    }
}

/// Trims the texts, drops empty ones and refuses oversized ones.
fn checked(mut act: Act) -> Result<Act, ActError> {
    act.actor = act.actor.trim().to_string();
    if act.actor.is_empty() {
        return Err(ActError::Invalid {
            code: "missing_actor",
            message: "name the actor: who takes this action".into(),
        });
    }
    if act.actor.chars().count() > MAX_ACTOR {
        return Err(ActError::Invalid {
            code: "actor_too_long",
            message: format!("the actor is at most {MAX_ACTOR} characters"),
        });
    }
    for text in [
        &mut act.reason,
        &mut act.note,
        &mut act.unit,
        &mut act.assignee,
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
    Ok(act)
}

/// A case's timeline and whether it verifies.
#[derive(Clone, Debug, Serialize)]
pub struct Timeline {
    pub event_id: String,
    pub status: Status,
    pub entries: Vec<Entry>,
    pub verified: bool,
    /// Where and why the chain breaks, when it does.
    pub broken: Option<ChainBroken>,
}

/// The timeline of `event_id`, verified, or `None` for an unknown event.
pub async fn timeline(db: &Db, event_id: &str) -> anyhow::Result<Option<Timeline>> {
    let Some(head) = db.case_head(event_id).await? else {
        return Ok(None);
    };
    let entries = db.timeline(event_id).await?;
    let mut broken = lifecycle::verify_chain(&entries).err();
    // The chain alone cannot tell that its newest entries were removed; the case's state,
    // moved in the same transaction as every append, can.
    if broken.is_none()
        && let Some(last) = entries.last()
        && (last.to != head.status.as_str() || last.event_id != event_id)
    {
        broken = Some(ChainBroken {
            index: entries.len() - 1,
            why: "the case's state is not where its last entry left it",
        });
    }
    Ok(Some(Timeline {
        event_id: event_id.into(),
        status: head.status,
        verified: broken.is_none(),
        broken,
        entries,
    }))
}
