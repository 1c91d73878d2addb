//! Training: the catalog, the labelled corpus and the decided history become a [`Model`].

use std::collections::BTreeMap;

use super::calibrate::{Calibration, Held, calibrate};
use super::head::{FitError, Fitting, Head, Row};
use super::text;
use super::vocabulary::Vocabulary;
use super::{Model, ModelInfo, UNCLEAR};
use crate::classify::KeywordClassifier;
use crate::domain::Catalog;

/// Where a training example came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// An item's own name, keywords and requirements.
    Catalog,
    /// The labelled corpus shipped in `seed/corpus/`.
    Corpus,
    /// A decided case: closed with its final item, or corrected by the centre.
    History,
}

/// One labelled description.
#[derive(Clone, Debug)]
pub struct Example {
    pub text: String,
    pub item: String,
    pub origin: Origin,
}

/// How a model is trained.
#[derive(Clone, Copy, Debug)]
pub struct Training {
    pub categories: Fitting,
    pub items: Fitting,
    /// A term must occur in this many examples to be learned.
    pub min_documents: usize,
    /// At most this many terms are learned (the most widespread): the fitting's cost grows
    /// with examples × terms.
    pub max_terms: usize,
    /// One corpus or history example in this many is held back from a first fitting to
    /// calibrate the confidences on; the heads kept are then fitted on every example (0: no
    /// calibration, one fitting).
    pub calibrate_one_in: u64,
}

impl Default for Training {
    /// Chosen by 5-fold cross-validation on the training split (BENCHMARKS.md): with 8,191
    /// appeals, L2 strength 0.05 beat 0.08 and 0.03 (category 90.1% against 89.9%).
    fn default() -> Self {
        Training {
            categories: Fitting {
                alpha: 0.05,
                max_iterations: 60,
            },
            items: Fitting {
                alpha: 0.05,
                max_iterations: 60,
            },
            min_documents: 2,
            max_terms: 20_000,
            calibrate_one_in: 10,
        }
    }
}

/// Where training is, for a progress bar: `done` of `total` in `stage`.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    pub stage: &'static str,
    pub done: usize,
    pub total: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error("no training examples name an item of catalog {0}")]
    NoExamples(String),
    #[error(transparent)]
    Fit(#[from] FitError),
}

/// The catalog's own text as examples: for each item, its name with its keywords, and its
/// handling requirements.
pub fn catalog_examples(catalog: &Catalog) -> Vec<Example> {
    let mut examples = Vec::new();
    for item in &catalog.items {
        let mut named = item.name.clone();
        for keyword in &item.keywords {
            named.push('，');
            named.push_str(keyword);
        }
        examples.push(Example {
            text: named,
            item: item.code.clone(),
            origin: Origin::Catalog,
        });
        if !item.requirements.trim().is_empty() {
            examples.push(Example {
                text: format!("{}：{}", item.name, item.requirements),
                item: item.code.clone(),
                origin: Origin::Catalog,
            });
        }
    }
    examples
}

/// Trains a model on `examples` (the catalog's own are added here). Examples naming an item
/// the catalog no longer has are left out; those labelled [`UNCLEAR`] teach a class of
/// their own.
pub fn train(
    catalog: &Catalog,
    examples: &[Example],
    training: Training,
    progress: &mut dyn FnMut(Progress),
) -> Result<Model, TrainError> {
    let keywords = KeywordClassifier::new(catalog);
    let own = catalog_examples(catalog);
    let examples: Vec<&Example> = own
        .iter()
        .chain(examples)
        .filter(|e| e.item == UNCLEAR || catalog.item(&e.item).is_some())
        .collect();
    if examples.is_empty() {
        return Err(TrainError::NoExamples(catalog.version.clone()));
    }

    let total = examples.len();
    let mut documents = Vec::with_capacity(total);
    for (done, example) in examples.iter().enumerate() {
        documents.push(text::terms(&example.text, &keywords));
        if done % 64 == 0 {
            progress(Progress {
                stage: "segment",
                done,
                total,
            });
        }
    }
    let vocabulary = Vocabulary::fit(&documents, training.min_documents, training.max_terms);
    let rows: Vec<Row> = documents.iter().map(|d| vocabulary.row(d)).collect();

    let category_of = |e: &Example| match catalog.item(&e.item) {
        Some(item) => item.category.clone(),
        None => UNCLEAR.to_string(),
    };
    let labels: Vec<String> = examples.iter().map(|e| category_of(e)).collect();
    let held_back = |e: &Example| {
        training.calibrate_one_in > 0
            && e.origin != Origin::Catalog
            && fnv(&e.text).is_multiple_of(training.calibrate_one_in)
    };
    let fitted: Vec<usize> = (0..total).filter(|&i| !held_back(examples[i])).collect();
    let heads = 1 + labels
        .iter()
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let fit = Fit {
        rows: &rows,
        labels: &labels,
        examples: &examples,
        training,
    };
    let all: Vec<usize> = (0..total).collect();
    let mut done = 0;
    let mut step = || {
        progress(Progress {
            stage: "fit",
            done,
            total: heads,
        });
        done += 1;
    };
    // With examples to calibrate on, the heads are fitted twice, side by side: without them,
    // to find the temperatures on examples those heads have not seen, and on every example,
    // the heads kept (cross-validated, the tenth held back is worth a point of category
    // accuracy). The kept heads are a little surer than the ones calibrated, so their
    // confidences run slightly high (measured 2026-12-06: held-out ECE 0.104 against 0.075).
    let (kept, first) = std::thread::scope(|scope| {
        let first = (fitted.len() < total).then(|| scope.spawn(|| fit.heads(&fitted, &mut || {})));
        let kept = fit.heads(&all, &mut step);
        (
            kept,
            first.map(|thread| thread.join().expect("fitting does not panic")),
        )
    });
    let (categories, items) = kept?;
    let first = first.transpose()?;
    step();

    let calibration = match &first {
        Some((categories, items)) => {
            let held: Vec<Held<'_>> = (0..total)
                .filter(|&i| held_back(examples[i]))
                .filter_map(|i| {
                    let category = categories.classes.iter().position(|c| *c == labels[i])?;
                    let item = items[category]
                        .classes
                        .iter()
                        .position(|c| *c == examples[i].item)?;
                    Some(Held {
                        row: &rows[i],
                        category,
                        item,
                    })
                })
                .collect();
            (!held.is_empty()).then(|| (calibrate(categories, items, &held), held.len()))
        }
        None => None,
    };
    let (calibration, held_back) = calibration.unwrap_or((Calibration::default(), 0));

    let count = |origin| examples.iter().filter(|e| e.origin == origin).count();
    Ok(Model {
        info: ModelInfo {
            catalog_version: catalog.version.clone(),
            examples: total,
            from_catalog: count(Origin::Catalog),
            from_corpus: count(Origin::Corpus),
            from_history: count(Origin::History),
            terms: vocabulary.len(),
            held_back,
            calibration,
        },
        vocabulary,
        categories,
        items,
        calibration,
    })
}

/// Fits the category head and one item head per category on chosen examples.
struct Fit<'a> {
    rows: &'a [Row],
    labels: &'a [String],
    examples: &'a [&'a Example],
    training: Training,
}

impl Fit<'_> {
    /// The heads fitted on the examples `chosen`; `step` is called before each head.
    fn heads(
        &self,
        chosen: &[usize],
        step: &mut dyn FnMut(),
    ) -> Result<(Head, Vec<Head>), TrainError> {
        step();
        let rows: Vec<&Row> = chosen.iter().map(|&i| &self.rows[i]).collect();
        let labels: Vec<&str> = chosen.iter().map(|&i| self.labels[i].as_str()).collect();
        let categories = Head::fit(&rows, &labels, self.training.categories)?;

        let mut by_category: BTreeMap<&str, (Vec<&Row>, Vec<&str>)> = BTreeMap::new();
        for &i in chosen {
            let entry = by_category.entry(self.labels[i].as_str()).or_default();
            entry.0.push(&self.rows[i]);
            entry.1.push(self.examples[i].item.as_str());
        }
        let mut items = Vec::with_capacity(categories.classes.len());
        for category in &categories.classes {
            step();
            let (rows, labels) = &by_category[category.as_str()];
            items.push(Head::fit(rows, labels, self.training.items)?);
        }
        Ok((categories, items))
    }
}

/// A stable hash of a text (FNV-1a), to hold back the same examples in every training.
fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}
