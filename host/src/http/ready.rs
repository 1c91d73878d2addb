//! `GET /readyz`: whether this host should get traffic. `200` when the database answers, has
//! this build's migrations and the stored plugins are loaded; otherwise `503` naming the check
//! that failed. Open like `/healthz` (load balancers call it without credentials), so the
//! body says only which check failed, never why: the cause is logged.
//!
//! Anyone may call it, so a flood of calls must not become a flood of queries: one check
//! runs at a time and its answer is reused for a second.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use tokio::sync::Mutex;

use crate::platform::Platform;

/// How long the database has to answer both queries.
const TIMEOUT: Duration = Duration::from_secs(2);
/// How long an answer is reused.
const FRESH: Duration = Duration::from_secs(1);

/// One check's result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum Check {
    Ok,
    Failed,
    /// Not run because one it depends on failed.
    Skipped,
}

#[derive(Clone, Debug, Serialize)]
struct Checks {
    database: Check,
    migrations: Check,
    plugins: Check,
}

#[derive(Clone, Debug, Serialize)]
struct Readiness {
    ready: bool,
    /// The names of the checks that failed.
    failed: Vec<&'static str>,
    checks: Checks,
}

type Last = Arc<Mutex<Option<(Instant, Readiness)>>>;

pub fn router() -> Router<Arc<Platform>> {
    let last: Last = Arc::default();
    Router::new().route(
        "/readyz",
        get(move |State(platform): State<Arc<Platform>>| ready(platform, last.clone())),
    )
}

async fn ready(platform: Arc<Platform>, last: Last) -> Response {
    let mut last = last.lock().await;
    let readiness = match &*last {
        Some((at, readiness)) if at.elapsed() < FRESH => readiness.clone(),
        _ => {
            let readiness = check(&platform).await;
            *last = Some((Instant::now(), readiness.clone()));
            readiness
        }
    };
    drop(last);
    let status = if readiness.ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        [(axum::http::header::CACHE_CONTROL, "no-store")],
        Json(readiness),
    )
        .into_response()
}

async fn check(platform: &Platform) -> Readiness {
    let db = platform.db();
    let answered = tokio::time::timeout(TIMEOUT, async {
        if let Err(e) = db.ping().await {
            tracing::warn!("not ready: the database did not answer: {e:#}");
            return (Check::Failed, Check::Skipped);
        }
        match db.migrations_applied().await {
            Ok(true) => (Check::Ok, Check::Ok),
            Ok(false) => {
                tracing::warn!("not ready: this build's newest migration is not applied");
                (Check::Ok, Check::Failed)
            }
            Err(e) => {
                tracing::warn!("not ready: the applied migrations cannot be read: {e:#}");
                (Check::Ok, Check::Failed)
            }
        }
    })
    .await;
    let (database, migrations) = answered.unwrap_or_else(|_| {
        tracing::warn!("not ready: the database did not answer within {TIMEOUT:?}");
        (Check::Failed, Check::Skipped)
    });
    let plugins = if platform.plugins_loaded() {
        Check::Ok
    } else {
        Check::Failed
    };
    readiness(Checks {
        database,
        migrations,
        plugins,
    })
}

fn readiness(checks: Checks) -> Readiness {
    let failed: Vec<&'static str> = [
        ("database", checks.database),
        ("migrations", checks.migrations),
        ("plugins", checks.plugins),
    ]
    .into_iter()
    .filter(|(_, check)| *check != Check::Ok)
    .map(|(name, _)| name)
    .collect();
    Readiness {
        ready: failed.is_empty(),
        failed,
        checks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_check_makes_the_host_unready_and_is_named() {
        let all_ok = readiness(Checks {
            database: Check::Ok,
            migrations: Check::Ok,
            plugins: Check::Ok,
        });
        assert!(all_ok.ready && all_ok.failed.is_empty());
        let loading = readiness(Checks {
            database: Check::Ok,
            migrations: Check::Ok,
            plugins: Check::Failed,
        });
        assert!(!loading.ready);
        assert_eq!(loading.failed, ["plugins"]);
        let down = readiness(Checks {
            database: Check::Failed,
            migrations: Check::Skipped,
            plugins: Check::Ok,
        });
        assert_eq!(down.failed, ["database", "migrations"]);
    }
}
