//! `/api/v1/events/{id}/actions` and `/api/v1/events/{id}/timeline`: moving a case through its
//! lifecycle and reading back its verified timeline.

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use super::auth::Caller;
use super::error::ApiError;
use crate::casework::{self, Act, ActError, Applied, Timeline};
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
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ActionRequest {
    action: Option<String>,
    /// Refused: who acts, and in which role, comes from the caller's sign-in.
    actor: Option<serde_json::Value>,
    role: Option<serde_json::Value>,
    reason: Option<String>,
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
async fn timeline(
    caller: Caller,
    State(platform): State<Arc<Platform>>,
    Path(id): Path<String>,
) -> Result<Json<Timeline>, ApiError> {
    let head = case_scope(&platform, &id).await?;
    caller
        .require_case(&id, &scope_of(&head), "read_timeline")
        .await?;
    casework::timeline(platform.db(), &id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("no event {id}")))
}
