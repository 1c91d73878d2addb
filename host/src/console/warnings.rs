//! 预警与督办, `GET /warnings`: open cases past their deadline (red), near it (yellow) and
//! under supervision (督办), by the listing filters `alert` and `supervised`, and the warnings
//! street scenarios raised. All narrowed to the caller's reach.

use std::sync::Arc;

use axum::extract::State;
use maud::{Markup, html};

use super::case_actions::scenario_action;
use super::inbox::alert_badge;
use super::layout::{Failure, Signed, page, reach_filter, when};
use super::text;
use crate::domain::Alert;
use crate::platform::Platform;
use crate::reference::Reference;
use crate::storage::EventSummary;

const TITLE: &str = "预警与督办";
const RED: &str = "红灯超期案件";
const YELLOW: &str = "黄灯预警案件";
const SUPERVISED: &str = "督办案件";
const SCENARIO: &str = "场景预警";
const EMPTY: &str = "暂无";
const HEADINGS: [&str; 6] = ["案件", "街道", "状态", "处置单位", "办理时限", "预警"];
const SCENARIO_HEADINGS: [&str; 3] = ["案件", "街道", "预警内容"];
const SHOWN: u32 = 100;

fn street_name(reference: &Reference, code: &str) -> String {
    reference
        .district
        .street(code)
        .map_or_else(|| code.to_string(), |s| s.name.clone())
}

fn cases(caption: &str, events: &[EventSummary], reference: &Reference) -> Markup {
    html! {
        table.grid {
            caption { (caption) " (" (events.len()) ")" }
            thead { tr { @for h in HEADINGS { th scope="col" { (h) } } } }
            tbody {
                @for e in events {
                    tr.(format!("alert-{}", e.alert.as_str())) {
                        td { a href=(format!("/cases/{}", e.id)) { (e.description) } }
                        td { (street_name(reference, &e.street_code)) }
                        td { (text::status(e.status)) }
                        td { (reference.unit(&e.handling_unit).map_or(e.handling_unit.as_str(), |u| u.name.as_str())) }
                        td { (when(e.deadline)) }
                        td {
                            (alert_badge(e.alert))
                            @if e.supervision_level > 0 { " " span.badge.red { "督办" (e.supervision_level) } }
                        }
                    }
                }
                @if events.is_empty() { tr { td colspan="6" { (EMPTY) } } }
            }
        }
    }
}

/// `GET /warnings`.
pub async fn page_route(
    signed: Signed,
    State(platform): State<Arc<Platform>>,
) -> Result<Markup, Failure> {
    let principal = signed.principal();
    let db = platform.db();
    let open = |mut events: Vec<EventSummary>| {
        events.retain(|e| !e.status.is_final());
        events
    };
    let mut filter = reach_filter(principal, SHOWN);
    filter.alert = Some(Alert::Red);
    let red = open(db.list_events(&filter).await?.events);
    filter.alert = Some(Alert::Yellow);
    let yellow = open(db.list_events(&filter).await?.events);
    filter.alert = None;
    filter.supervised = true;
    let supervised = open(db.list_events(&filter).await?.events);
    let scenario = db.scenario_warnings(&principal.reach).await?;
    let reference = platform.reference();
    let body = html! {
        (cases(RED, &red, &reference))
        (cases(YELLOW, &yellow, &reference))
        (cases(SUPERVISED, &supervised, &reference))
        table.grid {
            caption { (SCENARIO) " (" (scenario.len()) ")" }
            thead { tr { @for h in SCENARIO_HEADINGS { th scope="col" { (h) } } } }
            tbody {
                @for warning in &scenario {
                    tr {
                        td { a href=(format!("/cases/{}", warning.event_id)) { (warning.description) } }
                        td { (street_name(&reference, &warning.street_code)) }
                        td { (scenario_action(&warning.record)) }
                    }
                }
                @if scenario.is_empty() { tr { td colspan="3" { (EMPTY) } } }
            }
        }
    };
    Ok(page(&signed, TITLE, "/warnings", body))
}
