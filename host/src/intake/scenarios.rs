//! Scenarios run after an event is stored. The database is the queue: an event carries
//! `scenarios_done = 0` until its street's scenarios have run and their actions are stored,
//! in one transaction. A crash in between only means the run happens again after restart;
//! nothing is lost.
//!
//! Each street has its own lane: a task that takes only that street's pending events, in the
//! order they were stored, one at a time. A street whose scenarios are slow, or whose events
//! arrive in a burst, only delays its own; the other streets' lanes run meanwhile.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use tokio::sync::Notify;
use tracing::Instrument;

use super::follow_up;
use super::pipeline::Pipeline;
use crate::domain::{Action, ActionRecord, EventRecord, TraceStep};
use crate::plugin_calls::PluginCalls;
use crate::storage::StoredEvent;
use crate::versions::scenario_verdict;

/// Events a lane takes per round. A round costs two SQLite write transactions (the lease and
/// the results) whatever its size, each contending with the intake's group commits for the one
/// write lock: a lane that took 16 at a time fell behind a street receiving 300 events/s.
const BATCH: u32 = 128;
/// How long a lane waits after a round that emptied its queue before it looks again: the
/// writer wakes a lane after every group commit, and a round after each one was a write
/// transaction (with its `fsync`) for one or two events, taking turns with the group commits.
/// At 1,000 events/s, 300 of them 平湖's, the intake writer waited 0.45 ms a commit for its
/// turn; with the lane paced, 0.08 ms. A scenario runs at most this much later.
const PACE: Duration = Duration::from_millis(20);
/// How often the queue is checked without a wake-up (after a failure, or for work left over
/// by another host sharing the database).
const IDLE_POLL: Duration = Duration::from_secs(2);
/// How long a host holds a street's scenarios after its last round: another host takes the
/// street over only after this (a host that stops gives its streets up at once).
const LEASE: jiff::SignedDuration = jiff::SignedDuration::from_secs(15);

/// The worker that runs scenarios for stored events, one lane per street.
pub struct ScenarioWorker {
    pipeline: Pipeline,
    calls: PluginCalls,
    wakes: Arc<LaneWakes>,
    /// This host, as the street leases name it.
    host: String,
}

/// How the writer wakes the lanes of the streets whose events it just stored, and only
/// those: every lane looking at the queue after every commit was eleven reads per commit,
/// queueing for the pool's connections beside the group commits.
#[derive(Default)]
pub struct LaneWakes {
    lanes: RwLock<HashMap<String, Arc<Notify>>>,
}

impl LaneWakes {
    /// Wakes `street`'s lane, if this host runs one.
    pub fn wake(&self, street: &str) {
        let lanes = self.lanes.read().unwrap_or_else(|e| e.into_inner());
        if let Some(lane) = lanes.get(street) {
            lane.notify_one();
        }
    }

    fn register(&self, street: &str) -> Arc<Notify> {
        let mut lanes = self.lanes.write().unwrap_or_else(|e| e.into_inner());
        lanes.entry(street.to_string()).or_default().clone()
    }
}

/// One street's lane.
struct Lane {
    worker: Arc<ScenarioWorker>,
    street_code: String,
    wake: Arc<Notify>,
    /// Until when this host holds the street's lease, as far as it knows.
    held_until: Option<jiff::Timestamp>,
}

impl ScenarioWorker {
    pub fn new(pipeline: Pipeline, wakes: Arc<LaneWakes>, host: String) -> Self {
        Self {
            calls: pipeline.calls(),
            pipeline,
            wakes,
            host,
        }
    }

    /// Runs until the task is dropped: a lane per street, each first running whatever was
    /// left before a restart, then woken by the writer when its street has events stored.
    pub async fn run(self) {
        let worker = Arc::new(self);
        let mut lanes = tokio::task::JoinSet::new();
        for street in &worker.pipeline.reference.get().district.streets {
            let lane = Lane {
                worker: worker.clone(),
                street_code: street.code.clone(),
                wake: worker.wakes.register(&street.code),
                held_until: None,
            };
            lanes.spawn(lane.run());
        }
        // The lanes end when this task is dropped (aborted), as the join set drops them.
        while lanes.join_next().await.is_some() {}
    }

    /// One round of a street: returns how many of its events it finished. `held_until` is
    /// when this host's lease of the street runs out, as far as it knows; the lease is renewed
    /// (a write) only once half of it has passed, not on every round.
    async fn round(
        &self,
        street_code: &str,
        held_until: &mut Option<jiff::Timestamp>,
    ) -> anyhow::Result<usize> {
        let pending = self
            .pipeline
            .db
            .scenarios_pending(street_code, BATCH)
            .await?;
        if pending.is_empty() {
            return Ok(0);
        }
        // One host at a time runs a street, in order; the others leave it to that host.
        let now = jiff::Timestamp::now();
        if held_until.is_none_or(|until| until < now + LEASE / 2) {
            *held_until = None;
            if !self
                .pipeline
                .db
                .hold_scenario_lane(street_code, &self.host, now, now + LEASE)
                .await?
            {
                return Ok(0);
            }
            *held_until = Some(now + LEASE);
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
        let recorded = self
            .pipeline
            .db
            .finish_scenarios(&done, &actions, &follow_ups)
            .await?;
        if recorded.is_none() {
            // Taken over after this host's lease ran out: the other host's run stands.
            *held_until = None;
            tracing::info!(street = %street_code, "scenarios recorded by another host first; this run is dropped");
            return Ok(0);
        }
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
            let Some(ticket) = self
                .calls
                .admit(&plugin, "plugin:scenario", fallback, &mut trace)
            else {
                continue;
            };
            let call = self.calls.scenario(&plugin, &reference, stored);
            let (report, outcome) = PluginCalls::settled(&plugin, ticket, call).await;
            let outcome = match outcome.as_str() {
                "ok" => "applied".to_string(),
                fault => fault.to_string(),
            };
            let detail = match &report.result {
                Ok(list) if list.is_empty() => "无动作".to_string(),
                Ok(list) => format!("{} 项动作", list.len()),
                Err(fault) => format!("{fault}；未执行任何动作"),
            };
            trace.push(PluginCalls::step(
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
                    let follow_up = follow_up::follow_up_event(
                        self.calls.now(),
                        self.pipeline.escalation,
                        &reference,
                        &plugin,
                        record,
                        follow_up::FollowUpOrder {
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
                        created_at: self.calls.now(),
                        action,
                    },
                ));
            }
        }
        self.pipeline
            .shadows
            .scenarios(&self.calls, &reference, stored, &verdicts)
            .await;
        trace
    }
}

impl Lane {
    async fn run(mut self) {
        loop {
            match self
                .worker
                .round(&self.street_code, &mut self.held_until)
                .await
            {
                Ok(0) => {
                    let _ = tokio::time::timeout(IDLE_POLL, self.wake.notified()).await;
                }
                Ok(n) if n < BATCH as usize => tokio::time::sleep(PACE).await,
                Ok(_) => {}
                Err(error) => {
                    self.held_until = None;
                    tracing::error!(
                        street = %self.street_code,
                        error = %format!("{error:#}"),
                        "scenario round failed; retrying"
                    );
                    tokio::time::sleep(IDLE_POLL).await;
                }
            }
        }
    }
}
