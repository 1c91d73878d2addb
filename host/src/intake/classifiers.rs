//! Classification at intake: the district's first, then the street's classifiers, run one
//! after the other in the order the street set: each gets what the one before decided (the
//! district's classification for the first) and may refine it. Each has its own health and
//! circuit breaker; one that faults or is skipped leaves the classification as it found it.
//! The street's shadow classifiers run beside them.

use std::sync::Arc;
use std::time::Instant;

use super::pipeline::{Deciding, Pipeline, step};
use crate::domain::{Classification, DecidedBy, Event, TraceStep};
use crate::plugin_calls::PluginCalls;
use crate::reference::Reference;
use crate::runtime::LoadedPlugin;
use crate::understanding::{Unsure, classify_as};

impl Pipeline {
    /// The district's classification, traced; whether it is too unsure to dispatch.
    pub(super) fn classify(
        &self,
        at: &Deciding<'_>,
        trace: &mut Vec<TraceStep>,
    ) -> (Classification, Option<Unsure>) {
        let started = Instant::now();
        let understood = self
            .understanding
            .classify(at.reference, &at.event.description);
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

    /// The street's classifiers one after the other, each refining what the last decided from
    /// the `district`'s classification; the shadow classifiers are compared with the result.
    pub(super) async fn refine_by_street(
        &self,
        at: &Deciding<'_>,
        district: Classification,
        trace: &mut Vec<TraceStep>,
    ) -> Classification {
        let mut classification = district.clone();
        for plugin in &at.plugins.classifiers {
            run_classifier(
                at.calls,
                plugin,
                at.reference,
                at.event,
                &mut classification,
                trace,
            )
            .await;
        }
        self.shadows
            .classify(at.calls, at.reference, at.event, &district, &classification)
            .await;
        classification
    }
}

/// Runs one classifier on `event` over `classification`, which it replaces when the plugin
/// answers; the step goes on the trace.
async fn run_classifier(
    calls: &PluginCalls,
    plugin: &LoadedPlugin,
    reference: &Arc<Reference>,
    event: &Event,
    classification: &mut Classification,
    trace: &mut Vec<TraceStep>,
) {
    let fallback = if classification.decided_by == DecidedBy::District {
        "沿用区级分类"
    } else {
        "沿用前一分类器的分类"
    };
    let Some(ticket) = calls.admit(plugin, "plugin:classifier", fallback, trace) else {
        return;
    };
    let ctx = calls.context(plugin, reference, event);
    let (report, outcome) = PluginCalls::settled(
        plugin,
        ticket,
        calls.classify(plugin, ctx, event, Some(classification)),
    )
    .await;
    let elapsed = report.elapsed;
    let (outcome, detail) = match report.result {
        Ok(Some(answer)) => {
            let item = reference
                .item(&answer.item_code)
                .expect("the runtime checked the item exists");
            let detail = format!("{} {}：{}", item.code, item.name, answer.reason);
            *classification = Classification {
                priority: crate::runtime::priority_from(answer.priority),
                confidence: answer.confidence,
                tags: answer.tags,
                reason: answer.reason,
                decided_by: plugin.decided_by(),
                ..classify_as(reference, item)
            };
            ("applied".to_string(), detail)
        }
        Ok(None) => ("kept".to_string(), "插件未改变区级分类".to_string()),
        Err(fault) => (outcome, format!("{fault}；{fallback}")),
    };
    trace.push(PluginCalls::step(
        "plugin:classifier",
        plugin,
        outcome,
        detail,
        elapsed,
    ));
}
