//! The decision pipeline for one event: baseline classification, the street's classifier,
//! the responsibility list, the street's router, the deadline, the person in the unit. Every step is traced with who
//! decided, the outcome and the time it took. A plugin fault never fails the event: the
//! district's decision stands and the fault is on the trace and in the plugin's counters.

use std::sync::Arc;
use std::time::Instant;

use tracing::Instrument;

use crate::cases::timers::{self, Escalation};
use crate::cases::workloads::{Reservation, Workloads};
use crate::clock::Clock;
use crate::domain::{Classification, DecidedBy, Dispatch, Event, EventRecord, Status, TraceStep};
use crate::lifecycle::Flows;
use crate::plugin_calls::PluginCalls;
use crate::reference::{Reference, SharedReference};
use crate::routing::{self};
use crate::runtime::{LoadedPlugin, Registry, Runtime};
use crate::storage::Db;
use crate::understanding::{Understanding, Unsure};
use crate::versions::{ShadowPlugin, Shadows};

use super::classifiers::run_classifier;

/// Everything the pipeline reads.
#[derive(Clone)]
pub struct Pipeline {
    pub reference: Arc<SharedReference>,
    pub registry: Arc<Registry>,
    pub runtime: Arc<Runtime>,
    pub db: Db,
    /// Where "now" comes from (driven in tests).
    pub clock: Clock,
    /// How overdue cases are escalated: a new case's timers are set at intake.
    pub escalation: Escalation,
    /// Open cases per person, for assignment.
    pub workloads: Arc<Workloads>,
    /// Versions running in shadow beside the active ones.
    pub shadows: Arc<Shadows>,
    /// The district's classifier: the learned model, overrides, keywords.
    pub understanding: Arc<Understanding>,
    /// When a report is held as a probable duplicate of an open case; `None` turns it off.
    pub duplicates: Option<crate::duplicates::Rules>,
}

/// A decided event, and the case it adds to its assignee's workload until it is stored.
#[derive(Debug)]
pub struct Decision {
    pub record: EventRecord,
    pub reservation: Option<Reservation>,
}

impl Pipeline {
    /// Decides classification, dispatch and deadline for a validated event.
    pub async fn decide(&self, event: Event) -> Decision {
        let span = tracing::info_span!(
            "event",
            id = %event.id,
            street = %event.location.street_code,
            source = event.source.as_str()
        );
        self.decide_inner(event).instrument(span).await
    }

    async fn decide_inner(&self, event: Event) -> Decision {
        let reference = self.reference.get();
        let plugins = self.registry.street(&event.location.street_code);
        let calls = self.calls();
        let mut trace = Vec::new();

        let (mut classification, unsure) = self.classify(&reference, &event, &mut trace);
        let district = classification.clone();
        // The street's classifiers one after the other, each refining what the last decided.
        for plugin in &plugins.classifiers {
            run_classifier(
                &calls,
                plugin,
                &reference,
                &event,
                &mut classification,
                &mut trace,
            )
            .await;
        }
        self.shadows
            .classify(&calls, &reference, &event, &district, &classification)
            .await;
        // A street classifier's answer is a decision: only the district's unsure guess waits.
        let unsure = unsure.filter(|_| classification.decided_by == DecidedBy::District);

        let started = Instant::now();
        let street = reference
            .district
            .street(&event.location.street_code)
            .expect("validation resolved the street");
        let item = reference
            .item(&classification.item_code)
            .expect("classification names a catalog item");
        let route = routing::route(
            &reference,
            item,
            street,
            event.location.community_code.as_deref(),
        );
        trace.push(step(
            "responsibility",
            DecidedBy::District,
            "ok",
            format!(
                "{}（{}）：候选单位 {}；默认 {}",
                item.name,
                if route.entry.area == "*" {
                    "全区"
                } else {
                    street.short_name()
                },
                route
                    .candidates
                    .iter()
                    .map(|u| u.name.as_str())
                    .collect::<Vec<_>>()
                    .join("、"),
                route.handling.name
            ),
            started,
        ));

        let duplicate = self.duplicate(&event, &classification, &mut trace).await;
        let held = unsure.is_some() || duplicate.is_some();
        let flow = Flows::shipped().for_source(event.source);
        let (status, handling, dispatched_by) = if held {
            let why = match (&duplicate, unsure) {
                (Some(link), _) => {
                    format!("疑似重复，待指挥中心合并至 {} 或单独派遣", link.case_id)
                }
                (None, Some(Unsure::NamesNoProblem)) => {
                    "未说明具体问题：进入待分拨，由指挥中心确认事项后派遣".to_string()
                }
                (None, _) => format!(
                    "置信度 {:.2} 低于 {:.2}：进入待分拨，由指挥中心确认事项后派遣",
                    classification.confidence,
                    self.understanding.threshold()
                ),
            };
            trace.push(step(
                "queue",
                DecidedBy::District,
                match unsure {
                    Some(Unsure::NamesNoProblem) => TraceStep::NAMES_NO_PROBLEM,
                    Some(_) => "manual",
                    None => "duplicate",
                },
                why,
                Instant::now(),
            ));
            (
                Status::Accepted,
                route.handling.clone(),
                DecidedBy::District,
            )
        } else {
            let (handling, dispatched_by) = self
                .choose_unit(
                    &plugins,
                    &reference,
                    &event,
                    &classification,
                    &route,
                    &mut trace,
                )
                .await;
            (flow.initial(), handling, dispatched_by)
        };

        let started = Instant::now();
        let time_limit = route.time_limit;
        // A case waiting in 待分拨 has no unit yet: its clock starts when it is dispatched.
        let clock = timers::at_intake(
            &reference.calendar,
            time_limit,
            event.received_at,
            status != Status::Accepted && flow.clock_runs_from_handover(status),
            self.escalation,
        );
        trace.push(step(
            "deadline",
            DecidedBy::District,
            "ok",
            format!(
                "{time_limit} → {}{}",
                crate::calendar::rfc3339(clock.deadline),
                if clock.started_at.is_some() {
                    "（自受理起计时）"
                } else {
                    "（暂自受理起算，签收后重新计算）"
                }
            ),
            started,
        ));

        // The person inside the unit; nobody yet for a case the centre has to dispatch.
        let (assignee, reservation) = if held {
            (None, None)
        } else {
            let started = Instant::now();
            let assignment = crate::cases::assignment::assign(
                &self.workloads,
                &reference,
                &handling.code,
                item,
                event.location.community_code.as_deref(),
            )
            .await;
            trace.push(step(
                "assign",
                DecidedBy::District,
                assignment.outcome,
                assignment.detail,
                started,
            ));
            (assignment.assignee, assignment.reservation)
        };
        let dispatch = Dispatch {
            owner_unit: route.owner.clone(),
            handling_unit: handling,
            candidates: route.candidates.iter().map(|u| u.code.clone()).collect(),
            time_limit,
            deadline: clock.deadline,
            decided_by: dispatched_by,
            assignee,
        };
        let record = EventRecord {
            event,
            status,
            classification,
            dispatch,
            clock,
            trace,
            actions: Vec::new(),
            scenarios_done: plugins.scenarios.is_empty(),
            duplicate_of: duplicate.map(|link| link.case_id),
            merged_into: None,
        };
        Decision {
            record,
            reservation,
        }
    }

    /// The district's classification, traced; whether it is too unsure to dispatch.
    fn classify(
        &self,
        reference: &Reference,
        event: &Event,
        trace: &mut Vec<TraceStep>,
    ) -> (Classification, Option<Unsure>) {
        let started = Instant::now();
        let understood = self.understanding.classify(reference, &event.description);
        let c = &understood.classification;
        trace.push(step(
            "classify",
            DecidedBy::District,
            "ok",
            format!("{} {}（{}）", c.item_code, c.item_name, c.reason),
            started,
        ));
        (understood.classification, understood.unsure)
    }

    /// How this pipeline calls plugins: its runtime, database and clock.
    pub(crate) fn calls(&self) -> PluginCalls {
        PluginCalls::new(self.runtime.clone(), self.db.clone(), self.clock.clone())
    }

    /// The code of the street named by `key` (code, slug or Chinese name), in the reference
    /// data in use.
    pub fn street_code(&self, key: &str) -> Option<String> {
        self.reference
            .get()
            .district
            .street(key)
            .map(|s| s.code.clone())
    }

    /// Puts a loaded version in the path: active, or beside the active one in shadow.
    pub(crate) fn install(&self, loaded: Arc<LoadedPlugin>) {
        match loaded.meta.shadow.clone() {
            Some(run) => self.shadows.install(ShadowPlugin::new(loaded, &run)),
            None => self.registry.activate(loaded),
        }
    }
}

pub(crate) fn step(
    name: &str,
    decided_by: DecidedBy,
    outcome: &str,
    detail: String,
    started: Instant,
) -> TraceStep {
    TraceStep {
        step: name.into(),
        decided_by,
        outcome: outcome.into(),
        detail,
        micros: started.elapsed().as_micros() as u64,
    }
}
