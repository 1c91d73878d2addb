//! The decision pipeline for one event: baseline classification, the street's classifier,
//! the responsibility list, the street's router, the deadline, the person in the unit. Every step is traced with who
//! decided, the outcome and the time it took. A plugin fault never fails the event: the
//! district's decision stands and the fault is on the trace and in the plugin's counters.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tracing::Instrument;

use crate::clock::Clock;
use crate::domain::{
    Classification, DecidedBy, Dispatch, Event, EventRecord, Status, TraceStep, Unit, UnitRef,
};
use crate::lifecycle::Flows;
use crate::reference::{Reference, SharedReference};
use crate::routing::{self, unit_ref};
use crate::runtime::{
    Admission, CallContext, CallReport, LoadedPlugin, Registry, Runtime, ScenarioAction, Ticket,
    wit,
};
use crate::storage::{Db, StatsScope, StoredEvent};
use crate::timers::{self, Escalation};
use crate::understanding::Understanding;
use crate::versions::{ShadowPlugin, Shadows};
use crate::workloads::{Reservation, Workloads};

/// The trace outcome of a plugin step skipped because the plugin's circuit breaker is open.
pub(crate) const SKIPPED: &str = "skipped:circuit_open";

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
        let mut trace = Vec::new();

        let (mut classification, manual) = self.classify(&reference, &event, &mut trace);
        let district = classification.clone();
        // The street's classifiers one after the other, each refining what the last decided.
        for plugin in &plugins.classifiers {
            self.run_classifier(plugin, &reference, &event, &mut classification, &mut trace)
                .await;
        }
        self.shadows
            .classify(self, &reference, &event, &district, &classification)
            .await;
        // A street classifier's answer is a decision: only the district's unsure guess waits.
        let manual = manual && classification.decided_by == DecidedBy::District;

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
        let held = manual || duplicate.is_some();
        let flow = Flows::shipped().for_source(event.source);
        let (status, handling, dispatched_by) = if held {
            let why = match &duplicate {
                Some(link) => format!("疑似重复，待指挥中心合并至 {} 或单独派遣", link.case_id),
                None => format!(
                    "置信度 {:.2} 低于 {:.2}：进入待分拨，由指挥中心确认事项后派遣",
                    classification.confidence,
                    self.understanding.threshold()
                ),
            };
            trace.push(step(
                "queue",
                DecidedBy::District,
                if manual { "manual" } else { "duplicate" },
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
            let assignment = crate::assignment::assign(
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
    ) -> (Classification, bool) {
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
        (understood.classification, understood.manual)
    }

    /// The handling unit among the route's candidates: the default, or the street router's
    /// choice when there is a choice to make.
    async fn choose_unit(
        &self,
        plugins: &crate::runtime::StreetPlugins,
        reference: &Arc<Reference>,
        event: &Event,
        classification: &Classification,
        route: &routing::Route<'_>,
        trace: &mut Vec<TraceStep>,
    ) -> (UnitRef, DecidedBy) {
        let mut handling = route.handling.clone();
        let mut dispatched_by = DecidedBy::District;
        if route.candidates.len() < 2 {
            return (handling, dispatched_by);
        }
        let wit_candidates = wit_candidates(&route.candidates);
        if let Some(plugin) = &plugins.router
            && let Some(ticket) = self.admit(plugin, "plugin:router", "沿用权责清单默认单位", trace)
        {
            let span = plugin_span(plugin);
            let report = self
                .runtime
                .route(
                    &plugin.compiled,
                    self.context(plugin, reference, event),
                    event,
                    classification,
                    wit_candidates.clone(),
                )
                .instrument(span.clone())
                .await;
            let outcome = record(plugin, &report, &span);
            plugin.settle(ticket, &report);
            let elapsed = report.elapsed;
            let (outcome, detail) = match report.result {
                Ok(Some(choice)) => {
                    handling = unit_ref(reference, &choice.unit_code);
                    dispatched_by = plugin.decided_by();
                    (
                        "applied".to_string(),
                        format!("{}：{}", handling.name, choice.reason),
                    )
                }
                Ok(None) => ("kept".to_string(), "插件保留默认处置单位".to_string()),
                Err(fault) => (outcome, format!("{fault}；沿用权责清单默认单位")),
            };
            trace.push(plugin_step(
                "plugin:router",
                plugin,
                outcome,
                detail,
                elapsed,
            ));
        }
        self.shadows
            .route(
                self,
                reference,
                event,
                classification,
                &wit_candidates,
                &handling.code,
            )
            .await;
        (handling, dispatched_by)
    }

    /// Asks the plugin's circuit breaker whether it may be called now. When it may not, the
    /// step is traced as `skipped:circuit_open` with why, and the caller's default stands.
    pub(crate) fn admit(
        &self,
        plugin: &LoadedPlugin,
        step: &str,
        fallback: &str,
        trace: &mut Vec<TraceStep>,
    ) -> Option<Ticket> {
        match plugin.admit(&self.runtime.limits().breaker, self.clock.now()) {
            Admission::Call(ticket) => Some(ticket),
            Admission::Skip(refusal) => {
                let detail = refusal.detail(fallback);
                trace.push(plugin_step(
                    step,
                    plugin,
                    SKIPPED.into(),
                    detail,
                    Duration::ZERO,
                ));
                None
            }
        }
    }

    /// Puts a loaded version in the path: active, or beside the active one in shadow.
    pub(crate) fn install(&self, loaded: Arc<LoadedPlugin>) {
        match loaded.meta.shadow.clone() {
            Some(run) => self.shadows.install(ShadowPlugin::new(loaded, &run)),
            None => self.registry.activate(loaded),
        }
    }

    /// The call context of a plugin deciding about `event`, which is not stored yet.
    pub(crate) fn context(
        &self,
        plugin: &LoadedPlugin,
        reference: &Arc<Reference>,
        event: &Event,
    ) -> CallContext {
        CallContext {
            street_code: plugin.meta.street_code.clone(),
            plugin: plugin.meta.name.clone(),
            version: plugin.meta.version,
            config: plugin.config(),
            reference: reference.clone(),
            db: self.db.clone(),
            stats: StatsScope {
                street_code: plugin.meta.street_code.clone(),
                window_end: event.received_at,
                up_to_seq: None,
            },
            event_address: event.location.address.clone(),
            grants: plugin.meta.grants.clone(),
        }
    }

    /// The call context of a plugin deciding about a stored event: counts as of that event,
    /// nothing stored after it (scenarios, replays).
    pub(crate) fn context_as_of(
        &self,
        plugin: &LoadedPlugin,
        reference: &Arc<Reference>,
        stored: &StoredEvent,
    ) -> CallContext {
        let mut ctx = self.context(plugin, reference, &stored.record.event);
        ctx.stats.up_to_seq = Some(stored.seq);
        ctx
    }

    /// Calls a scenario on a stored event (live, in shadow or in a replay).
    pub(crate) async fn run_scenario(
        &self,
        reference: &Arc<Reference>,
        plugin: &LoadedPlugin,
        stored: &StoredEvent,
    ) -> CallReport<Vec<ScenarioAction>> {
        let record = &stored.record;
        self.runtime
            .on_event_stored(
                &plugin.compiled,
                self.context_as_of(plugin, reference, stored),
                &record.event,
                &record.classification,
                &record.dispatch.handling_unit.code,
                record.dispatch.deadline,
            )
            .await
    }
}

/// The units a router chooses among, the responsibility list's default first.
pub(crate) fn wit_candidates(units: &[&Unit]) -> Vec<wit::Candidate> {
    units
        .iter()
        .enumerate()
        .map(|(i, unit)| wit::Candidate {
            unit: crate::runtime::wit_unit(unit),
            is_default: i == 0,
        })
        .collect()
}

/// The span of one plugin call; `outcome` and `micros` are recorded when it returns.
pub(crate) fn plugin_span(plugin: &LoadedPlugin) -> tracing::Span {
    tracing::info_span!(
        "plugin",
        street = %plugin.meta.street_code,
        plugin = %plugin.meta.name,
        version = plugin.meta.version,
        kind = plugin.kind().as_str(),
        outcome = tracing::field::Empty,
        micros = tracing::field::Empty,
    )
}

/// Counts the call in the plugin's health, records it on its span and logs faults; returns
/// the trace outcome (`ok` or `fault:<kind>`).
pub(crate) fn record<T>(
    plugin: &LoadedPlugin,
    report: &CallReport<T>,
    span: &tracing::Span,
) -> String {
    let fault = report.result.as_ref().err();
    plugin
        .health
        .record(report.elapsed, fault.map(|f| f.kind), &report.usage);
    let micros = report.elapsed.as_micros() as u64;
    let outcome = match fault {
        Some(fault) => format!("fault:{}", fault.kind.as_str()),
        None => "ok".to_string(),
    };
    span.record("outcome", outcome.as_str());
    span.record("micros", micros);
    let _entered = span.enter();
    match fault {
        Some(fault) => tracing::warn!(detail = %fault.detail, "plugin fault"),
        None => tracing::debug!(host_calls = report.usage.host_calls, "plugin call"),
    }
    outcome
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

pub(crate) fn plugin_step(
    name: &str,
    plugin: &LoadedPlugin,
    outcome: String,
    detail: String,
    elapsed: std::time::Duration,
) -> TraceStep {
    TraceStep {
        step: name.into(),
        decided_by: plugin.decided_by(),
        outcome,
        detail,
        micros: elapsed.as_micros() as u64,
    }
}
