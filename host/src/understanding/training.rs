//! Training a model for the district: gathers the examples (the catalog, the shipped corpus's
//! train split, the decided history), trains off the async runtime, evaluates on the held-out
//! split and stores the model. The command line, the first start and the weekly retraining
//! all come through here.

use anyhow::Context;
use jiff::{SignedDuration, Timestamp};

use crate::domain::Catalog;
use crate::learn::{self, Evaluation, Example, Labelled, Model, Origin, Progress, Training};
use crate::storage::Db;
use crate::storage::classifier::NewModel;

pub use super::corpus::{corpus_examples, heldout, shipped_corpus};
pub use super::seed::ensure_model;

/// Most decided cases one training reads, newest first.
pub const HISTORY_LIMIT: i64 = 50_000;

/// The examples a model learns from: `corpus`'s train split and the decided history (the
/// catalog's own text is added by [`learn::train`]).
pub async fn examples(db: &Db, corpus: &[Labelled], history: bool) -> anyhow::Result<Vec<Example>> {
    let mut examples = corpus_examples(corpus);
    if history {
        let decided = db.decided_history(HISTORY_LIMIT).await?;
        examples.extend(decided.into_iter().map(|(text, item)| Example {
            text,
            item,
            origin: Origin::History,
        }));
    }
    Ok(examples)
}

/// A trained model with its held-out scores.
pub struct Trained {
    pub model: Model,
    pub evaluation: Option<Evaluation>,
}

/// Trains on a blocking thread (it takes seconds of CPU) and evaluates on `heldout`.
pub async fn train(
    catalog: Catalog,
    examples: Vec<Example>,
    heldout: Vec<Labelled>,
    threshold: f32,
    mut progress: impl FnMut(Progress) + Send + 'static,
) -> anyhow::Result<Trained> {
    tokio::task::spawn_blocking(move || {
        let model = learn::train(&catalog, &examples, Training::default(), &mut progress)?;
        let evaluation =
            (!heldout.is_empty()).then(|| learn::evaluate(&model, &catalog, &heldout, threshold));
        Ok(Trained { model, evaluation })
    })
    .await
    .context("the training thread panicked")?
}

/// Stores `trained` unless another model was stored since `after`; its version.
pub async fn store(
    db: &Db,
    trained: &Trained,
    trained_by: &str,
    now: Timestamp,
    after: Option<i64>,
) -> anyhow::Result<Option<i64>> {
    let bytes = trained.model.to_bytes()?;
    let info = serde_json::to_string(&trained.model.info)?;
    let evaluation = trained
        .evaluation
        .as_ref()
        .map(serde_json::to_string)
        .transpose()?;
    db.insert_model(NewModel {
        trained_at: now,
        trained_by,
        catalog_version: &trained.model.info.catalog_version,
        info: &info,
        evaluation: evaluation.as_deref(),
        bytes: &bytes,
        after,
    })
    .await
}

/// Retrains from the catalog, the corpus and the decided history when the newest model is
/// older than `every`; the new version, if one was stored. The newest model's training time
/// is the stored timer: a restart does not reset it, and of several hosts one stores.
pub async fn retrain_if_due(
    db: &Db,
    catalog: &Catalog,
    threshold: f32,
    every: SignedDuration,
    now: Timestamp,
) -> anyhow::Result<Option<i64>> {
    let newest = db.models().await?.into_iter().next();
    if newest.as_ref().is_some_and(|m| m.trained_at + every > now) {
        return Ok(None);
    }
    let corpus = shipped_corpus(catalog);
    let examples = examples(db, &corpus, true).await?;
    let trained = train(
        catalog.clone(),
        examples,
        heldout(&corpus),
        threshold,
        |_| {},
    )
    .await?;
    let version = store(db, &trained, "system", now, newest.map(|m| m.version)).await?;
    if let Some(version) = version {
        tracing::info!(
            version,
            history = trained.model.info.from_history,
            "classifier retrained from the decided history"
        );
    }
    Ok(version)
}
