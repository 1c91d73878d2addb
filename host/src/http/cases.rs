//! `/api/v1/events/{id}/actions` and `/api/v1/events/{id}/timeline`: moving a case through its
//! lifecycle and reading back its verified timeline.

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use super::auth::Caller;
use super::error::{ApiError, ErrorBody};
use crate::cases::{self, Act, ActError, Applied, Timeline};
use crate::domain::{CaseScope, TimeLimit};
use crate::lifecycle::{Action, NotAllowed};
use crate::platform::Platform;
use crate::storage::CaseHead;

pub fn router() -> Router<Arc<Platform>> {
    Router::new()
        .route("/api/v1/events/{id}/actions", post(act))
        .route("/api/v1/events/{id}/timeline", get(timeline))
}

/// The body of `POST .../actions`. Every field is optional here so that a missing one is
/// answered with a `422` naming it, like an unknown action or role.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct ActionRequest {
    /// The action, e.g. `sign`, `handle`, `verify`, `close`, `request_return`, `assign`,
    /// `dispatch`, `merge`, `approve_extension` (`422 unknown_action` lists them all).
    #[schema(value_type = String, required = true, example = "sign")]
    action: Option<String>,
    /// Refused: who acts, and in which role, comes from the caller's sign-in.
    #[schema(ignore)]
    actor: Option<serde_json::Value>,
    #[schema(ignore)]
    role: Option<serde_json::Value>,
    /// Why, for actions that need one (a return, a rejection, an extension...).
    reason: Option<String>,
    /// A remark kept in the timeline.
    note: Option<String>,
    /// The unit code to reassign to, for `approve_return`.
    unit: Option<String>,
    /// The staff id to give the case to, for `assign`.
    assignee: Option<String>,
    /// The catalog item, for `dispatch` (from the manual queue) and `reclassify`.
    item: Option<String>,
    /// The open case to merge this report into, for `merge`.
    into: Option<String>,
    /// How long an approved extension stops the clock, for `approve_extension`, e.g.
    /// `{"value": 3, "unit": "working_days"}`; the case's own time limit when absent.
    extension: Option<TimeLimit>,
}

fn unprocessable(code: &'static str, message: String) -> ApiError {
    ApiError::Unprocessable { code, message }
}

fn names<T: Copy>(all: &[T], name: impl Fn(T) -> &'static str) -> String {
    all.iter().map(|v| name(*v)).collect::<Vec<_>>().join(", ")
}

/// The case's scope for access checks, or `404`.
pub(super) async fn case_scope(platform: &Platform, id: &str) -> Result<CaseHead, ApiError> {
    platform
        .db()
        .case_head(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no event {id}")))
}

pub(super) fn scope_of(head: &CaseHead) -> CaseScope<'_> {
    CaseScope {
        street: &head.street_code,
        unit: Some(&head.handling_unit),
        source: head.source,
        assignee: head.assignee.as_deref(),
    }
}

/// `POST /api/v1/events/{id}/actions`: 200 with the case's new state and the appended entry.
#[utoipa::path(
    post,
    path = "/api/v1/events/{id}/actions",
    tag = "cases",
    summary = "Take a lifecycle action on a case (办理)",
    description = "Who acts, and in which role, comes from the caller's sign-in; the transition \
        table decides whether the action is possible in the case's state.",
    params(("id" = String, Path, description = "The event's id")),
    request_body = ActionRequest,
    responses(
        (status = 200, description = "Applied: the case's new state and the timeline entry", body = Applied),
        (status = 400, description = "Unreadable JSON or unknown fields", body = ErrorBody),
        (status = 403, description = "The caller holds no role that may take it on this case", body = ErrorBody),
        (status = 404, description = "No such event", body = ErrorBody),
        (status = 409, description = "Not possible in the case's state: `current` and `allowed` say what is", body = ErrorBody),
        (status = 415, description = "Not `application/json`", body = ErrorBody),
        (status = 422, description = "A missing or unknown action, a missing reason, an unknown unit...", body = ErrorBody),
    )
)]
async fn act(
    caller: Caller,
    State(platform): State<Arc<Platform>>,
    Path(id): Path<String>,
    body: Result<Json<ActionRequest>, JsonRejection>,
) -> Result<Json<Applied>, ApiError> {
    let Json(request) = body?;
    if request.actor.is_some() || request.role.is_some() {
        return Err(unprocessable(
            "actor_from_caller",
            "leave out actor and role: who acts, and in which role, comes from your sign-in \
             (操作人和角色取自登录身份)"
                .into(),
        ));
    }
    let action = request
        .action
        .ok_or_else(|| unprocessable("missing_action", "name the action".into()))?;
    let action = Action::parse(&action).ok_or_else(|| {
        unprocessable(
            "unknown_action",
            format!(
                "unknown action {action:?}; one of {}",
                names(Action::ALL, Action::as_str)
            ),
        )
    })?;
    let head = case_scope(&platform, &id).await?;
    caller
        .require_case(&id, &scope_of(&head), action.as_str())
        .await?;
    let act = Act {
        action,
        by: caller.principal().clone(),
        reason: request.reason,
        note: request.note,
        unit: request.unit,
        assignee: request.assignee,
        item: request.item,
        into: request.into,
        extension: request.extension,
    };
    match platform.act(&id, act).await {
        Ok(applied) => Ok(Json(applied)),
        Err(e) => Err(match e {
            ActError::Refused(refusal) => {
                let street = Some(head.street_code.as_str());
                caller
                    .refuse(refusal, street, Some(&id), action.as_str(), &id)
                    .await
            }
            ActError::NotFound(_) => ApiError::NotFound(e.to_string()),
            ActError::Invalid { code, message } => unprocessable(code, message),
            ActError::NotAllowed(ref refused) => conflict("transition_not_allowed", &e, refused),
            ActError::Changed(ref refused) => conflict("state_changed", &e, refused),
            ActError::Internal(cause) => ApiError::Internal(cause),
        }),
    }
}

fn conflict(code: &'static str, error: &ActError, refused: &NotAllowed) -> ApiError {
    ApiError::Conflict {
        code,
        message: error.to_string(),
        current: refused.current.as_str().into(),
        allowed: refused
            .allowed
            .iter()
            .map(|a| a.as_str().to_string())
            .collect(),
    }
}

/// `GET /api/v1/events/{id}/timeline`: the entries in order and whether their chain verifies.
#[utoipa::path(
    get,
    path = "/api/v1/events/{id}/timeline",
    tag = "cases",
    summary = "A case's timeline, its hash chain verified (办理时间线)",
    params(("id" = String, Path, description = "The event's id")),
    responses(
        (status = 200, description = "The entries in order and whether they verify", body = Timeline),
        (status = 403, description = "Outside the caller's reach", body = ErrorBody),
        (status = 404, description = "No such event", body = ErrorBody),
    )
)]
async fn timeline(
    caller: Caller,
    State(platform): State<Arc<Platform>>,
    Path(id): Path<String>,
) -> Result<Json<Timeline>, ApiError> {
    let head = case_scope(&platform, &id).await?;
    caller
        .require_case(&id, &scope_of(&head), "read_timeline")
        .await?;
    cases::timeline(platform.db(), &id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("no event {id}")))
}
