//! `/api/v1/events/{id}/actions` and `/api/v1/events/{id}/timeline`: moving a case through its
//! lifecycle and reading back its verified timeline.

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use super::error::ApiError;
use crate::casework::{self, Act, ActError, Applied, Timeline};
use crate::domain::TimeLimit;
use crate::lifecycle::{Action, NotAllowed, Role};
use crate::platform::Platform;

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
    actor: Option<String>,
    role: Option<String>,
    reason: Option<String>,
    note: Option<String>,
    /// The unit code to reassign to, for `approve_return`.
    unit: Option<String>,
    /// The staff id to give the case to, for `assign`.
    assignee: Option<String>,
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

/// `POST /api/v1/events/{id}/actions`: 200 with the case's new state and the appended entry.
async fn act(
    State(platform): State<Arc<Platform>>,
    Path(id): Path<String>,
    body: Result<Json<ActionRequest>, JsonRejection>,
) -> Result<Json<Applied>, ApiError> {
    let Json(request) = body?;
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
    let role = request
        .role
        .ok_or_else(|| unprocessable("missing_role", "name the actor's role".into()))?;
    let role = Role::parse(&role).ok_or_else(|| {
        unprocessable(
            "unknown_role",
            format!(
                "unknown role {role:?}; one of {}",
                names(Role::ALL, Role::as_str)
            ),
        )
    })?;
    let act = Act {
        action,
        actor: request.actor.unwrap_or_default(),
        role,
        reason: request.reason,
        note: request.note,
        unit: request.unit,
        assignee: request.assignee,
        extension: request.extension,
    };
    platform.act(&id, act).await.map(Json).map_err(|e| match e {
        ActError::NotFound(_) => ApiError::NotFound(e.to_string()),
        ActError::Invalid { code, message } => unprocessable(code, message),
        ActError::NotAllowed(ref refused) => conflict("transition_not_allowed", &e, refused),
        ActError::Changed(ref refused) => conflict("state_changed", &e, refused),
        ActError::Internal(cause) => ApiError::Internal(cause),
    })
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
    State(platform): State<Arc<Platform>>,
    Path(id): Path<String>,
) -> Result<Json<Timeline>, ApiError> {
    casework::timeline(platform.db(), &id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("no event {id}")))
}
