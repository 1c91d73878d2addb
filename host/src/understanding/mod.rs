//! Classification at intake: the learned model in use, district IT's keyword overrides, and
//! the catalog's keywords when no model has been trained. A model or override stored by any
//! host is picked up by every host within seconds ([`Understanding::refresh`]), without a
//! restart. Below the manual-dispatch threshold an event is not guessed: it waits for the
//! centre with its suggestions.
//!
//! [`training`] gathers the examples, trains, evaluates and stores models (the command line,
//! the first start and the weekly retraining share it).

mod corpus;
mod seed;
pub mod training;
#[cfg(test)]
mod tune;

use std::sync::{Arc, RwLock};

use aho_corasick::{AhoCorasick, MatchKind};

use crate::domain::{Classification, DecidedBy, Item, ItemSuggestion};
use crate::learn::Model;
use crate::reference::Reference;
use crate::storage::Db;
use crate::storage::classifier::{Generation, Override};

/// The district's classifier as this host currently knows it.
pub struct Understanding {
    current: RwLock<Arc<Current>>,
    /// Below this confidence the learned model's answer waits for a person.
    threshold: f32,
}

#[derive(Default)]
struct Current {
    generation: Generation,
    model: Option<(i64, Arc<Model>)>,
    overrides: Overrides,
}

/// District IT's overrides, matched in one pass: the longest keyword wins.
#[derive(Default)]
struct Overrides {
    automaton: Option<AhoCorasick>,
    rules: Vec<Override>,
}

/// The district's classification of one description.
#[derive(Clone, Debug)]
pub struct Understood {
    pub classification: Classification,
    /// Too unsure to dispatch: the event waits in the centre's manual-dispatch queue (待分拨).
    pub unsure: Option<Unsure>,
}

/// Why the district's guess is not dispatched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unsure {
    /// The item's confidence is below the threshold.
    LowConfidence,
    /// The description names no problem (a [`crate::learn::UNCLEAR`] appeal).
    NamesNoProblem,
}

impl Understanding {
    /// Nothing loaded yet: keywords only until [`Understanding::refresh`].
    pub fn new(threshold: f32) -> Self {
        Understanding {
            current: RwLock::new(Arc::default()),
            threshold,
        }
    }

    /// The manual-dispatch threshold.
    pub fn threshold(&self) -> f32 {
        self.threshold
    }

    /// The version of the model in use, if any.
    pub fn model_version(&self) -> Option<i64> {
        self.current().model.as_ref().map(|(v, _)| *v)
    }

    fn current(&self) -> Arc<Current> {
        self.current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Loads the newest model and the overrides when either changed since the last look;
    /// whether anything was loaded.
    pub async fn refresh(&self, db: &Db) -> anyhow::Result<bool> {
        let generation = db.classifier_generation().await?;
        let current = self.current();
        if generation == current.generation
            && (current.model.is_some() || generation.model.is_none())
        {
            return Ok(false);
        }
        let model = match (generation.model, &current.model) {
            (Some(version), Some((loaded, model))) if version == *loaded => {
                Some((version, model.clone()))
            }
            (Some(_), _) => match db.latest_model().await? {
                Some((version, bytes)) => {
                    let model = Model::from_bytes(&bytes)?;
                    tracing::info!(version, "classifier model loaded");
                    Some((version, Arc::new(model)))
                }
                None => None,
            },
            (None, _) => None,
        };
        let overrides = Overrides::new(db.overrides().await?)?;
        *self
            .current
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(Current {
            generation,
            model,
            overrides,
        });
        Ok(true)
    }

    /// Classifies `description`: an override when one matches, else the model (waiting for a
    /// person below the threshold), else the catalog's keywords.
    pub fn classify(&self, reference: &Reference, description: &str) -> Understood {
        let current = self.current();
        if let Some((rule, item)) = current.overrides.find(reference, description) {
            return Understood {
                classification: Classification {
                    reason: format!("区级规则：含「{}」即为此事项", rule.keyword),
                    ..classify_as(reference, item)
                },
                unsure: None,
            };
        }
        if let Some((version, model)) = &current.model
            && let Some(understood) = self.predict(reference, *version, model, description)
        {
            return understood;
        }
        Understood {
            classification: baseline(reference, description),
            unsure: None,
        }
    }

    /// The model's answer, or `None` when it names an item the catalog no longer has (the
    /// catalog changed since it was trained).
    fn predict(
        &self,
        reference: &Reference,
        version: i64,
        model: &Model,
        description: &str,
    ) -> Option<Understood> {
        let prediction = model.predict(description, reference.keywords());
        let mut suggestions = Vec::with_capacity(prediction.suggestions.len());
        for s in &prediction.suggestions {
            let item = reference.item(&s.item_code)?;
            suggestions.push(ItemSuggestion {
                item_code: item.code.clone(),
                item_name: item.name.clone(),
                category_code: item.category.clone(),
                confidence: s.confidence,
            });
        }
        let best = suggestions.first()?;
        let item = reference.item(&best.item_code)?;
        let unsure = if prediction.unclear {
            Some(Unsure::NamesNoProblem)
        } else {
            (best.confidence < self.threshold).then_some(Unsure::LowConfidence)
        };
        let alternatives = suggestions[1..]
            .iter()
            .map(|s| format!("{} {} {:.2}", s.item_code, s.item_name, s.confidence))
            .collect::<Vec<_>>()
            .join("、");
        Some(Understood {
            classification: Classification {
                confidence: best.confidence,
                reason: format!(
                    "模型 v{version}：{}置信度 {:.2}（大类 {:.2}）；备选 {alternatives}",
                    if prediction.unclear {
                        "未说明具体问题，"
                    } else {
                        ""
                    },
                    best.confidence,
                    prediction.category_confidence
                ),
                suggestions,
                model: Some(version),
                ..classify_as(reference, item)
            },
            unsure,
        })
    }
}

impl Overrides {
    fn new(rules: Vec<Override>) -> anyhow::Result<Self> {
        let automaton = if rules.is_empty() {
            None
        } else {
            Some(
                AhoCorasick::builder()
                    .match_kind(MatchKind::LeftmostLongest)
                    .build(rules.iter().map(|r| r.keyword.as_str()))?,
            )
        };
        Ok(Overrides { automaton, rules })
    }

    fn find<'a>(
        &'a self,
        reference: &'a Reference,
        description: &str,
    ) -> Option<(&'a Override, &'a Item)> {
        let automaton = self.automaton.as_ref()?;
        automaton.find_iter(description).find_map(|m| {
            let rule = &self.rules[m.pattern().as_usize()];
            reference.item(&rule.item_code).map(|item| (rule, item))
        })
    }
}

/// The district's keyword classification, or the fallback item when nothing matches.
pub(crate) fn baseline(reference: &Reference, description: &str) -> Classification {
    match reference.classify(description) {
        Some(found) => {
            let item = reference
                .item(&found.item_code)
                .expect("the classifier only returns catalog items");
            Classification {
                confidence: found.confidence,
                reason: format!("关键词：{}", found.matched.join("、")),
                ..classify_as(reference, item)
            }
        }
        None => {
            let item = reference
                .item(&reference.catalog.fallback_item)
                .expect("the fallback item is in the catalog");
            Classification {
                confidence: 0.0,
                reason: "未匹配到关键词，归入兜底事项".into(),
                ..classify_as(reference, item)
            }
        }
    }
}

/// A district classification as `item` with the item's own priority.
pub(crate) fn classify_as(reference: &Reference, item: &Item) -> Classification {
    Classification {
        item_code: item.code.clone(),
        item_name: item.name.clone(),
        category_code: item.category.clone(),
        category_name: reference
            .category_of(item)
            .map(|c| c.name.clone())
            .unwrap_or_default(),
        confidence: 1.0,
        priority: item.priority,
        tags: Vec::new(),
        reason: String::new(),
        decided_by: DecidedBy::District,
        suggestions: Vec::new(),
        model: None,
    }
}

/// How a host keeps its classifier current.
#[derive(Clone, Copy, Debug)]
pub struct Keeping {
    /// Between two looks for models and overrides stored elsewhere.
    pub refresh: std::time::Duration,
    /// Retrain when the newest model is this old (`None`: never).
    pub retrain: Option<jiff::SignedDuration>,
}

/// How often the keeper asks whether retraining is due.
const RETRAIN_CHECK: std::time::Duration = std::time::Duration::from_secs(600);

impl Understanding {
    /// Runs until aborted: picks up what other hosts (or the command line) stored, and
    /// retrains from the decided history when it is due. Failures are logged and retried.
    pub async fn keep_current(
        self: Arc<Self>,
        db: Db,
        reference: Arc<crate::reference::SharedReference>,
        clock: crate::clock::Clock,
        keeping: Keeping,
    ) {
        let mut tick = tokio::time::interval(keeping.refresh);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_check: Option<std::time::Instant> = None;
        loop {
            tick.tick().await;
            if let Some(every) = keeping.retrain
                && last_check.is_none_or(|t| t.elapsed() >= RETRAIN_CHECK)
            {
                last_check = Some(std::time::Instant::now());
                let catalog = reference.get().catalog.clone();
                if let Err(e) =
                    training::retrain_if_due(&db, &catalog, self.threshold, every, clock.now())
                        .await
                {
                    tracing::warn!("classifier retraining failed: {e:#}");
                }
            }
            if let Err(e) = self.refresh(&db).await {
                tracing::warn!("classifier refresh failed: {e:#}");
            }
        }
    }
}
