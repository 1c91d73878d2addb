//! The API's one error type: it owns the status codes and the JSON body
//! `{"error": {"code", "message"}}` (a refused case transition adds `current` and `allowed`).
//! Server-side failures get an opaque body; the cause is logged.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// The body of every error answer (错误响应).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong: a stable `code` to branch on and a `message` a person reads.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable and machine-readable, e.g. `not_found`, `invalid_field`, `transition_not_allowed`.
    #[schema(example = "not_found")]
    pub code: String,
    /// Names the field or the rule and says how to fix it; opaque for `internal`.
    pub message: String,
    /// For a refused case transition (`409`): the state the case (or warning, delivery) is in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current: Option<String>,
    /// For a refused case transition (`409`): the actions the caller may take there instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed: Option<Vec<String>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request could not be read (malformed JSON, wrong types).
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    /// The request was read but its content is refused.
    #[error("{message}")]
    Unprocessable { code: &'static str, message: String },
    #[error("{0}")]
    NotFound(String),
    /// The case is not in a state where the action is possible: `current` is its state and
    /// `allowed` the actions the caller's role may take there.
    #[error("{message}")]
    Conflict {
        code: &'static str,
        message: String,
        current: String,
        allowed: Vec<String>,
    },
    #[error("sign in, or send a valid bearer token (请先登录)")]
    Unauthorized,
    /// A wrong username or password.
    #[error("{0}")]
    SignIn(String),
    /// A locked or disabled account.
    #[error("{0}")]
    Locked(String),
    /// A valid token whose scope does not cover the request.
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The request body did not arrive in time.
    #[error("{0}")]
    RequestTimeout(String),
    /// The caller's own work of this kind is already under way: retry when it has finished.
    #[error("{0}")]
    Busy(String),
    /// Storage is failing: the caller should retry.
    #[error("storage is unavailable")]
    Unavailable(#[source] anyhow::Error),
    /// Too much intake at once: refused at once, to be sent again after `Retry-After`.
    #[error("{0}")]
    Overloaded(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    /// The status code this error answers with.
    pub fn status(&self) -> StatusCode {
        self.parts().0
    }

    fn parts(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::BadRequest { code, .. } => (StatusCode::BAD_REQUEST, code),
            ApiError::Unprocessable { code, .. } => (StatusCode::UNPROCESSABLE_ENTITY, code),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::Conflict { code, .. } => (StatusCode::CONFLICT, code),
            ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::SignIn(_) => (StatusCode::UNAUTHORIZED, "wrong_credentials"),
            ApiError::Locked(_) => (StatusCode::LOCKED, "account_locked"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::UnsupportedMediaType(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            ApiError::RequestTimeout(_) => (StatusCode::REQUEST_TIMEOUT, "body_timeout"),
            ApiError::Busy(_) => (StatusCode::TOO_MANY_REQUESTS, "busy"),
            ApiError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            ApiError::Overloaded(_) => (StatusCode::SERVICE_UNAVAILABLE, "overloaded"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.parts();
        let message = match &self {
            ApiError::Internal(cause) => {
                tracing::error!(error = %format!("{cause:#}"), "request failed");
                "internal error; the cause is in the server log".to_string()
            }
            ApiError::Unavailable(cause) => {
                tracing::error!(error = %format!("{cause:#}"), "storage unavailable");
                "storage is unavailable; nothing was stored, retry later".to_string()
            }
            other => other.to_string(),
        };
        let (current, allowed) = match &self {
            ApiError::Conflict {
                current, allowed, ..
            } => (Some(current.clone()), Some(allowed.clone())),
            _ => (None, None),
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: code.into(),
                message,
                current,
                allowed,
            },
        };
        let mut response = (status, Json(body)).into_response();
        if matches!(self, ApiError::Overloaded(_)) {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("1"),
            );
        }
        if matches!(self, ApiError::Unauthorized) {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

impl From<axum::extract::rejection::JsonRejection> for ApiError {
    fn from(rejection: axum::extract::rejection::JsonRejection) -> Self {
        use axum::extract::rejection::JsonRejection as R;
        match rejection {
            R::MissingJsonContentType(_) => ApiError::UnsupportedMediaType(
                "send the body as JSON with Content-Type: application/json".into(),
            ),
            R::JsonSyntaxError(e) => ApiError::BadRequest {
                code: "malformed_json",
                message: format!("the body is not valid JSON: {}", e.body_text()),
            },
            R::JsonDataError(e) => ApiError::BadRequest {
                code: "invalid_field",
                message: e.body_text(),
            },
            other => ApiError::BadRequest {
                code: "bad_request",
                message: other.body_text(),
            },
        }
    }
}

impl From<axum::extract::rejection::QueryRejection> for ApiError {
    fn from(rejection: axum::extract::rejection::QueryRejection) -> Self {
        ApiError::BadRequest {
            code: "invalid_query",
            message: rejection.body_text(),
        }
    }
}
