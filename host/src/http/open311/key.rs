//! Open311's `api_key`: which token calls, how far it reaches, and from which source a request
//! it posts comes.

use std::sync::Arc;

use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;

use super::Params;
use super::format::{Failure, Format};
use crate::auth::{Refusal, policy};
use crate::domain::{Principal, Reach, Source};
use crate::http::auth::{Caller, token_caller};
use crate::platform::Platform;
use crate::storage::open311::CaseReach;

/// The caller behind the request's `api_key`: `401` when there is none, `403` when it is not
/// a valid token.
pub async fn caller(
    platform: &Arc<Platform>,
    format: Format,
    headers: &HeaderMap,
    params: &Params,
) -> Result<Caller, Failure> {
    let presented = match params.get("api_key") {
        Some(key) => Some(key.to_string()),
        None => from_header(headers),
    };
    let Some(presented) = presented else {
        return Err(Failure::new(
            format,
            StatusCode::UNAUTHORIZED,
            "api_key required: ask district IT for a channel token (需要 api_key)",
        ));
    };
    match token_caller(platform, &presented).await {
        Ok(Some(caller)) => Ok(caller),
        Ok(None) => Err(Failure::new(
            format,
            StatusCode::FORBIDDEN,
            "invalid api_key (api_key 无效)",
        )),
        Err(e) => Err(Failure::from_api(format, e)),
    }
}

/// A bearer token, or HTTP Basic's password (its user when the password is empty).
fn from_header(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, rest) = value.split_once(' ')?;
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("bearer") {
        return Some(rest.to_string()).filter(|t| !t.is_empty());
    }
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(rest)
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (user, password) = decoded.split_once(':').unwrap_or((decoded.as_str(), ""));
    let key = if password.is_empty() { user } else { password };
    Some(key.to_string()).filter(|k| !k.is_empty())
}

/// The caller's reach as clauses on the events it may list: the same narrowing as
/// `GET /api/v1/events` applies when no street or unit is asked for.
pub fn reach(principal: &Principal) -> CaseReach {
    match &principal.reach {
        Reach::District => CaseReach::default(),
        Reach::Street { street } => CaseReach {
            street_code: Some(street.clone()),
            ..CaseReach::default()
        },
        Reach::Unit { unit, .. } => CaseReach {
            handling_unit: Some(unit.clone()),
            ..CaseReach::default()
        },
        Reach::Sources { sources } => CaseReach {
            sources: sources.clone(),
            ..CaseReach::default()
        },
    }
}

/// The source a request posted through Open311 comes from: `web` (网上留言, what a citizen's
/// app or portal is) when the caller may submit from it, otherwise the first source a channel
/// token names. Refused when the caller may submit from none.
pub fn submit_source(principal: &Principal) -> Result<Source, Refusal> {
    let source = match &principal.reach {
        Reach::Sources { sources } if !sources.contains(&Source::Web) => sources
            .iter()
            .copied()
            .find(|s| *s != Source::Scenario)
            .unwrap_or(Source::Web),
        _ => Source::Web,
    };
    policy::may_submit(principal, source).map(|()| source)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn the_key_comes_from_a_bearer_header_or_basic_credentials() {
        assert_eq!(from_header(&headers("Bearer abc")).as_deref(), Some("abc"));
        // "open311:k3y" and "k3y:" in base64.
        assert_eq!(
            from_header(&headers("Basic b3BlbjMxMTprM3k=")).as_deref(),
            Some("k3y")
        );
        assert_eq!(
            from_header(&headers("Basic azN5Og==")).as_deref(),
            Some("k3y")
        );
        assert_eq!(from_header(&headers("Digest x")), None);
        assert_eq!(from_header(&HeaderMap::new()), None);
    }

    #[test]
    fn a_channel_submits_as_web_when_it_may_and_otherwise_from_its_own_source() {
        let channel = |sources: Vec<Source>| Principal {
            id: "t".into(),
            scope: Some(crate::domain::Scope::Channel),
            person: None,
            reach: Reach::Sources { sources },
        };
        assert_eq!(
            submit_source(&channel(vec![Source::Hotline, Source::Web])),
            Ok(Source::Web)
        );
        assert_eq!(
            submit_source(&channel(vec![Source::Hotline])),
            Ok(Source::Hotline)
        );
        assert_eq!(
            submit_source(&Principal::bootstrap_admin()),
            Ok(Source::Web)
        );
    }
}
