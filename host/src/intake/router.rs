//! The router step of intake: the handling unit among the responsibility list's candidates,
//! the default or the street router plugin's choice, with the shadow versions beside it.

use std::sync::Arc;

use crate::domain::{Classification, DecidedBy, Event, TraceStep, UnitRef};
use crate::reference::Reference;
use crate::routing::{self, unit_ref};

use super::pipeline::Pipeline;
use crate::plugin_calls::{self, PluginCalls};

impl Pipeline {
    /// The handling unit among the route's candidates: the default, or the street router's
    /// choice when there is a choice to make.
    pub(super) async fn choose_unit(
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
        let calls = self.calls();
        let candidates = plugin_calls::candidates(&route.candidates);
        if let Some(plugin) = &plugins.router
            && let Some(ticket) =
                calls.admit(plugin, "plugin:router", "沿用权责清单默认单位", trace)
        {
            let ctx = calls.context(plugin, reference, event);
            let (report, outcome) = PluginCalls::recorded(
                plugin,
                calls.route(plugin, ctx, event, classification, candidates.clone()),
            )
            .await;
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
            trace.push(PluginCalls::step(
                "plugin:router",
                plugin,
                outcome,
                detail,
                elapsed,
            ));
        }
        self.shadows
            .route(
                &calls,
                reference,
                event,
                classification,
                &candidates,
                &handling.code,
            )
            .await;
        (handling, dispatched_by)
    }
}
