//! How good a model is on labelled appeals it was not trained on: accuracy at category and
//! item level, per-category precision and recall, the pairs it confuses most, how well its
//! confidence is calibrated, and what a manual-dispatch threshold would leave to people.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use super::{Labelled, Model, UNCLEAR};
use crate::classify::KeywordClassifier;
use crate::domain::Catalog;

/// Calibration is measured in this many equal-width confidence bins.
const BINS: usize = 10;

#[derive(Clone, Debug, Serialize)]
pub struct Evaluation {
    pub appeals: usize,
    pub category_accuracy: f64,
    pub item_accuracy: f64,
    /// The true item among the three suggestions.
    pub item_top3_accuracy: f64,
    pub per_category: Vec<CategoryScore>,
    /// (true category, predicted category, how often), most frequent first.
    pub confused: Vec<(String, String, usize)>,
    /// Expected calibration error of the first suggestion's confidence against its item being
    /// right: 0 is perfect.
    pub calibration_error: f64,
    pub threshold: ThresholdScore,
}

#[derive(Clone, Debug, Serialize)]
pub struct CategoryScore {
    pub code: String,
    pub name: String,
    pub support: usize,
    pub precision: f64,
    pub recall: f64,
}

/// What a manual-dispatch threshold does: how many events are decided automatically, and how
/// right those are.
#[derive(Clone, Debug, Serialize)]
pub struct ThresholdScore {
    pub threshold: f32,
    pub automatic: f64,
    pub automatic_category_accuracy: f64,
    pub automatic_item_accuracy: f64,
    /// Read as naming no problem: these wait in 待分拨 whatever their confidence.
    pub unclear: f64,
}

/// Evaluates `model` on `appeals`, with `threshold` as the manual-dispatch confidence.
/// Appeals labelled [`UNCLEAR`] have no category to be right about and are left out.
pub fn evaluate(
    model: &Model,
    catalog: &Catalog,
    appeals: &[Labelled],
    threshold: f32,
) -> Evaluation {
    let appeals: Vec<&Labelled> = appeals.iter().filter(|a| a.item != UNCLEAR).collect();
    let keywords = KeywordClassifier::new(catalog);
    let category = |item: &str| catalog.item(item).map_or("?", |i| i.category.as_str());
    let mut right_category = 0;
    let mut right_item = 0;
    let mut right_top3 = 0;
    let mut pairs: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut predicted_as: BTreeMap<String, usize> = BTreeMap::new();
    let mut bins = [(0usize, 0f64, 0usize); BINS];
    let (mut automatic, mut automatic_category, mut automatic_item) = (0, 0, 0);
    let mut unclear = 0;
    for appeal in &appeals {
        let prediction = model.predict(&appeal.text, &keywords);
        let Some(best) = prediction.suggestions.first() else {
            continue;
        };
        let truth = category(&appeal.item);
        let category_ok = best.category_code == truth;
        let item_ok = best.item_code == appeal.item;
        right_category += usize::from(category_ok);
        right_item += usize::from(item_ok);
        right_top3 += usize::from(
            prediction
                .suggestions
                .iter()
                .any(|s| s.item_code == appeal.item),
        );
        *predicted_as.entry(best.category_code.clone()).or_default() += 1;
        *pairs
            .entry((truth.to_string(), best.category_code.clone()))
            .or_default() += 1;
        let bin = ((best.confidence * BINS as f32) as usize).min(BINS - 1);
        bins[bin].0 += 1;
        bins[bin].1 += f64::from(best.confidence);
        bins[bin].2 += usize::from(item_ok);
        unclear += usize::from(prediction.unclear);
        if best.confidence >= threshold && !prediction.unclear {
            automatic += 1;
            automatic_category += usize::from(category_ok);
            automatic_item += usize::from(item_ok);
        }
    }
    let n = appeals.len();
    let share = |k: usize, of: usize| if of == 0 { 0.0 } else { k as f64 / of as f64 };
    let per_category = catalog
        .categories
        .iter()
        .map(|c| {
            let support = appeals
                .iter()
                .filter(|a| category(&a.item) == c.code)
                .count();
            let hits = pairs.get(&(c.code.clone(), c.code.clone())).copied();
            let hits = hits.unwrap_or(0);
            CategoryScore {
                code: c.code.clone(),
                name: c.name.clone(),
                support,
                precision: share(hits, predicted_as.get(&c.code).copied().unwrap_or(0)),
                recall: share(hits, support),
            }
        })
        .collect();
    let mut confused: Vec<(String, String, usize)> = pairs
        .into_iter()
        .filter(|((truth, predicted), _)| truth != predicted)
        .map(|((truth, predicted), count)| (truth, predicted, count))
        .collect();
    confused.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.cmp(b)));
    confused.truncate(10);
    let calibration_error = bins
        .iter()
        .filter(|(count, _, _)| *count > 0)
        .map(|(count, confidence, right)| {
            let gap = confidence / *count as f64 - *right as f64 / *count as f64;
            gap.abs() * *count as f64 / n.max(1) as f64
        })
        .sum();
    Evaluation {
        appeals: n,
        category_accuracy: share(right_category, n),
        item_accuracy: share(right_item, n),
        item_top3_accuracy: share(right_top3, n),
        per_category,
        confused,
        calibration_error,
        threshold: ThresholdScore {
            threshold,
            automatic: share(automatic, n),
            automatic_category_accuracy: share(automatic_category, automatic),
            automatic_item_accuracy: share(automatic_item, automatic),
            unclear: share(unclear, n),
        },
    }
}

fn percent(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

impl fmt::Display for Evaluation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "appeals evaluated         {}", self.appeals)?;
        writeln!(
            f,
            "category accuracy (大类)  {}",
            percent(self.category_accuracy)
        )?;
        writeln!(
            f,
            "item accuracy (事项)      {}",
            percent(self.item_accuracy)
        )?;
        writeln!(
            f,
            "item in top 3             {}",
            percent(self.item_top3_accuracy)
        )?;
        writeln!(f, "calibration error (ECE)   {:.3}", self.calibration_error)?;
        let t = &self.threshold;
        writeln!(
            f,
            "at threshold {:.2}: {} decided automatically, {} of those right by category, {} by item; the rest wait in 待分拨 ({} read as naming no problem)",
            t.threshold,
            percent(t.automatic),
            percent(t.automatic_category_accuracy),
            percent(t.automatic_item_accuracy),
            percent(t.unclear)
        )?;
        writeln!(
            f,
            "\ncategory                       support  precision  recall"
        )?;
        for c in &self.per_category {
            writeln!(
                f,
                "{} {}  {:>7}  {:>9}  {:>6}",
                c.code,
                padded(&c.name, 26),
                c.support,
                percent(c.precision),
                percent(c.recall)
            )?;
        }
        if !self.confused.is_empty() {
            writeln!(f, "\nmost confused (true → predicted)")?;
            for (truth, predicted, count) in &self.confused {
                writeln!(f, "{truth} → {predicted}  {count}")?;
            }
        }
        Ok(())
    }
}

/// `text` padded with spaces to `width` terminal columns (a Chinese character takes two).
fn padded(text: &str, width: usize) -> String {
    let used: usize = text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
    format!("{text}{}", " ".repeat(width.saturating_sub(used)))
}
