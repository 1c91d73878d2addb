//! The bearer-token check for administrative endpoints.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::error::ApiError;
use crate::auth::token_matches;
use crate::platform::Platform;

/// Present in a handler's arguments: the request carried the admin token.
pub struct Admin;

impl FromRequestParts<Arc<Platform>> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        platform: &Arc<Platform>,
    ) -> Result<Self, Self::Rejection> {
        let presented = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        match presented {
            Some(token) if token_matches(token, &platform.admin_token) => Ok(Admin),
            _ => Err(ApiError::Unauthorized),
        }
    }
}
