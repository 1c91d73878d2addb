//! Fits one softmax layer (multinomial logistic regression, L-BFGS with L2 regularisation)
//! with linfa, on sparse rows made dense.
//!
//! Its own crate for one reason: linfa's code is generic, so it is compiled where it is
//! instantiated. Here that is a crate the dev profile optimises like every dependency
//! (`[profile.dev.package.streetwise-fit]` in the workspace), instead of the host, which the
//! dev profile leaves unoptimised: training the seed model takes seconds instead of minutes
//! in `cargo run` and `cargo test`.

use linfa::Dataset;
use linfa::prelude::*;
use linfa_logistic::MultiLogisticRegression;
use ndarray::{Array1, Array2};

pub use linfa_logistic::error::Error;

/// A sparse row: (column, value), columns below the row count given to [`fit`].
pub type SparseRow<'a> = &'a [(u32, f32)];

/// How hard a layer is fitted.
#[derive(Clone, Copy, Debug)]
pub struct Fitting {
    /// L2 regularisation strength.
    pub alpha: f64,
    pub max_iterations: u64,
}

/// A fitted layer: `weights` is `columns × classes`, row-major; one intercept per class.
#[derive(Clone, Debug)]
pub struct Fitted {
    pub weights: Vec<f32>,
    pub intercept: Vec<f32>,
}

/// Fits a softmax over the classes `0..classes` (every one must occur in `targets`, one
/// target per row) on `rows` of `columns` features.
pub fn fit(
    rows: &[SparseRow<'_>],
    columns: usize,
    targets: &[usize],
    fitting: Fitting,
) -> Result<Fitted, Error> {
    let fitted = MultiLogisticRegression::<f32>::default()
        .alpha(fitting.alpha as f32)
        .max_iterations(fitting.max_iterations)
        .fit(&Dataset::new(
            dense(rows, columns),
            Array1::from(targets.to_vec()),
        ))?;
    Ok(Fitted {
        weights: fitted.params().iter().copied().collect(),
        intercept: fitted.intercept().iter().copied().collect(),
    })
}

/// Single precision: half the memory and time of double, and the weights are kept as `f32`.
fn dense(rows: &[SparseRow<'_>], columns: usize) -> Array2<f32> {
    let mut x = Array2::<f32>::zeros((rows.len(), columns));
    for (i, row) in rows.iter().enumerate() {
        for &(column, value) in row.iter() {
            x[[i, column as usize]] = value;
        }
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_weights_give_linfas_own_predictions() {
        let rows: [SparseRow; 6] = [
            &[(0, 1.0)],
            &[(0, 0.8), (3, 0.6)],
            &[(1, 1.0)],
            &[(1, 0.6), (3, 0.8)],
            &[(2, 1.0)],
            &[(2, 0.8), (3, 0.6)],
        ];
        let targets = [0, 0, 1, 1, 2, 2];
        let fitting = Fitting {
            alpha: 0.01,
            max_iterations: 100,
        };
        let ours = fit(&rows, 4, &targets, fitting).unwrap();
        let linfa = MultiLogisticRegression::<f32>::default()
            .alpha(fitting.alpha as f32)
            .max_iterations(fitting.max_iterations)
            .fit(&Dataset::new(
                dense(&rows, 4),
                Array1::from(targets.to_vec()),
            ))
            .unwrap();
        let expected = linfa.predict_probabilities(&dense(&rows, 4));
        for (i, row) in rows.iter().enumerate() {
            let mut logits = ours.intercept.clone();
            for &(column, value) in row.iter() {
                for (k, logit) in logits.iter_mut().enumerate() {
                    *logit += value * ours.weights[column as usize * 3 + k];
                }
            }
            let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let sum: f32 = logits.iter().map(|l| (l - max).exp()).sum();
            for (k, logit) in logits.iter().enumerate() {
                let p = (logit - max).exp() / sum;
                assert!(
                    (expected[[i, k]] as f32 - p).abs() < 1e-4,
                    "row {i}: {expected:?}"
                );
            }
            let best = (0..3).max_by(|a, b| expected[[i, *a]].total_cmp(&expected[[i, *b]]));
            assert_eq!(best, Some(targets[i]), "row {i} is learned");
        }
    }
}
