//! `GET /api/v1/audit?street=&outcome=&event=&limit=`: the audit log, newest first. District admins
//! read all of it (or one street's); a street admin reads its own street's entries (requests
//! about the street, and its own requests elsewhere).

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::auth::Caller;
use super::error::{ApiError, ErrorBody};
use crate::domain::Reach;
use crate::platform::Platform;
use crate::storage::audit::{AuditEntry, AuditFilter};

const DEFAULT_LIMIT: u32 = 100;
const MAX_LIMIT: u32 = 1000;

pub fn router() -> Router<Arc<Platform>> {
    Router::new().route("/api/v1/audit", get(list))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct AuditQuery {
    /// Code, slug or name.
    street: Option<String>,
    /// `ok`, `denied` or `failed` (a failed sign-in).
    outcome: Option<String>,
    /// An event id: the entries about that case (its actions and reveals).
    event: Option<String>,
    /// 1 to 1000 (larger is taken as 1000), default 100.
    limit: Option<u32>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct AuditPage {
    entries: Vec<AuditEntry>,
}

#[utoipa::path(
    operation_id = "list_audit_entries",
    get,
    path = "/api/v1/audit",
    tag = "audit",
    summary = "The audit log, newest first (审计日志)",
    description = "District admins read all of it or one street's; a street admin its own street's.",
    params(AuditQuery),
    responses(
        (status = 200, description = "The entries", body = AuditPage),
        (status = 400, description = "An unknown or unreadable parameter", body = ErrorBody),
        (status = 403, description = "The caller may not read this audit log", body = ErrorBody),
        (status = 404, description = "Unknown street", body = ErrorBody),
        (status = 422, description = "An unknown outcome", body = ErrorBody),
    )
)]
async fn list(
    caller: Caller,
    State(platform): State<Arc<Platform>>,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> Result<Json<AuditPage>, ApiError> {
    let Query(query) = query?;
    let street_code = match query.street.as_deref() {
        Some(street) => Some(
            platform
                .street_code(street)
                .ok_or_else(|| ApiError::NotFound(format!("unknown street {street:?}")))?,
        ),
        // Someone limited to a street asking for "everything" means their own street.
        None if caller.principal().reach != Reach::District => {
            caller.principal().own_street().map(Into::into)
        }
        None => None,
    };
    caller.require_audit(street_code.as_deref()).await?;
    if let Some(outcome) = query.outcome.as_deref()
        && !matches!(outcome, "ok" | "denied" | "failed")
    {
        return Err(ApiError::Unprocessable {
            code: "invalid_outcome",
            message: format!("outcome is ok, denied or failed, not {outcome:?}"),
        });
    }
    let filter = AuditFilter {
        street_code,
        event_id: query.event,
        outcome: query.outcome,
        limit: query.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT),
    };
    Ok(Json(AuditPage {
        entries: platform.db().audit_entries(&filter).await?,
    }))
}
