//! Whether a count is abnormally high: at least the minimum count, and so unlikely under the
//! place's baseline (raised to a floor) that chance is no longer a fair explanation. Pure.

use super::poisson;

/// When a count raises a warning.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Thresholds {
    /// Fewer events than this never warn, however quiet the place usually is.
    pub min_count: u64,
    /// A count warns when at least that many events would happen by chance with probability
    /// at most this.
    pub p_threshold: f64,
    /// The least number of events a window is expected to have: a place with no history does
    /// not turn every handful of events into a warning.
    pub baseline_floor: f64,
}

/// An abnormal count: what was expected instead, and how likely the count was.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Abnormal {
    pub expected: f64,
    pub p: f64,
}

/// Assesses `count` events in a window where the baseline expects `baseline`.
pub fn assess(count: u64, baseline: f64, thresholds: &Thresholds) -> Option<Abnormal> {
    if count < thresholds.min_count.max(1) {
        return None;
    }
    let expected = baseline.max(thresholds.baseline_floor);
    let p = poisson::upper_tail(count, expected);
    (p <= thresholds.p_threshold).then_some(Abnormal { expected, p })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFAULTS: Thresholds = Thresholds {
        min_count: 5,
        p_threshold: 0.001,
        baseline_floor: 0.5,
    };

    #[test]
    fn five_events_where_none_are_usual_warn_against_the_floor() {
        // P(X ≥ 5 | 0.5) = 1.72e-4.
        let abnormal = assess(5, 0.0, &DEFAULTS).expect("abnormal");
        assert_eq!(abnormal.expected, 0.5);
        assert!((abnormal.p - 1.721156299558e-4).abs() < 1e-12);
    }

    #[test]
    fn fewer_than_the_minimum_never_warn_however_unlikely() {
        // With a floor of 0.01, P(X ≥ 4 | 0.01) ≈ 4e-10: only the minimum holds it back.
        let quiet = Thresholds {
            baseline_floor: 0.01,
            ..DEFAULTS
        };
        assert_eq!(assess(4, 0.0, &quiet), None);
        let fewer = Thresholds {
            min_count: 4,
            ..quiet
        };
        assert!(assess(4, 0.0, &fewer).is_some());
    }

    #[test]
    fn a_count_the_place_often_sees_does_not_warn() {
        // P(X ≥ 8 | 6) = 0.256.
        assert_eq!(assess(8, 6.0, &DEFAULTS), None);
        // P(X ≥ 6 | 1) = 5.9e-4 ≤ 0.001, but P(X ≥ 5 | 1) = 3.7e-3 is not.
        assert!(assess(6, 1.0, &DEFAULTS).is_some());
        assert_eq!(assess(5, 1.0, &DEFAULTS), None);
    }

    #[test]
    fn a_baseline_above_the_floor_is_kept() {
        let abnormal = assess(12, 2.25, &DEFAULTS).expect("abnormal");
        assert_eq!(abnormal.expected, 2.25);
    }
}
