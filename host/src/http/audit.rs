//! `GET /api/v1/audit?street=&outcome=&limit=`: the audit log, newest first. District admins
//! read all of it (or one street's); a street admin reads its own street's entries (requests
//! about the street, and its own requests elsewhere).

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::auth::Caller;
use super::error::ApiError;
use crate::auth::Scope;
use crate::platform::Platform;
use crate::storage::tokens::{AuditEntry, AuditFilter};

const DEFAULT_LIMIT: u32 = 100;
const MAX_LIMIT: u32 = 1000;

pub fn router() -> Router<Arc<Platform>> {
    Router::new().route("/api/v1/audit", get(list))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditQuery {
    /// Code, slug or name.
    street: Option<String>,
    /// `ok` or `denied`.
    outcome: Option<String>,
    limit: Option<u32>,
}

#[derive(Debug, Serialize)]
struct AuditPage {
    entries: Vec<AuditEntry>,
}

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
        // A street admin asking for "everything" means its own street.
        None if caller.principal().scope == Scope::StreetAdmin => {
            caller.principal().street_code.clone()
        }
        None => None,
    };
    caller.require_audit(street_code.as_deref()).await?;
    if let Some(outcome) = query.outcome.as_deref()
        && !matches!(outcome, "ok" | "denied")
    {
        return Err(ApiError::Unprocessable {
            code: "invalid_outcome",
            message: format!("outcome is ok or denied, not {outcome:?}"),
        });
    }
    let filter = AuditFilter {
        street_code,
        outcome: query.outcome,
        limit: query.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT),
    };
    Ok(Json(AuditPage {
        entries: platform.db().audit_entries(&filter).await?,
    }))
}
