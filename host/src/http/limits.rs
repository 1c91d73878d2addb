//! Limits every request meets before a handler reads it: a request target (path and query)
//! without control characters, and a deadline for the whole body. Connection-level limits
//! (header deadline, connections at once) are in [`super::serve`].

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body::{Frame, SizeHint};
use tokio::time::Sleep;

use super::ApiError;

/// Refuses a request whose percent-decoded path or query holds a control character (`%00`
/// and friends): no id, code or filter has one, and PostgreSQL refuses NUL in text, which
/// would turn a lookup of `/api/v1/events/%00` into a server error.
pub async fn plain_target(request: Request, next: Next) -> Response {
    let uri = request.uri();
    for (part, raw) in [("path", Some(uri.path())), ("query", uri.query())] {
        if let Some(c) = raw.and_then(control_character) {
            return ApiError::BadRequest {
                code: "control_character",
                message: format!(
                    "the request {part} holds the control character U+{:04X}; ids, codes and \
                     filters never do (请求地址含有控制字符)",
                    u32::from(c)
                ),
            }
            .into_response();
        }
    }
    next.run(request).await
}

/// The first control character of `raw` once percent-decoded.
fn control_character(raw: &str) -> Option<char> {
    let bytes = raw.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                let value = hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0);
                decoded.push(u8::try_from(value).unwrap_or(0));
                i += 3;
            }
            (b, _, _) => {
                decoded.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded)
        .chars()
        .find(|c| c.is_control())
}

/// Gives each request's body `limit` from the moment the handler is called: a client that
/// sends its headers and then drips (or withholds) the body is answered `408` when it runs
/// out, instead of holding the handler and its connection.
pub async fn body_deadline(
    State(limit): State<Duration>,
    request: Request,
    next: Next,
) -> Response {
    let expired = Arc::new(AtomicBool::new(false));
    let flag = expired.clone();
    let request = request.map(|body| {
        Body::new(Deadline {
            body,
            sleep: Box::pin(tokio::time::sleep(limit)),
            expired: flag,
        })
    });
    let response = next.run(request).await;
    if expired.load(Ordering::Acquire) {
        return ApiError::RequestTimeout(format!(
            "the request body did not arrive within {} s; nothing was stored (请求体超时)",
            limit.as_secs()
        ))
        .into_response();
    }
    response
}

/// A body that fails once its deadline has passed.
struct Deadline {
    body: Body,
    sleep: Pin<Box<Sleep>>,
    expired: Arc<AtomicBool>,
}

#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive in time")]
struct BodyTimedOut;

impl HttpBody for Deadline {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.body).poll_frame(cx) {
            return Poll::Ready(frame);
        }
        if self.sleep.as_mut().poll(cx).is_ready() {
            self.expired.store(true, Ordering::Release);
            return Poll::Ready(Some(Err(axum::Error::new(BodyTimedOut))));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::control_character;

    #[test]
    fn percent_encoded_control_characters_are_found_and_plain_text_passes() {
        assert_eq!(control_character("/api/v1/events/%00"), Some('\0'));
        assert_eq!(control_character("item=01-001%0a"), Some('\n'));
        assert_eq!(control_character("street=%C2%85"), Some('\u{85}'));
        assert_eq!(control_character("street=%E5%B8%83%E5%90%89&x=%zz%"), None);
        assert_eq!(control_character("/api/v1/events/abc"), None);
    }
}
