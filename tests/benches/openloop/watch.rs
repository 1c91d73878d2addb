//! What the host side watches while the load runs: the host process's resident memory and the
//! scenario backlog and surge scans its `/metrics` reports.

use streetwise_tests::{ADMIN_TOKEN, TestApp};

/// This process's resident set in KiB (`VmRSS` in /proc/self/status): the host runs here.
pub fn rss_kib() -> u64 {
    status_kib("VmRSS:")
}

/// The anonymous part of the resident set (the heap; not mapped files such as SQLite's
/// shared-memory WAL index), in KiB.
pub fn anon_kib() -> u64 {
    status_kib("RssAnon:")
}

fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status.lines().find_map(|l| {
                l.strip_prefix(field)
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            })
        })
        .unwrap_or(0)
}

/// The size of the SQLite write-ahead log beside the database, in MiB.
pub fn wal_mib(dir: &std::path::Path) -> f64 {
    std::fs::metadata(dir.join("streetwise.db-wal")).map_or(0.0, |m| m.len() as f64 / 1048576.0)
}

/// The `streetwise_scenario_backlog` gauge, scraped like Prometheus would.
pub async fn scenario_backlog(app: &TestApp) -> anyhow::Result<u64> {
    Ok(series(app, "streetwise_scenario_backlog").await? as u64)
}

/// The host's surge scans so far: how many, and their mean time in milliseconds.
pub async fn surge_scans(app: &TestApp) -> anyhow::Result<(u64, f64)> {
    let name = "streetwise_surge_scan_duration_seconds";
    let count = series(app, &format!("{name}_count")).await?;
    let sum = series(app, &format!("{name}_sum")).await?;
    Ok((
        count as u64,
        if count > 0.0 { sum / count * 1e3 } else { 0.0 },
    ))
}

/// One unlabelled series of `/metrics`, scraped like Prometheus would.
async fn series(app: &TestApp, name: &str) -> anyhow::Result<f64> {
    let text = app
        .client
        .get(format!("{}/metrics", app.address))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await?
        .error_for_status()?
        .text()
        .await?;
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
        .ok_or_else(|| anyhow::anyhow!("no {name} in /metrics"))?
        .trim()
        .parse()
        .map_err(Into::into)
}

/// One sample of the host: seconds since the load started, RSS in KiB, scenario backlog.
#[derive(Clone, Copy)]
pub struct Sample {
    pub t: f64,
    pub rss_kib: u64,
    pub backlog: u64,
}

/// The mean RSS (MiB) of the samples in `[from, to)` seconds.
pub fn mean_rss_mib(samples: &[Sample], from: f64, to: f64) -> f64 {
    let picked: Vec<u64> = samples
        .iter()
        .filter(|s| s.t >= from && s.t < to)
        .map(|s| s.rss_kib)
        .collect();
    if picked.is_empty() {
        return 0.0;
    }
    picked.iter().sum::<u64>() as f64 / picked.len() as f64 / 1024.0
}

/// The machine's load averages over 1, 5 and 15 minutes (/proc/loadavg).
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}
