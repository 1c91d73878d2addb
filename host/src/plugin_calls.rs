//! Plugin calls: the one way intake, scenarios, shadow runs and replays call a street plugin.
//! [`PluginCalls`] holds what a call needs (the runtime and its limits, the database the
//! plugin's host functions read, the clock the circuit breaker reads) and offers each part of
//! a call: admission by the circuit breaker, the call context, the call itself, its span, and
//! its recording in the plugin's health.
//!
//! It does not decide what a plugin's answer means: the intake steps, the scenario lanes, the
//! shadow runs and the replays do, each in its own module.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tracing::Instrument;

use crate::clock::Clock;
use crate::domain::{Classification, Event, ScenarioAction, TraceStep, Unit};
use crate::reference::Reference;
use crate::runtime::{Admission, CallContext, CallReport, LoadedPlugin, Runtime, Ticket, wit};
use crate::storage::{Db, StatsScope, StoredEvent};

/// The trace outcome of a plugin step skipped because the plugin's circuit breaker is open.
const SKIPPED: &str = "skipped:circuit_open";

/// What a plugin call needs, cheap to clone (each part is shared).
#[derive(Clone)]
pub struct PluginCalls {
    runtime: Arc<Runtime>,
    db: Db,
    clock: Clock,
}

impl PluginCalls {
    /// Calls run by `runtime` (under its limits and breaker policy), reading `db`, at `clock`'s
    /// time.
    pub fn new(runtime: Arc<Runtime>, db: Db, clock: Clock) -> Self {
        Self { runtime, db, clock }
    }

    /// The database the calls' host functions read.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The time, as the circuit breakers and scenario actions see it.
    pub fn now(&self) -> jiff::Timestamp {
        self.clock.now()
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
                trace.push(Self::step(
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

    /// Calls a classifier on `event` over `baseline`. `Ok(None)` keeps the baseline.
    pub(crate) async fn classify(
        &self,
        plugin: &LoadedPlugin,
        ctx: CallContext,
        event: &Event,
        baseline: Option<&Classification>,
    ) -> CallReport<Option<wit::Classification>> {
        self.runtime
            .classify(&plugin.compiled, ctx, event, baseline)
            .await
    }

    /// Calls a router on `event` to choose among `candidates`. `Ok(None)` keeps the default.
    pub(crate) async fn route(
        &self,
        plugin: &LoadedPlugin,
        ctx: CallContext,
        event: &Event,
        classification: &Classification,
        candidates: Vec<wit::Candidate>,
    ) -> CallReport<Option<wit::RoutingChoice>> {
        self.runtime
            .route(&plugin.compiled, ctx, event, classification, candidates)
            .await
    }

    /// Calls a scenario on a stored event (live, in shadow or in a replay).
    pub(crate) async fn scenario(
        &self,
        plugin: &LoadedPlugin,
        reference: &Arc<Reference>,
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

    /// Runs `call` in the plugin's span and records it in the plugin's health; returns its
    /// report and its trace outcome (`ok` or `fault:<kind>`).
    pub(crate) async fn recorded<T>(
        plugin: &LoadedPlugin,
        call: impl Future<Output = CallReport<T>>,
    ) -> (CallReport<T>, String) {
        let span = Self::span(plugin);
        let report = call.instrument(span.clone()).await;
        let outcome = Self::record(plugin, &report, &span);
        (report, outcome)
    }

    /// Runs a call the breaker admitted with `ticket`: in the plugin's span and recorded in its
    /// health as [`recorded`](Self::recorded), then settled with the breaker. Returns the
    /// report and its trace outcome (`ok` or `fault:<kind>`).
    pub(crate) async fn settled<T>(
        plugin: &LoadedPlugin,
        ticket: Ticket,
        call: impl Future<Output = CallReport<T>>,
    ) -> (CallReport<T>, String) {
        let (report, outcome) = Self::recorded(plugin, call).await;
        plugin.settle(ticket, &report);
        (report, outcome)
    }

    /// The span of one plugin call; `outcome` and `micros` are recorded when it returns.
    pub(crate) fn span(plugin: &LoadedPlugin) -> tracing::Span {
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

    /// Counts the call in the plugin's health, records it on its span and logs faults;
    /// returns the trace outcome (`ok` or `fault:<kind>`).
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

    /// The trace step of a plugin call, decided by that plugin.
    pub(crate) fn step(
        name: &str,
        plugin: &LoadedPlugin,
        outcome: String,
        detail: String,
        elapsed: Duration,
    ) -> TraceStep {
        TraceStep {
            step: name.into(),
            decided_by: plugin.decided_by(),
            outcome,
            detail,
            micros: elapsed.as_micros() as u64,
        }
    }
}

/// The units a router chooses among, the responsibility list's default first.
pub(crate) fn candidates(units: &[&Unit]) -> Vec<wit::Candidate> {
    units
        .iter()
        .enumerate()
        .map(|(i, unit)| wit::Candidate {
            unit: crate::runtime::wit_unit(unit),
            is_default: i == 0,
        })
        .collect()
}
