//! `/api/v1/streets/{street}/plugins/{name}/...`: a plugin's versions, activating any of them
//! (promotion, rollback), its shadow run's report, and replays over stored history.

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::auth::Caller;
use super::error::{ApiError, ErrorBody};
use super::known_street;
use crate::domain::PluginVersion;
use crate::platform::Platform;
use crate::versions::{MAX_EVENTS, Replayed, Report, Selection, VersionError};

pub fn router() -> Router<Arc<Platform>> {
    Router::new()
        .route(
            "/api/v1/streets/{street}/plugins/{name}/versions",
            get(list),
        )
        .route(
            "/api/v1/streets/{street}/plugins/{name}/versions/{version}/activate",
            post(activate),
        )
        .route(
            "/api/v1/streets/{street}/plugins/{name}/rollback",
            post(rollback),
        )
        .route(
            "/api/v1/streets/{street}/plugins/{name}/versions/{version}/discard",
            post(discard),
        )
        .route(
            "/api/v1/streets/{street}/plugins/{name}/versions/{version}/report",
            get(report),
        )
        .route(
            "/api/v1/streets/{street}/plugins/{name}/versions/{version}/replay",
            post(replay),
        )
}

/// A read of `street`'s plugin data: the caller must reach the street.
async fn may_read(caller: Caller, street: &str, target: &str) -> Result<(), ApiError> {
    caller
        .require_read(Some(street), "read_versions", target)
        .await
}

/// The API's answer to a refused version operation (the console's too).
pub(crate) fn api_error(e: VersionError) -> ApiError {
    match e {
        VersionError::UnknownStreet(_) | VersionError::UnknownVersion { .. } => {
            ApiError::NotFound(e.to_string())
        }
        VersionError::NothingToRollBack(_) => ApiError::Unprocessable {
            code: "nothing_to_roll_back",
            message: e.to_string(),
        },
        VersionError::NotShadow { .. } => ApiError::Unprocessable {
            code: "not_shadow",
            message: e.to_string(),
        },
        VersionError::ReplayBusy => ApiError::Busy(e.to_string()),
        VersionError::Compile(_) => ApiError::Unprocessable {
            code: "invalid_component",
            message: e.to_string(),
        },
        VersionError::Internal(cause) => ApiError::Internal(cause),
    }
}

/// `GET .../versions`: every version of the plugin, newest first.
#[utoipa::path(
    operation_id = "list_versions",
    get,
    path = "/api/v1/streets/{street}/plugins/{name}/versions",
    tag = "versions",
    summary = "Every version of a plugin, newest first (版本列表)",
    params(("street" = String, Path, description = "The street: code, slug or name"),
        ("name" = String, Path, description = "The plugin's name")),
    responses(
        (status = 200, description = "The versions", body = Vec<PluginVersion>),
        (status = 403, description = "The caller does not reach this street", body = ErrorBody),
        (status = 404, description = "Unknown street or plugin", body = ErrorBody),
    )
)]
async fn list(
    caller: Caller,
    State(platform): State<Arc<Platform>>,
    Path((street, name)): Path<(String, String)>,
) -> Result<Json<Vec<PluginVersion>>, ApiError> {
    let street_code = known_street(&platform, &street)?;
    may_read(caller, &street_code, &format!("plugin {name}")).await?;
    let versions: Vec<PluginVersion> = platform
        .db()
        .plugin_versions(&street_code)
        .await?
        .into_iter()
        .filter(|v| v.name == name)
        .collect();
    if versions.is_empty() {
        return Err(ApiError::NotFound(format!(
            "no plugin {name:?} in street {street_code}"
        )));
    }
    Ok(Json(versions))
}

/// `POST .../versions/{version}/activate`: promote a shadow or go back to any version.
#[utoipa::path(
    post,
    path = "/api/v1/streets/{street}/plugins/{name}/versions/{version}/activate",
    tag = "versions",
    summary = "Activate a version: promote a shadow, or go back (启用版本)",
    params(("street" = String, Path, description = "The street: code, slug or name"),
        ("name" = String, Path, description = "The plugin's name"),
        ("version" = u32, Path, description = "The version number")),
    responses(
        (status = 200, description = "Active; `replaced` names what it took out of the path", body = PluginVersion),
        (status = 403, description = "Not an admin of this street", body = ErrorBody),
        (status = 404, description = "Unknown street or version", body = ErrorBody),
        (status = 422, description = "The stored component no longer compiles", body = ErrorBody),
    )
)]
async fn activate(
    caller: Caller,
    State(platform): State<Arc<Platform>>,
    Path((street, name, version)): Path<(String, String, u32)>,
) -> Result<Json<PluginVersion>, ApiError> {
    let street_code = known_street(&platform, &street)?;
    let target = format!("plugin {name}@{version}");
    caller
        .require_street(&street_code, "activate", &target)
        .await?;
    let activated = platform
        .versions()
        .activate(&street_code, &name, version)
        .await
        .map_err(api_error)?;
    caller
        .record_write(Some(&street_code), "activate", &target)
        .await;
    Ok(Json(activated))
}

/// `POST .../rollback`: back to the version that was active before the current one.
#[utoipa::path(
    post,
    path = "/api/v1/streets/{street}/plugins/{name}/rollback",
    tag = "versions",
    summary = "Roll back to the previously active version (回滚)",
    params(("street" = String, Path, description = "The street: code, slug or name"),
        ("name" = String, Path, description = "The plugin's name")),
    responses(
        (status = 200, description = "The version now active", body = PluginVersion),
        (status = 403, description = "Not an admin of this street", body = ErrorBody),
        (status = 404, description = "Unknown street", body = ErrorBody),
        (status = 422, description = "Nothing to roll back to", body = ErrorBody),
    )
)]
async fn rollback(
    caller: Caller,
    State(platform): State<Arc<Platform>>,
    Path((street, name)): Path<(String, String)>,
) -> Result<Json<PluginVersion>, ApiError> {
    let street_code = known_street(&platform, &street)?;
    caller
        .require_street(&street_code, "rollback", &format!("plugin {name}"))
        .await?;
    let active = platform
        .versions()
        .rollback(&street_code, &name)
        .await
        .map_err(api_error)?;
    let target = format!("plugin {name}@{}", active.version);
    caller
        .record_write(Some(&street_code), "rollback", &target)
        .await;
    Ok(Json(active))
}

/// `POST .../versions/{version}/discard`: end a shadow run without activating it.
#[utoipa::path(
    post,
    path = "/api/v1/streets/{street}/plugins/{name}/versions/{version}/discard",
    tag = "versions",
    summary = "End a shadow run without activating it (结束影子运行)",
    params(("street" = String, Path, description = "The street: code, slug or name"),
        ("name" = String, Path, description = "The plugin's name"),
        ("version" = u32, Path, description = "The version number")),
    responses(
        (status = 204, description = "Discarded"),
        (status = 403, description = "Not an admin of this street", body = ErrorBody),
        (status = 404, description = "Unknown street or version", body = ErrorBody),
        (status = 422, description = "The version is not in shadow", body = ErrorBody),
    )
)]
async fn discard(
    caller: Caller,
    State(platform): State<Arc<Platform>>,
    Path((street, name, version)): Path<(String, String, u32)>,
) -> Result<axum::http::StatusCode, ApiError> {
    let street_code = known_street(&platform, &street)?;
    let target = format!("plugin {name}@{version}");
    caller
        .require_street(&street_code, "discard_shadow", &target)
        .await?;
    platform
        .versions()
        .discard_shadow(&street_code, &name, version)
        .await
        .map_err(api_error)?;
    caller
        .record_write(Some(&street_code), "discard_shadow", &target)
        .await;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct ShadowReport {
    version: PluginVersion,
    report: Report,
}

/// `GET .../versions/{version}/report`: where the shadow run decided differently.
#[utoipa::path(
    get,
    path = "/api/v1/streets/{street}/plugins/{name}/versions/{version}/report",
    tag = "versions",
    summary = "Where a shadow run decided differently (影子运行报告)",
    params(("street" = String, Path, description = "The street: code, slug or name"),
        ("name" = String, Path, description = "The plugin's name"),
        ("version" = u32, Path, description = "The version number")),
    responses(
        (status = 200, description = "The version and its difference report", body = ShadowReport),
        (status = 403, description = "The caller does not reach this street", body = ErrorBody),
        (status = 404, description = "Unknown street or version", body = ErrorBody),
    )
)]
async fn report(
    caller: Caller,
    State(platform): State<Arc<Platform>>,
    Path((street, name, version)): Path<(String, String, u32)>,
) -> Result<Json<ShadowReport>, ApiError> {
    let street_code = known_street(&platform, &street)?;
    may_read(caller, &street_code, &format!("plugin {name}@{version}")).await?;
    let (version, report) = platform
        .versions()
        .shadow_report(&street_code, &name, version)
        .await
        .map_err(api_error)?;
    Ok(Json(ShadowReport { version, report }))
}

/// The body of a replay: the newest `last` events (default 1,000), optionally only those
/// received in `[from, to)` (RFC 3339).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct ReplayRequest {
    /// The newest events to replay, 1 to the maximum (default 1,000).
    #[schema(minimum = 1)]
    last: Option<u32>,
    /// RFC 3339: only events received at or after.
    #[schema(format = DateTime)]
    from: Option<String>,
    /// RFC 3339: only events received before.
    #[schema(format = DateTime)]
    to: Option<String>,
}

/// `POST .../versions/{version}/replay`: the version decides the street's stored history
/// again; nothing is changed.
#[utoipa::path(
    post,
    path = "/api/v1/streets/{street}/plugins/{name}/versions/{version}/replay",
    tag = "versions",
    summary = "Replay stored history through a version (历史回放)",
    description = "The version decides the street's stored events again; nothing is changed.",
    params(("street" = String, Path, description = "The street: code, slug or name"),
        ("name" = String, Path, description = "The plugin's name"),
        ("version" = u32, Path, description = "The version number")),
    request_body = ReplayRequest,
    responses(
        (status = 200, description = "What the replay found", body = Replayed),
        (status = 400, description = "Unreadable JSON or unknown fields", body = ErrorBody),
        (status = 403, description = "Not an admin of this street", body = ErrorBody),
        (status = 404, description = "Unknown street or version", body = ErrorBody),
        (status = 415, description = "Not `application/json`", body = ErrorBody),
        (status = 422, description = "A bad `last` or time, or a component that no longer compiles", body = ErrorBody),
        (status = 429, description = "A replay of this caller is already running", body = ErrorBody),
    )
)]
async fn replay(
    caller: Caller,
    State(platform): State<Arc<Platform>>,
    Path((street, name, version)): Path<(String, String, u32)>,
    body: Result<Json<ReplayRequest>, JsonRejection>,
) -> Result<Json<Replayed>, ApiError> {
    let street_code = known_street(&platform, &street)?;
    // A replay reads the street's whole history: its admins (or the district's) only.
    caller
        .require_street(&street_code, "replay", &format!("plugin {name}@{version}"))
        .await?;
    let Json(request) = body?;
    let last = request.last.unwrap_or(1_000);
    if !(1..=MAX_EVENTS).contains(&last) {
        return Err(ApiError::Unprocessable {
            code: "invalid_last",
            message: format!("last must be 1 to {MAX_EVENTS}"),
        });
    }
    let time = |field: &str, value: Option<String>| -> Result<_, ApiError> {
        value
            .map(|v| {
                v.parse::<jiff::Timestamp>()
                    .map_err(|_| ApiError::Unprocessable {
                        code: "invalid_time",
                        message: format!("{field} {v:?} is not RFC 3339"),
                    })
            })
            .transpose()
    };
    let selection = Selection {
        last,
        from: time("from", request.from)?,
        to: time("to", request.to)?,
    };
    let street_for_log = street_code.clone();
    let progress = move |done: u64| {
        if done.is_multiple_of(10_000) {
            tracing::info!(street = %street_for_log, done, "replaying");
        }
    };
    platform
        .versions()
        .replay(&street_code, &name, version, selection, &progress)
        .await
        .map(Json)
        .map_err(api_error)
}
