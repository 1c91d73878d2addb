//! The decision pipeline for one event, in the order of its trace: the district's
//! classification and the street's classifiers (`classifiers`), the responsibility list, a
//! probable duplicate (`duplicate`), held for the centre or dispatched to a unit, perhaps by
//! the street's router (`dispatch`), the deadline and the person in the unit (`handling`).
//! Every step is traced with who decided, the outcome and the time it took. A plugin fault
//! never fails the event: the district's decision stands and the fault is on the trace and
//! in the plugin's counters.

use std::sync::Arc;
use std::time::Instant;

use tracing::Instrument;

use crate::cases::timers::Escalation;
use crate::cases::workloads::{Reservation, Workloads};
use crate::clock::Clock;
use crate::domain::{Assignee, DecidedBy, Dispatch, Event, EventRecord, TraceStep};
use crate::lifecycle::{Flow, Flows};
use crate::plugin_calls::PluginCalls;
use crate::reference::{Reference, SharedReference};
use crate::routing::Route;
use crate::runtime::{LoadedPlugin, Registry, Runtime, StreetPlugins};
use crate::storage::Db;
use crate::understanding::Understanding;
use crate::versions::{ShadowPlugin, Shadows};

use super::dispatch::{Handover, responsibility};

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

/// One event being decided, and what its steps read: the reference data and the street's
/// plugins as they were when it started, how to call those plugins, and the flow of the
/// event's channel.
pub(super) struct Deciding<'a> {
    pub event: &'a Event,
    pub reference: &'a Arc<Reference>,
    pub plugins: &'a StreetPlugins,
    pub calls: &'a PluginCalls,
    pub flow: &'a Flow,
}

impl<'a> Deciding<'a> {
    fn new(
        event: &'a Event,
        reference: &'a Arc<Reference>,
        plugins: &'a StreetPlugins,
        calls: &'a PluginCalls,
    ) -> Self {
        Deciding {
            event,
            reference,
            plugins,
            calls,
            flow: Flows::shipped().for_source(event.source),
        }
    }
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
        let at = Deciding::new(&event, &reference, &plugins, &calls);
        let mut trace = Vec::new();

        let (district, unsure) = self.classify(&at, &mut trace);
        let classification = self.refine_by_street(&at, district, &mut trace).await;
        // A street classifier's answer is a decision: only the district's unsure guess waits.
        let unsure = unsure.filter(|_| classification.decided_by == DecidedBy::District);
        let (item, route) = responsibility(&reference, &event, &classification, &mut trace);
        let duplicate = self.duplicate(&event, &classification, &mut trace).await;
        let handover = self
            .queue_or_dispatch(
                &at,
                &classification,
                &route,
                unsure,
                duplicate.as_ref(),
                &mut trace,
            )
            .await;
        let clock = self.deadline(&at, route.time_limit, handover.status, &mut trace);
        let (assignee, reservation) = self.assign(&at, item, &handover, &mut trace).await;
        let record = EventRecord {
            status: handover.status,
            dispatch: dispatch(&route, handover, clock.deadline, assignee),
            event,
            classification,
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

/// The dispatch of a case handed over along `route`, with its deadline and its person.
fn dispatch(
    route: &Route<'_>,
    handover: Handover,
    deadline: jiff::Timestamp,
    assignee: Option<Assignee>,
) -> Dispatch {
    Dispatch {
        owner_unit: route.owner.clone(),
        handling_unit: handover.unit,
        candidates: route.candidates.iter().map(|u| u.code.clone()).collect(),
        time_limit: route.time_limit,
        deadline,
        decided_by: handover.decided_by,
        assignee,
    }
}

/// A district step of the trace, timed from `started`.
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
