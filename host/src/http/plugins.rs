//! `/api/v1/streets/{street}/plugins`: deploy, list, configure a street's plugins.
//! Deploying and configuring need a district admin or that street's admin token; listing is
//! open, but a presented token must be valid and cover the street.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::{post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::auth::Caller;
use super::error::{ApiError, ErrorBody};
use super::known_street;
use crate::domain::{DeployMode, Grant, PluginVersion, ShadowRun};
use crate::platform::{DeployFailure, Platform, VersionOptions};
use crate::runtime::DeployError;
use crate::runtime::HealthSnapshot;

/// Largest body read on deploy at all; the configured limit (16 MiB by default) is checked
/// against it in the handler.
const MAX_COMPONENT_BYTES: usize = 64 << 20;

pub fn router() -> Router<Arc<Platform>> {
    Router::new()
        .route(
            "/api/v1/streets/{street}/plugins",
            post(deploy)
                .get(list)
                .layer(DefaultBodyLimit::max(MAX_COMPONENT_BYTES)),
        )
        .route(
            "/api/v1/streets/{street}/plugins/{name}/config",
            put(configure),
        )
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct DeployQuery {
    /// The plugin's name: 1 to 64 lowercase letters, digits and dashes.
    name: String,
    /// `active` (default) or `shadow`.
    mode: Option<String>,
    /// For a shadow: how many events it runs on (default 1,000)...
    shadow_events: Option<u64>,
    /// ...or for how many hours, whichever comes first.
    shadow_hours: Option<u32>,
    /// A note kept with the version.
    notes: Option<String>,
    /// Base data sets it may read: `buildings`, `entities`, comma-separated.
    grants: Option<String>,
    /// Where a classifier or scenario runs among the street's (lowest first, then by name);
    /// without it a new version keeps its name's place, a new name runs at 0.
    order: Option<u32>,
}

/// Events a shadow runs on when neither a count nor a time is given.
const DEFAULT_SHADOW_EVENTS: u64 = 1_000;

impl DeployQuery {
    fn mode(&self, now: jiff::Timestamp) -> Result<DeployMode, ApiError> {
        match self.mode.as_deref() {
            None | Some("active") => Ok(DeployMode::Active),
            Some("shadow") => {
                let until = self
                    .shadow_hours
                    .map(|h| now + jiff::SignedDuration::from_hours(i64::from(h)));
                let events_left = match (self.shadow_events, until) {
                    (None, None) => Some(DEFAULT_SHADOW_EVENTS),
                    (events, _) => events,
                };
                Ok(DeployMode::Shadow(ShadowRun { until, events_left }))
            }
            Some(other) => Err(ApiError::Unprocessable {
                code: "invalid_mode",
                message: format!("mode {other:?}: active or shadow"),
            }),
        }
    }
}

/// `POST /api/v1/streets/{street}/plugins?name=...` with the component as `application/wasm`.
#[utoipa::path(
    post,
    path = "/api/v1/streets/{street}/plugins",
    tag = "plugins",
    summary = "Deploy a plugin version (部署插件)",
    description = "The body is the compiled component. It is checked against the plugin \
        contract and compiled before it is stored; active at once, or in shadow beside the \
        active version.",
    params(("street" = String, Path, description = "The street: code, slug or name"), DeployQuery),
    request_body(content = super::openapi::WasmComponent, content_type = "application/wasm",
        description = "The WebAssembly component (`application/octet-stream` is accepted too)"),
    responses(
        (status = 201, description = "Stored as a new version", body = PluginVersion),
        (status = 400, description = "No name, or an unknown or unreadable parameter", body = ErrorBody),
        (status = 403, description = "Not an admin of this street", body = ErrorBody),
        (status = 404, description = "Unknown street", body = ErrorBody),
        (status = 415, description = "Not `application/wasm`", body = ErrorBody),
        (status = 422, description = "An invalid name, mode, grant or component, or one too large", body = ErrorBody),
        (status = 429, description = "The compiler is busy with this caller's previous deploy", body = ErrorBody),
    )
)]
async fn deploy(
    caller: Caller,
    State(platform): State<Arc<Platform>>,
    Path(street): Path<String>,
    query: Result<Query<DeployQuery>, QueryRejection>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<PluginVersion>), ApiError> {
    let Query(query) = query.map_err(|rejection| {
        let text = rejection.body_text();
        if text.contains("missing field `name`") {
            ApiError::BadRequest {
                code: "missing_name",
                message: "name the plugin: ?name=<lowercase-name>".into(),
            }
        } else {
            ApiError::BadRequest {
                code: "invalid_query",
                message: text,
            }
        }
    })?;
    let street_code = known_street(&platform, &street)?;
    let target = format!("plugin {}", query.name);
    caller
        .require_street(&street_code, "deploy", &target)
        .await?;
    let max = platform.plugin_limits().max_component_bytes;
    if body.len() > max {
        return Err(ApiError::Unprocessable {
            code: "component_too_large",
            message: format!(
                "the component is {} bytes; this server accepts at most {max} \
                 (STREETWISE_PLUGIN_MAX_COMPONENT_MIB)",
                body.len()
            ),
        });
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !matches!(
        content_type,
        "application/wasm" | "application/octet-stream"
    ) {
        return Err(ApiError::UnsupportedMediaType(
            "send the component bytes with Content-Type: application/wasm".into(),
        ));
    }
    let mode = query.mode(platform.now())?;
    let notes = query
        .notes
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    if notes.is_some_and(|n| n.chars().count() > 1000) {
        return Err(ApiError::Unprocessable {
            code: "notes_too_long",
            message: "notes are at most 1,000 characters".into(),
        });
    }
    let grants =
        Grant::parse_list(query.grants.as_deref().unwrap_or_default()).map_err(|message| {
            ApiError::Unprocessable {
                code: "invalid_grants",
                message,
            }
        })?;
    let options = VersionOptions {
        notes: notes.map(str::to_string),
        mode,
        grants,
        order: query.order,
    };
    let version = platform
        .deploy_version(
            &street_code,
            &query.name,
            body.to_vec(),
            caller.who(),
            options,
        )
        .await
        .map_err(deploy_error)?;
    let target = format!(
        "plugin {}@{} sha256 {}",
        version.name, version.version, version.sha256
    );
    caller
        .record_write(Some(&street_code), "deploy", &target)
        .await;
    Ok((StatusCode::CREATED, Json(version)))
}

/// The code of a street named by code, slug or name; `404` for an unknown one.
fn deploy_error(failure: DeployFailure) -> ApiError {
    match failure {
        DeployFailure::UnknownStreet(s) => ApiError::NotFound(format!("unknown street {s:?}")),
        DeployFailure::InvalidName(_) => ApiError::Unprocessable {
            code: "invalid_name",
            message: failure.to_string(),
        },
        DeployFailure::Rejected(e @ DeployError::CompilerBusy(_)) => ApiError::Busy(e.to_string()),
        DeployFailure::Rejected(e) => ApiError::Unprocessable {
            code: "invalid_component",
            message: e.to_string(),
        },
        DeployFailure::Internal(e) => ApiError::Internal(e),
    }
}

/// A version with, when it is active, its configuration and health.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct PluginView {
    #[serde(flatten)]
    version: PluginVersion,
    /// The active version's configuration.
    #[serde(skip_serializing_if = "Option::is_none")]
    config: Option<BTreeMap<String, String>>,
    /// The active version's health.
    #[serde(skip_serializing_if = "Option::is_none")]
    health: Option<HealthSnapshot>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct PluginList {
    /// The street's code.
    street: String,
    plugins: Vec<PluginView>,
}

#[utoipa::path(
    operation_id = "list_plugins",
    get,
    path = "/api/v1/streets/{street}/plugins",
    tag = "plugins",
    summary = "A street's plugin versions (街道插件)",
    description = "Every stored version; the active ones with their configuration and health.",
    params(("street" = String, Path, description = "The street: code, slug or name")),
    responses(
        (status = 200, description = "The versions", body = PluginList),
        (status = 403, description = "The caller does not reach this street", body = ErrorBody),
        (status = 404, description = "Unknown street", body = ErrorBody),
    )
)]
async fn list(
    caller: Caller,
    State(platform): State<Arc<Platform>>,
    Path(street): Path<String>,
) -> Result<Json<PluginList>, ApiError> {
    let street_code = known_street(&platform, &street)?;
    caller
        .require_read(Some(&street_code), "list_plugins", "plugins")
        .await?;
    let active = platform.registry().active_in(&street_code);
    let plugins = platform
        .db()
        .plugin_versions(&street_code)
        .await?
        .into_iter()
        .map(|version| {
            let loaded = active
                .iter()
                .find(|p| p.meta.name == version.name && p.meta.version == version.version);
            PluginView {
                config: loaded.map(|p| p.config().as_ref().clone()),
                health: loaded.map(|p| p.health.snapshot()),
                version,
            }
        })
        .collect();
    Ok(Json(PluginList {
        street: street_code,
        plugins,
    }))
}

/// `PUT /api/v1/streets/{street}/plugins/{name}/config` with a JSON object of strings.
#[utoipa::path(
    put,
    path = "/api/v1/streets/{street}/plugins/{name}/config",
    tag = "plugins",
    summary = "Set a plugin's configuration (插件配置)",
    description = "At most 64 keys of 64 bytes with values of 4 KiB; replaces the whole configuration.",
    params(("street" = String, Path, description = "The street: code, slug or name"),
        ("name" = String, Path, description = "The plugin's name")),
    request_body(content = BTreeMap<String, String>, description = "The configuration: keys to string values"),
    responses(
        (status = 204, description = "Set"),
        (status = 400, description = "Unreadable JSON or values that are not strings", body = ErrorBody),
        (status = 403, description = "Not an admin of this street", body = ErrorBody),
        (status = 404, description = "Unknown street", body = ErrorBody),
        (status = 415, description = "Not `application/json`", body = ErrorBody),
        (status = 422, description = "Too large, or an invalid plugin name", body = ErrorBody),
    )
)]
async fn configure(
    caller: Caller,
    State(platform): State<Arc<Platform>>,
    Path((street, name)): Path<(String, String)>,
    body: Result<Json<BTreeMap<String, String>>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let street_code = known_street(&platform, &street)?;
    let target = format!("plugin {name} config");
    caller
        .require_street(&street_code, "configure", &target)
        .await?;
    let Json(config) = body?;
    if config.len() > 64 || config.iter().any(|(k, v)| k.len() > 64 || v.len() > 4096) {
        return Err(ApiError::Unprocessable {
            code: "config_too_large",
            message: "at most 64 keys of 64 bytes with values of 4 KiB".into(),
        });
    }
    let keys = config.keys().cloned().collect::<Vec<_>>().join(", ");
    platform
        .set_plugin_config(&street_code, &name, config)
        .await
        .map_err(deploy_error)?;
    caller
        .record_write(
            Some(&street_code),
            "configure",
            &format!("{target} (keys: {keys})"),
        )
        .await;
    Ok(StatusCode::NO_CONTENT)
}
