//! The district's learned classifier: reads a description the way the district's own
//! decisions taught it and answers the catalog's category and item with calibrated
//! probabilities and alternatives.
//!
//! Two levels, so that a catalog of thousands of items trains in seconds: a softmax over the
//! categories, then, inside each category, a softmax over its items. An item's confidence is
//! P(category) × P(item | category). Training data: the catalog itself, the labelled corpus in
//! `seed/corpus/`, and the district's decided history ([`train`]). Scoring an event is pure and
//! cheap; storing, loading and switching models is [`crate::understanding`]'s.

mod calibrate;
mod corpus;
mod evaluate;
mod head;
mod text;
mod train;
mod vocabulary;

pub use calibrate::Calibration;
pub use corpus::{CorpusError, Labelled, Split, load_corpus, parse_corpus, parse_corpus_lenient};
pub use evaluate::{Evaluation, evaluate};
pub use head::Fitting;
pub use text::warm_up;
pub use train::{Example, Origin, Progress, TrainError, Training, catalog_examples, train};

use serde::{Deserialize, Serialize};

use crate::classify::KeywordClassifier;
use head::Head;
use vocabulary::Vocabulary;

/// How many alternatives a prediction carries.
pub const SUGGESTIONS: usize = 3;

/// A trained model.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Model {
    vocabulary: Vocabulary,
    categories: Head,
    /// One head per category, in the order of `categories.classes`.
    items: Vec<Head>,
    calibration: Calibration,
    pub info: ModelInfo,
}

/// What a model was trained on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    pub catalog_version: String,
    pub examples: usize,
    pub from_catalog: usize,
    pub from_corpus: usize,
    pub from_history: usize,
    pub terms: usize,
    /// Examples the confidences were calibrated on: held back from a first fitting, then
    /// fitted with the rest.
    pub held_back: usize,
    pub calibration: Calibration,
}

/// A model's answer for one description: the likeliest items, best first.
#[derive(Clone, Debug, PartialEq)]
pub struct Prediction {
    pub suggestions: Vec<Suggestion>,
    /// P(category) of the best suggestion's category.
    pub category_confidence: f32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Suggestion {
    pub item_code: String,
    pub category_code: String,
    /// P(category) × P(item | category).
    pub confidence: f32,
}

#[derive(Debug, thiserror::Error)]
pub enum ModelBytesError {
    #[error("encoding the model")]
    Encode(#[source] postcard::Error),
    #[error("decoding a stored model (written by another version of streetwise?)")]
    Decode(#[source] postcard::Error),
}

impl Model {
    /// The likeliest items for `description`: the best items of the three likeliest
    /// categories, ranked by their joint probability as fitted; each carries its calibrated
    /// confidence. (Calibrating each layer separately could reorder items across
    /// categories; the fitted order is the more accurate one.)
    pub fn predict(&self, description: &str, keywords: &KeywordClassifier) -> Prediction {
        let row = self.vocabulary.row(&text::terms(description, keywords));
        let logits = self.categories.logits(&row);
        let categories = head::probabilities(&logits, 1.0);
        let calibrated = head::probabilities(&logits, self.calibration.categories);
        let mut ranked: Vec<usize> = (0..categories.len()).collect();
        ranked.sort_by(|a, b| categories[*b].total_cmp(&categories[*a]));
        let mut scored: Vec<(f32, Suggestion)> = ranked
            .iter()
            .take(SUGGESTIONS)
            .flat_map(|&c| {
                let head = &self.items[c];
                let logits = head.logits(&row);
                let fitted = head::probabilities(&logits, 1.0);
                let items = head::probabilities(&logits, self.calibration.items);
                let category = &self.categories.classes[c];
                let (p_fitted, p_calibrated) = (categories[c], calibrated[c]);
                head.classes.iter().zip(fitted.into_iter().zip(items)).map(
                    move |(item, (fitted, p))| {
                        (
                            p_fitted * fitted,
                            Suggestion {
                                item_code: item.clone(),
                                category_code: category.clone(),
                                confidence: p_calibrated * p,
                            },
                        )
                    },
                )
            })
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        let suggestions: Vec<Suggestion> = scored
            .into_iter()
            .take(SUGGESTIONS)
            .map(|(_, s)| s)
            .collect();
        let category_confidence = suggestions
            .first()
            .and_then(|s| {
                self.categories
                    .classes
                    .iter()
                    .position(|c| *c == s.category_code)
            })
            .map_or(0.0, |c| calibrated[c]);
        Prediction {
            suggestions,
            category_confidence,
        }
    }

    pub fn to_bytes(&self) -> Result<Vec<u8>, ModelBytesError> {
        postcard::to_allocvec(self).map_err(ModelBytesError::Encode)
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Model, ModelBytesError> {
        postcard::from_bytes(bytes).map_err(ModelBytesError::Decode)
    }
}
