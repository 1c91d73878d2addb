//! The Poisson upper tail: how likely at least `k` events are in a window where `lambda` are
//! expected. Pure, in `f64`, accurate far into the tail (where warnings are decided) because
//! it sums the tail itself instead of subtracting the head from 1.

/// `P(X ≥ k)` for `X ~ Poisson(lambda)`.
pub fn upper_tail(k: u64, lambda: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if lambda.is_nan() || lambda <= 0.0 {
        return 0.0;
    }
    let ln_lambda = lambda.ln();
    let kf = k as f64;
    if kf > lambda {
        // Terms fall from k on (each is the last × λ/i with i > λ): sum them until the rest
        // cannot change the sum.
        let mut term = (-lambda + kf * ln_lambda - ln_factorial(k)).exp();
        let mut sum = 0.0;
        let mut i = kf;
        while term > 0.0 && term > sum * 1e-17 {
            sum += term;
            i += 1.0;
            term *= lambda / i;
        }
        sum.min(1.0)
    } else {
        // At or below the mean the tail is large: 1 minus the head loses nothing that matters.
        let mut ln_term = -lambda;
        let mut head = 0.0;
        for i in 0..k {
            if i > 0 {
                ln_term += ln_lambda - (i as f64).ln();
            }
            head += ln_term.exp();
        }
        (1.0 - head).clamp(0.0, 1.0)
    }
}

/// `ln k!`: summed exactly up to 256, Stirling's series (error below 1e-12) beyond.
fn ln_factorial(k: u64) -> f64 {
    if k <= 256 {
        return (2..=k).map(|i| (i as f64).ln()).sum();
    }
    let n = k as f64;
    n * n.ln() - n + 0.5 * (2.0 * std::f64::consts::PI * n).ln() + 1.0 / (12.0 * n)
        - 1.0 / (360.0 * n * n * n)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Relative closeness, for values that span many orders of magnitude.
    fn close(got: f64, want: f64) {
        assert!(
            ((got - want) / want).abs() < 1e-9,
            "got {got:e}, want {want:e}"
        );
    }

    // The expected values were computed by hand as 1 − Σ_{i<k} e^−λ λ^i / i! with 60 decimal
    // digits (Python's decimal module).
    #[test]
    fn the_tail_matches_sums_worked_out_by_hand() {
        close(upper_tail(5, 0.5), 1.721156299558e-4);
        close(upper_tail(3, 0.5), 1.438767796697e-2);
        close(upper_tail(6, 1.0), 5.941848175817e-4);
        close(upper_tail(8, 6.0), 2.560202395463e-1);
        close(upper_tail(6, 4.0), 2.148696129696e-1);
        close(upper_tail(130, 100.0), 2.282093054317e-3);
    }

    #[test]
    fn far_in_the_tail_it_keeps_its_digits() {
        // 1 − head would give 6.43e-14 here: only two digits right.
        close(upper_tail(20, 2.0), 6.443731393112e-14);
    }

    #[test]
    fn at_least_nothing_is_certain_and_at_least_one_is_one_minus_none() {
        assert_eq!(upper_tail(0, 3.0), 1.0);
        close(upper_tail(1, 2.0), 1.0 - (-2.0f64).exp());
        assert_eq!(upper_tail(1, 0.0), 0.0);
    }

    #[test]
    fn the_tail_shrinks_as_the_count_grows_and_grows_with_the_mean() {
        let mut last = 1.0;
        for k in 0..60 {
            let p = upper_tail(k, 7.5);
            assert!(p <= last, "k {k}: {p} > {last}");
            last = p;
        }
        assert!(upper_tail(10, 3.0) < upper_tail(10, 4.0));
    }

    #[test]
    fn large_counts_use_stirling_without_a_jump() {
        let exact: f64 = (2..=300u64).map(|i| (i as f64).ln()).sum();
        assert!((ln_factorial(300) - exact).abs() < 1e-9);
        close(upper_tail(400, 300.0), 2.206652014288e-8);
        close(upper_tail(300, 250.0), 1.162393631055e-3);
    }
}
