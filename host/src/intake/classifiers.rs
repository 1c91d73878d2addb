//! The street's classifiers, run one after the other in the order the street set: each gets
//! what the one before decided (the district's keyword classification for the first) and may
//! refine it. Each has its own health and circuit breaker; one that faults or is skipped
//! leaves the classification as it found it.

use std::sync::Arc;

use crate::domain::{Classification, DecidedBy, Event, TraceStep};
use crate::plugin_calls::PluginCalls;
use crate::reference::Reference;
use crate::runtime::LoadedPlugin;
use crate::understanding::classify_as;

/// Runs one classifier on `event` over `classification`, which it replaces when the plugin
/// answers; the step goes on the trace.
pub(super) async fn run_classifier(
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
    let (report, outcome) = PluginCalls::recorded(
        plugin,
        calls.classify(plugin, ctx, event, Some(classification)),
    )
    .await;
    plugin.settle(ticket, &report);
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
