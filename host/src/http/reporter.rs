//! `POST /api/v1/events/{id}/reporter`: revealing the reporter's full name and phone for the
//! follow-up call (回访). An explicit, audited action allowed to the centre, and to the case's
//! own handler where the case's flow has the unit call the reporter. Nothing else returns it.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::post;
use axum::{Json, Router};
use serde::Serialize;

use super::auth::Caller;
use super::error::{ApiError, ErrorBody};
use super::events::scope_of;
use crate::auth::policy;
use crate::lifecycle::Flows;
use crate::platform::Platform;

pub fn router() -> Router<Arc<Platform>> {
    Router::new().route("/api/v1/events/{id}/reporter", post(reveal))
}

/// The reporter as revealed to one allowed caller.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Revealed {
    pub event_id: String,
    pub name: Option<String>,
    pub phone: Option<String>,
    /// When the personal data was erased under the retention rule, if it was.
    #[schema(format = DateTime)]
    pub erased_at: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/v1/events/{id}/reporter",
    tag = "cases",
    summary = "Reveal the reporter for the follow-up call (查看号码)",
    description = "Allowed to the centre, and to the case's own handler where the case's flow has \
        the unit call the reporter. Every reveal is audited.",
    params(("id" = String, Path, description = "The event's id")),
    responses(
        (status = 200, description = "The reporter's full name and phone", body = Revealed),
        (status = 403, description = "The caller may not reveal it", body = ErrorBody),
        (status = 404, description = "No such event", body = ErrorBody),
    )
)]
async fn reveal(
    caller: Caller,
    State(platform): State<Arc<Platform>>,
    Path(id): Path<String>,
) -> Result<Json<Revealed>, ApiError> {
    reveal_reporter(&platform, &caller, &id).await.map(Json)
}

/// Reveals the reporter of case `id` to `caller` if the policy allows it, auditing either way.
/// The API above and the console's 查看号码 button both come here, so there is one rule.
pub(crate) async fn reveal_reporter(
    platform: &Platform,
    caller: &Caller,
    id: &str,
) -> Result<Revealed, ApiError> {
    let Some(stored) = platform.db().event(id).await? else {
        return Err(ApiError::NotFound(format!("no event {id}")));
    };
    let scope = scope_of(&stored.record);
    let unit_calls = Flows::shipped()
        .for_source(stored.record.event.source)
        .unit_calls_reporter;
    if let Err(refusal) = policy::may_reveal(caller.principal(), &scope, unit_calls) {
        return Err(caller
            .refuse(refusal, Some(scope.street), Some(id), "reveal_reporter", id)
            .await);
    }
    let mut audit = caller.entry(
        Some(scope.street),
        "reveal_reporter",
        &format!("event {id}"),
        "ok",
        None,
    );
    audit.event_id = Some(id.to_string());
    let (reporter, erased_at) = platform
        .db()
        .reveal_reporter(id, &audit)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no event {id}")))?;
    Ok(Revealed {
        event_id: id.to_string(),
        name: reporter.name,
        phone: reporter.phone,
        erased_at: erased_at.map(crate::calendar::rfc3339),
    })
}
