//! The one way to build a transition to store, for an action and a timer alike: the case as
//! read (its state, its revision, its timeline's first entry when it has none yet) and
//! nothing else changed. Each caller then sets what its transition does.

use jiff::Timestamp;

use crate::domain::{CaseClock, Status};
use crate::lifecycle::{Action, Draft, Flow, Role};
use crate::storage::{Assign, CaseHead, Transition};

/// The transition of the case `head` (of `flow`) to `to`, recorded by `entry`, with `clock`
/// after it. Written only if the case is still in `head`'s state and revision. It keeps the
/// case's unit, person and item, merges nothing, audits nothing and erases nothing: callers
/// set those (struct update syntax) when their transition does them.
pub(crate) fn transition<'a>(
    head: &CaseHead,
    to: Status,
    entry: Draft,
    clock: &'a CaseClock,
    flow: &Flow,
) -> Transition<'a> {
    Transition {
        from: head.status,
        to,
        rev: head.rev,
        genesis: genesis(head, flow),
        entry,
        clock,
        reassign: None,
        assign: Assign::Keep,
        reclassify: None,
        merge: None,
        audit: None,
        erase_personal_at: None,
    }
}

/// The entry that opens a case's timeline: its intake and dispatch, written with the case's
/// first action (not at intake, to keep the group commit one insert). A case that waited in
/// the manual-dispatch queue has none: its timeline starts with the centre's dispatch.
fn genesis(head: &CaseHead, flow: &Flow) -> Option<Draft> {
    if head.status == Status::Accepted {
        return None;
    }
    Some(Draft {
        actor: "system".into(),
        role: Role::System.as_str().into(),
        action: Action::Dispatch.as_str().into(),
        from: Status::Accepted.as_str().into(),
        to: flow.initial().as_str().into(),
        reason: None,
        note: Some(format!("受理并派单（流程 {}）", flow.name)),
        unit: Some(head.handling_unit.clone()),
        assignee: head.assignee.clone(),
        // Nothing but a transition moves the deadline, and this is written before the first.
        deadline: Some(head.clock.deadline),
        item: None,
        at: millisecond(head.received_at),
    })
}

/// Stored times are milliseconds: an entry must hash the same before and after storing.
pub(crate) fn millisecond(t: Timestamp) -> Timestamp {
    Timestamp::from_millisecond(t.as_millisecond()).unwrap_or(t)
}
