//! Open311's two formats from one value: JSON as the GeoReport v2 examples write it, and XML
//! with the standard's element names (a list's root holds one element per item; a nested list
//! holds its key's singular: `attributes` → `attribute`, `values` → `value`). Errors are
//! `[{"code", "description"}]` or `<errors><error>…`, with the same status code.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// The format a path's suffix asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
}

impl Format {
    /// `services.json` → (`services`, JSON); `None` for a name without a known suffix.
    pub fn split(file: &str) -> Option<(&str, Format)> {
        let (stem, suffix) = file.rsplit_once('.')?;
        let format = match suffix {
            "json" => Format::Json,
            "xml" => Format::Xml,
            _ => return None,
        };
        (!stem.is_empty()).then_some((stem, format))
    }
}

/// An answer: `value` is a list (each item becomes an `item` element under `root`) or an
/// object (its fields become `root`'s children).
pub struct Reply {
    pub format: Format,
    pub status: StatusCode,
    pub root: &'static str,
    pub item: &'static str,
    pub value: Value,
}

impl Reply {
    pub fn ok(format: Format, root: &'static str, item: &'static str, value: Value) -> Self {
        Self {
            format,
            status: StatusCode::OK,
            root,
            item,
            value,
        }
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        match self.format {
            Format::Json => (
                self.status,
                [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
                self.value.to_string(),
            )
                .into_response(),
            Format::Xml => (
                self.status,
                [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
                to_xml(self.root, self.item, &self.value),
            )
                .into_response(),
        }
    }
}

/// A refusal in the standard's shape.
#[derive(Debug)]
pub struct Failure {
    pub format: Format,
    pub status: StatusCode,
    pub description: String,
}

impl Failure {
    pub fn new(format: Format, status: StatusCode, description: impl Into<String>) -> Self {
        Self {
            format,
            status,
            description: description.into(),
        }
    }

    pub fn bad_request(format: Format, description: impl Into<String>) -> Self {
        Self::new(format, StatusCode::BAD_REQUEST, description)
    }

    pub fn not_found(format: Format, description: impl Into<String>) -> Self {
        Self::new(format, StatusCode::NOT_FOUND, description)
    }

    /// A failure of ours: logged with its cause, answered without it.
    pub fn internal(format: Format, cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "an Open311 request failed");
        Self::new(
            format,
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error, try again later (系统错误，请稍后再试)",
        )
    }

    /// The host's own error, in Open311's shape (its status; 5xx stay opaque).
    pub fn from_api(format: Format, error: crate::http::ApiError) -> Self {
        let status = error.status();
        if status.is_server_error() {
            return Self::internal(format, error);
        }
        Self::new(format, status, error.to_string())
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let body = serde_json::json!([{
            "code": self.status.as_u16(),
            "description": self.description,
        }]);
        let mut response = Reply {
            format: self.format,
            status: self.status,
            root: "errors",
            item: "error",
            value: body,
        }
        .into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            // Lets a client that keeps its key in the URL (user info) know it may send it.
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Basic realm=\"open311\""),
            );
        }
        response
    }
}

/// The XML document of `value` under `root`.
pub fn to_xml(root: &str, item: &str, value: &Value) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
    match value {
        Value::Array(items) => {
            out.push_str(&format!("<{root}>"));
            for v in items {
                element(&mut out, item, v);
            }
            out.push_str(&format!("</{root}>"));
        }
        other => element(&mut out, root, other),
    }
    out
}

fn element(out: &mut String, name: &str, value: &Value) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    match value {
        Value::Null => {}
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => out.push_str(&escape(s)),
        Value::Array(items) => {
            let singular = name.strip_suffix('s').unwrap_or(name);
            for v in items {
                element(out, singular, v);
            }
        }
        Value::Object(fields) => {
            for (key, v) in fields {
                element(out, key, v);
            }
        }
    }
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// Text as XML character data: markup characters escaped, and the control characters XML 1.0
/// cannot hold at all dropped (intake refuses them already; this is the last guard).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn markup_in_text_is_escaped_and_cannot_open_an_element() {
        let xml = to_xml(
            "service_requests",
            "request",
            &json!([{ "description": "井盖<丢失> & \"危险\"\u{1}" }]),
        );
        assert_eq!(
            xml,
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><service_requests><request>\
             <description>井盖&lt;丢失&gt; &amp; &quot;危险&quot;</description>\
             </request></service_requests>"
        );
    }

    #[test]
    fn nested_lists_hold_their_singular_and_objects_their_fields() {
        let xml = to_xml(
            "service_definition",
            "",
            &json!({ "service_code": "01-001", "attributes": [{ "code": "a", "values": [] }] }),
        );
        assert!(
            xml.contains(
                "<attributes><attribute><code>a</code><values></values></attribute></attributes>"
            ),
            "{xml}"
        );
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?><service_definition>"));
    }

    #[test]
    fn a_suffix_names_the_format() {
        assert_eq!(
            Format::split("services.xml"),
            Some(("services", Format::Xml))
        );
        assert_eq!(Format::split("01-001.json"), Some(("01-001", Format::Json)));
        assert_eq!(Format::split("services.csv"), None);
        assert_eq!(Format::split(".json"), None);
    }
}
