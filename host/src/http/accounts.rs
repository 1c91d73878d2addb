//! `/api/v1/accounts` and `/api/v1/tokens`: district IT's work on people and machines. Every
//! call needs the `People` access (district IT, or a `district_admin` token) and is audited.

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::auth::Caller;
use super::error::{ApiError, ErrorBody};
use crate::auth::{accounts, tokens};
use crate::domain::{Scope, Source};
use crate::platform::Platform;
use crate::storage::accounts::Account;

pub fn router() -> Router<Arc<Platform>> {
    Router::new()
        .route("/api/v1/accounts", get(list).post(create))
        .route("/api/v1/accounts/{key}/reset", post(reset))
        .route("/api/v1/accounts/{key}/disable", post(disable))
        .route("/api/v1/accounts/{key}/enable", post(enable))
        .route("/api/v1/tokens", get(list_tokens).post(create_token))
        .route("/api/v1/tokens/{id}/revoke", post(revoke_token))
}

/// An account with the person it belongs to, from the staff directory.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct AccountView {
    #[serde(flatten)]
    account: Account,
    name: Option<String>,
    /// The post's Chinese name (岗位), e.g. 承办人.
    post: Option<&'static str>,
    /// The unit's code.
    unit: Option<String>,
}

#[utoipa::path(
    operation_id = "list_accounts",
    get,
    path = "/api/v1/accounts",
    tag = "accounts",
    summary = "Every staff account (账号列表)",
    responses(
        (status = 200, description = "The accounts", body = Vec<AccountView>),
        (status = 403, description = "Not district IT", body = ErrorBody),
    )
)]
async fn list(
    caller: Caller,
    State(platform): State<Arc<Platform>>,
) -> Result<Json<Vec<AccountView>>, ApiError> {
    caller.require_people("list_accounts", "accounts").await?;
    let reference = platform.reference();
    let views = accounts::list(platform.db())
        .await?
        .into_iter()
        .map(|account| {
            let person = reference.staff_member(&account.staff_id);
            AccountView {
                name: person.map(|p| p.name.clone()),
                post: person.map(|p| p.role.label()),
                unit: person.map(|p| p.unit.clone()),
                account,
            }
        })
        .collect();
    Ok(Json(views))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct NewAccount {
    /// The person's id in the staff directory.
    staff_id: String,
    /// The sign-in name; the staff id when absent.
    username: Option<String>,
}

/// The one answer that carries a password: a new account's or a reset one-time password.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct OneTimeView {
    pub username: String,
    pub staff_id: String,
    pub name: String,
    pub one_time_password: String,
}

impl From<accounts::OneTime> for OneTimeView {
    fn from(o: accounts::OneTime) -> Self {
        Self {
            username: o.username,
            staff_id: o.staff_id,
            name: o.name,
            one_time_password: o.password,
        }
    }
}

fn refused(cause: anyhow::Error) -> ApiError {
    ApiError::Unprocessable {
        code: "account_refused",
        message: format!("{cause:#}"),
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/accounts",
    tag = "accounts",
    summary = "Open an account for a person of the staff directory (开通账号)",
    description = "Answers the one-time password, shown once; it must be changed at the first sign-in.",
    request_body = NewAccount,
    responses(
        (status = 201, description = "Created, with its one-time password", body = OneTimeView),
        (status = 400, description = "Unreadable JSON or unknown fields", body = ErrorBody),
        (status = 403, description = "Not district IT", body = ErrorBody),
        (status = 415, description = "Not `application/json`", body = ErrorBody),
        (status = 422, description = "Refused: unknown person, taken username...", body = ErrorBody),
    )
)]
async fn create(
    caller: Caller,
    State(platform): State<Arc<Platform>>,
    body: Result<Json<NewAccount>, JsonRejection>,
) -> Result<(StatusCode, Json<OneTimeView>), ApiError> {
    let Json(request) = body?;
    caller
        .require_people("create_account", &request.staff_id)
        .await?;
    let reference = platform.reference();
    let created = accounts::create(
        platform.db(),
        &reference,
        &request.staff_id,
        request.username.as_deref(),
        caller.principal(),
    )
    .await
    .map_err(refused)?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

#[utoipa::path(
    post,
    path = "/api/v1/accounts/{key}/reset",
    tag = "accounts",
    summary = "Reset a password to a new one-time password (重置密码)",
    description = "The account's sessions end.",
    params(("key" = String, Path, description = "The username or staff id")),
    responses(
        (status = 200, description = "The new one-time password", body = OneTimeView),
        (status = 403, description = "Not district IT", body = ErrorBody),
        (status = 422, description = "No such account", body = ErrorBody),
    )
)]
async fn reset(
    caller: Caller,
    State(platform): State<Arc<Platform>>,
    Path(key): Path<String>,
) -> Result<Json<OneTimeView>, ApiError> {
    caller.require_people("reset_password", &key).await?;
    let reference = platform.reference();
    let reset = accounts::reset(platform.db(), &reference, &key, caller.principal())
        .await
        .map_err(refused)?;
    Ok(Json(reset.into()))
}

#[utoipa::path(
    post,
    path = "/api/v1/accounts/{key}/disable",
    tag = "accounts",
    summary = "Disable an account (停用账号)",
    description = "Its sessions end at once and sign-in is refused.",
    params(("key" = String, Path, description = "The username or staff id")),
    responses(
        (status = 200, description = "The account", body = Account),
        (status = 403, description = "Not district IT", body = ErrorBody),
        (status = 422, description = "No such account", body = ErrorBody),
    )
)]
async fn disable(
    caller: Caller,
    State(platform): State<Arc<Platform>>,
    Path(key): Path<String>,
) -> Result<Json<Account>, ApiError> {
    switch(caller, platform, key, true).await
}

#[utoipa::path(
    post,
    path = "/api/v1/accounts/{key}/enable",
    tag = "accounts",
    summary = "Enable a disabled account (启用账号)",
    params(("key" = String, Path, description = "The username or staff id")),
    responses(
        (status = 200, description = "The account", body = Account),
        (status = 403, description = "Not district IT", body = ErrorBody),
        (status = 422, description = "No such account", body = ErrorBody),
    )
)]
async fn enable(
    caller: Caller,
    State(platform): State<Arc<Platform>>,
    Path(key): Path<String>,
) -> Result<Json<Account>, ApiError> {
    switch(caller, platform, key, false).await
}

async fn switch(
    caller: Caller,
    platform: Arc<Platform>,
    key: String,
    disabled: bool,
) -> Result<Json<Account>, ApiError> {
    let action = if disabled {
        "disable_account"
    } else {
        "enable_account"
    };
    caller.require_people(action, &key).await?;
    let account = accounts::set_disabled(platform.db(), &key, disabled, caller.principal())
        .await
        .map_err(refused)?;
    Ok(Json(account))
}

/// A token as listed: never its secret.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct TokenView {
    /// The public id, the `<id>` of `sw_<id>_<secret>`.
    id: String,
    scope: Scope,
    /// The street (code) the token is limited to.
    street_code: Option<String>,
    /// The person a `staff` token acts as.
    staff_id: Option<String>,
    /// The sources a `channel` token may submit from.
    sources: Vec<Source>,
    label: String,
    #[schema(format = DateTime)]
    created_at: String,
    created_by: String,
    #[schema(format = DateTime)]
    revoked_at: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/tokens",
    tag = "tokens",
    summary = "Every access token, without secrets (令牌列表)",
    responses(
        (status = 200, description = "The tokens", body = Vec<TokenView>),
        (status = 403, description = "Not district IT", body = ErrorBody),
    )
)]
async fn list_tokens(
    caller: Caller,
    State(platform): State<Arc<Platform>>,
) -> Result<Json<Vec<TokenView>>, ApiError> {
    caller.require_people("list_tokens", "tokens").await?;
    let rows = tokens::list(platform.db()).await?;
    Ok(Json(
        rows.into_iter()
            .map(|t| TokenView {
                id: t.id,
                scope: t.scope,
                street_code: t.street_code,
                staff_id: t.staff_id,
                sources: t.sources,
                label: t.label,
                created_at: crate::calendar::rfc3339(t.created_at),
                created_by: t.created_by,
                revoked_at: t.revoked_at.map(crate::calendar::rfc3339),
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct NewTokenRequest {
    scope: Scope,
    /// The street a `street_admin` (or `read_only`) token is limited to: code, slug or name.
    street: Option<String>,
    /// Who holds it and what for, 1 to 200 characters.
    label: String,
    /// The person a `staff` token acts as.
    staff_id: Option<String>,
    /// The sources a `channel` token may submit from.
    #[serde(default)]
    sources: Vec<Source>,
}

/// A new token: its secret is shown once, here.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct IssuedToken {
    id: String,
    /// `sw_<id>_<secret>`: send it as `Authorization: Bearer <token>`.
    token: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/tokens",
    tag = "tokens",
    summary = "Issue an access token (签发令牌)",
    request_body = NewTokenRequest,
    responses(
        (status = 201, description = "Issued: the token, shown once", body = IssuedToken),
        (status = 400, description = "Unreadable JSON, an unknown scope or unknown fields", body = ErrorBody),
        (status = 403, description = "Not district IT", body = ErrorBody),
        (status = 415, description = "Not `application/json`", body = ErrorBody),
        (status = 422, description = "Refused: a street where none fits, an unknown person...", body = ErrorBody),
    )
)]
async fn create_token(
    caller: Caller,
    State(platform): State<Arc<Platform>>,
    body: Result<Json<NewTokenRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<IssuedToken>), ApiError> {
    let Json(request) = body?;
    caller
        .require_people("create_token", &request.label)
        .await?;
    let issued = tokens::create(
        platform.db(),
        tokens::NewToken {
            scope: request.scope,
            street: request.street,
            label: request.label,
            created_by: caller.who().to_string(),
            staff_id: request.staff_id,
            sources: request.sources,
        },
    )
    .await
    .map_err(|e| ApiError::Unprocessable {
        code: "token_refused",
        message: format!("{e:#}"),
    })?;
    caller
        .record_write(None, "create_token", &issued.record.id)
        .await;
    Ok((
        StatusCode::CREATED,
        Json(IssuedToken {
            id: issued.record.id,
            token: issued.token,
        }),
    ))
}

#[utoipa::path(
    post,
    path = "/api/v1/tokens/{id}/revoke",
    tag = "tokens",
    summary = "Revoke a token (吊销令牌)",
    params(("id" = String, Path, description = "The token's public id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 403, description = "Not district IT", body = ErrorBody),
        (status = 404, description = "No such token", body = ErrorBody),
    )
)]
async fn revoke_token(
    caller: Caller,
    State(platform): State<Arc<Platform>>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require_people("revoke_token", &id).await?;
    tokens::revoke(platform.db(), &id)
        .await
        .map_err(|e| ApiError::NotFound(format!("{e:#}")))?;
    caller.record_write(None, "revoke_token", &id).await;
    Ok(StatusCode::NO_CONTENT)
}
