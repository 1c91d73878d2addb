//! One softmax layer of the model: a multinomial logistic regression fitted by linfa (through
//! `streetwise-fit`), kept as plain weights and scored on sparse rows.
//!
//! Scoring is done here because an event's row has a few dozen non-zero features out of
//! thousands: adding those rows of the weights is what linfa's dense prediction computes,
//! without multiplying thousands of zeros (`streetwise-fit` checks the weights against it).

use serde::{Deserialize, Serialize};
pub use streetwise_fit::Fitting;

/// A sparse, L2-normalised feature row: (feature index, value), indices ascending.
pub type Row = Vec<(u32, f32)>;

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
    source: streetwise_fit::Error,
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
            weights: fitted.weights,
            intercept: fitted.intercept,
            features,
        })
    }

    /// The probability of each class, in the order of [`Head::classes`], with the logits
    /// divided by `temperature` (1 leaves them; below 1 sharpens, above 1 softens).
    #[cfg(test)]
    pub fn probabilities(&self, row: &Row, temperature: f32) -> Vec<f32> {
        probabilities(&self.logits(row), temperature)
    }

    /// The unnormalised scores of each class.
    pub fn logits(&self, row: &Row) -> Vec<f32> {
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
        logits
    }
}

/// The softmax of `logits` divided by `temperature`.
pub fn probabilities(logits: &[f32], temperature: f32) -> Vec<f32> {
    let mut p: Vec<f32> = logits.iter().map(|l| l / temperature).collect();
    softmax(&mut p);
    p
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

/// Fits a layer on the features these rows use (renumbered from 0): the global indices, and
/// the fitted weights.
fn fit_linfa(
    rows: &[&Row],
    targets: &[usize],
    fitting: Fitting,
) -> Result<(Vec<u32>, streetwise_fit::Fitted), streetwise_fit::Error> {
    let mut features: Vec<u32> = rows
        .iter()
        .flat_map(|r| r.iter().map(|(f, _)| *f))
        .collect();
    features.sort_unstable();
    features.dedup();
    let local: Vec<Vec<(u32, f32)>> = rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|&(f, v)| {
                    let column = features.binary_search(&f).expect("collected above");
                    (column as u32, v)
                })
                .collect()
        })
        .collect();
    let sparse: Vec<&[(u32, f32)]> = local.iter().map(Vec::as_slice).collect();
    let fitted = streetwise_fit::fit(&sparse, features.len(), targets, fitting)?;
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
    fn a_head_learns_which_feature_means_which_class() {
        let rows = rows();
        let refs: Vec<&Row> = rows.iter().collect();
        let head = Head::fit(&refs, &["a", "a", "b", "b", "c", "c"], FIT).unwrap();
        assert_eq!(head.classes, ["a", "b", "c"]);
        let p = head.probabilities(&vec![(2, 1.0)], 1.0);
        assert!(p[1] > p[0] && p[1] > p[2], "{p:?}");
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        // A feature no example had leaves the prior.
        let p = head.probabilities(&vec![(99, 1.0)], 1.0);
        assert!(p.iter().all(|p| (p - 1.0 / 3.0).abs() < 0.2), "{p:?}");
    }

    #[test]
    fn one_class_is_certain() {
        let rows = rows();
        let head = Head::fit(&[&rows[0]], &["a"], FIT).unwrap();
        assert_eq!(head.probabilities(&vec![(0, 1.0)], 1.0), vec![1.0]);
    }
}
