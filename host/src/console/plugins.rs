//! 插件, `GET /plugins/{street}`: a street's plugin versions, the health of the active ones
//! (p50/p99, faults, breaker), the shadow runs' reports, and the forms that replay, activate
//! and roll back, calling the same `Platform` operations as the versions API. `GET /plugins`
//! lists the streets for district-wide roles.

use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::layout::{Failure, Signed, message_of, page, status_of, when};
use crate::auth::policy::{self, Access};
use crate::http::ApiError;
use crate::platform::Platform;
use crate::versions::{MAX_EVENTS, Replayed, Selection};

const TITLE: &str = "插件";
const STREETS: &str = "选择街道";
const VERSIONS: &str = "版本";
const HEALTH: &str = "运行状况（当前生效版本）";
const SHADOW: &str = "影子运行报告";
const ACTIVATE: &str = "启用此版本";
const ROLLBACK: &str = "回滚到上一版本";
const REPLAY: &str = "回放";
const REPLAY_LAST: &str = "回放最近事件数";
const NONE: &str = "该街道暂无插件";
const BREAKER: [(&str, &str); 3] = [
    ("closed", "正常"),
    ("open", "已熔断"),
    ("half_open", "试探恢复"),
];

fn micros(v: Option<u64>) -> String {
    v.map_or("—".into(), |m| format!("{:.2} ms", m as f64 / 1000.0))
}

/// `GET /plugins`: the streets, for those who read every street's plugins.
pub async fn index(
    signed: Signed,
    State(platform): State<Arc<Platform>>,
) -> Result<Markup, Failure> {
    signed
        .caller
        .require_read(None, "read_versions", "plugins")
        .await?;
    let reference = platform.reference();
    let body = html! {
        h2 { (STREETS) }
        ul { @for s in &reference.district.streets { li { a href=(format!("/plugins/{}", s.code)) { (s.name) } } } }
    };
    Ok(page(&signed, TITLE, "/plugins", body))
}

/// What the page says on top after a form.
enum Notice {
    None,
    Done(String),
    Replayed(Box<Replayed>),
    Error(String, Option<String>),
}

async fn render(
    signed: &Signed,
    platform: &Platform,
    street: &str,
    notice: Notice,
) -> Result<Markup, Failure> {
    let code = platform
        .street_code(street)
        .ok_or_else(|| ApiError::NotFound(format!("unknown street {street:?} (未知街道)")))?;
    signed
        .caller
        .require_read(Some(&code), "read_versions", "plugins")
        .await?;
    let may_write = policy::check(signed.principal(), Access::Write, Some(&code)).is_ok();
    let name = platform
        .reference()
        .district
        .street(&code)
        .map_or(code.clone(), |s| s.name.clone());
    let versions = platform.db().plugin_versions(&code).await?;
    let active = platform.registry().active_in(&code);
    let mut reports = Vec::new();
    for v in versions.iter().filter(|v| v.shadow.is_some()) {
        if let Ok((_, report)) = platform
            .versions()
            .shadow_report(&code, &v.name, v.version)
            .await
        {
            reports.push((v.name.clone(), v.version, report));
        }
    }
    let csrf = signed.csrf_field();
    let body = html! {
        @match &notice {
            Notice::None => {},
            Notice::Done(what) => p.notice.ok role="status" { (what) },
            Notice::Replayed(r) => p.notice.ok role="status" {
                "回放完成：读取 " (r.events) " 条事件，跳过 " (r.skipped) " 条，比较 " (r.report.compared)
                " 条，决定不同 " (r.report.differing) " 条，用时 " (r.millis) " ms"
            },
            Notice::Error(zh, en) => p.notice.error role="alert" { (zh) @if let Some(en) = en { span.en { " " (en) } } },
        }
        p.muted { (name) " · " (code) }
        table.grid {
            caption { (HEALTH) }
            thead { tr { th { "插件" } th { "版本" } th { "调用" } th { "成功" } th { "故障" } th { "p50" } th { "p99" } th { "最大" } th { "熔断器" } } }
            tbody {
                @for p in &active {
                    @let h = p.health.snapshot();
                    tr {
                        th scope="row" { (p.meta.name) } td { (p.meta.version) } td.num { (h.calls) } td.num { (h.ok) }
                        td { @for (kind, n) in &h.faults { (kind) "：" (n) " " } @if h.faults.is_empty() { "0" } }
                        td.num { (micros(h.p50_micros)) } td.num { (micros(h.p99_micros)) } td.num { (micros(Some(h.max_micros))) }
                        td { (BREAKER.iter().find(|(s, _)| *s == h.breaker.state).map_or(h.breaker.state, |(_, zh)| *zh)) }
                    }
                }
                @if active.is_empty() { tr { td colspan="9" { (NONE) } } }
            }
        }
        table.grid {
            caption { (VERSIONS) }
            thead { tr { th { "插件" } th { "版本" } th { "类型" } th { "部署时间" } th { "部署人" } th { "状态" } th { "说明" } @if may_write { th { "操作" } } } }
            tbody {
                @for v in &versions {
                    tr {
                        th scope="row" { (v.name) } td { (v.version) } td { (v.kind.as_str()) } td { (when(v.deployed_at)) } td { (v.deployed_by) }
                        td { @if v.active { span.badge { "生效中" } } @else if v.shadow.is_some() { span.badge.yellow { "影子运行" } } @else { "未启用" } }
                        td { (v.notes.as_deref().unwrap_or("")) }
                        @if may_write {
                            td {
                                @if !v.active {
                                    form.inline method="post" action=(format!("/plugins/{code}/{}/activate", v.name)) {
                                        (csrf) input type="hidden" name="version" value=(v.version);
                                        button type="submit" { (ACTIVATE) }
                                    }
                                } @else {
                                    form.inline method="post" action=(format!("/plugins/{code}/{}/rollback", v.name)) {
                                        (csrf) button.danger type="submit" { (ROLLBACK) }
                                    }
                                }
                                form.row method="post" action=(format!("/plugins/{code}/{}/replay", v.name)) {
                                    (csrf) input type="hidden" name="version" value=(v.version);
                                    @let field = format!("last-{}-{}", v.name, v.version);
                                    label for=(field) { (REPLAY_LAST) }
                                    input #(field) type="number" name="last" value="1000" min="1" max=(MAX_EVENTS);
                                    button type="submit" { (REPLAY) }
                                }
                            }
                        }
                    }
                }
                @if versions.is_empty() { tr { td colspan="8" { (NONE) } } }
            }
        }
        @for (plugin, version, r) in &reports {
            table.grid {
                caption { (SHADOW) "：" (plugin) " v" (version) "（比较 " (r.compared) "，不同 " (r.differing) "，p50 " (micros(Some(r.micros_p50))) "，p99 " (micros(Some(r.micros_p99))) "）" }
                thead { tr { th { "事项" } th { "比较" } th { "不同" } th { "主要变化" } } }
                tbody { @for item in &r.items { tr {
                    td { (item.item_code) } td.num { (item.compared) } td.num { (item.differing) }
                    td { @for (change, n) in &item.changes { (change) " ×" (n) br; } }
                } } }
            }
        }
    };
    Ok(page(signed, &format!("{TITLE} · {name}"), "/plugins", body))
}

/// `GET /plugins/{street}`.
pub async fn page_route(
    signed: Signed,
    State(platform): State<Arc<Platform>>,
    Path(street): Path<String>,
) -> Result<Markup, Failure> {
    render(&signed, &platform, &street, Notice::None).await
}

#[derive(Debug, Deserialize)]
pub struct VersionForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    version: Option<u32>,
    last: Option<u32>,
}

async fn answer(
    signed: &Signed,
    platform: &Platform,
    street: &str,
    outcome: Result<Notice, ApiError>,
) -> Response {
    let (status, notice) = match outcome {
        Ok(notice) => (axum::http::StatusCode::OK, notice),
        Err(e @ (ApiError::Internal(_) | ApiError::Unavailable(_) | ApiError::NotFound(_))) => {
            return Failure(e).into_response();
        }
        Err(e) => {
            let (zh, en) = message_of(&e);
            (status_of(&e).0, Notice::Error(zh, en))
        }
    };
    match render(signed, platform, street, notice).await {
        Ok(markup) => (status, markup).into_response(),
        Err(f) => f.into_response(),
    }
}

async fn change(
    signed: &Signed,
    platform: &Platform,
    street: &str,
    name: &str,
    what: &str,
    form: VersionForm,
) -> Result<Notice, ApiError> {
    signed.caller.check_csrf(form.csrf.as_deref())?;
    let code = platform
        .street_code(street)
        .ok_or_else(|| ApiError::NotFound(format!("unknown street {street:?}")))?;
    let version = form.version.unwrap_or_default();
    let target = format!("plugin {name}@{version}");
    signed.caller.require_street(&code, what, &target).await?;
    match what {
        "activate" => {
            let v = platform
                .versions()
                .activate(&code, name, version)
                .await
                .map_err(crate::http::versions::api_error)?;
            signed.caller.record_write(Some(&code), what, &target).await;
            Ok(Notice::Done(format!("已启用 {name} v{}", v.version)))
        }
        "rollback" => {
            let v = platform
                .versions()
                .rollback(&code, name)
                .await
                .map_err(crate::http::versions::api_error)?;
            signed
                .caller
                .record_write(Some(&code), what, &format!("plugin {name}@{}", v.version))
                .await;
            Ok(Notice::Done(format!(
                "已回滚，当前生效 {name} v{}",
                v.version
            )))
        }
        _ => {
            let last = form.last.unwrap_or(1_000).clamp(1, MAX_EVENTS);
            let selection = Selection {
                last,
                from: None,
                to: None,
            };
            let replayed = platform
                .versions()
                .replay(&code, name, version, selection, &|_: u64| {})
                .await
                .map_err(crate::http::versions::api_error)?;
            Ok(Notice::Replayed(Box::new(replayed)))
        }
    }
}

macro_rules! handler {
    ($fn:ident, $what:literal) => {
        pub async fn $fn(
            signed: Signed,
            State(platform): State<Arc<Platform>>,
            Path((street, name)): Path<(String, String)>,
            Form(form): Form<VersionForm>,
        ) -> Response {
            if let Err(e) = signed.caller.check_csrf(form.csrf.as_deref()) {
                return Failure(e).into_response();
            }
            let outcome = change(&signed, &platform, &street, &name, $what, form).await;
            answer(&signed, &platform, &street, outcome).await
        }
    };
}

handler!(activate, "activate");
handler!(rollback, "rollback");
handler!(replay, "replay");
