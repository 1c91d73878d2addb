//! The surge scan's settings (预警监测): the window, the history, the thresholds.

use clap::Args;

use crate::surge::{SurgeConfig, Thresholds};

/// When the host watches for surges and when it warns.
#[derive(Args, Clone, Debug)]
pub struct SurgeSettings {
    /// Watch for surges of events on this host (预警监测). Any number of hosts sharing a
    /// database may: a surge has one warning at a time.
    #[arg(long, env = "STREETWISE_RUN_SURGES", default_value_t = true, action = clap::ArgAction::Set)]
    pub run_surges: bool,

    /// Minutes of the sliding window counted, ending now.
    #[arg(long, env = "STREETWISE_SURGE_WINDOW_MINUTES", default_value_t = 60,
          value_parser = clap::value_parser!(u32).range(1..=1440))]
    pub surge_window_minutes: u32,

    /// Weeks of each place's history its baseline is taken from (same hours of the week).
    #[arg(long, env = "STREETWISE_SURGE_HISTORY_WEEKS", default_value_t = 4,
          value_parser = clap::value_parser!(u32).range(1..=52))]
    pub surge_history_weeks: u32,

    /// Fewest events in the window that may raise a warning.
    #[arg(long, env = "STREETWISE_SURGE_MIN_COUNT", default_value_t = 5,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub surge_min_count: u64,

    /// A count warns when at least that many events would come by chance with at most this
    /// probability (Poisson, given the baseline).
    #[arg(long, env = "STREETWISE_SURGE_P_THRESHOLD", default_value_t = 0.001,
          value_parser = probability)]
    pub surge_p_threshold: f64,

    /// Least events a window is expected to have, whatever the history (a quiet place does
    /// not warn at every handful of events).
    #[arg(long, env = "STREETWISE_SURGE_BASELINE_FLOOR", default_value_t = 0.5,
          value_parser = floor)]
    pub surge_baseline_floor: f64,

    /// Seconds between two scans.
    #[arg(long, env = "STREETWISE_SURGE_SCAN_EVERY_SECS", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub surge_scan_every_secs: u64,
}

impl SurgeSettings {
    pub fn config(&self) -> SurgeConfig {
        SurgeConfig {
            thresholds: Thresholds {
                min_count: self.surge_min_count,
                p_threshold: self.surge_p_threshold,
                baseline_floor: self.surge_baseline_floor,
            },
            window_minutes: self.surge_window_minutes,
            history_weeks: self.surge_history_weeks,
        }
    }

    pub fn scan_every(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.surge_scan_every_secs.max(1))
    }
}

fn probability(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(p) if p > 0.0 && p < 1.0 => Ok(p),
        _ => Err(format!("{s:?} is not a probability between 0 and 1")),
    }
}

fn floor(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        // Zero would make a place without history infinitely surprising.
        Ok(f) if f > 0.0 && f.is_finite() => Ok(f),
        _ => Err(format!("{s:?} is not a positive number of events")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_the_documented_ones_and_bad_values_are_refused() {
        let config = crate::Settings::defaults().surges.config();
        assert_eq!(config.window_minutes, 60);
        assert_eq!(config.history_weeks, 4);
        assert_eq!(config.thresholds.min_count, 5);
        assert_eq!(config.thresholds.p_threshold, 0.001);
        assert_eq!(config.thresholds.baseline_floor, 0.5);
        assert!(probability("1.5").is_err() && probability("0").is_err());
        assert!(floor("0").is_err() && floor("nan").is_err());
        assert_eq!(floor("0.25"), Ok(0.25));
    }
}
