//! Time per plugin call as a fixed histogram: log-spaced buckets (1-2-5 per decade, 10 µs to
//! 10 s) of atomic counters, so recording a call neither allocates nor locks.
//!
//! Quantiles are **estimates** from the buckets: the bucket holding the wanted rank is found
//! and the value interpolated linearly inside it, capped by the largest time seen. An estimate
//! is never off by more than the width of its bucket (a factor of 2 to 2.5).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the buckets, in microseconds; one more bucket counts what lies above.
pub const BOUNDS_MICROS: [u64; 19] = [
    10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000,
    500_000, 1_000_000, 2_000_000, 5_000_000, 10_000_000,
];

const BUCKETS: usize = BOUNDS_MICROS.len() + 1;

/// Call durations of one plugin version.
#[derive(Default)]
pub struct Histogram {
    counts: [AtomicU64; BUCKETS],
    sum_micros: AtomicU64,
    max_micros: AtomicU64,
}

impl Histogram {
    pub fn observe(&self, elapsed: Duration) {
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        let bucket = BOUNDS_MICROS.partition_point(|&bound| bound < micros);
        self.counts[bucket].fetch_add(1, Ordering::Relaxed);
        self.sum_micros.fetch_add(micros, Ordering::Relaxed);
        self.max_micros.fetch_max(micros, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> Durations {
        Durations {
            counts: std::array::from_fn(|i| self.counts[i].load(Ordering::Relaxed)),
            sum_micros: self.sum_micros.load(Ordering::Relaxed),
            max_micros: self.max_micros.load(Ordering::Relaxed),
        }
    }
}

/// The histogram at one moment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Durations {
    /// Calls per bucket (not cumulative); the last one is above every bound.
    pub counts: [u64; BUCKETS],
    pub sum_micros: u64,
    pub max_micros: u64,
}

impl Durations {
    pub fn count(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// `(upper bound in µs, calls at or below it)` for each bound, as Prometheus wants them;
    /// the `+Inf` bucket is [`Durations::count`].
    pub fn cumulative(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        BOUNDS_MICROS
            .iter()
            .zip(&self.counts)
            .scan(0, |below, (&bound, &n)| {
                *below += n;
                Some((bound, *below))
            })
    }

    /// The estimated `q`-quantile (0 < q ≤ 1) in microseconds; `None` before the first call.
    pub fn quantile_micros(&self, q: f64) -> Option<u64> {
        let total = self.count();
        if total == 0 {
            return None;
        }
        // The rank of the wanted call, 1-based: p50 of 4 calls is the 2nd, p99 of 100 the 99th.
        let rank = ((q.clamp(0.0, 1.0) * total as f64).ceil() as u64).clamp(1, total);
        let mut below = 0;
        for (i, &n) in self.counts.iter().enumerate() {
            if below + n >= rank {
                let lower = if i == 0 { 0 } else { BOUNDS_MICROS[i - 1] };
                let Some(&upper) = BOUNDS_MICROS.get(i) else {
                    // Above the last bound there is nothing to interpolate to.
                    return Some(self.max_micros.max(lower));
                };
                let within = (rank - below) as f64 / n as f64;
                let estimate = lower as f64 + (upper - lower) as f64 * within;
                return Some((estimate.round() as u64).min(self.max_micros));
            }
            below += n;
        }
        Some(self.max_micros)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observed(micros: &[u64]) -> Durations {
        let histogram = Histogram::default();
        for &m in micros {
            histogram.observe(Duration::from_micros(m));
        }
        histogram.snapshot()
    }

    /// The bucket `(lower, upper]` a time falls in.
    fn bucket_of(micros: u64) -> (u64, u64) {
        let i = BOUNDS_MICROS.partition_point(|&b| b < micros);
        let lower = if i == 0 { 0 } else { BOUNDS_MICROS[i - 1] };
        (lower, BOUNDS_MICROS.get(i).copied().unwrap_or(u64::MAX))
    }

    #[test]
    fn no_calls_have_no_quantiles() {
        let empty = observed(&[]);
        assert_eq!(empty.quantile_micros(0.5), None);
        assert_eq!(empty.count(), 0);
    }

    #[test]
    fn each_call_lands_in_the_bucket_whose_bounds_hold_it() {
        let d = observed(&[0, 10, 11, 20, 999, 1_000, 1_001, 20_000_000]);
        assert_eq!(d.counts[0], 2, "0 and 10 µs are at or below 10 µs");
        assert_eq!(d.counts[1], 2, "11 and 20 µs");
        assert_eq!(d.counts[6], 2, "999 and 1000 µs are in (500, 1000]");
        assert_eq!(d.counts[7], 1, "1001 µs");
        assert_eq!(d.counts[BUCKETS - 1], 1, "20 s is above every bound");
        assert_eq!(d.max_micros, 20_000_000);
        assert_eq!(d.sum_micros, 20_003_041);
        let cumulative: Vec<_> = d.cumulative().collect();
        assert_eq!(cumulative[0], (10, 2));
        assert_eq!(cumulative[7], (2_000, 7));
        assert_eq!(cumulative.last(), Some(&(10_000_000, 7)));
        assert_eq!(d.count(), 8);
    }

    #[test]
    fn quantiles_fall_in_the_bucket_of_the_true_quantile() {
        // 98 fast calls of about 30 µs, two slow ones of 40 ms.
        let mut calls: Vec<u64> = (0..98).map(|i| 25 + i % 10).collect();
        calls.extend([40_000, 40_000]);
        let d = observed(&calls);
        let p50 = d.quantile_micros(0.5).unwrap();
        let (lower, upper) = bucket_of(30);
        assert!(
            lower < p50 && p50 <= upper,
            "p50 {p50} within ({lower}, {upper}]"
        );
        // The 99th of 100 calls is the first slow one.
        let p99 = d.quantile_micros(0.99).unwrap();
        let (lower, upper) = bucket_of(40_000);
        assert!(
            lower < p99 && p99 <= 40_000,
            "p99 {p99} within ({lower}, {upper}]"
        );
        assert_eq!(d.quantile_micros(1.0), Some(40_000));
    }

    #[test]
    fn an_estimate_never_exceeds_the_slowest_call() {
        let d = observed(&[150; 10]);
        assert_eq!(d.quantile_micros(0.5), Some(150));
        assert_eq!(d.quantile_micros(0.99), Some(150));
    }

    #[test]
    fn interpolation_spreads_a_bucket_evenly() {
        // 100 calls in (100, 200] µs: the median is estimated half-way through the bucket.
        let d = observed(
            &[101; 50]
                .iter()
                .chain(&[200; 50])
                .copied()
                .collect::<Vec<_>>(),
        );
        assert_eq!(d.quantile_micros(0.5), Some(150));
        assert_eq!(d.quantile_micros(0.99), Some(199));
    }

    #[test]
    fn calls_above_the_last_bound_report_the_slowest() {
        let d = observed(&[5, 30_000_000]);
        assert_eq!(d.quantile_micros(0.99), Some(30_000_000));
        // The fast call is only known to be at most 10 µs: its bucket's upper bound.
        assert_eq!(d.quantile_micros(0.5), Some(10));
    }
}
