//! One softmax layer of the model: a multinomial logistic regression fitted by linfa (L-BFGS
//! with L2 regularisation), kept as plain weights and scored on sparse rows.
//!
//! Fitting is linfa's. Scoring is done here because an event's row has a few dozen non-zero
//! features out of thousands: adding those rows of the weights is what linfa's dense
//! `predict_probabilities` computes, without multiplying thousands of zeros (a test checks
//! the two agree).

use linfa::Dataset;
use linfa::prelude::*;
use linfa_logistic::{MultiFittedLogisticRegression, MultiLogisticRegression};
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

/// A sparse, L2-normalised feature row: (feature index, value), indices ascending.
pub type Row = Vec<(u32, f32)>;

/// How hard a head is fitted.
#[derive(Clone, Copy, Debug)]
pub struct Fitting {
    /// L2 regularisation strength.
    pub alpha: f64,
    pub max_iterations: u64,
}

/// A fitted softmax over `classes`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Head {
    /// The class labels (category or item codes), sorted.
    pub classes: Vec<String>,
    /// The global feature indices this head has weights for, ascending.
    features: Vec<u32>,
    /// `features.len() × classes.len()`, row-major.
    weights: Vec<f32>,
    intercept: Vec<f32>,
}

#[derive(Debug, thiserror::Error)]
#[error("fitting the classes {classes:?}")]
pub struct FitError {
    classes: Vec<String>,
    #[source]
    source: linfa_logistic::error::Error,
}

impl Head {
    /// Fits a head on `rows` labelled `labels` (one label per row).
    pub fn fit(rows: &[&Row], labels: &[&str], fitting: Fitting) -> Result<Head, FitError> {
        let (classes, targets) = classes_of(labels);
        if classes.len() < 2 {
            // Nothing to tell apart: the one class is certain.
            return Ok(Head {
                intercept: vec![0.0; classes.len()],
                classes,
                features: Vec::new(),
                weights: Vec::new(),
            });
        }
        let (features, fitted) = fit_linfa(rows, &targets, fitting).map_err(|source| FitError {
            classes: classes.clone(),
            source,
        })?;
        Ok(Head {
            classes,
            weights: fitted.params().iter().map(|w| *w as f32).collect(),
            intercept: fitted.intercept().iter().map(|b| *b as f32).collect(),
            features,
        })
    }

    /// The probability of each class, in the order of [`Head::classes`].
    pub fn probabilities(&self, row: &Row) -> Vec<f32> {
        let k = self.classes.len();
        let mut logits = self.intercept.clone();
        for &(feature, value) in row {
            if let Ok(local) = self.features.binary_search(&feature) {
                let weights = &self.weights[local * k..(local + 1) * k];
                for (logit, weight) in logits.iter_mut().zip(weights) {
                    *logit += value * weight;
                }
            }
        }
        softmax(&mut logits);
        logits
    }
}

/// The sorted distinct labels, and each row's index into them.
fn classes_of(labels: &[&str]) -> (Vec<String>, Vec<usize>) {
    let mut classes: Vec<String> = labels.iter().map(|l| l.to_string()).collect();
    classes.sort();
    classes.dedup();
    let targets = labels
        .iter()
        .map(|l| {
            classes
                .binary_search_by(|c| c.as_str().cmp(l))
                .expect("listed")
        })
        .collect();
    (classes, targets)
}

/// Fits linfa's model on the dense matrix of the features these rows use.
fn fit_linfa(
    rows: &[&Row],
    targets: &[usize],
    fitting: Fitting,
) -> Result<(Vec<u32>, MultiFittedLogisticRegression<f64, usize>), linfa_logistic::error::Error> {
    let mut features: Vec<u32> = rows
        .iter()
        .flat_map(|r| r.iter().map(|(f, _)| *f))
        .collect();
    features.sort_unstable();
    features.dedup();
    let mut x = Array2::<f64>::zeros((rows.len(), features.len()));
    for (i, row) in rows.iter().enumerate() {
        for &(feature, value) in row.iter() {
            let local = features.binary_search(&feature).expect("collected above");
            x[[i, local]] = f64::from(value);
        }
    }
    let dataset = Dataset::new(x, Array1::from(targets.to_vec()));
    let fitted = MultiLogisticRegression::default()
        .alpha(fitting.alpha)
        .max_iterations(fitting.max_iterations)
        .fit(&dataset)?;
    Ok((features, fitted))
}

/// Turns logits into probabilities, in place (stable: the largest logit is subtracted first).
fn softmax(logits: &mut [f32]) {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for l in logits.iter_mut() {
        *l = (*l - max).exp();
        sum += *l;
    }
    for l in logits.iter_mut() {
        *l /= sum;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIT: Fitting = Fitting {
        alpha: 0.01,
        max_iterations: 100,
    };

    fn rows() -> Vec<Row> {
        vec![
            vec![(0, 1.0)],
            vec![(0, 0.8), (5, 0.6)],
            vec![(2, 1.0)],
            vec![(2, 0.6), (5, 0.8)],
            vec![(7, 1.0)],
            vec![(7, 0.8), (5, 0.6)],
        ]
    }

    #[test]
    fn the_sparse_scores_are_linfas_dense_predictions() {
        let rows = rows();
        let refs: Vec<&Row> = rows.iter().collect();
        let targets = [0, 0, 1, 1, 2, 2];
        let (features, fitted) = fit_linfa(&refs, &targets, FIT).unwrap();
        let labels = ["a", "a", "b", "b", "c", "c"];
        let head = Head::fit(&refs, &labels, FIT).unwrap();
        for row in &rows {
            let mut dense = Array2::<f64>::zeros((1, features.len()));
            for &(f, v) in row {
                dense[[0, features.binary_search(&f).unwrap()]] = f64::from(v);
            }
            let expected = fitted.predict_probabilities(&dense);
            let got = head.probabilities(row);
            for (e, g) in expected.row(0).iter().zip(&got) {
                assert!((*e as f32 - g).abs() < 1e-4, "{expected:?} vs {got:?}");
            }
        }
    }

    #[test]
    fn a_head_learns_which_feature_means_which_class() {
        let rows = rows();
        let refs: Vec<&Row> = rows.iter().collect();
        let head = Head::fit(&refs, &["a", "a", "b", "b", "c", "c"], FIT).unwrap();
        assert_eq!(head.classes, ["a", "b", "c"]);
        let p = head.probabilities(&vec![(2, 1.0)]);
        assert!(p[1] > p[0] && p[1] > p[2], "{p:?}");
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        // A feature no example had leaves the prior.
        let p = head.probabilities(&vec![(99, 1.0)]);
        assert!(p.iter().all(|p| (p - 1.0 / 3.0).abs() < 0.2), "{p:?}");
    }

    #[test]
    fn one_class_is_certain() {
        let rows = rows();
        let head = Head::fit(&[&rows[0]], &["a"], FIT).unwrap();
        assert_eq!(head.probabilities(&vec![(0, 1.0)]), vec![1.0]);
    }
}
