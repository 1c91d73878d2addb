//! When a failed delivery is tried again: exponential back-off with a cap, spread by jitter so
//! that many notices failing together do not come back together.

use std::time::Duration;

/// How failed deliveries are retried.
#[derive(Clone, Copy, Debug)]
pub struct Backoff {
    /// The wait after the first failure; each further failure doubles it.
    pub base: Duration,
    /// The longest wait.
    pub cap: Duration,
    /// Attempts in all; after the last failure the notice is a dead letter.
    pub max_attempts: u32,
}

impl Backoff {
    /// The wait after `attempts` failed attempts, or `None` when that was the last one.
    /// `jitter` in [0, 1) takes up to half the wait away.
    pub fn after(&self, attempts: u32, jitter: f64) -> Option<Duration> {
        if attempts >= self.max_attempts {
            return None;
        }
        let doublings = attempts.saturating_sub(1);
        let wait = self
            .base
            .saturating_mul(2u32.saturating_pow(doublings))
            .min(self.cap);
        Some(wait.mul_f64(1.0 - jitter.clamp(0.0, 0.999) / 2.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BACKOFF: Backoff = Backoff {
        base: Duration::from_secs(2),
        cap: Duration::from_secs(60),
        max_attempts: 8,
    };

    #[test]
    fn waits_double_up_to_the_cap_and_stop_after_the_last_attempt() {
        let waits: Vec<_> = (1..=8).map(|n| BACKOFF.after(n, 0.0)).collect();
        let secs = |s| Some(Duration::from_secs(s));
        assert_eq!(
            waits,
            vec![
                secs(2),
                secs(4),
                secs(8),
                secs(16),
                secs(32),
                secs(60),
                secs(60),
                None
            ]
        );
    }

    #[test]
    fn jitter_takes_at_most_half_the_wait() {
        assert_eq!(BACKOFF.after(3, 0.5), Some(Duration::from_secs(6)));
        let most = BACKOFF.after(3, 1.0).unwrap();
        assert!(most >= Duration::from_secs(4) && most < Duration::from_secs(8));
        let patient = Backoff {
            max_attempts: 100,
            ..BACKOFF
        };
        assert_eq!(
            patient.after(40, 0.0),
            Some(Duration::from_secs(60)),
            "no overflow"
        );
    }
}
