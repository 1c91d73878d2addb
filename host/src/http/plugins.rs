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
use super::error::ApiError;
use crate::platform::{DeployFailure, Platform};
use crate::runtime::HealthSnapshot;
use crate::storage::PluginVersion;

/// Largest component accepted.
const MAX_COMPONENT_BYTES: usize = 16 << 20;

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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeployQuery {
    name: String,
}

/// `POST /api/v1/streets/{street}/plugins?name=...` with the component as `application/wasm`.
async fn deploy(
    caller: Caller,
    State(platform): State<Arc<Platform>>,
    Path(street): Path<String>,
    query: Result<Query<DeployQuery>, QueryRejection>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<PluginVersion>), ApiError> {
    let Query(query) = query.map_err(|_| ApiError::BadRequest {
        code: "missing_name",
        message: "name the plugin: ?name=<lowercase-name>".into(),
    })?;
    let street_code = known_street(&platform, &street)?;
    let target = format!("plugin {}", query.name);
    caller
        .require_street(&street_code, "deploy", &target)
        .await?;
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
    let version = platform
        .deploy(&street_code, &query.name, body.to_vec(), caller.who())
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
fn known_street(platform: &Platform, street: &str) -> Result<String, ApiError> {
    platform
        .street_code(street)
        .ok_or_else(|| ApiError::NotFound(format!("unknown street {street:?}")))
}

fn deploy_error(failure: DeployFailure) -> ApiError {
    match failure {
        DeployFailure::UnknownStreet(s) => ApiError::NotFound(format!("unknown street {s:?}")),
        DeployFailure::InvalidName(_) => ApiError::Unprocessable {
            code: "invalid_name",
            message: failure.to_string(),
        },
        DeployFailure::Rejected(e) => ApiError::Unprocessable {
            code: "invalid_component",
            message: e.to_string(),
        },
        DeployFailure::Internal(e) => ApiError::Internal(e),
    }
}

/// A version with, when it is active, its configuration and health.
#[derive(Debug, Serialize)]
struct PluginView {
    #[serde(flatten)]
    version: PluginVersion,
    #[serde(skip_serializing_if = "Option::is_none")]
    config: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    health: Option<HealthSnapshot>,
}

#[derive(Debug, Serialize)]
struct PluginList {
    street: String,
    plugins: Vec<PluginView>,
}

async fn list(
    caller: Option<Caller>,
    State(platform): State<Arc<Platform>>,
    Path(street): Path<String>,
) -> Result<Json<PluginList>, ApiError> {
    let street_code = known_street(&platform, &street)?;
    if let Some(caller) = caller {
        caller
            .require_read(Some(&street_code), "list_plugins", "plugins")
            .await?;
    }
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
