//! Calibration (temperature scaling): a fitted softmax is sure of what it learned by heart
//! and unsure of everything else. One temperature per layer, chosen on examples the layers
//! did not learn from, makes "0.8" mean right about four times in five.

use serde::{Deserialize, Serialize};

use super::head::{Head, Row, probabilities};

/// The temperatures the layers' logits are divided by.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    pub categories: f32,
    pub items: f32,
}

impl Default for Calibration {
    fn default() -> Self {
        Calibration {
            categories: 1.0,
            items: 1.0,
        }
    }
}

/// One held-back example: its row, the index of its category, and the index of its item in
/// that category's head.
pub struct Held<'a> {
    pub row: &'a Row,
    pub category: usize,
    pub item: usize,
}

/// The temperatures under which the held-back examples' true category and item are likeliest
/// (the least negative log-likelihood on a log-spaced grid from 0.05 to 5). The two layers'
/// terms of the joint likelihood are independent, so each is chosen alone.
pub fn calibrate(categories: &Head, items: &[Head], held: &[Held<'_>]) -> Calibration {
    let category_logits: Vec<(Vec<f32>, usize)> = held
        .iter()
        .map(|h| (categories.logits(h.row), h.category))
        .collect();
    let item_logits: Vec<(Vec<f32>, usize)> = held
        .iter()
        .map(|h| (items[h.category].logits(h.row), h.item))
        .collect();
    Calibration {
        categories: best_temperature(&category_logits),
        items: best_temperature(&item_logits),
    }
}

fn best_temperature(examples: &[(Vec<f32>, usize)]) -> f32 {
    let grid = (0..=80).map(|i| 0.05 * 100f32.powf(i as f32 / 80.0));
    grid.map(|t| (t, negative_log_likelihood(examples, t)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map_or(1.0, |(t, _)| t)
}

fn negative_log_likelihood(examples: &[(Vec<f32>, usize)], temperature: f32) -> f32 {
    examples
        .iter()
        .map(|(logits, truth)| -probabilities(logits, temperature)[*truth].max(1e-12).ln())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overconfident_logits_are_softened_and_timid_ones_sharpened() {
        // Right three times in four, but with logits that say "certain".
        let sure: Vec<(Vec<f32>, usize)> = (0..40)
            .map(|i| (vec![10.0, 0.0], usize::from(i % 4 == 0)))
            .collect();
        assert!(best_temperature(&sure) > 2.0, "{}", best_temperature(&sure));
        // Always right, with logits that barely lean.
        let timid: Vec<(Vec<f32>, usize)> = (0..40).map(|_| (vec![0.3, 0.0], 0)).collect();
        assert!(
            best_temperature(&timid) < 0.1,
            "{}",
            best_temperature(&timid)
        );
    }
}
