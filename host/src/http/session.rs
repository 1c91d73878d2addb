//! `/api/v1/session`: signing in and out with a password, who am I, and changing one's own
//! password. The console's pages use the same calls through their forms.

use std::sync::Arc;

use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::auth::Caller;
use super::error::{ApiError, ErrorBody};
use crate::auth::accounts::{self, PasswordError, SignInError};
use crate::auth::sessions::{self, COOKIE, Started};
use crate::domain::Principal;
use crate::platform::Platform;

pub fn router() -> Router<Arc<Platform>> {
    Router::new()
        .route("/api/v1/session", post(sign_in).get(me).delete(sign_out))
        .route("/api/v1/session/password", post(change_password))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Credentials {
    pub username: String,
    pub password: String,
}

/// Who is calling, and what a browser session needs.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Me {
    principal: Principal,
    /// The token state-changing requests must echo in `x-csrf-token` (sessions only).
    csrf: Option<String>,
    /// The password is a one-time password: nothing else is allowed until it is changed.
    must_change_password: bool,
}

/// `POST /api/v1/session`: `200` with the caller and the CSRF token, and the session cookie.
#[utoipa::path(
    post,
    path = "/api/v1/session",
    tag = "session",
    summary = "Sign in with a password (登录)",
    description = "Sets the session cookie (`sw_session`: HttpOnly, SameSite=Strict). \
        State-changing requests of the session send `csrf` back in `x-csrf-token`.",
    request_body = Credentials,
    security(()),
    responses(
        (status = 200, description = "Signed in", body = Me,
            headers(("set-cookie" = String, description = "The session cookie"))),
        (status = 400, description = "Unreadable JSON or unknown fields", body = ErrorBody),
        (status = 401, description = "Wrong username or password", body = ErrorBody),
        (status = 415, description = "Not `application/json`", body = ErrorBody),
        (status = 423, description = "The account is locked or disabled", body = ErrorBody),
    )
)]
async fn sign_in(
    State(platform): State<Arc<Platform>>,
    headers: HeaderMap,
    body: Result<Json<Credentials>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(credentials) = body?;
    let started = start(&platform, &credentials).await?;
    let cookie = session_cookie(&started.secret, &headers, &platform);
    let me = Me {
        principal: started.principal,
        csrf: Some(started.csrf),
        must_change_password: started.must_change,
    };
    Ok(([(SET_COOKIE, cookie)], Json(me)).into_response())
}

/// Signs in: the session, or the API error a person reads (`401` for a wrong password,
/// `423` for a locked or disabled account).
pub(crate) async fn start(
    platform: &Platform,
    credentials: &Credentials,
) -> Result<Started, ApiError> {
    let reference = platform.reference();
    sessions::sign_in(
        platform.db(),
        &reference,
        platform.lifetimes(),
        &credentials.username,
        &credentials.password,
    )
    .await
    .map_err(|e| match e {
        SignInError::Wrong => ApiError::SignIn(e.to_string()),
        SignInError::Locked { .. } | SignInError::Disabled => ApiError::Locked(e.to_string()),
        SignInError::Internal(cause) => ApiError::Internal(cause),
    })
}

/// The `Set-Cookie` value of a new session: HttpOnly, SameSite=Strict, `Secure` when the
/// request came over TLS (directly or through a proxy that says so).
pub(crate) fn session_cookie(
    secret: &str,
    headers: &HeaderMap,
    platform: &Platform,
) -> HeaderValue {
    let secure = platform.secure_cookies()
        || headers
            .get("x-forwarded-proto")
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"));
    let max_age = platform.lifetimes().absolute.as_secs();
    let value = format!(
        "{COOKIE}={secret}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&value).expect("a cookie of hex digits is a valid header")
}

/// The `Set-Cookie` value that removes the session cookie.
pub(crate) fn cleared_cookie() -> HeaderValue {
    HeaderValue::from_static("sw_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
}

/// `GET /api/v1/session`: who is calling.
#[utoipa::path(
    get,
    path = "/api/v1/session",
    tag = "session",
    summary = "Who is calling (当前身份)",
    description = "For a token as for a session; `csrf` only for a session.",
    responses((status = 200, description = "The caller", body = Me))
)]
async fn me(caller: Caller) -> Json<Me> {
    Json(Me {
        principal: caller.principal().clone(),
        csrf: caller.session().map(|s| s.csrf.clone()),
        must_change_password: caller.session().is_some_and(|s| s.must_change),
    })
}

/// `DELETE /api/v1/session`: ends the session on the server and clears the cookie.
#[utoipa::path(
    delete,
    path = "/api/v1/session",
    tag = "session",
    summary = "Sign out (退出登录)",
    responses(
        (status = 204, description = "Signed out; the cookie is cleared",
            headers(("set-cookie" = String, description = "The cleared session cookie"))),
        (status = 422, description = "A token has no session to end", body = ErrorBody),
    )
)]
async fn sign_out(
    caller: Caller,
    State(platform): State<Arc<Platform>>,
) -> Result<Response, ApiError> {
    let Some(live) = caller.session() else {
        return Err(ApiError::Unprocessable {
            code: "not_a_session",
            message: "a token has no session to end: revoke it with `streetwise token revoke`"
                .into(),
        });
    };
    sessions::sign_out(platform.db(), live).await?;
    Ok((StatusCode::NO_CONTENT, [(SET_COOKIE, cleared_cookie())]).into_response())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct PasswordChange {
    /// The password in use (or the one-time password).
    current: String,
    /// The new password: it must pass the strength rules (`422 weak_password` says which).
    new: String,
}

/// `POST /api/v1/session/password`: `204` once the new password is set.
#[utoipa::path(
    post,
    path = "/api/v1/session/password",
    tag = "session",
    summary = "Change one's own password (修改密码)",
    request_body = PasswordChange,
    responses(
        (status = 204, description = "The new password is set"),
        (status = 400, description = "Unreadable JSON or unknown fields", body = ErrorBody),
        (status = 415, description = "Not `application/json`", body = ErrorBody),
        (status = 422, description = "Not a session, a wrong current password or a weak new one", body = ErrorBody),
    )
)]
async fn change_password(
    caller: Caller,
    State(platform): State<Arc<Platform>>,
    body: Result<Json<PasswordChange>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let Json(change) = body?;
    set_password(&platform, &caller, &change.current, &change.new).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn set_password(
    platform: &Platform,
    caller: &Caller,
    current: &str,
    new: &str,
) -> Result<(), ApiError> {
    if caller.session().is_none() {
        return Err(ApiError::Unprocessable {
            code: "not_a_session",
            message: "sign in with a password to change it".into(),
        });
    }
    accounts::change_password(platform.db(), caller.principal(), current, new)
        .await
        .map_err(|e| match e {
            PasswordError::WrongCurrent => ApiError::Unprocessable {
                code: "wrong_password",
                message: e.to_string(),
            },
            PasswordError::Weak(_) => ApiError::Unprocessable {
                code: "weak_password",
                message: e.to_string(),
            },
            PasswordError::Internal(cause) => ApiError::Internal(cause),
        })
}
