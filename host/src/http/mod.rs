//! The HTTP API (axum). Each resource module exposes its own `router()`; this one merges
//! them and adds tracing, request metrics, body limits, panic recovery, a health check and a
//! readiness check. [`serve`] runs the connections.

mod accounts;
mod audit;
pub mod auth;
mod cases;
mod error;
pub(crate) mod events;
mod export;
mod json;
mod limits;
mod metrics;
mod open311;
pub mod openapi;
mod panic;
mod plugins;
pub(crate) mod rankings;
mod ready;
mod receipt;
mod reference;
pub(crate) mod reporter;
pub mod serve;
pub(crate) mod session;
pub(crate) mod surges;
pub(crate) mod versions;
mod webhooks;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath};
use axum::http::Request;
use axum::middleware;
use axum::routing::get;
use tower_http::trace::TraceLayer;

pub use error::ApiError;
pub use events::EventView;

use crate::platform::Platform;

/// The code of the street named in a path (code, slug or name), or `404`.
fn known_street(platform: &Platform, street: &str) -> Result<String, ApiError> {
    platform
        .street_code(street)
        .ok_or_else(|| ApiError::NotFound(format!("unknown street {street:?}")))
}

/// A listing's page size: `asked`, or `default`; `422 invalid_limit` outside 1 to `max`.
fn page_limit(asked: Option<u32>, default: u32, max: u32) -> Result<u32, ApiError> {
    let limit = asked.unwrap_or(default);
    if !(1..=max).contains(&limit) {
        return Err(ApiError::Unprocessable {
            code: "invalid_limit",
            message: format!("limit is 1 to {max}, not {limit}"),
        });
    }
    Ok(limit)
}

/// Largest JSON body accepted (an event is a few KB).
const MAX_JSON_BYTES: usize = 256 << 10;

/// The API with its limits: `body_read_timeout` is each request body's deadline.
pub fn router(platform: Arc<Platform>, body_read_timeout: std::time::Duration) -> Router {
    Router::new()
        .merge(events::router().layer(DefaultBodyLimit::max(MAX_JSON_BYTES)))
        .merge(plugins::router())
        .merge(versions::router())
        .merge(audit::router())
        .merge(metrics::router())
        .merge(rankings::router())
        .merge(reporter::router())
        .merge(surges::router())
        .merge(reference::router())
        .merge(export::router())
        .merge(webhooks::router().layer(DefaultBodyLimit::max(MAX_JSON_BYTES)))
        .merge(open311::router().layer(DefaultBodyLimit::max(MAX_JSON_BYTES)))
        .merge(session::router().layer(DefaultBodyLimit::max(MAX_JSON_BYTES)))
        .merge(accounts::router().layer(DefaultBodyLimit::max(MAX_JSON_BYTES)))
        .merge(cases::router().layer(DefaultBodyLimit::max(MAX_JSON_BYTES)))
        .merge(openapi::router())
        .merge(crate::console::router())
        .route("/healthz", get(|| async { "ok" }))
        .merge(ready::router())
        .layer(middleware::from_fn_with_state(
            body_read_timeout,
            limits::body_deadline,
        ))
        .layer(middleware::from_fn(limits::plain_target))
        .layer(panic::layer())
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
                let path = request
                    .extensions()
                    .get::<MatchedPath>()
                    .map(MatchedPath::as_str)
                    .unwrap_or("unmatched");
                tracing::info_span!("http", method = %request.method(), path)
            }),
        )
        .layer(middleware::from_fn_with_state(
            platform.metrics().clone(),
            metrics::track,
        ))
        .with_state(platform)
}
