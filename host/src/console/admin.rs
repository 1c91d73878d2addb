//! 系统管理, `GET /admin`: district IT's accounts (create for a staff id, showing the one-time
//! password once; reset; disable and enable) and tokens (list, create showing the secret once,
//! revoke), with the same `auth::accounts` / `auth::tokens` calls as `/api/v1/accounts` and
//! `/api/v1/tokens`. Imports of reference data are not recorded in the database, so the page
//! says so instead of listing them.

use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::case::no_store;
use super::layout::{Failure, Signed, message_of, page, status_of, when};
use crate::auth::{accounts, tokens};
use crate::domain::Scope;
use crate::http::ApiError;
use crate::platform::Platform;

const TITLE: &str = "系统管理";
const ACCOUNTS: &str = "账号";
const TOKENS: &str = "访问令牌";
const IMPORTS: &str = "基础数据导入";
const IMPORTS_NOTE: &str =
    "导入记录未保存在数据库中：请查看服务器上 `streetwise import` 的运行日志。";
const STAFF_ID: &str = "人员编号";
const USERNAME: &str = "用户名（可选）";
const CREATE_ACCOUNT: &str = "创建账号";
const ONE_TIME: &str = "一次性密码（仅显示这一次，首次登录须修改）";
const SCOPE: &str = "令牌范围";
const STREET: &str = "街道（可选）";
const LABEL: &str = "用途说明";
const STAFF: &str = "人员编号（人员令牌）";
const SOURCES: &str = "来源（渠道令牌，逗号分隔）";
pub(super) const CREATE_TOKEN: &str = "创建令牌";
pub(super) const SECRET: &str = "令牌（仅显示这一次，请妥善保存）";

pub(super) fn scope_label(scope: Scope) -> &'static str {
    match scope {
        Scope::DistrictAdmin => "区级管理",
        Scope::StreetAdmin => "街道管理",
        Scope::ReadOnly => "只读",
        Scope::Staff => "人员",
        Scope::Channel => "渠道接入",
    }
}

pub(super) enum Notice {
    None,
    Secret(String, String),
    Done(String),
    Error(String, Option<String>),
}

async fn render(signed: &Signed, platform: &Platform, notice: &Notice) -> Result<Markup, Failure> {
    signed
        .caller
        .require_people("list_accounts", "accounts")
        .await?;
    let reference = platform.reference();
    let list = accounts::list(platform.db()).await?;
    let issued = tokens::list(platform.db()).await?;
    let csrf = signed.csrf_field();
    let body = html! {
        @match notice {
            Notice::None => {},
            Notice::Secret(what, secret) => div.notice.ok role="status" { (what) "：" span.secret { (secret) } },
            Notice::Done(what) => p.notice.ok role="status" { (what) },
            Notice::Error(zh, en) => p.notice.error role="alert" { (zh) @if let Some(en) = en { span.en { " " (en) } } },
        }
        h2 { (ACCOUNTS) }
        form.row method="post" action="/admin/accounts" {
            (csrf)
            label for="staff_id" { (STAFF_ID) } input #staff_id type="text" name="staff_id" required;
            label for="new_username" { (USERNAME) } input #new_username type="text" name="username";
            button.primary type="submit" { (CREATE_ACCOUNT) }
        }
        table.grid {
            caption { (ACCOUNTS) " (" (list.len()) ")" }
            thead { tr { th { "用户名" } th { "姓名" } th { "岗位" } th { "单位" } th { "状态" } th { "创建" } th { "操作" } } }
            tbody {
                @for a in &list {
                    @let person = reference.staff_member(&a.staff_id);
                    tr {
                        th scope="row" { (a.username) }
                        td { (person.map_or("—", |p| p.name.as_str())) }
                        td { (person.map_or("—", |p| p.role.label())) }
                        td { (person.and_then(|p| reference.unit(&p.unit)).map_or("—", |u| u.name.as_str())) }
                        td {
                            @if a.disabled_at.is_some() { span.badge.red { "已停用" } }
                            @else if a.locked_until.is_some_and(|t| t > platform.now()) { span.badge.yellow { "已锁定" } }
                            @else if a.must_change { span.badge { "待改密" } }
                            @else { "正常" }
                        }
                        td { (when(a.created_at)) " " span.muted { (a.created_by) } }
                        td {
                            form.inline method="post" action=(format!("/admin/accounts/{}/reset", a.username)) { (csrf) button type="submit" { "重置密码" } }
                            " "
                            @if a.disabled_at.is_some() {
                                form.inline method="post" action=(format!("/admin/accounts/{}/enable", a.username)) { (csrf) button type="submit" { "启用" } }
                            } @else {
                                form.inline method="post" action=(format!("/admin/accounts/{}/disable", a.username)) { (csrf) button.danger type="submit" { "停用" } }
                            }
                        }
                    }
                }
            }
        }
        h2 { (TOKENS) }
        form.row method="post" action="/admin/tokens" {
            (csrf)
            label for="scope" { (SCOPE) }
            select #scope name="scope" { @for s in Scope::ALL { option value=(s.as_str()) { (scope_label(s)) } } }
            label for="street" { (STREET) }
            select #street name="street" { option value="" { "—" } @for s in &reference.district.streets { option value=(s.code) { (s.name) } } }
            label for="label" { (LABEL) } input #label type="text" name="label" required;
            label for="token_staff" { (STAFF) } input #token_staff type="text" name="staff_id";
            label for="sources" { (SOURCES) } input #sources type="text" name="sources" placeholder="hotline,web";
            button.primary type="submit" { (CREATE_TOKEN) }
        }
        table.grid {
            caption { (TOKENS) " (" (issued.len()) ")" }
            thead { tr { th { "编号" } th { "范围" } th { "街道" } th { "人员" } th { "用途" } th { "创建" } th { "状态" } th { "操作" } } }
            tbody {
                @for t in &issued {
                    tr {
                        th scope="row" { code { (t.id) } }
                        td { (scope_label(t.scope)) }
                        td { (t.street_code.as_deref().and_then(|c| reference.district.street(c)).map_or("—", |s| s.name.as_str())) }
                        td { (t.staff_id.as_deref().unwrap_or("—")) }
                        td { (t.label) }
                        td { (when(t.created_at)) " " span.muted { (t.created_by) } }
                        td { @if t.revoked_at.is_some() { span.badge.red { "已吊销" } } @else { "有效" } }
                        td { @if t.revoked_at.is_none() {
                            form.inline method="post" action=(format!("/admin/tokens/{}/revoke", t.id)) { (csrf) button.danger type="submit" { "吊销" } }
                        } }
                    }
                }
            }
        }
        h2 { (IMPORTS) }
        p.muted { (IMPORTS_NOTE) }
    };
    Ok(page(signed, TITLE, "/admin", body))
}

/// `GET /admin`.
pub async fn page_route(
    signed: Signed,
    State(platform): State<Arc<Platform>>,
) -> Result<Markup, Failure> {
    render(&signed, &platform, &Notice::None).await
}

pub(super) async fn answer(
    signed: &Signed,
    platform: &Platform,
    outcome: Result<Notice, ApiError>,
) -> Response {
    let (status, notice) = match outcome {
        Ok(notice) => (axum::http::StatusCode::OK, notice),
        Err(e @ (ApiError::Internal(_) | ApiError::Unavailable(_) | ApiError::Forbidden(_))) => {
            return Failure(e).into_response();
        }
        Err(e) => {
            let (zh, en) = message_of(&e);
            (status_of(&e).0, Notice::Error(zh, en))
        }
    };
    match render(signed, platform, &notice).await {
        // A page with a one-time secret must not be kept by the browser.
        Ok(markup) => {
            let mut response = no_store(markup);
            *response.status_mut() = status;
            response
        }
        Err(f) => f.into_response(),
    }
}

pub(super) fn refused(cause: anyhow::Error) -> ApiError {
    ApiError::Unprocessable {
        code: "refused",
        message: format!("{cause:#}"),
    }
}

#[derive(Debug, Deserialize)]
pub struct AccountForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    staff_id: Option<String>,
    username: Option<String>,
}

/// `POST /admin/accounts`.
pub async fn create_account(
    signed: Signed,
    State(platform): State<Arc<Platform>>,
    Form(form): Form<AccountForm>,
) -> Response {
    let outcome: Result<Notice, ApiError> = async {
        signed.caller.check_csrf(form.csrf.as_deref())?;
        let staff_id = form.staff_id.unwrap_or_default().trim().to_string();
        signed
            .caller
            .require_people("create_account", &staff_id)
            .await?;
        let username = form
            .username
            .map(|u| u.trim().to_string())
            .filter(|u| !u.is_empty());
        let reference = platform.reference();
        let created = accounts::create(
            platform.db(),
            &reference,
            &staff_id,
            username.as_deref(),
            signed.principal(),
        )
        .await
        .map_err(refused)?;
        Ok(Notice::Secret(
            format!(
                "已为 {}（用户名 {}）创建账号，{ONE_TIME}",
                created.name, created.username
            ),
            created.password,
        ))
    }
    .await;
    answer(&signed, &platform, outcome).await
}

/// `POST /admin/accounts/{key}/{reset|disable|enable}`.
pub async fn change_account(
    signed: Signed,
    State(platform): State<Arc<Platform>>,
    Path((key, change)): Path<(String, String)>,
    Form(form): Form<AccountForm>,
) -> Response {
    let outcome: Result<Notice, ApiError> = async {
        signed.caller.check_csrf(form.csrf.as_deref())?;
        let reference = platform.reference();
        match change.as_str() {
            "reset" => {
                signed.caller.require_people("reset_password", &key).await?;
                let reset = accounts::reset(platform.db(), &reference, &key, signed.principal())
                    .await
                    .map_err(refused)?;
                Ok(Notice::Secret(
                    format!(
                        "已重置 {}（用户名 {}）的密码，{ONE_TIME}",
                        reset.name, reset.username
                    ),
                    reset.password,
                ))
            }
            "disable" | "enable" => {
                let disable = change == "disable";
                let action = if disable {
                    "disable_account"
                } else {
                    "enable_account"
                };
                signed.caller.require_people(action, &key).await?;
                accounts::set_disabled(platform.db(), &key, disable, signed.principal())
                    .await
                    .map_err(refused)?;
                Ok(Notice::Done(format!(
                    "已{}账号 {key}",
                    if disable { "停用" } else { "启用" }
                )))
            }
            _ => Err(ApiError::NotFound(format!("no change {change:?}"))),
        }
    }
    .await;
    answer(&signed, &platform, outcome).await
}
