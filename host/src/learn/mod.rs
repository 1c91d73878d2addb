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

/// The label of appeals that name no problem ("上次那件事还没人管", "请给我回个电话"): the
/// model learns them as a class of their own, so that such an appeal waits for a person
/// whatever its confidence in a catalog item, instead of being guessed into one because a
/// few of its words lean that way. It is never suggested.
pub const UNCLEAR: &str = "unclear";

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
    /// The description names no problem: it is likelier to be an [`UNCLEAR`] appeal than
    /// about any category.
    pub unclear: bool,
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

/// One candidate suggestion, by index: its fitted joint probability ranks it.
struct Scored {
    fitted: f32,
    category: usize,
    item: usize,
    confidence: f32,
}

/// The indices of the `n` largest of `values`, largest first.
fn best(values: &[f32], n: usize) -> Vec<usize> {
    let larger = |a: &usize, b: &usize| values[*b].total_cmp(&values[*a]);
    let mut ranked: Vec<usize> = (0..values.len()).collect();
    if n > 0 && ranked.len() > n {
        ranked.select_nth_unstable_by(n - 1, larger);
        ranked.truncate(n);
    }
    ranked.sort_by(larger);
    ranked
}

impl Model {
    /// The likeliest items for `description`: the best items of the three likeliest
    /// categories, ranked by their joint probability as fitted; each carries its calibrated
    /// confidence. (Calibrating each layer separately could reorder items across
    /// categories; the fitted order is the more accurate one.)
    pub fn predict(&self, description: &str, keywords: &KeywordClassifier) -> Prediction {
        let row = self
            .vocabulary
            .row_of(|visit| text::each_term(description, keywords, visit));
        let logits = self.categories.logits(&row);
        let categories = head::probabilities(&logits, 1.0);
        let calibrated = head::probabilities(&logits, self.calibration.categories);
        // The best joint suggestions come from the best items of the best categories, so
        // only those are ranked and only the winners become strings.
        let unclear = self.categories.classes.iter().position(|c| c == UNCLEAR);
        let ranked = best(&categories, SUGGESTIONS + 1);
        let mut scored: Vec<Scored> = Vec::with_capacity(SUGGESTIONS * SUGGESTIONS);
        for &c in ranked
            .iter()
            .filter(|&&c| Some(c) != unclear)
            .take(SUGGESTIONS)
        {
            let logits = self.items[c].logits(&row);
            let fitted = head::probabilities(&logits, 1.0);
            let items = head::probabilities(&logits, self.calibration.items);
            scored.extend(best(&fitted, SUGGESTIONS).into_iter().map(|i| Scored {
                fitted: categories[c] * fitted[i],
                category: c,
                item: i,
                confidence: calibrated[c] * items[i],
            }));
        }
        scored.sort_by(|a, b| b.fitted.total_cmp(&a.fitted));
        scored.truncate(SUGGESTIONS);
        let suggestions = scored
            .iter()
            .map(|s| Suggestion {
                item_code: self.items[s.category].classes[s.item].clone(),
                category_code: self.categories.classes[s.category].clone(),
                confidence: s.confidence,
            })
            .collect();
        Prediction {
            suggestions,
            category_confidence: scored.first().map_or(0.0, |s| calibrated[s.category]),
            unclear: unclear.is_some() && ranked.first() == unclear.as_ref(),
        }
    }

    pub fn to_bytes(&self) -> Result<Vec<u8>, ModelBytesError> {
        postcard::to_allocvec(self).map_err(ModelBytesError::Encode)
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Model, ModelBytesError> {
        postcard::from_bytes(bytes).map_err(ModelBytesError::Decode)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Catalog;

    /// The seed catalog cut to two categories, so that a model trains in a moment.
    fn catalog() -> Catalog {
        let mut catalog: Catalog =
            serde_json::from_str(include_str!("../../../seed/catalog.json")).unwrap();
        catalog
            .items
            .retain(|i| i.category == "01" || i.category == "06");
        catalog
    }

    fn example(text: &str, item: &str) -> Example {
        Example {
            text: text.into(),
            item: item.into(),
            origin: Origin::Corpus,
        }
    }

    #[test]
    fn an_appeal_naming_no_problem_is_read_as_unclear_and_never_suggested() {
        let catalog = catalog();
        let mut examples = Vec::new();
        for text in [
            "上次反映的事情还没有人回复",
            "请尽快联系我，电话你们有",
            "之前说的那个到底有没有人跟进",
            "我的单子办到哪一步了",
            "麻烦让负责人给我回个电话",
            "同一件事反映好几次了还没有答复",
        ] {
            examples.push(example(text, UNCLEAR));
        }
        for text in [
            "小区门口的垃圾堆了三天没人清",
            "路边垃圾桶满了臭气熏天",
            "楼下垃圾没人收",
        ] {
            examples.push(example(text, "01-001"));
        }
        for text in [
            "马路上水管爆了一直在冒水",
            "自来水管破裂路面积水",
            "水管漏水淹了路",
        ] {
            examples.push(example(text, "06-003"));
        }
        let model = train(&catalog, &examples, Training::default(), &mut |_| {}).unwrap();
        let keywords = KeywordClassifier::new(&catalog);

        let vague = model.predict("之前反映的事情还是没有人跟进，请回个电话", &keywords);
        assert!(vague.unclear, "{vague:?}");
        let clear = model.predict("小区门口垃圾堆着没人清", &keywords);
        assert!(!clear.unclear, "{clear:?}");
        for prediction in [vague, clear] {
            assert_eq!(prediction.suggestions.len(), SUGGESTIONS);
            assert!(
                prediction
                    .suggestions
                    .iter()
                    .all(|s| s.item_code != UNCLEAR && s.category_code != UNCLEAR),
                "{prediction:?}"
            );
        }
    }
}
