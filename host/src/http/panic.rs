//! A handler that panics answers `500` with the API's JSON error body, and the panic is
//! logged; without this layer the connection drops and the client sees no answer at all.
//! Panics are bugs: this keeps one from costing more than its own request.

use std::any::Any;

use axum::response::{IntoResponse, Response};
use tower_http::catch_panic::CatchPanicLayer;

use super::ApiError;

/// The layer, outermost but inside tracing so the `500` is traced with its route.
pub fn layer() -> CatchPanicLayer<fn(Box<dyn Any + Send + 'static>) -> Response> {
    CatchPanicLayer::custom(answer as fn(Box<dyn Any + Send + 'static>) -> Response)
}

fn answer(panic: Box<dyn Any + Send + 'static>) -> Response {
    let why = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("a panic without a message");
    ApiError::Internal(anyhow::anyhow!("a request handler panicked: {why}")).into_response()
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use axum::routing::get;
    use tower::ServiceExt;

    #[tokio::test]
    async fn a_panicking_handler_answers_500_with_the_json_error_body() {
        async fn boom() -> &'static str {
            panic!("a bug in a handler")
        }
        let router = Router::new()
            .route("/boom", get(boom))
            .layer(super::layer());
        let response = router
            .oneshot(Request::get("/boom").body(Body::empty()).unwrap())
            .await
            .expect("an answer, not a dropped connection");
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["error"]["code"], "internal");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(!message.contains("a bug in a handler"), "opaque: {message}");
    }
}
