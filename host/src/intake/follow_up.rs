//! The event a scenario's follow-up action opens: same place as its parent, dispatched
//! straight to the unit the scenario named.

use std::time::Instant;

use uuid::Uuid;

use crate::cases::timers::Escalation;
use crate::domain::{Classification, Dispatch, Event, EventRecord, Source, TraceStep};
use crate::lifecycle::Flows;
use crate::routing::unit_ref;
use crate::runtime::LoadedPlugin;
use crate::understanding::classify_as;

/// What a scenario's follow-up action asks for.
pub(super) struct FollowUpOrder<'a> {
    pub unit_code: &'a str,
    pub item_code: &'a str,
    pub description: &'a str,
    pub priority: crate::domain::Priority,
}

/// The event a follow-up action opens: same place as its parent, dispatched straight to the
/// unit the scenario named, at `now`. Follow-ups do not trigger scenarios themselves.
pub(super) fn follow_up_event(
    now: jiff::Timestamp,
    escalation: Escalation,
    reference: &crate::reference::Reference,
    plugin: &LoadedPlugin,
    parent: &EventRecord,
    order: FollowUpOrder<'_>,
) -> EventRecord {
    let FollowUpOrder {
        unit_code,
        item_code,
        description,
        priority,
    } = order;
    let started = Instant::now();
    let item = reference
        .item(item_code)
        .expect("the runtime checked the follow-up item");
    let street_code = &parent.event.location.street_code;
    let entry = reference.responsibility(&item.code, street_code);
    let time_limit = entry.and_then(|e| e.time_limit).unwrap_or(item.time_limit);
    let owner = entry.map_or_else(
        || unit_ref(reference, unit_code),
        |e| unit_ref(reference, &e.owner_unit),
    );
    let event = Event {
        id: Uuid::now_v7().to_string(),
        source: Source::Scenario,
        external_id: None,
        description: description.to_string(),
        reported_at: now,
        received_at: now,
        location: parent.event.location.clone(),
        reporter: Default::default(),
        attributes: Default::default(),
        parent_id: Some(parent.event.id.clone()),
    };
    let classification = Classification {
        priority,
        reason: format!(
            "由 {} 根据事件 {} 发起",
            plugin.decided_by(),
            parent.event.id
        ),
        decided_by: plugin.decided_by(),
        ..classify_as(reference, item)
    };
    // Dispatched at once; the channel's flow may skip sign-for.
    let flow = Flows::shipped().for_source(Source::Scenario);
    let status = flow.initial();
    let clock = crate::cases::timers::at_intake(
        &reference.calendar,
        time_limit,
        now,
        flow.clock_runs_from_handover(status),
        escalation,
    );
    let handling = unit_ref(reference, unit_code);
    let trace = vec![TraceStep {
        step: "plugin:scenario".into(),
        decided_by: plugin.decided_by(),
        outcome: "applied".into(),
        detail: format!("由事件 {} 触发，派往{}", parent.event.id, handling.name),
        micros: started.elapsed().as_micros() as u64,
    }];
    EventRecord {
        event,
        status,
        classification,
        dispatch: Dispatch {
            owner_unit: owner,
            handling_unit: handling,
            candidates: vec![unit_code.to_string()],
            time_limit,
            deadline: clock.deadline,
            decided_by: plugin.decided_by(),
            // A follow-up goes to the unit; its admin assigns it to a person.
            assignee: None,
        },
        clock,
        trace,
        actions: Vec::new(),
        scenarios_done: true,
        duplicate_of: None,
        merged_into: None,
    }
}
