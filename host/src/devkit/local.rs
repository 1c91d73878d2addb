//! `streetwise plugin test`: runs a component on sample events on this machine, with no
//! server. It uses the server's own parts: the same [`Runtime`] and [`Limits`] (so the same
//! deploy check, sandbox, time and memory caps, host-call budget and answer checks), the
//! decision [`Pipeline`] for what the district decides around the plugin, the seed reference
//! data, and a temporary SQLite database into which each event is stored as it would be, so
//! `stats.count-events` counts the events before it.
//!
//! The plugin runs where the server would run it: a classifier on every event, a router only
//! when the responsibility list allows two or more units, a scenario after the event is
//! stored. It runs as the street given with `--street` (events of other streets are not
//! shown to it, as on the server), or else as each event's own street.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use uuid::Uuid;

use super::logs::catching;
use super::report::{Call, Decision, EventReport, Outcome, Report};
use super::samples::{self, Input};
use super::scratch::Scratch;
use crate::cases::workloads::Workloads;
use crate::domain::{Classification, DecidedBy, EventRecord, Grant, PluginKind};
use crate::intake::Pipeline;
use crate::reference::{Reference, SharedReference};
use crate::runtime::{CallContext, CallReport, CompiledPlugin, Limits, Registry, Runtime};
use crate::settings::Settings;
use crate::storage::StatsScope;
use crate::versions::Shadows;

/// The name and version the plugin sees itself as (in its log lines).
const LOCAL_NAME: &str = "local-test";

/// What `plugin test` was asked to do.
#[derive(Clone, Debug)]
pub struct LocalTest {
    pub component: PathBuf,
    pub events: PathBuf,
    /// The street the plugin is deployed in (code, slug or name); `None`: each event's own.
    pub street: Option<String>,
    /// The events file holds exported history (`GET /api/v1/events/{id}`), not posted events.
    pub replay: bool,
    /// The plugin's configuration, as `PUT .../config` would set it.
    pub config: BTreeMap<String, String>,
    /// The base data sets it may read, as a deployment would grant them.
    pub grants: Vec<Grant>,
    pub limits: Limits,
}

/// Runs the component on every event of the file and reports each call.
pub async fn run(test: &LocalTest) -> anyhow::Result<Report> {
    let shared = Arc::new(SharedReference::new(
        Reference::new(crate::seed::parts()?)
            .map_err(|errors| anyhow::anyhow!("the seed data is inconsistent: {errors:?}"))?,
    ));
    let reference = shared.get();
    let street = match &test.street {
        Some(key) => Some(
            reference
                .district
                .street(key)
                .with_context(|| format!("unknown street {key:?}: use a code, slug or name"))?
                .code
                .clone(),
        ),
        None => None,
    };
    let samples = samples::read(&test.events, test.replay)?;
    let bytes = std::fs::read(&test.component)
        .with_context(|| format!("cannot read the component {}", test.component.display()))?;
    let runtime = Arc::new(Runtime::new(test.limits.clone())?);
    let compiler = runtime.clone();
    let compiled = tokio::task::spawn_blocking(move || compiler.compile(&bytes))
        .await?
        .map_err(|e| anyhow::anyhow!("the server would refuse this component: {e}"))?;

    let scratch = Scratch::create().await?;
    if !test.grants.is_empty() {
        // The base data a fresh server starts with, for the plugin to find.
        crate::base_data::generate::seed(&scratch.db, &reference, 50).await?;
    }
    let mut settings = Settings::defaults();
    settings.database_url = Some(scratch.url.clone());
    let pipeline = Pipeline {
        reference: shared,
        registry: Arc::new(Registry::default()),
        runtime,
        db: scratch.db.clone(),
        clock: settings.clock.clone(),
        escalation: settings.escalation(),
        workloads: Workloads::new(scratch.db.clone()),
        shadows: Shadows::start(scratch.db.clone()),
        // The catalog's keywords decide for the district here: a plugin's samples test the
        // plugin, not the district's learned model (which lives in the server's database).
        understanding: Arc::new(crate::understanding::Understanding::new(0.0)),
        // Each sample is a report of its own.
        duplicates: None,
    };
    let local = Local {
        pipeline: &pipeline,
        reference: &reference,
        compiled: &compiled,
        street: street.as_deref(),
        config: Arc::new(test.config.clone()),
        grants: &test.grants,
    };
    let events = async {
        let mut events = Vec::with_capacity(samples.len());
        for sample in samples {
            events.push(match sample.input {
                Ok(input) => local.event(sample.line, input).await?,
                Err(why) => EventReport {
                    line: sample.line,
                    place: None,
                    description: String::new(),
                    recorded: None,
                    outcome: Outcome::Invalid(why),
                },
            });
        }
        anyhow::Ok(events)
    }
    .await;
    scratch.remove().await;
    let events = events?;
    Ok(Report {
        kind: compiled.kind(),
        limits: test.limits.clone(),
        events,
    })
}

/// One run's fixed parts.
struct Local<'a> {
    pipeline: &'a Pipeline,
    reference: &'a Arc<Reference>,
    compiled: &'a CompiledPlugin,
    street: Option<&'a str>,
    config: Arc<BTreeMap<String, String>>,
    grants: &'a [Grant],
}

impl Local<'_> {
    async fn event(&self, line: usize, input: Input) -> anyhow::Result<EventReport> {
        let description = input.request.description.clone().unwrap_or_default();
        let mut report = EventReport {
            line,
            place: None,
            description,
            recorded: input.recorded.clone(),
            outcome: Outcome::NotCalled(String::new()),
        };
        let now = input
            .received_at
            .unwrap_or_else(|| self.pipeline.clock.now());
        let event = match input
            .request
            .validate(self.reference, Uuid::now_v7().to_string(), now)
        {
            Ok(event) => event,
            Err(invalid) => {
                report.outcome = Outcome::Invalid(format!(
                    "{} ({}): {}",
                    invalid.code, invalid.field, invalid.message
                ));
                return Ok(report);
            }
        };
        let location = &event.location;
        report.place = Some(match &location.community_name {
            Some(community) => format!("{} {community}", location.street_name),
            None => location.street_name.clone(),
        });
        if let Some(why) = input.not_taken_in {
            report.outcome = Outcome::NotCalled(why);
            return Ok(report);
        }
        let street = match self.street {
            Some(street) if street != location.street_code => {
                report.outcome = Outcome::NotCalled(format!(
                    "the event is in {}: a plugin only runs on its own street's events",
                    location.street_name
                ));
                return Ok(report);
            }
            Some(street) => street.to_string(),
            None => location.street_code.clone(),
        };

        // The district's decision, as the server makes it before and around the plugin.
        let mut record = self.pipeline.decide(event).await.record;
        let ctx = CallContext {
            street_code: street.clone(),
            plugin: LOCAL_NAME.into(),
            version: 0,
            config: self.config.clone(),
            reference: self.reference.clone(),
            db: self.pipeline.db.clone(),
            stats: StatsScope {
                street_code: street,
                window_end: record.event.received_at,
                up_to_seq: None,
            },
            event_address: record.event.location.address.clone(),
            grants: self.grants.to_vec(),
        };
        report.outcome = match self.compiled.kind() {
            PluginKind::Classifier => {
                let call = self.classify(ctx, &record).await;
                self.apply(&mut record, &call.result);
                self.store(&record).await?;
                Outcome::Called(call)
            }
            PluginKind::Router => {
                let outcome = self.route(ctx, &record).await;
                self.store(&record).await?;
                outcome
            }
            PluginKind::Scenario => match self.store(&record).await? {
                None => Outcome::NotCalled(
                    "a resend of an earlier line's (source, external_id): the server answers \
                     with the original event and runs nothing"
                        .into(),
                ),
                Some(seq) => {
                    let ctx = CallContext {
                        stats: StatsScope {
                            up_to_seq: Some(seq),
                            ..ctx.stats
                        },
                        ..ctx
                    };
                    Outcome::Called(self.scenario(ctx, &record).await)
                }
            },
        };
        Ok(report)
    }

    async fn classify(&self, ctx: CallContext, record: &EventRecord) -> Call {
        let baseline = &record.classification;
        let (report, logs) = catching(self.pipeline.runtime.classify(
            self.compiled,
            ctx,
            &record.event,
            Some(baseline),
        ))
        .await;
        let input = format!(
            "district classification {} {} ({})",
            baseline.item_code,
            baseline.item_name,
            baseline.priority.as_str()
        );
        call(input, report, logs, |answer| match answer {
            None => Decision::Kept,
            Some(c) => Decision::Classified {
                item_name: self
                    .reference
                    .item(&c.item_code)
                    .map(|i| i.name.clone())
                    .unwrap_or_default(),
                item_code: c.item_code,
                priority: crate::runtime::priority_from(c.priority),
                confidence: c.confidence,
                tags: c.tags,
                reason: c.reason,
            },
        })
    }

    /// Stores the plugin's classification, as the server would, so later counts see it.
    fn apply(&self, record: &mut EventRecord, decision: &Result<Decision, crate::runtime::Fault>) {
        let Ok(Decision::Classified {
            item_code,
            priority,
            confidence,
            tags,
            reason,
            ..
        }) = decision
        else {
            return;
        };
        let Some(item) = self.reference.item(item_code) else {
            return;
        };
        record.classification = Classification {
            item_code: item.code.clone(),
            item_name: item.name.clone(),
            category_code: item.category.clone(),
            category_name: self
                .reference
                .category_of(item)
                .map(|c| c.name.clone())
                .unwrap_or_default(),
            confidence: *confidence,
            priority: *priority,
            tags: tags.clone(),
            reason: reason.clone(),
            decided_by: DecidedBy::Plugin {
                name: LOCAL_NAME.into(),
                version: 0,
            },
            suggestions: Vec::new(),
            model: None,
        };
    }

    async fn route(&self, ctx: CallContext, record: &EventRecord) -> Outcome {
        let candidates = &record.dispatch.candidates;
        if candidates.len() < 2 {
            return Outcome::NotCalled(format!(
                "the responsibility list allows one unit ({}) for {} {}: a router runs only \
                 when it allows two or more",
                record.dispatch.handling_unit.code,
                record.classification.item_code,
                record.classification.item_name
            ));
        }
        let units: Vec<_> = candidates
            .iter()
            .filter_map(|code| self.reference.unit(code))
            .collect();
        let wit_candidates = crate::plugin_calls::candidates(&units);
        let (report, logs) = catching(self.pipeline.runtime.route(
            self.compiled,
            ctx,
            &record.event,
            &record.classification,
            wit_candidates,
        ))
        .await;
        let input = format!(
            "{} {} ({}); candidates {} (default {})",
            record.classification.item_code,
            record.classification.item_name,
            record.classification.priority.as_str(),
            candidates.join(", "),
            candidates[0]
        );
        Outcome::Called(call(input, report, logs, |answer| match answer {
            None => Decision::Kept,
            Some(choice) => Decision::Routed {
                unit_name: self
                    .reference
                    .unit(&choice.unit_code)
                    .map(|u| u.name.clone())
                    .unwrap_or_default(),
                unit_code: choice.unit_code,
                reason: choice.reason,
            },
        }))
    }

    async fn scenario(&self, ctx: CallContext, record: &EventRecord) -> Call {
        let (report, logs) = catching(self.pipeline.runtime.on_event_stored(
            self.compiled,
            ctx,
            &record.event,
            &record.classification,
            &record.dispatch.handling_unit.code,
            record.dispatch.deadline,
        ))
        .await;
        let input = format!(
            "stored as {} {}, handled by {}",
            record.classification.item_code,
            record.classification.item_name,
            record.dispatch.handling_unit.code
        );
        call(input, report, logs, Decision::Actions)
    }

    /// Stores the event; its sequence number, or `None` for a resend of a stored one.
    async fn store(&self, record: &EventRecord) -> anyhow::Result<Option<i64>> {
        let db = &self.pipeline.db;
        let (_turn, mut tx) = db.begin_write().await?;
        let stored = db.insert_events(&mut tx, &[record]).await?;
        tx.commit().await?;
        Ok(stored.into_iter().next().map(|(_, seq)| seq))
    }
}

fn call<T>(
    input: String,
    report: CallReport<T>,
    logs: Vec<String>,
    decide: impl FnOnce(T) -> Decision,
) -> Call {
    Call {
        input,
        result: report.result.map(decide),
        elapsed: report.elapsed,
        usage: report.usage,
        logs,
    }
}
