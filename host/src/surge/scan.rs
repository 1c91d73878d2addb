//! One surge scan at a given time, over the database, and the background task that runs one
//! every few seconds. Per kind of key: the window's counts per key, read minute by minute in
//! grouped slices (the background task keeps the settled minutes between scans, see
//! [`super::minutes`]), then the history of the keys with enough events to matter; the math
//! is the pure modules'.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};

use super::baseline::{self, Baseline};
use super::detect::{self, Thresholds};
use super::minutes::MinuteCounts;
use crate::clock::Clock;
use crate::domain::{SurgeKey, SurgeKind, WindowCount};
use crate::storage::Db;
use crate::storage::surges::{Finding, Upserted};
use crate::telemetry::metrics::{Metrics, SurgeMetrics};

/// What the scan watches and when it warns.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SurgeConfig {
    pub thresholds: Thresholds,
    /// The sliding window counted, ending now.
    pub window_minutes: u32,
    /// Weeks of history behind each place's baseline.
    pub history_weeks: u32,
}

/// What one scan did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Scanned {
    /// New warnings.
    pub raised: u64,
    /// Open or acknowledged warnings whose surge is still under way.
    pub updated: u64,
}

/// Why a scan stopped; the warnings already written stay.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("cannot count events per {kind} in the window")]
    Window {
        kind: &'static str,
        #[source]
        source: anyhow::Error,
    },
    #[error("cannot read the history of {kind} counts")]
    History {
        kind: &'static str,
        #[source]
        source: anyhow::Error,
    },
    #[error("cannot store the surge warning of {code} in {area}")]
    Store {
        code: String,
        area: String,
        #[source]
        source: anyhow::Error,
    },
}

/// Minutes of the window one read covers at most: at 1,000 events a second, 300,000 index
/// entries.
const SLICE_MINUTES: i64 = 5;

/// Scans the window ending at `now` for every kind of key: raises a warning for each abnormal
/// count, or updates the key's open or acknowledged warning. Takes the window's settled
/// minutes from `kept` where an earlier scan read them (an empty one reads the whole window)
/// and keeps those it reads for the next; records its time and outcome in `metrics`.
pub async fn scan(
    db: &Db,
    config: &SurgeConfig,
    now: Timestamp,
    kept: &mut MinuteCounts,
    metrics: &SurgeMetrics,
) -> Result<Scanned, ScanError> {
    let started = Instant::now();
    let scanned = scan_window(db, config, now, kept).await;
    metrics.record(started.elapsed(), &scanned);
    scanned
}

async fn scan_window(
    db: &Db,
    config: &SurgeConfig,
    now: Timestamp,
    kept: &mut MinuteCounts,
) -> Result<Scanned, ScanError> {
    let minutes = config.window_minutes.max(1);
    let start = now - SignedDuration::from_mins(i64::from(minutes));
    let parts = baseline::overlaps(start, now);
    let hours: Vec<u8> = parts.iter().map(|&(hour, _)| hour).collect();
    let history = baseline::history_hours(baseline::history(start, config.history_weeks), &hours);
    let min = config.thresholds.min_count.max(1);
    let mut scanned = Scanned::default();
    for kind in SurgeKind::ALL {
        let name = kind.as_str();
        let window = window_counts(db, kind, (start, now), min, kept)
            .await
            .map_err(|source| ScanError::Window { kind: name, source })?;
        if window.is_empty() {
            continue;
        }
        let keys: Vec<&SurgeKey> = window.iter().map(|count| &count.key).collect();
        let mut baselines: HashMap<SurgeKey, Baseline> = HashMap::new();
        for &(hour, from, to) in &history {
            for (key, count) in db
                .surge_hour_counts(kind, &keys, (from, to))
                .await
                .map_err(|source| ScanError::History { kind: name, source })?
            {
                baselines
                    .entry(key)
                    .or_insert_with(|| Baseline::new(config.history_weeks))
                    .add(hour, count);
            }
        }
        for count in &window {
            let expected = baselines
                .get(&count.key)
                .map_or(0.0, |baseline| baseline.expected(&parts));
            let Some(abnormal) = detect::assess(count.count, expected, &config.thresholds) else {
                continue;
            };
            let finding = Finding {
                window: count,
                expected: abnormal.expected,
                p: abnormal.p,
                window_minutes: minutes,
                now,
            };
            let store = |source| ScanError::Store {
                code: count.key.code.clone(),
                area: count.key.area.clone(),
                source,
            };
            match db.upsert_surge(&finding).await.map_err(store)? {
                Upserted::Raised(id) => {
                    scanned.raised += 1;
                    tracing::warn!(
                        id,
                        kind = name,
                        code = %count.key.code,
                        area = %count.key.area,
                        count = count.count,
                        expected = abnormal.expected,
                        p = abnormal.p,
                        "surge warning raised"
                    );
                }
                Upserted::Updated => scanned.updated += 1,
            }
        }
    }
    Ok(scanned)
}

/// The window's counts per key of `kind`, for the keys with at least `min` events, in key
/// order.
async fn window_counts(
    db: &Db,
    kind: SurgeKind,
    window: (Timestamp, Timestamp),
    min: u64,
    kept: &mut MinuteCounts,
) -> anyhow::Result<Vec<WindowCount>> {
    let read = |slice| db.surge_minute_counts(kind, slice);
    let counts = kept.count(kind, window, SLICE_MINUTES, read).await?;
    Ok(counts.into_iter().filter(|c| c.count >= min).collect())
}

/// Scans every `every` (real time) at the clock's "now", keeping the settled minutes between
/// scans. A failed scan is logged and the next tick tries again: nothing is lost, the counts
/// are in the events.
pub async fn run(
    db: Db,
    config: SurgeConfig,
    clock: Clock,
    every: Duration,
    metrics: Arc<Metrics>,
) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut kept = MinuteCounts::default();
    loop {
        tick.tick().await;
        match scan(&db, &config, clock.now(), &mut kept, &metrics.surges).await {
            Ok(s) if s.raised + s.updated > 0 => {
                tracing::info!(raised = s.raised, updated = s.updated, "surge scan")
            }
            Ok(_) => {}
            Err(e) => tracing::warn!("surge scan failed: {:#}", anyhow::Error::from(e)),
        }
    }
}
