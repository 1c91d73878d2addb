//! 预警监测, `GET /surges`: the district's surge warnings (an item in a community, or a
//! category in a street, far above its usual count at this hour of the week), the active ones
//! first, with 确认 and 关闭 for the centre. The buttons post to `POST /surges/{id}/{change}`,
//! which calls the same function as the API's `POST /api/v1/surges/{id}/...`.

use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::layout::{Failure, Signed, page, when};
use crate::auth::policy::{self, Access};
use crate::domain::{SurgeChange, SurgeStatus};
use crate::http::surges::{SurgeView, change_surge, view};
use crate::platform::Platform;
use crate::reference::Reference;

const TITLE: &str = "预警监测";
const INTRO: &str = "按事项·社区、大类·街道统计滑动窗口内的事件数，与该地同一时段（按周几、几点）过去数周的历史基线比较，异常偏高时预警。";
const ACTIVE: &str = "当前预警";
const CLOSED: &str = "最近关闭";
const EMPTY: &str = "暂无";
const HEADINGS: [&str; 10] = [
    "类型",
    "事项/大类",
    "区域",
    "街道",
    "窗口内事件数",
    "历史预期",
    "概率 p",
    "开始于",
    "最近检出",
    "状态",
];
const ACTIONS: &str = "操作";
const DONE: &str = "已完成：";
const SHOWN_CLOSED: u32 = 20;
const SHOWN_ACTIVE: u32 = 200;

#[derive(Debug, Deserialize)]
pub struct PageQuery {
    done: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct ChangeForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
}

/// Who moved a warning, by name where the person is known.
fn person(reference: &Reference, who: &str) -> String {
    reference
        .staff_member(who)
        .map_or_else(|| who.to_string(), |p| p.name.clone())
}

fn status_cell(reference: &Reference, w: &SurgeView) -> Markup {
    let warning = &w.warning;
    html! {
        span.badge.(if warning.status == SurgeStatus::Open { "red" } else { "yellow" }) { (warning.status.label()) }
        @if let (Some(by), Some(at)) = (&warning.acknowledged_by, warning.acknowledged_at) {
            br; span.muted { "确认：" (person(reference, by)) " " (when(at)) }
        }
        @if let (Some(by), Some(at)) = (&warning.closed_by, warning.closed_at) {
            br; span.muted { "关闭：" (person(reference, by)) " " (when(at)) }
        }
    }
}

fn table(signed: &Signed, caption: &str, rows: &[SurgeView], reference: &Reference) -> Markup {
    let may_handle = policy::check(signed.principal(), Access::HandleSurges, None).is_ok();
    let columns = HEADINGS.len() + usize::from(may_handle);
    html! {
        table.grid {
            caption { (caption) " (" (rows.len()) ")" }
            thead { tr {
                @for h in HEADINGS { th scope="col" { (h) } }
                @if may_handle { th scope="col" { (ACTIONS) } }
            } }
            tbody {
                @for w in rows {
                    @let s = &w.warning;
                    tr.(if s.status == SurgeStatus::Open { "alert-red" } else { "" }) {
                        td { (s.key.kind.label()) }
                        td { (w.name) " " span.muted { (s.key.code) } }
                        td { (w.area_name) }
                        td { (w.street_name) }
                        td.num { (s.count) span.muted { "（" (s.window_minutes) "分钟）" } }
                        td.num { (format!("{:.2}", s.expected)) }
                        td.num { (format!("{:.1e}", s.p)) }
                        td { (when(s.since)) }
                        td { (when(s.last_seen)) }
                        td { (status_cell(reference, w)) }
                        @if may_handle {
                            td {
                                @for change in SurgeChange::allowed(s.status) {
                                    form.inline method="post" action=(format!("/surges/{}/{}", s.id, change.as_str())) {
                                        (signed.csrf_field())
                                        button type="submit" aria-label=(format!("{}预警 {}", change.label(), s.id)) { (change.label()) }
                                    }
                                    " "
                                }
                            }
                        }
                    }
                }
                @if rows.is_empty() { tr { td colspan=(columns) { (EMPTY) } } }
            }
        }
    }
}

/// `GET /surges`.
pub async fn page_route(
    signed: Signed,
    State(platform): State<Arc<Platform>>,
    Query(query): Query<PageQuery>,
) -> Result<Markup, Failure> {
    signed.caller.require_surges().await?;
    let db = platform.db();
    let reference = platform.reference();
    let views = |warnings: Vec<_>| -> Vec<SurgeView> {
        warnings.into_iter().map(|w| view(&reference, w)).collect()
    };
    let mut active = views(
        db.surge_warnings(Some(SurgeStatus::Open), SHOWN_ACTIVE)
            .await?,
    );
    active.extend(views(
        db.surge_warnings(Some(SurgeStatus::Acknowledged), SHOWN_ACTIVE)
            .await?,
    ));
    let closed = views(
        db.surge_warnings(Some(SurgeStatus::Closed), SHOWN_CLOSED)
            .await?,
    );
    let config = platform.surge_config();
    let done = query.done.as_deref().and_then(|d| match d {
        "acknowledge" => Some(SurgeChange::Acknowledge),
        "close" => Some(SurgeChange::Close),
        _ => None,
    });
    let body = html! {
        @if let Some(change) = done { p.notice.ok role="status" { (DONE) (change.label()) "预警" } }
        p.muted {
            (INTRO)
            (format!(
                "窗口 {} 分钟，历史 {} 周，至少 {} 件且 p ≤ {}，基线下限 {}。",
                config.window_minutes,
                config.history_weeks,
                config.thresholds.min_count,
                config.thresholds.p_threshold,
                config.thresholds.baseline_floor
            ))
        }
        (table(&signed, ACTIVE, &active, &reference))
        (table(&signed, CLOSED, &closed, &reference))
    };
    Ok(page(&signed, TITLE, "/surges", body))
}

/// `POST /surges/{id}/acknowledge`: back to the page, or the server's refusal.
pub async fn acknowledge(
    signed: Signed,
    State(platform): State<Arc<Platform>>,
    Path(id): Path<String>,
    Form(form): Form<ChangeForm>,
) -> Response {
    change(signed, &platform, &id, form, SurgeChange::Acknowledge).await
}

/// `POST /surges/{id}/close`.
pub async fn close(
    signed: Signed,
    State(platform): State<Arc<Platform>>,
    Path(id): Path<String>,
    Form(form): Form<ChangeForm>,
) -> Response {
    change(signed, &platform, &id, form, SurgeChange::Close).await
}

async fn change(
    signed: Signed,
    platform: &Platform,
    id: &str,
    form: ChangeForm,
    change: SurgeChange,
) -> Response {
    if let Err(e) = signed.caller.check_csrf(form.csrf.as_deref()) {
        return Failure(e).into_response();
    }
    match change_surge(platform, &signed.caller, id, change).await {
        Ok(_) => Redirect::to(&format!("/surges?done={change}")).into_response(),
        Err(e) => Failure(e).into_response(),
    }
}
