//! Casework: lifecycle actions applied to stored cases, and their timelines read back and
//! verified. The glue between the rules in [`crate::lifecycle`] and [`crate::storage`]; the
//! HTTP API and the command line both go through here.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::auth::{Refusal, policy};
use crate::domain::{
    Assignee, CaseScope, Classification, Item, Principal, SectionRef, Status, TimeLimit, UnitRef,
};
use crate::lifecycle::{
    self, Action, ChainBroken, Draft, Entry, Flow, Flows, NotAllowed, Requires, Role,
};
use crate::reference::Reference;
use crate::routing;
use crate::storage::{Assign, CaseHead, Db, MergeChange, Reclassification, Transition};
use crate::timers::{self, Escalation, Turn};
use crate::workloads::Workloads;

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

/// The entry that opens a case's timeline: its intake and dispatch, written with the case's
/// first action (not at intake, to keep the group commit one insert). A case that waited in
/// the manual-dispatch queue has none: its timeline starts with the centre's dispatch.
pub(crate) fn genesis(head: &CaseHead, flow: &Flow) -> Option<Draft> {
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

/// The role `act.by` takes `act.action` in on this case: one the table allows in the case's
/// state, that the caller holds, on a case within their reach.
fn acting_role(act: &Act, head: &CaseHead) -> Result<Role, ActError> {
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

/// Decides and writes `act` once from `head`; `None` when the case was written meanwhile.
async fn attempt(
    cx: Context<'_>,
    event_id: &str,
    act: &Act,
    head: &CaseHead,
) -> Result<Option<Applied>, ActError> {
    let Context {
        db, reference, now, ..
    } = cx;
    let act = act.clone();
    let flow = Flows::shipped().for_source(head.source);
    let role = acting_role(&act, head)?;
    let to = lifecycle::next(head.status, act.action, role, flow).map_err(ActError::NotAllowed)?;
    let requires =
        lifecycle::rule(head.status, act.action).map_or(Requires::Nothing, |r| r.requires);
    let invalid = |code, message: String| Err(ActError::Invalid { code, message });
    let rerouted = match requires {
        Requires::Item => Some(reroute(reference, head, &act)?),
        _ => None,
    };
    let merge = match (requires, act.action) {
        (Requires::Case, _) => Some(Merge::Into(main_case(db, event_id, &act).await?)),
        (_, Action::Unmerge) => Some(Merge::Out),
        _ => None,
    };
    let reassign = match requires {
        Requires::Item => rerouted.as_ref().map(|r| r.handling.clone()),
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
    // The new person's case, counted in their workload until the transition is stored.
    let mut reservation = None;
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
        (_, Some(unit)) => match rerouted
            .as_ref()
            .map(|r| r.item)
            .or_else(|| reference.item(&head.item_code))
        {
            Some(item) => {
                let assignment = crate::assignment::assign(
                    cx.workloads,
                    reference,
                    &unit.code,
                    item,
                    head.community_code.as_deref(),
                )
                .await;
                reservation = assignment.reservation;
                assignment.assignee
            }
            None => None,
        },
        _ => None,
    };
    // An action that hands the case to a person (or to nobody) says so on its entry.
    let assign = match (requires, &reassign) {
        (Requires::Assignee, _) | (_, Some(_)) => Assign::To(assign.as_ref()),
        // Split out of a merge, the report waits in 待分拨 for a unit and a person.
        _ if matches!(merge, Some(Merge::Out)) => Assign::To(None),
        _ => Assign::Keep,
    };
    let now = millisecond(now);
    let turn = Turn {
        flow,
        action: act.action,
        to,
        at: now,
        extension: match &rerouted {
            Some(r) => r.time_limit,
            None => act.extension.unwrap_or(head.time_limit),
        },
    };
    let clock = timers::after_action(&reference.calendar, &head.clock, turn, cx.escalation);
    let actor = act.by.staff_id().unwrap_or(&act.by.id).to_string();
    let mut audit = crate::auth::audit_entry(
        &act.by,
        Some(&head.street_code),
        act.action.as_str(),
        &format!("event {event_id}"),
        "ok",
    );
    audit.event_id = Some(event_id.into());
    audit.at = now;
    let entry = Draft {
        actor: actor.clone(),
        role: role.as_str().into(),
        action: act.action.as_str().into(),
        from: head.status.as_str().into(),
        to: to.as_str().into(),
        reason: act.reason,
        note: match &merge {
            Some(Merge::Into(main)) => Some(format!("并入 {main}")),
            _ => act.note,
        },
        unit: reassign.as_ref().map(|u| u.code.clone()),
        item: rerouted.as_ref().map(|r| r.item.code.clone()),
        assignee: match assign {
            Assign::To(assignee) => assignee.map(|a| a.id.clone()),
            Assign::Keep => None,
        },
        deadline: (clock.deadline != head.clock.deadline && clock.is_running())
            .then_some(clock.deadline),
        at: now,
    };
    let transition = Transition {
        from: head.status,
        to,
        rev: head.rev,
        genesis: genesis(head, flow),
        entry,
        clock: &clock,
        reassign: reassign.as_ref(),
        assign,
        reclassify: rerouted.as_ref().map(|r| Reclassification {
            classification: &r.classification,
            owner: &r.owner,
            candidates: &r.candidates,
            time_limit: r.time_limit,
            labelled_by: &actor,
        }),
        merge: merge.as_ref().map(|m| match m {
            Merge::Into(main) => MergeChange::Into(main),
            Merge::Out => MergeChange::Out,
        }),
        audit: Some(&audit),
        // A merged report keeps its reporter until the case it joined is over: they are told
        // then, and erased with it.
        erase_personal_at: (to.is_final() && !head.status.is_final() && to != Status::Merged)
            .then(|| now + cx.retention),
    };
    let applied = db.apply_transition(event_id, transition).await?;
    if applied.is_some() {
        // The transition moved the counters of the case's person, or of the one it left.
        let new = match assign {
            Assign::To(assignee) => assignee.map(|a| a.id.as_str()),
            Assign::Keep => None,
        };
        cx.workloads
            .forget(head.assignee.as_deref().into_iter().chain(new));
    }
    drop(reservation);
    Ok(applied.map(|entry| Applied {
        event_id: event_id.into(),
        status: to,
        entry,
    }))
}

/// What a merge action does to the report's link.
enum Merge {
    /// Merged into this open case.
    Into(String),
    Out,
}

/// The open case `act.into` names, checked as a case `event_id` can be merged into.
async fn main_case(db: &Db, event_id: &str, act: &Act) -> Result<String, ActError> {
    let invalid = |code, message: String| Err(ActError::Invalid { code, message });
    let Some(main) = act.into.as_deref() else {
        return invalid(
            "missing_case",
            format!("{} needs the case to merge the report into", act.action),
        );
    };
    if main == event_id {
        return invalid("same_case", "a case cannot be merged into itself".into());
    }
    let Some(head) = db.case_head(main).await? else {
        return invalid("unknown_case", format!("no case {main:?}"));
    };
    if head.status.is_final() {
        return invalid(
            "case_closed",
            format!("case {main} is {}: merge into an open case", head.status),
        );
    }
    if !db.merged_reports(event_id).await?.is_empty() {
        return invalid(
            "has_merged_reports",
            format!("reports are merged into {event_id}: split them out first"),
        );
    }
    Ok(main.to_string())
}

/// A case routed anew for the item the centre chose.
struct Rerouted<'a> {
    item: &'a Item,
    classification: Classification,
    owner: UnitRef,
    handling: UnitRef,
    candidates: Vec<String>,
    time_limit: TimeLimit,
}

/// Routes the case for `act.item`, as intake would have (without the street's router).
fn reroute<'a>(
    reference: &'a Reference,
    head: &CaseHead,
    act: &Act,
) -> Result<Rerouted<'a>, ActError> {
    let invalid = |code, message: String| Err(ActError::Invalid { code, message });
    let Some(code) = act.item.as_deref() else {
        return invalid(
            "missing_item",
            format!("{} needs the catalog item the case belongs to", act.action),
        );
    };
    let Some(item) = reference.item(code) else {
        return invalid("unknown_item", format!("unknown catalog item {code:?}"));
    };
    if act.action == Action::Reclassify && item.code == head.item_code {
        return invalid(
            "same_item",
            format!("the case is already classified as {code}: choose another item"),
        );
    }
    let Some(street) = reference.district.street(&head.street_code) else {
        return Err(ActError::Internal(anyhow::anyhow!(
            "the case's street {} is not in the reference data",
            head.street_code
        )));
    };
    let route = routing::route(reference, item, street, head.community_code.as_deref());
    let reason = match act.action {
        Action::Reclassify => "指挥中心改类",
        _ => "指挥中心分拨",
    };
    Ok(Rerouted {
        item,
        classification: Classification {
            reason: match &act.reason {
                Some(why) => format!("{reason}：{why}"),
                None => reason.to_string(),
            },
            ..crate::understanding::classify_as(reference, item)
        },
        owner: route.owner.clone(),
        handling: route.handling.clone(),
        candidates: route.candidates.iter().map(|u| u.code.clone()).collect(),
        time_limit: route.time_limit,
    })
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
        && (last.draft.to != head.status.as_str() || last.event_id != event_id)
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
