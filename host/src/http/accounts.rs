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
use super::error::ApiError;
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

#[derive(Debug, Serialize)]
struct AccountView {
    #[serde(flatten)]
    account: Account,
    name: Option<String>,
    post: Option<&'static str>,
    unit: Option<String>,
}

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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewAccount {
    staff_id: String,
    username: Option<String>,
}

/// The one answer that carries a password: a new account's or a reset one-time password.
#[derive(Debug, Serialize)]
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

async fn disable(
    caller: Caller,
    State(platform): State<Arc<Platform>>,
    Path(key): Path<String>,
) -> Result<Json<Account>, ApiError> {
    switch(caller, platform, key, true).await
}

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

async fn list_tokens(
    caller: Caller,
    State(platform): State<Arc<Platform>>,
) -> Result<Json<Vec<serde_json::Value>>, ApiError> {
    caller.require_people("list_tokens", "tokens").await?;
    let rows = tokens::list(platform.db()).await?;
    Ok(Json(
        rows.into_iter()
            .map(|t| {
                serde_json::json!({
                    "id": t.id,
                    "scope": t.scope,
                    "street_code": t.street_code,
                    "staff_id": t.staff_id,
                    "sources": t.sources,
                    "label": t.label,
                    "created_at": crate::calendar::rfc3339(t.created_at),
                    "created_by": t.created_by,
                    "revoked_at": t.revoked_at.map(crate::calendar::rfc3339),
                })
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewTokenRequest {
    scope: Scope,
    street: Option<String>,
    label: String,
    staff_id: Option<String>,
    #[serde(default)]
    sources: Vec<Source>,
}

async fn create_token(
    caller: Caller,
    State(platform): State<Arc<Platform>>,
    body: Result<Json<NewTokenRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
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
        Json(serde_json::json!({ "id": issued.record.id, "token": issued.token })),
    ))
}

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
