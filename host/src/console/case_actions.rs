//! What can be done to a case from its page: the action forms (only those the transition table
//! gives the caller's roles on this case, each with the field its rule requires), and the two
//! form posts, `POST /cases/{id}/act` (the same `Platform::act` as `POST .../actions`) and
//! `POST /cases/{id}/reveal` (the same reveal as `POST .../reporter`).

use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::case::{Notice, no_store, render};
use super::layout::{Failure, Signed, message_of, status_of, when};
use super::text;
use crate::auth::policy;
use crate::cases::{Act, ActError};
use crate::domain::{Action as ScenarioAction, ActionRecord, CaseScope, EventRecord};
use crate::http::ApiError;
use crate::http::events::scope_of;
use crate::lifecycle::{self, Action, Requires};
use crate::platform::Platform;

const ACTIONS: &str = "办理操作";
const NO_ACTIONS: &str = "您当前没有可执行的操作";
const CHOOSE: &str = "请选择";

/// The actions the caller may take on `r` now, one form each.
pub fn actions_panel(signed: &Signed, platform: &Platform, r: &EventRecord) -> Markup {
    let scope = scope_of(r);
    let mut actions: Vec<Action> = Vec::new();
    for role in policy::roles_on(signed.principal(), &scope) {
        for action in lifecycle::allowed(r.status, role) {
            if !actions.contains(&action) {
                actions.push(action);
            }
        }
    }
    let reference = platform.reference();
    let id = &r.event.id;
    html! {
        section.panel aria-labelledby="actions" {
            h2 #actions { (ACTIONS) }
            @if actions.is_empty() { p.muted { (NO_ACTIONS) } }
            @for action in &actions {
                @let requires = lifecycle::rule(r.status, *action).map_or(Requires::Nothing, |rule| rule.requires);
                @let field = format!("{}-{}", action.as_str(), "field");
                form.action method="post" action=(format!("/cases/{id}/act")) aria-label=(text::action(*action)) {
                    (signed.csrf_field())
                    input type="hidden" name="action" value=(action.as_str());
                    @if let Some(label) = text::requires(requires) {
                        label for=(field) { (label) }
                        @match requires {
                            Requires::Reason => textarea #(field) name="reason" required {},
                            Requires::Note => textarea #(field) name="note" required {},
                            Requires::Unit => select #(field) name="unit" required {
                                option value="" { (CHOOSE) }
                                @for unit in reference.directory(&r.event.location.street_code) {
                                    @if unit.code != r.dispatch.handling_unit.code {
                                        option value=(unit.code) { (unit.name) }
                                    }
                                }
                            },
                            Requires::Item => {
                                (item_choice(&field, &reference, r))
                                label for=(format!("{field}-reason")) { "说明（可选）" }
                                textarea #(format!("{field}-reason")) name="reason" {}
                            },
                            Requires::Case => input #(field) type="text" name="into" required
                                value=[r.duplicate_of.as_deref()] placeholder="事件编号";,
                            _ => select #(field) name="assignee" required {
                                option value="" { (CHOOSE) }
                                @for person in reference.staff_of(&r.dispatch.handling_unit.code) {
                                    option value=(person.id) { (person.name) "（" (person.role.label()) "）" }
                                }
                            },
                        }
                    }
                    button type="submit" { (text::action(*action)) }
                }
            }
        }
    }
}

/// The catalog items to choose from: the classifier's suggestions first, then every item by
/// category.
fn item_choice(field: &str, reference: &crate::reference::Reference, r: &EventRecord) -> Markup {
    let suggested = &r.classification.suggestions;
    html! {
        select #(field) name="item" required {
            option value="" { (CHOOSE) }
            @if !suggested.is_empty() {
                optgroup label="模型建议" {
                    @for s in suggested {
                        option value=(s.item_code) {
                            (s.item_code) " " (s.item_name) "（" (format!("{:.0}%", s.confidence * 100.0)) "）"
                        }
                    }
                }
            }
            @for category in &reference.catalog.categories {
                optgroup label=(format!("{} {}", category.code, category.name)) {
                    @for item in reference.catalog.items.iter().filter(|i| i.category == category.code) {
                        option value=(item.code) { (item.code) " " (item.name) }
                    }
                }
            }
        }
    }
}

/// One action a scenario plugin asked for, in words.
pub fn scenario_action(record: &ActionRecord) -> Markup {
    let by = record.plugin.to_string();
    let at = when(record.created_at);
    html! {
        @match &record.action {
            ScenarioAction::EarlyWarning { level, message, community } => {
                span.badge.yellow { "预警 " (level) } " " (message)
                @if let Some(c) = community { "（" (c) "）" }
            },
            ScenarioAction::FollowUp { description, event_id, .. } => {
                "联动派单：" (description)
                @if let Some(child) = event_id { " " a href=(format!("/cases/{child}")) { (child) } }
            },
            ScenarioAction::Tag { tag } => { "标签：" (tag) },
            ScenarioAction::Escalate { level, reason } => { span.badge.red { "督办 " (level) } " " (reason) },
        }
        span.muted { " · " (by) " · " (at) }
    }
}

#[derive(Debug, Deserialize)]
pub struct ActForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    action: Option<String>,
    reason: Option<String>,
    note: Option<String>,
    unit: Option<String>,
    assignee: Option<String>,
    item: Option<String>,
    into: Option<String>,
}

fn filled(value: Option<String>) -> Option<String> {
    value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// `POST /cases/{id}/act`: back to the case page, with what was done or the server's refusal.
pub async fn act(
    signed: Signed,
    State(platform): State<Arc<Platform>>,
    Path(id): Path<String>,
    Form(form): Form<ActForm>,
) -> Response {
    if let Err(e) = signed.caller.check_csrf(form.csrf.as_deref()) {
        return Failure(e).into_response();
    }
    match apply(&signed, &platform, &id, form).await {
        Ok(action) => Redirect::to(&format!("/cases/{id}?done={action}")).into_response(),
        Err(e) => again(&signed, &platform, &id, e).await,
    }
}

async fn apply(
    signed: &Signed,
    platform: &Platform,
    id: &str,
    form: ActForm,
) -> Result<Action, ApiError> {
    let name = form.action.unwrap_or_default();
    let action = Action::parse(&name).ok_or_else(|| ApiError::Unprocessable {
        code: "unknown_action",
        message: format!("unknown action {name:?} (未知操作)"),
    })?;
    let head = platform
        .db()
        .case_head(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no event {id} (未找到该案件)")))?;
    let scope = CaseScope {
        street: &head.street_code,
        unit: Some(&head.handling_unit),
        source: head.source,
        assignee: head.assignee.as_deref(),
    };
    signed
        .caller
        .require_case(id, &scope, action.as_str())
        .await?;
    let act = Act {
        action,
        by: signed.principal().clone(),
        reason: filled(form.reason),
        note: filled(form.note),
        unit: filled(form.unit),
        assignee: filled(form.assignee),
        item: filled(form.item),
        into: filled(form.into),
        extension: None,
    };
    match platform.act(id, act).await {
        Ok(_) => Ok(action),
        Err(e) => Err(match e {
            ActError::Refused(refusal) => {
                let street = Some(head.street_code.as_str());
                signed
                    .caller
                    .refuse(refusal, street, Some(id), action.as_str(), id)
                    .await
            }
            ActError::NotFound(_) => ApiError::NotFound(format!("{e} (未找到该案件)")),
            ActError::Invalid { code, message } => ApiError::Unprocessable {
                message: format!("{message} ({})", invalid_zh(code)),
                code,
            },
            ActError::NotAllowed(ref refused) | ActError::Changed(ref refused) => {
                ApiError::Conflict {
                    code: "transition_not_allowed",
                    message: format!(
                        "{e} (案件当前状态为「{}」，不能执行「{}」)",
                        text::status(refused.current),
                        text::action(refused.action)
                    ),
                    current: refused.current.as_str().into(),
                    allowed: refused.allowed.iter().map(|a| a.as_str().into()).collect(),
                }
            }
            ActError::Internal(cause) => ApiError::Internal(cause),
        }),
    }
}

/// The Chinese of a refused action's content.
fn invalid_zh(code: &str) -> &'static str {
    match code {
        "missing_reason" => "请填写原因",
        "missing_note" => "请填写办理情况",
        "missing_unit" => "请选择改派单位",
        "unknown_unit" => "改派单位不存在",
        "same_unit" => "请改派到其他单位",
        "missing_assignee" => "请选择承办人",
        "unknown_staff" => "承办人不存在",
        "not_in_unit" => "承办人不属于该案件的处置单位",
        "text_too_long" => "填写内容过长",
        "missing_item" => "请选择事项",
        "unknown_item" => "事项不存在",
        "same_item" => "请选择与当前不同的事项",
        "missing_case" => "请填写要并入的案件编号",
        "unknown_case" => "要并入的案件不存在",
        "same_case" => "不能并入自身",
        "case_closed" => "要并入的案件已结束，请选择在办案件",
        "has_merged_reports" => "本案件已有并入的报告，请先取消它们的合并",
        _ => "输入有误",
    }
}

/// The case page again, with the refusal on top and its status code.
async fn again(signed: &Signed, platform: &Platform, id: &str, e: ApiError) -> Response {
    let (status, _) = status_of(&e);
    if matches!(
        e,
        ApiError::NotFound(_) | ApiError::Internal(_) | ApiError::Unavailable(_)
    ) {
        return Failure(e).into_response();
    }
    let (zh, en) = message_of(&e);
    match render(signed, platform, id, Notice::Error(zh, en)).await {
        Ok(markup) => (status, markup).into_response(),
        Err(failure) => failure.into_response(),
    }
}

#[derive(Debug, Deserialize)]
pub struct RevealForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
}

/// `POST /cases/{id}/reveal`: the case page with the reporter's full name and number, once.
pub async fn reveal(
    signed: Signed,
    State(platform): State<Arc<Platform>>,
    Path(id): Path<String>,
    Form(form): Form<RevealForm>,
) -> Response {
    if let Err(e) = signed.caller.check_csrf(form.csrf.as_deref()) {
        return Failure(e).into_response();
    }
    match crate::http::reporter::reveal_reporter(&platform, &signed.caller, &id).await {
        Ok(revealed) => match render(&signed, &platform, &id, Notice::Revealed(revealed)).await {
            Ok(markup) => no_store(markup),
            Err(failure) => failure.into_response(),
        },
        Err(e) => again(&signed, &platform, &id, e).await,
    }
}
