//! Scenarios run after an event is stored. The database is the queue: an event carries
//! `scenarios_done = 0` until its street's scenarios have run and their actions are stored,
//! in one transaction. A crash in between only means the run happens again after restart;
//! nothing is lost.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Notify;
use tracing::Instrument;
use uuid::Uuid;

use super::pipeline::{self, Pipeline, classify_as, plugin_span, plugin_step, unit_ref};
use crate::domain::{
    Action, ActionRecord, Classification, Dispatch, Event, EventRecord, Source, TraceStep,
};
use crate::lifecycle::Flows;
use crate::runtime::LoadedPlugin;
use crate::storage::StoredEvent;
use crate::versions::scenario_verdict;

/// Events taken per round.
const BATCH: u32 = 64;
/// How often the queue is checked without a wake-up (after a failure, or for work left over
/// by another host sharing the database).
const IDLE_POLL: Duration = Duration::from_secs(2);

/// The worker that runs scenarios for stored events.
pub struct ScenarioWorker {
    pipeline: Pipeline,
    wake: Arc<Notify>,
}

impl ScenarioWorker {
    pub fn new(pipeline: Pipeline, wake: Arc<Notify>) -> Self {
        Self { pipeline, wake }
    }

    /// Runs until the task is dropped: first whatever was left before a restart, then each
    /// batch as the writer signals it.
    pub async fn run(self) {
        loop {
            match self.round().await {
                Ok(0) => {
                    let _ = tokio::time::timeout(IDLE_POLL, self.wake.notified()).await;
                }
                Ok(_) => {}
                Err(error) => {
                    tracing::error!(error = %format!("{error:#}"), "scenario round failed; retrying");
                    tokio::time::sleep(IDLE_POLL).await;
                }
            }
        }
    }

    /// One batch: returns how many events it finished.
    pub async fn round(&self) -> anyhow::Result<usize> {
        let pending = self.pipeline.db.scenarios_pending(BATCH).await?;
        if pending.is_empty() {
            return Ok(0);
        }
        let mut done = Vec::with_capacity(pending.len());
        let mut actions = Vec::new();
        let mut follow_ups = Vec::new();
        for stored in &pending {
            let span = tracing::info_span!("scenarios", id = %stored.record.event.id);
            let trace = self
                .run_scenarios(stored, &mut actions, &mut follow_ups)
                .instrument(span)
                .await;
            done.push((stored.record.event.id.clone(), trace));
        }
        self.pipeline
            .db
            .finish_scenarios(&done, &actions, &follow_ups)
            .await?;
        Ok(pending.len())
    }

    /// Runs the street's scenarios on one event; returns its trace with their steps added.
    async fn run_scenarios(
        &self,
        stored: &StoredEvent,
        actions: &mut Vec<(String, ActionRecord)>,
        follow_ups: &mut Vec<EventRecord>,
    ) -> Vec<TraceStep> {
        let record = &stored.record;
        let event = &record.event;
        let mut trace = record.trace.clone();
        let reference = self.pipeline.reference.get();
        // What each active scenario did, by name, for the shadow versions to be compared with.
        let mut verdicts = std::collections::HashMap::new();
        for plugin in self
            .pipeline
            .registry
            .street(&event.location.street_code)
            .scenarios
        {
            let fallback = "未执行任何动作";
            let Some(ticket) =
                self.pipeline
                    .admit(&plugin, "plugin:scenario", fallback, &mut trace)
            else {
                continue;
            };
            let span = plugin_span(&plugin);
            let report = self
                .pipeline
                .run_scenario(&reference, &plugin, stored)
                .instrument(span.clone())
                .await;
            plugin.settle(ticket, &report);
            let outcome = match pipeline::record(&plugin, &report, &span).as_str() {
                "ok" => "applied".to_string(),
                fault => fault.to_string(),
            };
            let detail = match &report.result {
                Ok(list) if list.is_empty() => "无动作".to_string(),
                Ok(list) => format!("{} 项动作", list.len()),
                Err(fault) => format!("{fault}；未执行任何动作"),
            };
            trace.push(plugin_step(
                "plugin:scenario",
                &plugin,
                outcome,
                detail,
                report.elapsed,
            ));
            let Ok(list) = report.result else { continue };
            let list: Vec<Action> = list
                .into_iter()
                .map(|a| a.into_action(&record.classification.item_code))
                .collect();
            verdicts.insert(plugin.meta.name.clone(), scenario_verdict(&list));
            for mut action in list {
                if let Action::FollowUp {
                    unit_code,
                    item_code,
                    description,
                    priority,
                    event_id,
                } = &mut action
                {
                    let follow_up = follow_up_event(
                        &self.pipeline,
                        &reference,
                        &plugin,
                        record,
                        FollowUpOrder {
                            unit_code: unit_code.as_str(),
                            item_code: item_code.as_str(),
                            description: description.as_str(),
                            priority: *priority,
                        },
                    );
                    *event_id = Some(follow_up.event.id.clone());
                    follow_ups.push(follow_up);
                }
                actions.push((
                    event.id.clone(),
                    ActionRecord {
                        plugin: plugin.decided_by(),
                        created_at: self.pipeline.clock.now(),
                        action,
                    },
                ));
            }
        }
        self.pipeline
            .shadows
            .scenarios(&self.pipeline, &reference, stored, &verdicts)
            .await;
        trace
    }
}

/// What a scenario's follow-up action asks for.
struct FollowUpOrder<'a> {
    unit_code: &'a str,
    item_code: &'a str,
    description: &'a str,
    priority: crate::domain::Priority,
}

/// The event a follow-up action opens: same place as its parent, dispatched straight to the
/// unit the scenario named. Follow-ups do not trigger scenarios themselves.
fn follow_up_event(
    pipeline: &Pipeline,
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
    let now = pipeline.clock.now();
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
    let clock = crate::timers::at_intake(
        &reference.calendar,
        time_limit,
        now,
        flow.clock_runs_from_handover(status),
        pipeline.escalation,
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
    }
}
