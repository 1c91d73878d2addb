//! Bearer tokens on the API: the [`Caller`] extractor and the checks a handler asks of it.
//!
//! ```ignore
//! async fn activate(caller: Caller, State(platform): State<Arc<Platform>>, ...) -> Result<_, ApiError> {
//!     let street = known_street(&platform, &street)?;                  // 404 when unknown
//!     let target = format!("plugin {name}@{version}");
//!     caller.require_street(&street, "activate", &target).await?;   // 403 + audit when refused
//!     /* ... do it ... */
//!     caller.record_write(Some(&street), "activate", &target).await; // audit of the success
//! }
//! ```
//!
//! - `Caller` in a handler's arguments: a token is required; missing, unknown or revoked
//!   answers `401`. `Option<Caller>`: no token is fine (`None`), but a presented token must
//!   be valid (`401` otherwise).
//! - `require_read` / `require_street` / `require_district` / `require_audit` answer
//!   `403 {"error": {"code": "forbidden"}}` when the token's scope does not cover the request,
//!   and append that refusal to the audit log. `record_write` logs a write that succeeded.

use std::sync::Arc;

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use super::error::ApiError;
use crate::auth::{Access, Principal, Refusal, tokens};
use crate::platform::Platform;
use crate::storage::tokens::AuditEntry;

/// The holder of a valid bearer token (a stored token, or the bootstrap admin token).
pub struct Caller {
    principal: Principal,
    platform: Arc<Platform>,
}

impl FromRequestParts<Arc<Platform>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        platform: &Arc<Platform>,
    ) -> Result<Self, Self::Rejection> {
        <Caller as OptionalFromRequestParts<_>>::from_request_parts(parts, platform)
            .await?
            .ok_or(ApiError::Unauthorized)
    }
}

impl OptionalFromRequestParts<Arc<Platform>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        platform: &Arc<Platform>,
    ) -> Result<Option<Self>, Self::Rejection> {
        let Some(header) = parts.headers.get(AUTHORIZATION) else {
            return Ok(None);
        };
        let presented = header
            .to_str()
            .ok()
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .ok_or(ApiError::Unauthorized)?;
        let principal = tokens::authenticate(platform.db(), &platform.admin_token, presented)
            .await?
            .ok_or(ApiError::Unauthorized)?;
        Ok(Some(Caller {
            principal,
            platform: platform.clone(),
        }))
    }
}

impl Caller {
    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    /// Who to record as having done something (`deployed_by`): the token's id, or `admin`.
    pub fn who(&self) -> &str {
        &self.principal.token_id
    }

    /// Reading `street` (a code), or district-wide data when `None`.
    pub async fn require_read(
        &self,
        street: Option<&str>,
        action: &str,
        target: &str,
    ) -> Result<(), ApiError> {
        self.require(Access::Read, street, action, target).await
    }

    /// Changing one street's plugins (deploy, activate, roll back, configure): a district admin
    /// or that street's admin.
    pub async fn require_street(
        &self,
        street: &str,
        action: &str,
        target: &str,
    ) -> Result<(), ApiError> {
        self.require(Access::Write, Some(street), action, target)
            .await
    }

    /// A district-wide change: district admins only.
    pub async fn require_district(&self, action: &str, target: &str) -> Result<(), ApiError> {
        self.require(Access::Write, None, action, target).await
    }

    /// Reading the audit log of `street`, or of the district when `None`.
    pub async fn require_audit(&self, street: Option<&str>) -> Result<(), ApiError> {
        let target = street.unwrap_or("district");
        self.require(Access::Audit, street, "read_audit", target)
            .await
    }

    /// Records a successful administrative write in the audit log.
    pub async fn record_write(&self, street: Option<&str>, action: &str, target: &str) {
        self.audit(street, action, target, "ok", None).await;
    }

    async fn require(
        &self,
        access: Access,
        street: Option<&str>,
        action: &str,
        target: &str,
    ) -> Result<(), ApiError> {
        let Err(refusal) = self.principal.check(access, street) else {
            return Ok(());
        };
        let message = self.explain(&refusal, street, action);
        tracing::warn!(
            token = %self.principal.token_id,
            scope = self.principal.scope.as_str(),
            street,
            action,
            target,
            "request refused: {message}"
        );
        self.audit(street, action, target, "denied", Some(message.clone()))
            .await;
        Err(ApiError::Forbidden(message))
    }

    fn explain(&self, refusal: &Refusal, street: Option<&str>, action: &str) -> String {
        let reference = self.platform.reference();
        let name = |code: &str| {
            reference
                .district
                .street(code)
                .map_or_else(|| code.to_string(), |s| s.name.clone())
        };
        match refusal {
            Refusal::ReadOnly => {
                format!("this token is read_only and may not {action} (只读令牌不能执行此操作)")
            }
            Refusal::OtherStreet { own } => format!(
                "this token is limited to {} and may not {action} in {} (此令牌仅限{})",
                name(own),
                street.map_or_else(|| "the district".to_string(), name),
                name(own),
            ),
            Refusal::DistrictOnly => format!(
                "{action} across the district needs a district_admin token (需要区级管理员令牌)"
            ),
        }
    }

    async fn audit(
        &self,
        street: Option<&str>,
        action: &str,
        target: &str,
        outcome: &str,
        reason: Option<String>,
    ) {
        let entry = AuditEntry {
            id: 0,
            at: jiff::Timestamp::now(),
            token_id: self.principal.token_id.clone(),
            scope: self.principal.scope.as_str().into(),
            token_street: self.principal.street_code.clone(),
            street_code: street.map(Into::into),
            action: action.into(),
            target: target.into(),
            outcome: outcome.into(),
            reason,
        };
        // A lost audit line must not turn a refusal into a success or undo a done write: the
        // answer stands and the failure is logged loudly.
        if let Err(e) = self.platform.db().record_audit(&entry).await {
            tracing::error!(error = %format!("{e:#}"), action, target, outcome, "cannot write the audit log");
        }
    }
}
