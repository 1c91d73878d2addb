//! Where intake sends an event: the responsibility list's route (see [`crate::routing`]),
//! then either held in 待分拨 for the centre (the district is unsure of the item, or the report
//! probably duplicates an open case) or dispatched to a unit: the route's default, or the
//! street router plugin's choice among the candidates, with the shadow routers beside it.

use std::time::Instant;

use super::pipeline::{Deciding, Pipeline, step};
use crate::domain::{
    Classification, DecidedBy, DuplicateLink, Event, Item, Status, TraceStep, UnitRef,
};
use crate::plugin_calls::{self, PluginCalls};
use crate::reference::Reference;
use crate::routing::{self, Route, unit_ref};
use crate::understanding::Unsure;

/// Where the event was handed: held for the centre, or dispatched to a unit.
pub(super) struct Handover {
    pub status: Status,
    pub unit: UnitRef,
    pub decided_by: DecidedBy,
    /// Held in 待分拨 for the centre: no person is assigned yet.
    pub held: bool,
}

/// The responsibility list's route for the classified item in the event's place, traced;
/// and that item.
pub(super) fn responsibility<'r>(
    reference: &'r Reference,
    event: &Event,
    classification: &Classification,
    trace: &mut Vec<TraceStep>,
) -> (&'r Item, Route<'r>) {
    let started = Instant::now();
    let street = reference
        .district
        .street(&event.location.street_code)
        .expect("validation resolved the street");
    let item = reference
        .item(&classification.item_code)
        .expect("classification names a catalog item");
    let route = routing::route(
        reference,
        item,
        street,
        event.location.community_code.as_deref(),
    );
    trace.push(step(
        "responsibility",
        DecidedBy::District,
        "ok",
        route.describe(item, street),
        started,
    ));
    (item, route)
}

impl Pipeline {
    /// Holds the event for the centre when the district is `unsure` of its item or it is a
    /// probable `duplicate`, traced with why; dispatches it otherwise.
    pub(super) async fn queue_or_dispatch(
        &self,
        at: &Deciding<'_>,
        classification: &Classification,
        route: &Route<'_>,
        unsure: Option<Unsure>,
        duplicate: Option<&DuplicateLink>,
        trace: &mut Vec<TraceStep>,
    ) -> Handover {
        if unsure.is_none() && duplicate.is_none() {
            let (unit, decided_by) = self.choose_unit(at, classification, route, trace).await;
            return Handover {
                status: at.flow.initial(),
                unit,
                decided_by,
                held: false,
            };
        }
        let why = match (duplicate, unsure) {
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
        Handover {
            status: Status::Accepted,
            unit: route.handling.clone(),
            decided_by: DecidedBy::District,
            held: true,
        }
    }

    /// The handling unit among the route's candidates: the default, or the street router's
    /// choice when there is a choice to make.
    async fn choose_unit(
        &self,
        at: &Deciding<'_>,
        classification: &Classification,
        route: &Route<'_>,
        trace: &mut Vec<TraceStep>,
    ) -> (UnitRef, DecidedBy) {
        let mut handling = route.handling.clone();
        let mut dispatched_by = DecidedBy::District;
        if route.candidates.len() < 2 {
            return (handling, dispatched_by);
        }
        let Deciding {
            event,
            reference,
            calls,
            ..
        } = *at;
        let candidates = plugin_calls::candidates(&route.candidates);
        if let Some(plugin) = &at.plugins.router
            && let Some(ticket) =
                calls.admit(plugin, "plugin:router", "沿用权责清单默认单位", trace)
        {
            let ctx = calls.context(plugin, reference, event);
            let (report, outcome) = PluginCalls::settled(
                plugin,
                ticket,
                calls.route(plugin, ctx, event, classification, candidates.clone()),
            )
            .await;
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
                calls,
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
