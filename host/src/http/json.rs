//! A JSON request body read strictly: `Content-Type: application/json`, with at most the
//! parameter `charset=utf-8`. axum's `Json` also takes any `application/*+json` type, which
//! lets a client post a body that is not what it says it is.

use axum::Json;
use axum::extract::{FromRequest, Request};
use axum::http::HeaderMap;
use axum::http::header::CONTENT_TYPE;
use serde::de::DeserializeOwned;

use super::ApiError;

/// The body, deserialized, after its content type was checked.
pub struct JsonBody<T>(pub T);

impl<T, S> FromRequest<S> for JsonBody<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        content_type(request.headers())?;
        let Json(value) = Json::<T>::from_request(request, state).await?;
        Ok(Self(value))
    }
}

/// Accepts `application/json` and `application/json; charset=utf-8` (any case, any spacing).
fn content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let refuse = |why: String| Err(ApiError::UnsupportedMediaType(why));
    let Some(value) = headers.get(CONTENT_TYPE) else {
        return refuse("send the body as JSON with Content-Type: application/json".into());
    };
    let Ok(value) = value.to_str() else {
        return refuse("the Content-Type header is not readable text: use application/json".into());
    };
    let mut parts = value.split(';');
    let essence = parts.next().unwrap_or_default().trim();
    if !essence.eq_ignore_ascii_case("application/json") {
        return refuse(format!(
            "Content-Type {value:?} is not accepted: send application/json (请使用 application/json)"
        ));
    }
    for parameter in parts.map(str::trim).filter(|p| !p.is_empty()) {
        let utf8 = parameter.split_once('=').is_some_and(|(name, charset)| {
            name.trim().eq_ignore_ascii_case("charset")
                && charset
                    .trim()
                    .trim_matches('"')
                    .eq_ignore_ascii_case("utf-8")
        });
        if !utf8 {
            return refuse(format!(
                "Content-Type {value:?} is not accepted: the only parameter allowed is charset=utf-8"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, value.parse().unwrap());
        headers
    }

    #[test]
    fn only_application_json_with_at_most_a_utf8_charset_is_accepted() {
        for ok in [
            "application/json",
            "Application/JSON",
            "application/json; charset=utf-8",
            "application/json;charset=\"UTF-8\"",
        ] {
            assert!(content_type(&with(ok)).is_ok(), "{ok}");
        }
        for refused in [
            "application/merge-patch+json",
            "application/vnd.api+json",
            "text/json",
            "application/json; charset=latin1",
            "application/json; boundary=x",
            "text/plain",
        ] {
            assert!(content_type(&with(refused)).is_err(), "{refused}");
        }
        assert!(content_type(&HeaderMap::new()).is_err());
    }
}
