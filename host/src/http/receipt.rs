//! The short answer to a submission, for channels that ask for it with `Prefer:
//! return=minimal` (RFC 7240): the case's id and where it went, without the whole record and
//! its trace (`GET /api/v1/events/{id}` has those). A hotline or a sensor gateway that only
//! needs the case number saves the host building and sending about 4 KB per event.

use axum::http::HeaderMap;
use axum::http::header::HeaderName;
use serde::Serialize;

use crate::domain::{EventRecord, Status, UnitRef};

/// The request header a client states its preference in.
pub const PREFER: HeaderName = HeaderName::from_static("prefer");
/// The answer's header saying the preference was honoured.
pub const PREFERENCE_APPLIED: HeaderName = HeaderName::from_static("preference-applied");
/// The one preference honoured.
pub const RETURN_MINIMAL: &str = "return=minimal";

/// What intake decided, in short (受理回执).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Receipt {
    pub id: String,
    pub status: Status,
    /// The street's code.
    pub street: String,
    /// The catalog item it was classified as.
    pub item_code: String,
    pub handling_unit: UnitRef,
    #[schema(format = DateTime)]
    pub deadline: String,
}

impl From<&EventRecord> for Receipt {
    fn from(r: &EventRecord) -> Self {
        Self {
            id: r.event.id.clone(),
            status: r.status,
            street: r.event.location.street_code.clone(),
            item_code: r.classification.item_code.clone(),
            handling_unit: r.dispatch.handling_unit.clone(),
            deadline: crate::calendar::rfc3339(r.dispatch.deadline),
        }
    }
}

/// Whether the request prefers the short answer: `return=minimal` among the `Prefer` headers'
/// comma-separated preferences (names and values compared without regard to case).
pub fn wants_minimal(headers: &HeaderMap) -> bool {
    headers
        .get_all(PREFER)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|preference| {
            let preference = preference.split(';').next().unwrap_or_default();
            let Some((name, value)) = preference.split_once('=') else {
                return false;
            };
            name.trim().eq_ignore_ascii_case("return")
                && value
                    .trim()
                    .trim_matches('"')
                    .eq_ignore_ascii_case("minimal")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(PREFER, value.parse().unwrap());
        }
        headers
    }

    #[test]
    fn return_minimal_is_found_among_other_preferences() {
        assert!(wants_minimal(&headers(&["return=minimal"])));
        assert!(wants_minimal(&headers(&[
            "respond-async, Return = \"Minimal\""
        ])));
        assert!(wants_minimal(&headers(&["wait=10", "return=minimal; x=y"])));
    }

    #[test]
    fn anything_else_keeps_the_whole_record() {
        assert!(!wants_minimal(&headers(&[])));
        assert!(!wants_minimal(&headers(&["return=representation"])));
        assert!(!wants_minimal(&headers(&["minimal", "handling=lenient"])));
    }
}
