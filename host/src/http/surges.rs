//! Surge warnings (预警监测), district-wide: `GET /api/v1/surges?status=&limit=` (newest
//! first), `POST /api/v1/surges/{id}/acknowledge` and `POST /api/v1/surges/{id}/close`. Only
//! district-wide callers read them and only the centre handles them (`auth::policy`); each
//! change is audited in its own transaction. The console's 预警监测 page calls the same
//! functions.

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::auth::Caller;
use super::error::{ApiError, ErrorBody};
use crate::domain::{SurgeChange, SurgeKind, SurgeStatus, SurgeWarning};
use crate::platform::Platform;
use crate::reference::Reference;
use crate::storage::surges::SurgeChangeError;

const DEFAULT_LIMIT: u32 = 100;
const MAX_LIMIT: u32 = 500;

pub fn router() -> Router<Arc<Platform>> {
    Router::new()
        .route("/api/v1/surges", get(list))
        .route("/api/v1/surges/{id}/acknowledge", post(acknowledge))
        .route("/api/v1/surges/{id}/close", post(close))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct SurgeQuery {
    /// `open`, `acknowledged` or `closed`; all when absent.
    status: Option<String>,
    /// 1 to 500, default 100.
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
}

/// A warning with the names of what and where, as people read them.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct SurgeView {
    #[serde(flatten)]
    pub warning: SurgeWarning,
    /// The item's or the category's name.
    pub name: String,
    /// The community's or the street's name.
    pub area_name: String,
    pub street_name: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct SurgePage {
    surges: Vec<SurgeView>,
}

/// The warning with its names from the reference data (the codes where a name is missing).
pub(crate) fn view(reference: &Reference, warning: SurgeWarning) -> SurgeView {
    let street = reference.district.street(&warning.street_code);
    let street_name = street.map_or_else(|| warning.street_code.clone(), |s| s.name.clone());
    let key = &warning.key;
    let (name, area_name) = match key.kind {
        SurgeKind::Item => (
            reference.item(&key.code).map(|i| i.name.clone()),
            street
                .and_then(|s| s.community(&key.area))
                .map(|c| format!("{}社区", c.name)),
        ),
        SurgeKind::Category => (
            reference
                .catalog
                .category(&key.code)
                .map(|c| c.name.clone()),
            Some(street_name.clone()),
        ),
    };
    SurgeView {
        name: name.unwrap_or_else(|| key.code.clone()),
        area_name: area_name.unwrap_or_else(|| key.area.clone()),
        street_name,
        warning,
    }
}

/// The listing's status filter, or `422`.
pub(crate) fn status_filter(status: Option<&str>) -> Result<Option<SurgeStatus>, ApiError> {
    status
        .filter(|s| !s.is_empty())
        .map(|s| {
            SurgeStatus::parse(s).ok_or_else(|| ApiError::Unprocessable {
                code: "invalid_status",
                message: format!("status is open, acknowledged or closed, not {s:?} (未知状态)"),
            })
        })
        .transpose()
}

#[utoipa::path(
    operation_id = "list_surges",
    get,
    path = "/api/v1/surges",
    tag = "surges",
    summary = "Surge warnings, newest first (预警监测)",
    description = "District-wide callers only.",
    params(SurgeQuery),
    responses(
        (status = 200, description = "The warnings", body = SurgePage),
        (status = 400, description = "An unknown or unreadable parameter", body = ErrorBody),
        (status = 403, description = "The caller's reach is not the district", body = ErrorBody),
        (status = 422, description = "An unknown status or a bad limit", body = ErrorBody),
    )
)]
async fn list(
    caller: Caller,
    State(platform): State<Arc<Platform>>,
    query: Result<Query<SurgeQuery>, QueryRejection>,
) -> Result<Json<SurgePage>, ApiError> {
    let Query(query) = query?;
    caller.require_surges().await?;
    let status = status_filter(query.status.as_deref())?;
    let limit = super::page_limit(query.limit, DEFAULT_LIMIT, MAX_LIMIT)?;
    let reference = platform.reference();
    let surges = platform
        .db()
        .surge_warnings(status, limit)
        .await?
        .into_iter()
        .map(|w| view(&reference, w))
        .collect();
    Ok(Json(SurgePage { surges }))
}

#[utoipa::path(
    post,
    path = "/api/v1/surges/{id}/acknowledge",
    tag = "surges",
    summary = "Acknowledge a surge warning (确认预警)",
    params(("id" = String, Path, description = "The warning's number")),
    responses(
        (status = 200, description = "The warning in its new status", body = SurgeView),
        (status = 403, description = "Only the centre handles warnings", body = ErrorBody),
        (status = 404, description = "No such warning", body = ErrorBody),
        (status = 409, description = "Not possible in the warning's status: `current` and `allowed` say what is", body = ErrorBody),
    )
)]
async fn acknowledge(
    caller: Caller,
    State(platform): State<Arc<Platform>>,
    Path(id): Path<String>,
) -> Result<Json<SurgeView>, ApiError> {
    change_surge(&platform, &caller, &id, SurgeChange::Acknowledge)
        .await
        .map(Json)
}

#[utoipa::path(
    post,
    path = "/api/v1/surges/{id}/close",
    tag = "surges",
    summary = "Close a surge warning (关闭预警)",
    params(("id" = String, Path, description = "The warning's number")),
    responses(
        (status = 200, description = "The warning in its new status", body = SurgeView),
        (status = 403, description = "Only the centre handles warnings", body = ErrorBody),
        (status = 404, description = "No such warning", body = ErrorBody),
        (status = 409, description = "Not possible in the warning's status: `current` and `allowed` say what is", body = ErrorBody),
    )
)]
async fn close(
    caller: Caller,
    State(platform): State<Arc<Platform>>,
    Path(id): Path<String>,
) -> Result<Json<SurgeView>, ApiError> {
    change_surge(&platform, &caller, &id, SurgeChange::Close)
        .await
        .map(Json)
}

/// Acknowledges or closes warning `id` if the policy lets `caller`; refusals and changes are
/// audited. The API above and the console's buttons both come here, so there is one rule.
pub(crate) async fn change_surge(
    platform: &Platform,
    caller: &Caller,
    id: &str,
    change: SurgeChange,
) -> Result<SurgeView, ApiError> {
    let action = format!("{change}_surge");
    let target = format!("surge {id}");
    caller.require_surge_handling(&action, &target).await?;
    let not_found = || ApiError::NotFound(format!("no surge warning {id} (未找到该预警)"));
    let number: i64 = id.parse().map_err(|_| not_found())?;
    let audit = caller.entry(None, &action, &target, "ok", None);
    match platform
        .change_surge(number, change, caller.principal(), audit)
        .await
    {
        Ok(warning) => Ok(view(&platform.reference(), warning)),
        Err(SurgeChangeError::NotFound(_)) => Err(not_found()),
        Err(e @ SurgeChangeError::NotAllowed { current, .. }) => Err(ApiError::Conflict {
            code: "surge_status",
            message: format!(
                "{e} (该预警当前为「{}」，不能{})",
                current.label(),
                change.label()
            ),
            current: current.as_str().into(),
            allowed: SurgeChange::allowed(current)
                .iter()
                .map(|c| c.as_str().into())
                .collect(),
        }),
        Err(e @ SurgeChangeError::Storage { .. }) => Err(ApiError::Internal(e.into())),
    }
}
