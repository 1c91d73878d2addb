//! Who is calling: the [`Caller`] extractor, for browser sessions and bearer tokens alike, and
//! the checks a handler asks of it (each one a question to [`crate::auth::policy`]).
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
//! - A `Caller` argument makes a handler need one: no credentials, a bad token or an ended
//!   session answer `401`. A session whose password must still be changed may only change it.
//! - A session cookie on a state-changing request (anything but GET, HEAD, OPTIONS) must come
//!   with its CSRF token in the `x-csrf-token` header or a `_csrf` form field (the console's
//!   form handlers check the field with [`Caller::check_csrf`]); otherwise `403`.
//! - `require_*` answer `403 {"error": {"code": "forbidden"}}` when the policy refuses, and
//!   append the refusal to the audit log.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method};

use super::error::ApiError;
use crate::auth::policy::{self, Access};
use crate::auth::sessions::{self, Live};
use crate::auth::{Refusal, tokens};
use crate::domain::{CaseScope, Principal, Source};
use crate::platform::Platform;
use crate::storage::audit::AuditEntry;

/// The header a session's state-changing fetches carry their CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// A caller the platform knows: a signed-in person or the holder of a valid token.
pub struct Caller {
    principal: Principal,
    session: Option<Live>,
    platform: Arc<Platform>,
}

impl FromRequestParts<Arc<Platform>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        platform: &Arc<Platform>,
    ) -> Result<Self, Self::Rejection> {
        let caller = identify(&parts.headers, platform)
            .await?
            .ok_or(ApiError::Unauthorized)?;
        if let Some(live) = &caller.session {
            let unsafe_method =
                !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
            let form = parts
                .headers
                .get(axum::http::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
            // Form posts carry the token in their body: their handlers check it.
            if unsafe_method && !form && !csrf_header_matches(&parts.headers, &live.csrf) {
                return Err(ApiError::Forbidden(
                    "missing or wrong CSRF token: send the session's token in x-csrf-token \
                     (缺少或错误的防伪令牌，请刷新页面)"
                        .into(),
                ));
            }
            let changing_password = parts.uri.path() == "/api/v1/session/password"
                || parts.uri.path() == "/password"
                || parts.uri.path() == "/logout"
                || parts.uri.path() == "/api/v1/session";
            if live.must_change && !changing_password {
                return Err(ApiError::Forbidden(
                    "choose your own password first: POST /api/v1/session/password \
                     (首次登录请先修改密码)"
                        .into(),
                ));
            }
        }
        Ok(caller)
    }
}

fn csrf_header_matches(headers: &HeaderMap, expected: &str) -> bool {
    headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|presented| crate::auth::token_matches(presented, expected))
}

/// The session cookie's secret, if the request carries one.
pub fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == sessions::COOKIE)
        .map(|(_, value)| value)
}

/// The caller behind a request's bearer token or session cookie; `Ok(None)` when it carries
/// neither, `401` for a bad token. A bearer token wins over a cookie.
pub async fn identify(
    headers: &HeaderMap,
    platform: &Arc<Platform>,
) -> Result<Option<Caller>, ApiError> {
    let reference = platform.reference();
    if let Some(header) = headers.get(AUTHORIZATION) {
        let presented = header
            .to_str()
            .ok()
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .ok_or(ApiError::Unauthorized)?;
        return Ok(Some(
            token_caller(platform, presented)
                .await?
                .ok_or(ApiError::Unauthorized)?,
        ));
    }
    let Some(secret) = session_cookie(headers) else {
        return Ok(None);
    };
    let live =
        sessions::authenticate(platform.db(), &reference, platform.lifetimes(), secret).await?;
    Ok(live.map(|live| Caller {
        principal: live.principal.clone(),
        session: Some(live),
        platform: platform.clone(),
    }))
}

/// The holder of `presented`, a token (Open311's `api_key` among others), or `None` when
/// it is not a valid one.
pub async fn token_caller(
    platform: &Arc<Platform>,
    presented: &str,
) -> Result<Option<Caller>, ApiError> {
    let reference = platform.reference();
    let principal =
        tokens::authenticate(platform.db(), &reference, platform.admin_token(), presented).await?;
    Ok(principal.map(|principal| Caller {
        principal,
        session: None,
        platform: platform.clone(),
    }))
}

impl Caller {
    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    /// The browser session, when the caller signed in (not a token).
    pub fn session(&self) -> Option<&Live> {
        self.session.as_ref()
    }

    /// Who to record as having done something (`deployed_by`): the token's id, `admin`, or
    /// `staff:<id>`.
    pub fn who(&self) -> &str {
        &self.principal.id
    }

    /// Checks a form's `_csrf` field against the session's token (tokens need none).
    pub fn check_csrf(&self, presented: Option<&str>) -> Result<(), ApiError> {
        match &self.session {
            Some(live) if !presented.is_some_and(|p| crate::auth::token_matches(p, &live.csrf)) => {
                Err(ApiError::Forbidden(
                    "the form's CSRF token is missing or wrong: reload the page (请刷新页面后重试)"
                        .into(),
                ))
            }
            _ => Ok(()),
        }
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

    /// Changing one street's plugins (deploy, activate, roll back, configure).
    pub async fn require_street(
        &self,
        street: &str,
        action: &str,
        target: &str,
    ) -> Result<(), ApiError> {
        self.require(Access::Write, Some(street), action, target)
            .await
    }

    /// A district-wide change.
    pub async fn require_district(&self, action: &str, target: &str) -> Result<(), ApiError> {
        self.require(Access::Write, None, action, target).await
    }

    /// Reading the audit log of `street`, or of the district when `None`.
    pub async fn require_audit(&self, street: Option<&str>) -> Result<(), ApiError> {
        let target = street.unwrap_or("district");
        self.require(Access::Audit, street, "read_audit", target)
            .await
    }

    /// Managing accounts and tokens.
    pub async fn require_people(&self, action: &str, target: &str) -> Result<(), ApiError> {
        self.require(Access::People, None, action, target).await
    }

    /// Reading the rankings.
    pub async fn require_rankings(&self) -> Result<(), ApiError> {
        self.require(Access::Rankings, None, "read_rankings", "rankings")
            .await
    }

    /// Reading the district's surge warnings.
    pub async fn require_surges(&self) -> Result<(), ApiError> {
        self.require(Access::Surges, None, "read_surges", "surges")
            .await
    }

    /// Acknowledging or closing a surge warning.
    pub async fn require_surge_handling(&self, action: &str, target: &str) -> Result<(), ApiError> {
        self.require(Access::HandleSurges, None, action, target)
            .await
    }

    /// Managing the webhooks of `source`, or listing webhooks when `None`.
    pub async fn require_webhooks(
        &self,
        source: Option<Source>,
        action: &str,
        target: &str,
    ) -> Result<(), ApiError> {
        match policy::may_manage_webhooks(&self.principal, source) {
            Ok(()) => Ok(()),
            Err(refusal) => Err(self.refuse(refusal, None, None, action, target).await),
        }
    }

    /// Seeing one case: `403` (audited) when it is outside the caller's reach.
    pub async fn require_case(
        &self,
        event_id: &str,
        case: &CaseScope<'_>,
        action: &str,
    ) -> Result<(), ApiError> {
        if policy::sees(&self.principal, case) {
            return Ok(());
        }
        Err(self
            .refuse(
                Refusal::OutsideReach,
                Some(case.street),
                Some(event_id),
                action,
                event_id,
            )
            .await)
    }

    /// A refusal the policy gave: logged, audited, and the `403` to answer.
    pub async fn refuse(
        &self,
        refusal: Refusal,
        street: Option<&str>,
        event_id: Option<&str>,
        action: &str,
        target: &str,
    ) -> ApiError {
        let message = self.explain(&refusal, street);
        tracing::warn!(
            caller = %self.principal.id,
            kind = self.principal.kind(),
            street,
            action,
            target,
            "request refused: {message}"
        );
        let mut entry = self.entry(street, action, target, "denied", Some(message.clone()));
        entry.event_id = event_id.map(Into::into);
        self.write_audit(&entry).await;
        ApiError::Forbidden(message)
    }

    /// The refusal as its reader should see it: streets by their Chinese names.
    fn explain(&self, refusal: &Refusal, street: Option<&str>) -> String {
        let Refusal::OtherStreet { own } = refusal else {
            return refusal.to_string();
        };
        let reference = self.platform.reference();
        let name = |code: &str| {
            reference
                .district
                .street(code)
                .map_or_else(|| code.to_string(), |s| s.name.clone())
        };
        let asked = street.map_or_else(|| "全区".to_string(), name);
        format!(
            "此账号仅限{own}，不能操作{asked} (limited to {own})",
            own = name(own)
        )
    }

    /// Records a successful administrative write in the audit log.
    pub async fn record_write(&self, street: Option<&str>, action: &str, target: &str) {
        let entry = self.entry(street, action, target, "ok", None);
        self.write_audit(&entry).await;
    }

    /// An audit entry by this caller (written by whoever holds the transaction).
    pub fn entry(
        &self,
        street: Option<&str>,
        action: &str,
        target: &str,
        outcome: &str,
        reason: Option<String>,
    ) -> AuditEntry {
        let mut entry = crate::auth::audit_entry(&self.principal, street, action, target, outcome);
        entry.reason = reason;
        entry
    }

    async fn require(
        &self,
        access: Access,
        street: Option<&str>,
        action: &str,
        target: &str,
    ) -> Result<(), ApiError> {
        match policy::check(&self.principal, access, street) {
            Ok(()) => Ok(()),
            Err(refusal) => Err(self.refuse(refusal, street, None, action, target).await),
        }
    }

    async fn write_audit(&self, entry: &AuditEntry) {
        // A lost audit line must not turn a refusal into a success or undo a done write: the
        // answer stands and the failure is logged loudly.
        if let Err(e) = self.platform.db().record_audit(entry).await {
            tracing::error!(error = %format!("{e:#}"), action = %entry.action, target = %entry.target, outcome = %entry.outcome, "cannot write the audit log");
        }
    }
}
