//! A fixed histogram of atomic counters, and the buckets the host's series use.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the time buckets, in microseconds (1-2-5 per decade, 100 µs to 10 s).
pub const TIME_BOUNDS_MICROS: [u64; 16] = [
    100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000,
    1_000_000, 2_000_000, 5_000_000, 10_000_000,
];

/// Upper bounds of the group-commit size buckets, in events.
pub const BATCH_BOUNDS: [u64; 11] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

/// A fixed histogram of atomic counters.
pub struct Histogram {
    bounds: &'static [u64],
    /// One per bound, and one more above them all.
    counts: Box<[AtomicU64]>,
    sum: AtomicU64,
}

impl Histogram {
    pub fn new(bounds: &'static [u64]) -> Self {
        Self {
            bounds,
            counts: (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect(),
            sum: AtomicU64::new(0),
        }
    }

    pub fn observe(&self, value: u64) {
        let bucket = self.bounds.partition_point(|&bound| bound < value);
        self.counts[bucket].fetch_add(1, Ordering::Relaxed);
        self.sum.fetch_add(value, Ordering::Relaxed);
    }

    pub fn observe_duration(&self, elapsed: Duration) {
        self.observe(u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX));
    }

    /// `(upper bound, observations at or below it)` for each bound, then the `+Inf` count
    /// and the sum.
    pub fn snapshot(&self) -> (Vec<(u64, u64)>, u64, u64) {
        let mut below = 0;
        let buckets = self
            .bounds
            .iter()
            .zip(self.counts.iter())
            .map(|(&bound, n)| {
                below += n.load(Ordering::Relaxed);
                (bound, below)
            })
            .collect();
        let total = below + self.counts[self.bounds.len()].load(Ordering::Relaxed);
        (buckets, total, self.sum.load(Ordering::Relaxed))
    }
}
