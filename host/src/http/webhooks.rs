//! Channels' webhooks and the deliveries of their notices:
//! - `POST /api/v1/webhooks` `{source, url}` registers one (`201`, with its secret, shown
//!   once); `GET /api/v1/webhooks` lists them; `GET`, `PATCH` (`{url?, active?}`) and
//!   `DELETE /api/v1/webhooks/{id}`; `POST /api/v1/webhooks/{id}/rotate` gives it a new secret
//!   (the old one signs too for a grace period).
//! - `GET /api/v1/deliveries?state=dead|pending|delivered&webhook=&before=&limit=` (dead
//!   letters by default, newest first) and `POST /api/v1/deliveries/{id}/retry`.
//!
//! A `channel` token manages its own sources' webhooks and sees their deliveries; district IT
//! and the `district_admin` token all of them (`auth::policy`). Changes are audited.

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::auth::Caller;
use super::error::{ApiError, ErrorBody};
use super::json::JsonBody;
use crate::auth::policy;
use crate::domain::{Delivery, DeliveryState, Source, Webhook};
use crate::outbox::webhooks::{self, Edit, WebhookError, WithSecret};
use crate::platform::Platform;

const DEFAULT_LIMIT: u32 = 100;
const MAX_LIMIT: u32 = 500;

pub fn router() -> Router<Arc<Platform>> {
    Router::new()
        .route("/api/v1/webhooks", get(list).post(register))
        .route("/api/v1/webhooks/{id}", get(one).patch(edit).delete(remove))
        .route("/api/v1/webhooks/{id}/rotate", post(rotate))
        .route("/api/v1/deliveries", get(deliveries))
        .route("/api/v1/deliveries/{id}/retry", post(retry))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct NewWebhook {
    /// The channel whose events' notices go to this webhook, e.g. `hotline`.
    #[schema(example = "hotline")]
    source: String,
    /// Where notices are posted: `https://` (or `http://` to a private address).
    #[schema(example = "https://12345.example.gov.cn/streetwise/callback")]
    url: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct WebhookEdit {
    url: Option<String>,
    active: Option<bool>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct WebhookList {
    webhooks: Vec<Webhook>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct DeliveryQuery {
    /// `dead` (the default), `pending` or `delivered`.
    state: Option<String>,
    /// Only this webhook's deliveries (its id).
    webhook: Option<String>,
    /// `next_before` of the previous page.
    before: Option<i64>,
    /// 1 to 500, default 100.
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct DeliveryPage {
    deliveries: Vec<Delivery>,
    /// Pass as `before` for the next page; absent on the last.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_before: Option<i64>,
}

impl From<WebhookError> for ApiError {
    fn from(error: WebhookError) -> Self {
        match error {
            WebhookError::InvalidUrl(message) => ApiError::Unprocessable {
                code: "invalid_url",
                message,
            },
            WebhookError::NotFound(id) => ApiError::NotFound(format!("no webhook {id}")),
            WebhookError::Internal(error) => ApiError::Internal(error),
        }
    }
}

fn source(text: &str) -> Result<Source, ApiError> {
    Source::parse(text).ok_or_else(|| ApiError::Unprocessable {
        code: "unknown_source",
        message: format!(
            "unknown source {text:?}: one of {} (未知渠道)",
            Source::ALL.map(Source::as_str).join(", ")
        ),
    })
}

#[utoipa::path(
    post,
    path = "/api/v1/webhooks",
    tag = "webhooks",
    summary = "Register a channel's webhook (注册回调)",
    description = "The answer carries the signing secret, shown once.",
    request_body = NewWebhook,
    responses(
        (status = 201, description = "Registered, with its secret", body = WithSecret),
        (status = 400, description = "Unreadable JSON or unknown fields", body = ErrorBody),
        (status = 403, description = "Not this channel's to manage", body = ErrorBody),
        (status = 415, description = "Not `application/json`", body = ErrorBody),
        (status = 422, description = "An unknown source or an invalid URL", body = ErrorBody),
    )
)]
async fn register(
    caller: Caller,
    State(platform): State<Arc<Platform>>,
    JsonBody(request): JsonBody<NewWebhook>,
) -> Result<(StatusCode, Json<WithSecret>), ApiError> {
    let source = source(&request.source)?;
    caller
        .require_webhooks(Some(source), "register_webhook", source.as_str())
        .await?;
    let audit = caller.entry(None, "register_webhook", "", "ok", None);
    let registered = webhooks::register(
        platform.db(),
        caller.principal(),
        source,
        &request.url,
        audit,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(registered)))
}

#[utoipa::path(
    operation_id = "list_webhooks",
    get,
    path = "/api/v1/webhooks",
    tag = "webhooks",
    summary = "The webhooks the caller may manage (回调列表)",
    responses(
        (status = 200, description = "The webhooks", body = WebhookList),
        (status = 403, description = "The caller manages no webhooks", body = ErrorBody),
    )
)]
async fn list(
    caller: Caller,
    State(platform): State<Arc<Platform>>,
) -> Result<Json<WebhookList>, ApiError> {
    caller
        .require_webhooks(None, "list_webhooks", "webhooks")
        .await?;
    let sources = policy::webhook_sources(caller.principal());
    let webhooks = platform.db().webhooks(sources).await?;
    Ok(Json(WebhookList { webhooks }))
}

/// The webhook `id`, if the caller may manage it: `404` when there is none, `403` when it is
/// another channel's.
async fn visible(
    platform: &Platform,
    caller: &Caller,
    id: &str,
    action: &str,
) -> Result<Webhook, ApiError> {
    // Whether the caller manages any webhook at all comes first: nobody else learns which
    // ids exist.
    caller.require_webhooks(None, action, id).await?;
    let webhook = platform
        .db()
        .webhook(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no webhook {id}")))?;
    caller
        .require_webhooks(Some(webhook.source), action, id)
        .await?;
    Ok(webhook)
}

#[utoipa::path(
    get,
    path = "/api/v1/webhooks/{id}",
    tag = "webhooks",
    summary = "One webhook (回调详情)",
    params(("id" = String, Path, description = "The webhook's id")),
    responses(
        (status = 200, description = "The webhook", body = Webhook),
        (status = 403, description = "Another channel's", body = ErrorBody),
        (status = 404, description = "No such webhook", body = ErrorBody),
    )
)]
async fn one(
    caller: Caller,
    State(platform): State<Arc<Platform>>,
    Path(id): Path<String>,
) -> Result<Json<Webhook>, ApiError> {
    Ok(Json(
        visible(&platform, &caller, &id, "read_webhook").await?,
    ))
}

#[utoipa::path(
    patch,
    path = "/api/v1/webhooks/{id}",
    tag = "webhooks",
    summary = "Change a webhook's URL, or turn it off and on (修改回调)",
    params(("id" = String, Path, description = "The webhook's id")),
    request_body = WebhookEdit,
    responses(
        (status = 200, description = "The webhook", body = Webhook),
        (status = 400, description = "Unreadable JSON or unknown fields", body = ErrorBody),
        (status = 403, description = "Another channel's", body = ErrorBody),
        (status = 404, description = "No such webhook", body = ErrorBody),
        (status = 415, description = "Not `application/json`", body = ErrorBody),
        (status = 422, description = "An invalid URL", body = ErrorBody),
    )
)]
async fn edit(
    caller: Caller,
    State(platform): State<Arc<Platform>>,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<WebhookEdit>,
) -> Result<Json<Webhook>, ApiError> {
    visible(&platform, &caller, &id, "change_webhook").await?;
    let audit = caller.entry(None, "change_webhook", &id, "ok", None);
    let edit = Edit {
        url: request.url,
        active: request.active,
    };
    Ok(Json(webhooks::edit(platform.db(), &id, edit, audit).await?))
}

#[utoipa::path(
    post,
    path = "/api/v1/webhooks/{id}/rotate",
    tag = "webhooks",
    summary = "Give a webhook a new secret (轮换密钥)",
    description = "The old secret signs too for a grace period (`previous_secret_until`).",
    params(("id" = String, Path, description = "The webhook's id")),
    responses(
        (status = 200, description = "The webhook with its new secret, shown once", body = WithSecret),
        (status = 403, description = "Another channel's", body = ErrorBody),
        (status = 404, description = "No such webhook", body = ErrorBody),
    )
)]
async fn rotate(
    caller: Caller,
    State(platform): State<Arc<Platform>>,
    Path(id): Path<String>,
) -> Result<Json<WithSecret>, ApiError> {
    visible(&platform, &caller, &id, "rotate_webhook_secret").await?;
    let audit = caller.entry(None, "rotate_webhook_secret", &id, "ok", None);
    let grace = platform.rotation_grace();
    Ok(Json(
        webhooks::rotate(platform.db(), &id, grace, audit).await?,
    ))
}

#[utoipa::path(
    delete,
    path = "/api/v1/webhooks/{id}",
    tag = "webhooks",
    summary = "Remove a webhook (删除回调)",
    params(("id" = String, Path, description = "The webhook's id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "Another channel's", body = ErrorBody),
        (status = 404, description = "No such webhook", body = ErrorBody),
    )
)]
async fn remove(
    caller: Caller,
    State(platform): State<Arc<Platform>>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    visible(&platform, &caller, &id, "remove_webhook").await?;
    let audit = caller.entry(None, "remove_webhook", &id, "ok", None);
    if !platform.db().delete_webhook(&id, &audit).await? {
        return Err(ApiError::NotFound(format!("no webhook {id}")));
    }
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    get,
    path = "/api/v1/deliveries",
    tag = "webhooks",
    summary = "Deliveries of notices, newest first: dead letters by default (投递记录)",
    params(DeliveryQuery),
    responses(
        (status = 200, description = "A page of deliveries", body = DeliveryPage),
        (status = 400, description = "An unknown or unreadable parameter", body = ErrorBody),
        (status = 403, description = "Another channel's webhook, or no webhooks to see", body = ErrorBody),
        (status = 404, description = "No such webhook", body = ErrorBody),
        (status = 422, description = "An unknown state or a bad limit", body = ErrorBody),
    )
)]
async fn deliveries(
    caller: Caller,
    State(platform): State<Arc<Platform>>,
    query: Result<Query<DeliveryQuery>, QueryRejection>,
) -> Result<Json<DeliveryPage>, ApiError> {
    let Query(query) = query?;
    let state = match query.state.as_deref().filter(|s| !s.is_empty()) {
        None => DeliveryState::Dead,
        Some(text) => DeliveryState::parse(text).ok_or_else(|| ApiError::Unprocessable {
            code: "invalid_state",
            message: format!("state is pending, delivered or dead, not {text:?}"),
        })?,
    };
    let limit = super::page_limit(query.limit, DEFAULT_LIMIT, MAX_LIMIT)?;
    // Narrowed to the webhooks the caller may see: one asked for, or all of theirs.
    let webhooks = match &query.webhook {
        Some(id) => Some(vec![
            visible(&platform, &caller, id, "read_deliveries").await?.id,
        ]),
        None => {
            caller
                .require_webhooks(None, "read_deliveries", "deliveries")
                .await?;
            match policy::webhook_sources(caller.principal()) {
                None => None,
                Some(sources) => Some(
                    platform
                        .db()
                        .webhooks(Some(sources))
                        .await?
                        .into_iter()
                        .map(|w| w.id)
                        .collect(),
                ),
            }
        }
    };
    let deliveries = platform
        .db()
        .deliveries(state, webhooks.as_deref(), query.before, limit)
        .await?;
    let next_before = (deliveries.len() == limit as usize)
        .then(|| deliveries.last().map(|d| d.id))
        .flatten();
    Ok(Json(DeliveryPage {
        deliveries,
        next_before,
    }))
}

#[utoipa::path(
    post,
    path = "/api/v1/deliveries/{id}/retry",
    tag = "webhooks",
    summary = "Send a dead letter again (重新投递)",
    params(("id" = i64, Path, description = "The delivery's number")),
    responses(
        (status = 200, description = "The delivery, pending again", body = Delivery),
        (status = 403, description = "Another channel's", body = ErrorBody),
        (status = 404, description = "No such delivery", body = ErrorBody),
        (status = 409, description = "Not a dead letter: `current` is its state", body = ErrorBody),
    )
)]
async fn retry(
    caller: Caller,
    State(platform): State<Arc<Platform>>,
    Path(id): Path<i64>,
) -> Result<Json<Delivery>, ApiError> {
    let db = platform.db();
    let missing = || ApiError::NotFound(format!("no delivery {id}"));
    caller
        .require_webhooks(None, "retry_delivery", &id.to_string())
        .await?;
    let delivery = db.delivery(id).await?.ok_or_else(missing)?;
    visible(&platform, &caller, &delivery.webhook_id, "retry_delivery").await?;
    if !db.retry_delivery(id, jiff::Timestamp::now()).await? {
        return Err(ApiError::Conflict {
            code: "not_dead",
            message: format!(
                "delivery {id} is {}: only a dead letter is sent again",
                delivery.state.as_str()
            ),
            current: delivery.state.as_str().into(),
            allowed: Vec::new(),
        });
    }
    caller
        .record_write(None, "retry_delivery", &id.to_string())
        .await;
    Ok(Json(db.delivery(id).await?.ok_or_else(missing)?))
}
