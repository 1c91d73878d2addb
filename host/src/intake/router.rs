//! The router step of intake: the handling unit among the responsibility list's candidates,
//! the default or the street router plugin's choice, with the shadow versions beside it.

use std::sync::Arc;

use tracing::Instrument;

use crate::domain::{Classification, DecidedBy, Event, TraceStep, UnitRef};
use crate::reference::Reference;
use crate::routing::{self, unit_ref};

use super::calls::{plugin_span, plugin_step, record, wit_candidates};
use super::pipeline::Pipeline;

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
}
