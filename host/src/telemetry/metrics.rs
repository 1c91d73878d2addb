//! The host's own counters for `/metrics`: HTTP requests by route, intake decisions, group
//! commits, case timers and surge scans. Recording is a few relaxed atomic additions: no
//! allocation and no lock beyond a read lock to find a route's counters (taken and released
//! without awaiting).
//! Gauges that live in the database (scenario backlog, timers due, outbox) are counted when
//! scraped, not here. The exposition is `crate::http::metrics`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock};
use std::time::Duration;

pub use super::histogram::{BATCH_BOUNDS, Histogram, TIME_BOUNDS_MICROS};
use crate::cases::timers::Fired;

/// The host's counters.
pub struct Metrics {
    pub http: HttpMetrics,
    pub intake: IntakeMetrics,
    pub commits: CommitMetrics,
    pub timers: TimerMetrics,
    pub surges: SurgeMetrics,
}

impl Default for Metrics {
    fn default() -> Self {
        Self {
            http: HttpMetrics::default(),
            intake: IntakeMetrics::default(),
            commits: CommitMetrics {
                batch_size: Histogram::new(&BATCH_BOUNDS),
                duration: Histogram::new(&TIME_BOUNDS_MICROS),
                failed: AtomicU64::new(0),
                wal_restarts: Histogram::new(&TIME_BOUNDS_MICROS),
                wal_busy: AtomicU64::new(0),
            },
            timers: TimerMetrics::default(),
            surges: SurgeMetrics {
                duration: Histogram::new(&TIME_BOUNDS_MICROS),
                failed: AtomicU64::new(0),
            },
        }
    }
}

/// The methods counted apart; any other counts as `OTHER`.
pub const METHODS: [&str; 8] = [
    "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "OTHER",
];

/// The status codes counted apart; any other counts under its class (`2xx`...).
pub const CODES: [u16; 33] = [
    200, 201, 202, 204, 206, 301, 302, 303, 304, 307, 308, 400, 401, 403, 404, 405, 406, 408, 409,
    410, 411, 412, 413, 415, 416, 422, 429, 431, 500, 501, 502, 503, 504,
];

/// Requests of one method to one route.
pub struct Requests {
    codes: [AtomicU64; CODES.len()],
    /// Other codes by class, 1xx to 5xx.
    other: [AtomicU64; 5],
    pub duration: Histogram,
}

impl Requests {
    fn new() -> Self {
        Self {
            codes: std::array::from_fn(|_| AtomicU64::new(0)),
            other: Default::default(),
            duration: Histogram::new(&TIME_BOUNDS_MICROS),
        }
    }

    /// `(code or class, count)` for each that was answered at least once.
    pub fn by_code(&self) -> Vec<(String, u64)> {
        let codes = CODES
            .iter()
            .zip(&self.codes)
            .map(|(code, n)| (code.to_string(), n.load(Ordering::Relaxed)));
        let other = (1..=5)
            .zip(&self.other)
            .map(|(class, n)| (format!("{class}xx"), n.load(Ordering::Relaxed)));
        codes.chain(other).filter(|(_, n)| *n > 0).collect()
    }
}

/// One route's requests, by method; each method's counters made on its first request.
#[derive(Default)]
pub struct Route {
    methods: [OnceLock<Box<Requests>>; METHODS.len()],
}

impl Route {
    /// `(method, its requests)` for each method that was called.
    pub fn methods(&self) -> impl Iterator<Item = (&'static str, &Requests)> {
        METHODS
            .iter()
            .zip(&self.methods)
            .filter_map(|(name, requests)| Some((*name, requests.get()?.as_ref())))
    }
}

/// HTTP requests by route template (axum's matched path, never the raw path), method and
/// status.
#[derive(Default)]
pub struct HttpMetrics {
    routes: RwLock<HashMap<Box<str>, Arc<Route>>>,
    unmatched: Route,
}

impl HttpMetrics {
    /// Counts one answered request. `route` is `None` when no route matched.
    pub fn record(&self, route: Option<&str>, method: &str, status: u16, elapsed: Duration) {
        let method = METHODS[..METHODS.len() - 1]
            .iter()
            .position(|m| *m == method)
            .unwrap_or(METHODS.len() - 1);
        let record = |route: &Route| {
            let requests = route.methods[method].get_or_init(|| Box::new(Requests::new()));
            match CODES.binary_search(&status) {
                Ok(i) => requests.codes[i].fetch_add(1, Ordering::Relaxed),
                Err(_) => {
                    let class = usize::from(status / 100).clamp(1, 5) - 1;
                    requests.other[class].fetch_add(1, Ordering::Relaxed)
                }
            };
            requests.duration.observe_duration(elapsed);
        };
        let Some(path) = route else {
            return record(&self.unmatched);
        };
        let found = self
            .routes
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(path)
            .cloned();
        let route = found.unwrap_or_else(|| {
            // A route's first request: the templates are the router's, so this happens once
            // per route.
            self.routes
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .entry(path.into())
                .or_default()
                .clone()
        });
        record(&route);
    }

    /// Every route called, by template, in order; `"unmatched"` last.
    pub fn routes(&self) -> Vec<(String, Arc<Route>)> {
        let mut routes: Vec<(String, Arc<Route>)> = self
            .routes
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|(path, route)| (path.to_string(), route.clone()))
            .collect();
        routes.sort_by(|a, b| a.0.cmp(&b.0));
        routes
    }

    pub fn unmatched(&self) -> &Route {
        &self.unmatched
    }
}

/// What became of an event submitted to intake.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntakeOutcome {
    /// Decided and sent to a unit.
    Dispatched,
    /// Waiting in 待分拨: the classifier was not confident enough.
    ManualDispatch,
    /// Waiting in 待分拨 as a probable duplicate of an open case.
    DuplicateSuspected,
    /// A channel's resend, answered with the event it sent before.
    Resent,
    /// Refused by validation (`422`).
    Invalid,
    /// Refused by the database.
    Refused,
    /// Storage failed.
    Unavailable,
    /// Refused at once (`503`): the host was deciding as many events as it may.
    Overloaded,
}

impl IntakeOutcome {
    pub const ALL: [IntakeOutcome; 8] = [
        IntakeOutcome::Dispatched,
        IntakeOutcome::ManualDispatch,
        IntakeOutcome::DuplicateSuspected,
        IntakeOutcome::Resent,
        IntakeOutcome::Invalid,
        IntakeOutcome::Refused,
        IntakeOutcome::Unavailable,
        IntakeOutcome::Overloaded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            IntakeOutcome::Dispatched => "dispatched",
            IntakeOutcome::ManualDispatch => "manual_dispatch",
            IntakeOutcome::DuplicateSuspected => "duplicate_suspected",
            IntakeOutcome::Resent => "resent",
            IntakeOutcome::Invalid => "invalid",
            IntakeOutcome::Refused => "refused",
            IntakeOutcome::Unavailable => "unavailable",
            IntakeOutcome::Overloaded => "overloaded",
        }
    }
}

/// Intake decisions by outcome.
#[derive(Default)]
pub struct IntakeMetrics {
    outcomes: [AtomicU64; IntakeOutcome::ALL.len()],
}

impl IntakeMetrics {
    pub fn record(&self, outcome: IntakeOutcome) {
        self.outcomes[outcome as usize].fetch_add(1, Ordering::Relaxed);
    }

    pub fn count(&self, outcome: IntakeOutcome) -> u64 {
        self.outcomes[outcome as usize].load(Ordering::Relaxed)
    }
}

/// The writer's group commits.
pub struct CommitMetrics {
    /// Events per commit.
    pub batch_size: Histogram,
    /// Time per commit (with its retries of halves when the database refuses an event).
    pub duration: Histogram,
    /// Commits that failed as a whole (storage unavailable).
    pub failed: AtomicU64,
    /// Time per try at starting SQLite's write-ahead log over (`storage::wal`).
    pub wal_restarts: Histogram,
    /// Tries that found the log still in use and are taken again after the next commit.
    pub wal_busy: AtomicU64,
}

/// Case timers fired by this host, by kind, and its scans.
#[derive(Default)]
pub struct TimerMetrics {
    pub scans: AtomicU64,
    pub failed_scans: AtomicU64,
    pub warnings: AtomicU64,
    pub overdue: AtomicU64,
    pub escalations: AtomicU64,
    pub erased: AtomicU64,
}

impl TimerMetrics {
    pub fn record(&self, fired: &anyhow::Result<Fired>) {
        self.scans.fetch_add(1, Ordering::Relaxed);
        match fired {
            Ok(fired) => {
                self.warnings.fetch_add(fired.warnings, Ordering::Relaxed);
                self.overdue.fetch_add(fired.overdue, Ordering::Relaxed);
                self.escalations
                    .fetch_add(fired.escalations, Ordering::Relaxed);
                self.erased.fetch_add(fired.erased, Ordering::Relaxed);
            }
            Err(_) => {
                self.failed_scans.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

/// This host's surge scans (预警监测).
pub struct SurgeMetrics {
    /// Time per scan, a failed one's included.
    pub duration: Histogram,
    pub failed: AtomicU64,
}

impl SurgeMetrics {
    pub fn record<T, E>(&self, elapsed: Duration, outcome: &Result<T, E>) {
        self.duration.observe_duration(elapsed);
        if outcome.is_err() {
            self.failed.fetch_add(1, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_sorted_for_the_binary_search() {
        assert!(CODES.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn requests_count_by_template_method_and_code_and_others_by_class() {
        let http = HttpMetrics::default();
        let ms = Duration::from_millis(3);
        http.record(Some("/api/v1/events/{id}"), "GET", 200, ms);
        http.record(Some("/api/v1/events/{id}"), "GET", 200, ms);
        http.record(Some("/api/v1/events/{id}"), "GET", 418, ms);
        http.record(Some("/api/v1/events/{id}"), "BREW", 404, ms);
        http.record(None, "GET", 404, ms);
        let routes = http.routes();
        assert_eq!(routes.len(), 1);
        let methods: Vec<_> = routes[0].1.methods().collect();
        assert_eq!(methods.len(), 2);
        assert_eq!(methods[0].0, "GET");
        assert_eq!(
            methods[0].1.by_code(),
            [("200".to_string(), 2), ("4xx".to_string(), 1)]
        );
        assert_eq!(methods[1].0, "OTHER");
        let (buckets, total, sum) = methods[0].1.duration.snapshot();
        assert_eq!((total, sum), (3, 9_000));
        assert_eq!(buckets.iter().find(|(b, _)| *b == 5_000).unwrap().1, 3);
        assert_eq!(buckets.iter().find(|(b, _)| *b == 2_000).unwrap().1, 0);
        assert_eq!(http.unmatched().methods().count(), 1);
    }
}
