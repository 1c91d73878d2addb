//! The shadow versions' calls: each decides the event beside the path that applies, and its
//! decision is compared with the one applied. Shadow calls are not admitted by a circuit
//! breaker; they are recorded in their version's health like any other call.

use std::collections::HashMap;
use std::sync::Arc;

use super::Shadows;
use crate::domain::{Classification, Event, PluginKind};
use crate::plugin_calls::PluginCalls;
use crate::reference::Reference;
use crate::runtime::wit;
use crate::storage::StoredEvent;
use crate::versions::verdicts::{
    applied_verdict, classifier_verdict, compare, router_verdict, scenario_call_verdict,
    unit_verdict,
};

impl Shadows {
    /// Runs the street's shadow classifiers on `event` with the district's classification,
    /// and compares each with `applied`, the classification production used.
    pub(crate) async fn classify(
        &self,
        calls: &PluginCalls,
        reference: &Arc<Reference>,
        event: &Event,
        district: &Classification,
        applied: &Classification,
    ) {
        let now = calls.now();
        for plugin in self.running(&event.location.street_code, PluginKind::Classifier, now) {
            let ctx = calls.context(&plugin, reference, event);
            let (report, _) =
                PluginCalls::recorded(&plugin, calls.classify(&plugin, ctx, event, Some(district)))
                    .await;
            let candidate = classifier_verdict(&report, district);
            let comparison = compare(event, applied, applied_verdict(applied), candidate, &report);
            self.compared(&plugin, comparison, now);
        }
    }

    /// Runs the street's shadow scenarios on a stored event and compares each with what the
    /// active scenario of its name did (`verdicts`, by name; "no actions" when none is active).
    pub(crate) async fn scenarios(
        &self,
        calls: &PluginCalls,
        reference: &Arc<Reference>,
        stored: &StoredEvent,
        verdicts: &HashMap<String, String>,
    ) {
        let event = &stored.record.event;
        let applied = &stored.record.classification;
        let now = calls.now();
        for plugin in self.running(&event.location.street_code, PluginKind::Scenario, now) {
            let (report, _) =
                PluginCalls::recorded(&plugin, calls.scenario(&plugin, reference, stored)).await;
            let candidate = scenario_call_verdict(&report, &applied.item_code);
            let active = verdicts
                .get(&plugin.meta.name)
                .cloned()
                .unwrap_or_else(|| "no actions".into());
            let comparison = compare(event, applied, active, candidate, &report);
            self.compared(&plugin, comparison, now);
        }
    }

    /// Runs the street's shadow routers on `event` and compares each choice with `applied`,
    /// the unit production chose. `default` is the first candidate (a router that keeps the
    /// default chooses it).
    pub(crate) async fn route(
        &self,
        calls: &PluginCalls,
        reference: &Arc<Reference>,
        event: &Event,
        classification: &Classification,
        candidates: &[wit::Candidate],
        applied: &str,
    ) {
        let now = calls.now();
        let default = candidates.first().map_or("", |c| c.unit.code.as_str());
        for plugin in self.running(&event.location.street_code, PluginKind::Router, now) {
            let ctx = calls.context(&plugin, reference, event);
            let call = calls.route(&plugin, ctx, event, classification, candidates.to_vec());
            let (report, _) = PluginCalls::recorded(&plugin, call).await;
            let candidate = router_verdict(&report, default);
            let comparison = compare(
                event,
                classification,
                unit_verdict(applied),
                candidate,
                &report,
            );
            self.compared(&plugin, comparison, now);
        }
    }
}
