//! The health of one loaded plugin version: calls, faults by kind, time per call, host calls,
//! peak memory, calls skipped by its circuit breaker, and the breaker itself.
//!
//! Counters are atomics and the time histogram has fixed buckets, so recording a call neither
//! allocates nor takes a lock; only the breaker takes a short one. Fuel and instructions are
//! **not** measured: the sandbox limits time with epoch interruption, not fuel.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::Serialize;

use super::breaker::{Breaker, BreakerSnapshot};
use super::fault::FaultKind;
use super::histogram::{Durations, Histogram};
use super::state::Usage;

/// Counters, time histogram and circuit breaker of one loaded version.
#[derive(Default)]
pub struct PluginHealth {
    calls: AtomicU64,
    ok: AtomicU64,
    faults: [AtomicU64; FaultKind::ALL.len()],
    durations: Histogram,
    host_calls: AtomicU64,
    base_data_reads: AtomicU64,
    peak_memory: AtomicU64,
    skipped: AtomicU64,
    pub breaker: Breaker,
}

/// The counters at one moment, for the API.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct HealthSnapshot {
    pub calls: u64,
    pub ok: u64,
    /// Faults by kind; kinds that never happened are left out.
    pub faults: BTreeMap<&'static str, u64>,
    /// Events that went without this plugin because its breaker was open: not calls.
    pub skipped: u64,
    pub mean_micros: u64,
    /// Estimated from the histogram's buckets (see [`super::histogram`]).
    pub p50_micros: Option<u64>,
    pub p99_micros: Option<u64>,
    pub max_micros: u64,
    pub host_calls: u64,
    /// Reads of the district's base data (buildings, legal entities): metered per version.
    pub base_data_reads: u64,
    /// The most linear memory one call grew to, in bytes.
    pub peak_memory_bytes: u64,
    pub breaker: BreakerSnapshot,
    #[serde(skip)]
    pub durations: Durations,
    #[serde(skip)]
    pub faults_by_kind: [u64; FaultKind::ALL.len()],
}

impl PluginHealth {
    pub fn record(&self, elapsed: Duration, fault: Option<FaultKind>, usage: &Usage) {
        self.calls.fetch_add(1, Ordering::Relaxed);
        self.durations.observe(elapsed);
        self.host_calls
            .fetch_add(u64::from(usage.host_calls), Ordering::Relaxed);
        self.base_data_reads
            .fetch_add(u64::from(usage.base_data_reads), Ordering::Relaxed);
        self.peak_memory
            .fetch_max(usage.peak_memory as u64, Ordering::Relaxed);
        match fault {
            None => self.ok.fetch_add(1, Ordering::Relaxed),
            Some(kind) => self.faults[kind.index()].fetch_add(1, Ordering::Relaxed),
        };
    }

    /// Counts an event that went without this plugin because its breaker was open.
    pub fn record_skip(&self) {
        self.skipped.fetch_add(1, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> HealthSnapshot {
        let faults_by_kind: [u64; FaultKind::ALL.len()] =
            std::array::from_fn(|i| self.faults[i].load(Ordering::Relaxed));
        let durations = self.durations.snapshot();
        let calls = self.calls.load(Ordering::Relaxed);
        HealthSnapshot {
            calls,
            ok: self.ok.load(Ordering::Relaxed),
            faults: FaultKind::ALL
                .iter()
                .map(|k| (k.as_str(), faults_by_kind[k.index()]))
                .filter(|(_, n)| *n > 0)
                .collect(),
            skipped: self.skipped.load(Ordering::Relaxed),
            mean_micros: durations.sum_micros / calls.max(1),
            p50_micros: durations.quantile_micros(0.50),
            p99_micros: durations.quantile_micros(0.99),
            max_micros: durations.max_micros,
            host_calls: self.host_calls.load(Ordering::Relaxed),
            base_data_reads: self.base_data_reads.load(Ordering::Relaxed),
            peak_memory_bytes: self.peak_memory.load(Ordering::Relaxed),
            breaker: self.breaker.snapshot(),
            durations,
            faults_by_kind,
        }
    }
}
