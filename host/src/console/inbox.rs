//! 我的案件, `GET /inbox`: the open cases of the caller's unit (a handler's own first), or for
//! an inspector those awaiting verification in their reach; each with its deadline counting
//! down on the case's own clock (working time where the limit is in working time) and its
//! warning colour.

use std::sync::Arc;

use axum::extract::State;
use maud::{Markup, html};

use super::layout::{Failure, Signed, countdown, page, reach_filter, remaining, when};
use super::text;
use crate::domain::{Alert, EventRecord, StaffRole, Status};
use crate::platform::Platform;

const TITLE: &str = "我的案件";
const CAPTION_UNIT: &str = "本单位在办案件";
const CAPTION_INSPECTOR: &str = "待核查案件";
const MINE: &str = "我承办";
const EMPTY: &str = "暂无在办案件";
const HEADINGS: [&str; 7] = [
    "案件",
    "状态",
    "街道",
    "承办人",
    "办理时限",
    "剩余时间",
    "预警",
];
/// Open cases shown at most; older ones are reached through the warnings or the API.
const SHOWN: usize = 60;

async fn render(signed: &Signed, platform: &Platform) -> Result<Markup, Failure> {
    let principal = signed.principal();
    let inspector = signed.post() == StaffRole::Inspector;
    let mut filter = reach_filter(principal, 300);
    if inspector {
        filter.status = Some(Status::Handled);
    }
    let listing = platform.db().list_events(&filter).await?;
    let me = principal.staff_id().unwrap_or_default().to_string();
    let mut cases: Vec<EventRecord> = Vec::new();
    for summary in listing
        .events
        .iter()
        // A case waiting in 待分拨 is the centre's until it is dispatched.
        .filter(|e| !e.status.is_final() && e.status != Status::Accepted)
        .take(SHOWN)
    {
        if let Some(stored) = platform.db().event(&summary.id).await? {
            cases.push(stored.record);
        }
    }
    let mine = |r: &EventRecord| r.dispatch.assignee.as_ref().is_some_and(|a| a.id == me);
    // The handler's own first, then the most urgent: red, yellow, then the nearest deadline.
    cases.sort_by_key(|r| (!mine(r), std::cmp::Reverse(r.clock.alert), r.clock.deadline));
    let rows: Vec<(EventRecord, i64)> = cases
        .into_iter()
        .map(|r| {
            let left = remaining(platform, &r.clock);
            (r, left)
        })
        .collect();
    let body = html! {
        table.grid {
            caption { (if inspector { CAPTION_INSPECTOR } else { CAPTION_UNIT }) }
            thead { tr { @for h in HEADINGS { th scope="col" { (h) } } } }
            tbody {
                @for (r, left) in &rows {
                    tr.(format!("alert-{}", r.clock.alert.as_str())) {
                        td {
                            a href=(format!("/cases/{}", r.event.id)) { (r.event.description) }
                            @if mine(r) { " " span.badge { (MINE) } }
                        }
                        td { (text::status(r.status)) }
                        td { (r.event.location.street_name) }
                        td { (r.dispatch.assignee.as_ref().map_or("—", |a| a.name.as_str())) }
                        td { (when(r.clock.deadline)) }
                        td.overdue[*left < 0] { (countdown(*left, r.clock.measure, r.clock.is_running())) }
                        td { (alert_badge(r.clock.alert)) }
                    }
                }
                @if rows.is_empty() { tr { td colspan="7" { (EMPTY) } } }
            }
        }
    };
    Ok(page(signed, TITLE, "/inbox", body))
}

/// `GET /inbox`.
pub async fn page_route(
    signed: Signed,
    State(platform): State<Arc<Platform>>,
) -> Result<Markup, Failure> {
    render(&signed, &platform).await
}

/// The warning colour as a badge.
pub fn alert_badge(alert: Alert) -> Markup {
    html! {
        @match alert {
            Alert::None => span.muted { (text::alert(alert)) },
            Alert::Yellow => span.badge.yellow { (text::alert(alert)) },
            Alert::Red => span.badge.red { (text::alert(alert)) },
        }
    }
}
