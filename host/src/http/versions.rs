//! `/api/v1/streets/{street}/plugins/{name}/...`: a plugin's versions, activating any of them
//! (promotion, rollback), its shadow run's report, and replays over stored history.

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::auth::Caller;
use super::error::ApiError;
use super::known_street;
use crate::platform::Platform;
use crate::storage::PluginVersion;
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
        .activate_version(&street_code, &name, version)
        .await
        .map_err(api_error)?;
    caller
        .record_write(Some(&street_code), "activate", &target)
        .await;
    Ok(Json(activated))
}

/// `POST .../rollback`: back to the version that was active before the current one.
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
        .discard_shadow(&street_code, &name, version)
        .await
        .map_err(api_error)?;
    caller
        .record_write(Some(&street_code), "discard_shadow", &target)
        .await;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize)]
struct ShadowReport {
    version: PluginVersion,
    report: Report,
}

/// `GET .../versions/{version}/report`: where the shadow run decided differently.
async fn report(
    caller: Caller,
    State(platform): State<Arc<Platform>>,
    Path((street, name, version)): Path<(String, String, u32)>,
) -> Result<Json<ShadowReport>, ApiError> {
    let street_code = known_street(&platform, &street)?;
    may_read(caller, &street_code, &format!("plugin {name}@{version}")).await?;
    let (version, report) = platform
        .shadow_report(&street_code, &name, version)
        .await
        .map_err(api_error)?;
    Ok(Json(ShadowReport { version, report }))
}

/// The body of a replay: the newest `last` events (default 1,000), optionally only those
/// received in `[from, to)` (RFC 3339).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReplayRequest {
    last: Option<u32>,
    from: Option<String>,
    to: Option<String>,
}

/// `POST .../versions/{version}/replay`: the version decides the street's stored history
/// again; nothing is changed.
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
        .replay_version(&street_code, &name, version, selection, &progress)
        .await
        .map(Json)
        .map_err(api_error)
}
