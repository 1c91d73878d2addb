//! The case page, `GET /cases/{id}`: what was reported, where (an offline map), why it went
//! where it went (each step of the decision trace), its verified timeline, what scenarios
//! asked for, the masked reporter, and the actions the caller may take now. A case out of
//! reach answers the 403 page (audited by `require_case`). The forms post to
//! [`super::case_actions`].

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::header::CACHE_CONTROL;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::case_actions::{actions_panel, scenario_action};
use super::inbox::alert_badge;
use super::layout::{Failure, Signed, countdown, page, remaining, when};
use super::map::map;
use super::text;
use crate::auth::policy;
use crate::cases;
use crate::http::events::scope_of;
use crate::http::reporter::Revealed;
use crate::lifecycle::{Action, Flows};
use crate::platform::Platform;

const TITLE: &str = "案件详情";
const FACTS: &str = "基本信息";
const DESCRIPTION: &str = "诉求内容";
const TRACE: &str = "分类与派遣依据";
const TIMELINE: &str = "办理记录";
const SCENARIOS: &str = "场景联动";
const REPORTER: &str = "诉求人";
const PLACE: &str = "位置";
const REVEAL: &str = "查看号码";
const REVEALED_ONCE: &str = "完整号码仅显示这一次，查看已记入审计日志。";
const ERASED: &str = "个人信息已按保存期限清除";
const VERIFIED: &str = "✓ 记录链校验通过";
const DONE: &str = "已完成：";
const NONE: &str = "无";
const NO_ENTRIES: &str = "暂无办理记录";

/// What the page says above the case after a form was sent.
pub enum Notice {
    None,
    Done(Action),
    Error(String, Option<String>),
    Revealed(Revealed),
}

#[derive(Debug, Deserialize)]
pub struct PageQuery {
    done: Option<String>,
}

/// `GET /cases/{id}`; `?done=<action>` after an action succeeded.
pub async fn page_route(
    signed: Signed,
    State(platform): State<Arc<Platform>>,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Markup, Failure> {
    let notice = match query.done.as_deref().and_then(Action::parse) {
        Some(action) => Notice::Done(action),
        None => Notice::None,
    };
    render(&signed, &platform, &id, notice).await
}

/// The page of case `id` with `notice` on top; `403`/`404` as error pages.
pub async fn render(
    signed: &Signed,
    platform: &Platform,
    id: &str,
    notice: Notice,
) -> Result<Markup, Failure> {
    let Some(stored) = platform.db().event(id).await? else {
        return Err(
            crate::http::ApiError::NotFound(format!("no event {id} (未找到该案件)")).into(),
        );
    };
    let r = &stored.record;
    let scope = scope_of(r);
    signed.caller.require_case(id, &scope, "read_event").await?;
    let principal = signed.principal();
    let reference = platform.reference();
    let timeline = cases::timeline(platform.db(), id).await?;
    let merged = platform.db().merged_reports(id).await?;
    let citizen = platform.db().citizen_updates(id).await?;
    let unit_calls = Flows::shipped()
        .for_source(r.event.source)
        .unit_calls_reporter;
    let may_reveal = policy::may_reveal(principal, &scope, unit_calls).is_ok();
    let left = remaining(platform, &r.clock);
    let e = &r.event;
    let point = e.location.lat.zip(e.location.lon);
    let body = html! {
        @match &notice {
            Notice::None => {},
            Notice::Done(action) => p.notice.ok role="status" { (DONE) (text::action(*action)) },
            Notice::Error(zh, en) => p.notice.error role="alert" {
                (zh) @if let Some(en) = en { span.en { " " (en) } }
            },
            Notice::Revealed(_) => {},
        }
        div.columns {
            div {
                section.panel aria-labelledby="facts" {
                    h2 #facts { (FACTS) }
                    dl.facts {
                        dt { "编号" } dd { (e.id) }
                        dt { "来源" } dd { (text::source(e.source)) }
                        dt { "受理时间" } dd { (when(e.received_at)) }
                        dt { "状态" } dd { (text::status(r.status)) " " (alert_badge(r.clock.alert)) }
                        dt { "事项" } dd { (r.classification.category_name) " / " (r.classification.item_name) }
                        dt { "处置单位" } dd { (r.dispatch.handling_unit.name) }
                        dt { "承办人" } dd { (r.dispatch.assignee.as_ref().map_or(NONE, |a| a.name.as_str())) }
                        dt { "办理时限" } dd { (when(r.clock.deadline)) }
                        dt { "剩余时间" } dd.overdue[left < 0] { (countdown(left, r.clock.measure, r.clock.is_running())) }
                        dt { "报告数" } dd {
                            (1 + merged.len())
                            @for m in &merged { " " a href=(format!("/cases/{m}")) { (m) } }
                        }
                        @if let Some(main) = &r.merged_into {
                            dt { "已并入" } dd { a href=(format!("/cases/{main}")) { (main) } }
                        } @else if let Some(main) = r.duplicate_of.as_ref().filter(|_| r.status == crate::domain::Status::Accepted) {
                            dt { "疑似重复" } dd { a href=(format!("/cases/{main}")) { (main) } }
                        }
                        @if r.clock.supervision_level > 0 {
                            dt { "督办" } dd { span.badge.red { "督办级别 " (r.clock.supervision_level) } }
                        }
                    }
                }
                section.panel aria-labelledby="description" {
                    h2 #description { (DESCRIPTION) }
                    p { (e.description) }
                }
                section.panel aria-labelledby="trace" {
                    h2 #trace { (TRACE) }
                    p { (r.classification.reason) }
                    ol.trace {
                        @for step in &r.trace {
                            li {
                                strong { (step.step) } " — " (step.outcome)
                                span.muted { "（" (step.decided_by.to_string()) "，" (step.micros) " µs）" }
                                br; (step.detail)
                            }
                        }
                    }
                }
                section.panel aria-labelledby="timeline" {
                    h2 #timeline { (TIMELINE) }
                    @if let Some(t) = &timeline {
                        @match &t.broken {
                            None => p.verified { (VERIFIED) },
                            Some(b) => p.broken role="alert" {
                                "✗ 记录链在第 " (b.index + 1) " 条处断开：" (b.why)
                            },
                        }
                        @if t.entries.is_empty() { p.muted { (NO_ENTRIES) } }
                        ol.timeline {
                            @for entry in &t.entries {
                                @let d = &entry.draft;
                                li {
                                    (when(d.at)) " · " strong { (text::action_named(&d.action)) }
                                    " · " (text::status_named(&d.from)) " → " (text::status_named(&d.to))
                                    span.muted { " · " (d.actor) "（" (d.role) "）" }
                                    @if let Some(reason) = &d.reason { br; "原因：" (reason) }
                                    @if let Some(note) = &d.note { br; "办理情况：" (note) }
                                    @if let Some(unit) = &d.unit { br; "单位：" (reference.unit(unit).map_or(unit.as_str(), |u| u.name.as_str())) }
                                }
                            }
                        }
                    }
                }
                @if !citizen.is_empty() {
                    section.panel aria-labelledby="citizen" {
                        h2 #citizen { "市民补充 " span.en { "Citizen updates" } }
                        ol.timeline {
                            @for u in &citizen {
                                li {
                                    (when(u.updated_at)) " · " (u.description)
                                    // Only a web address becomes a link (never `javascript:`).
                                    @if let Some(url) = u.media_url.as_ref().filter(|u| u.starts_with("https://") || u.starts_with("http://")) {
                                        " " a href=(url) rel="noopener noreferrer" { "附件" }
                                    }
                                    span.muted { " · 经 " (u.submitted_by) }
                                }
                            }
                        }
                    }
                }
                @if !r.actions.is_empty() {
                    section.panel aria-labelledby="scenarios" {
                        h2 #scenarios { (SCENARIOS) }
                        ul { @for a in &r.actions { li { (scenario_action(a)) } } }
                    }
                }
            }
            div {
                (actions_panel(signed, platform, r))
                section.panel aria-labelledby="reporter" {
                    h2 #reporter { (REPORTER) }
                    @if let Notice::Revealed(revealed) = &notice {
                        @if revealed.erased_at.is_some() {
                            p { (ERASED) }
                        } @else {
                            p.secret role="status" { (revealed.name.as_deref().unwrap_or("")) " " (revealed.phone.as_deref().unwrap_or("")) }
                            p.hint { (REVEALED_ONCE) }
                        }
                    } @else {
                        @if e.reporter.is_empty() {
                            p { (NONE) }
                        } @else {
                            @let masked = e.reporter.masked();
                            p { (masked.name.as_deref().unwrap_or("")) " " (masked.phone.as_deref().unwrap_or("")) }
                        }
                        @if may_reveal && !e.reporter.is_empty() {
                            form method="post" action=(format!("/cases/{id}/reveal")) {
                                (signed.csrf_field())
                                button type="submit" { (REVEAL) }
                            }
                        }
                    }
                }
                section.panel aria-labelledby="place" {
                    h2 #place { (PLACE) }
                    p { (e.location.street_name) (e.location.community_name.as_deref().map(|c| format!(" · {c}")).unwrap_or_default())
                        @if let Some(address) = &e.location.address { " · " (address) } }
                    (map(&reference.district, &e.location.street_code, point))
                }
            }
        }
    };
    Ok(page(signed, &format!("{TITLE} · {}", e.id), "/cases", body))
}

/// A page that shows a revealed number must not be kept by the browser or a proxy.
pub fn no_store(markup: Markup) -> Response {
    ([(CACHE_CONTROL, "no-store")], markup).into_response()
}
