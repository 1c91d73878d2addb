//! The host's series in `/metrics` (beside the plugins'): HTTP requests, intake decisions,
//! group commits, case timers, surge scans, the database pool, and the backlogs counted in
//! the database when scraped (a few index counts in one round trip, bounded by a timeout: a
//! scrape that cannot reach the database leaves those series out and logs why).

use std::sync::atomic::Ordering;
use std::time::Duration;

use super::{family, line};
use crate::platform::Platform;
use crate::telemetry::metrics::{Histogram, IntakeOutcome, Route};

/// How long the backlog counts may take.
const BACKLOG_TIMEOUT: Duration = Duration::from_secs(2);

/// Appends the host's series to `out`.
pub(super) async fn render(out: &mut String, platform: &Platform) {
    let metrics = platform.metrics();

    let requests = "streetwise_http_requests_total";
    let duration = "streetwise_http_request_duration_seconds";
    let routes = metrics.http.routes();
    let all = routes
        .iter()
        .map(|(path, route)| (path.as_str(), route.as_ref()))
        .chain(std::iter::once(("unmatched", metrics.http.unmatched())));
    let all: Vec<(&str, &Route)> = all.collect();
    family(
        out,
        requests,
        "counter",
        "HTTP requests answered, by route template (\"unmatched\" for none), method and status \
         code (a code not listed apart counts as its class, such as 4xx).",
    );
    for (path, route) in &all {
        for (method, counts) in route.methods() {
            for (code, n) in counts.by_code() {
                let labels = [("route", *path), ("method", method), ("code", &code)];
                line(out, requests, &labels, n);
            }
        }
    }
    family(
        out,
        duration,
        "histogram",
        "Time to answer an HTTP request (to its headers; a streamed body goes on), by route \
         template and method.",
    );
    for (path, route) in &all {
        for (method, counts) in route.methods() {
            seconds(
                out,
                duration,
                &[("route", path), ("method", method)],
                &counts.duration,
            );
        }
    }

    let intake = "streetwise_intake_events_total";
    family(
        out,
        intake,
        "counter",
        "Events submitted to intake (API and Open311), by outcome: dispatched, manual_dispatch \
         (待分拨, not confident enough), duplicate_suspected (待分拨, probable duplicate), \
         resent (a channel's resend), invalid, refused (by the database), unavailable (storage \
         failed), overloaded (refused at once with 503).",
    );
    for outcome in IntakeOutcome::ALL {
        let labels = [("outcome", outcome.as_str())];
        line(out, intake, &labels, metrics.intake.count(outcome));
    }

    let commits = &metrics.commits;
    let size = "streetwise_group_commit_events";
    family(out, size, "histogram", "Events written per group commit.");
    count_histogram(out, size, &commits.batch_size);
    let commit_time = "streetwise_group_commit_duration_seconds";
    family(
        out,
        commit_time,
        "histogram",
        "Time per group commit, its disk flush included.",
    );
    seconds(out, commit_time, &[], &commits.duration);
    let failed = "streetwise_group_commit_failures_total";
    family(
        out,
        failed,
        "counter",
        "Group commits that failed as a whole (storage unavailable).",
    );
    line::<_, &str>(out, failed, &[], commits.failed.load(Ordering::Relaxed));
    let restarts = "streetwise_wal_restart_duration_seconds";
    family(
        out,
        restarts,
        "histogram",
        "Time per try at starting SQLite's write-ahead log over, taken by the intake writer \
         between group commits (intake waits meanwhile); none on PostgreSQL.",
    );
    seconds(out, restarts, &[], &commits.wal_restarts);
    let busy = "streetwise_wal_restart_busy_total";
    family(
        out,
        busy,
        "counter",
        "Tries at starting SQLite's write-ahead log over that found it still in use (tried \
         again 100 ms later). Rising with no restart in between means the log grows.",
    );
    line::<_, &str>(out, busy, &[], commits.wal_busy.load(Ordering::Relaxed));

    let timers = &metrics.timers;
    let fired = "streetwise_timers_fired_total";
    family(
        out,
        fired,
        "counter",
        "Case timers this host fired, by kind (early warning, overdue, escalation of 督办, \
         erasure of a reporter's personal data).",
    );
    for (kind, n) in [
        ("warning", &timers.warnings),
        ("overdue", &timers.overdue),
        ("escalation", &timers.escalations),
        ("erasure", &timers.erased),
    ] {
        line(out, fired, &[("kind", kind)], n.load(Ordering::Relaxed));
    }
    let scans = "streetwise_timer_scans_total";
    family(out, scans, "counter", "Scans for due timers, by outcome.");
    let failed_scans = timers.failed_scans.load(Ordering::Relaxed);
    let ok_scans = timers.scans.load(Ordering::Relaxed) - failed_scans;
    line(out, scans, &[("outcome", "ok")], ok_scans);
    line(out, scans, &[("outcome", "failed")], failed_scans);

    let surges = &metrics.surges;
    let scan_time = "streetwise_surge_scan_duration_seconds";
    family(
        out,
        scan_time,
        "histogram",
        "Time per surge scan (预警监测) of this host, a failed one's included.",
    );
    seconds(out, scan_time, &[], &surges.duration);
    let failed_surges = "streetwise_surge_scan_failures_total";
    family(
        out,
        failed_surges,
        "counter",
        "Surge scans that failed (tried again at the next tick).",
    );
    line::<_, &str>(
        out,
        failed_surges,
        &[],
        surges.failed.load(Ordering::Relaxed),
    );

    let pool = platform.db().pool_use();
    let connections = "streetwise_db_pool_connections";
    family(
        out,
        connections,
        "gauge",
        "Database connections of this host's pool: open, and idle among them.",
    );
    line(out, connections, &[("state", "open")], pool.open);
    line(out, connections, &[("state", "idle")], pool.idle);
    let max = "streetwise_db_pool_max_connections";
    family(out, max, "gauge", "The most connections the pool opens.");
    line::<_, &str>(out, max, &[], pool.max);

    let now = platform.now();
    match tokio::time::timeout(BACKLOG_TIMEOUT, platform.db().backlog(now)).await {
        Ok(Ok(backlog)) => {
            for (name, help, value) in [
                (
                    "streetwise_scenario_backlog",
                    "Events stored whose street's scenarios have not run yet (all hosts).",
                    backlog.scenarios,
                ),
                (
                    "streetwise_timers_due",
                    "Cases whose next timer is due and not yet fired (all hosts).",
                    backlog.timers_due,
                ),
            ] {
                family(out, name, "gauge", help);
                line::<_, &str>(out, name, &[], value);
            }
            let notices = "streetwise_outbox_notices";
            family(
                out,
                notices,
                "gauge",
                "Notices to channels by state: pending delivery, or dead (given up; \
                 POST .../deliveries/{id}/retry sends one again).",
            );
            line(
                out,
                notices,
                &[("state", "pending")],
                backlog.outbox_pending,
            );
            line(out, notices, &[("state", "dead")], backlog.outbox_dead);
        }
        Ok(Err(e)) => tracing::warn!("metrics: the backlogs could not be counted: {e:#}"),
        Err(_) => tracing::warn!("metrics: counting the backlogs took over {BACKLOG_TIMEOUT:?}"),
    }
}

/// A histogram of microseconds, exposed in seconds.
fn seconds(out: &mut String, name: &str, labels: &[(&str, &str)], histogram: &Histogram) {
    let (buckets, count, sum) = histogram.snapshot();
    let bucket = format!("{name}_bucket");
    for (bound, below) in buckets {
        let le = (bound as f64 / 1e6).to_string();
        line(out, &bucket, &with(labels, ("le", &le)), below);
    }
    line(out, &bucket, &with(labels, ("le", "+Inf")), count);
    line(out, &format!("{name}_sum"), labels, sum as f64 / 1e6);
    line(out, &format!("{name}_count"), labels, count);
}

/// A histogram of counts, exposed as they are.
fn count_histogram(out: &mut String, name: &str, histogram: &Histogram) {
    let (buckets, count, sum) = histogram.snapshot();
    let bucket = format!("{name}_bucket");
    for (bound, below) in buckets {
        line(out, &bucket, &[("le", bound.to_string())], below);
    }
    line(out, &bucket, &[("le", "+Inf")], count);
    line::<_, &str>(out, &format!("{name}_sum"), &[], sum);
    line::<_, &str>(out, &format!("{name}_count"), &[], count);
}

fn with<'a>(labels: &[(&'a str, &'a str)], extra: (&'a str, &'a str)) -> Vec<(&'a str, &'a str)> {
    let mut all = labels.to_vec();
    all.push(extra);
    all
}
