//! One attempt at an action: decide the transition from the case as read (role, unit,
//! person, item, merge, clock) and write it if nobody wrote the case since.

use crate::domain::{Assignee, SectionRef, Status, UnitRef};
use crate::lifecycle::{self, Action, Draft, Flows, Requires};
use crate::storage::{Assign, CaseHead, MergeChange, Reclassification, Transition};

use super::act::{Act, ActError, Applied, Context, acting_role};
use super::item::{Merge, main_case, reroute};
use super::timers::{self, Turn};
use super::transition::{millisecond, transition};

/// Decides and writes `act` once from `head`; `None` when the case was written meanwhile.
pub(super) async fn attempt(
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
                let assignment = super::assignment::assign(
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
        ..transition(head, to, entry, &clock, flow)
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
