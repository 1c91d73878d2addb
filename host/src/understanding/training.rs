//! Training a model for the district: gathers the examples (the catalog, the shipped corpus's
//! train split, the decided history), trains off the async runtime, evaluates on the held-out
//! split and stores the model. The command line, the first start and the weekly retraining
//! all come through here.

use std::path::Path;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use jiff::{SignedDuration, Timestamp};
use tokio::sync::OnceCell;

use crate::domain::Catalog;
use crate::learn::{
    self, Evaluation, Example, Labelled, Model, Origin, Progress, Split, Training,
    parse_corpus_lenient,
};
use crate::storage::Db;
use crate::storage::classifier::NewModel;

/// The corpus files of every category: `seed/corpus/NN.jsonl` (a train and a held-out split)
/// and the training appeals of `extra/` and `extra2/`.
macro_rules! corpus {
    ($($category:literal),*) => {
        [$(
            include_str!(concat!("../../../seed/corpus/", $category, ".jsonl")),
            include_str!(concat!("../../../seed/corpus/extra/", $category, ".jsonl")),
            include_str!(concat!("../../../seed/corpus/extra2/", $category, ".jsonl")),
        )*]
    };
}

/// Training appeals at the borders of the categories the model confused most.
macro_rules! border_cases {
    ($($category:literal),*) => {
        [$(include_str!(concat!("../../../seed/corpus/extra3/", $category, ".jsonl")),)*]
    };
}

/// The labelled corpus shipped in `seed/corpus/`.
const CORPUS: [&str; 62] = concat_corpus(
    corpus!(
        "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13", "14", "15",
        "16", "17", "18"
    ),
    border_cases!("02", "03", "08", "09", "13", "14", "15", "18"),
);

const fn concat_corpus(
    files: [&'static str; 54],
    borders: [&'static str; 8],
) -> [&'static str; 62] {
    let mut all = [""; 62];
    let mut i = 0;
    while i < 54 {
        all[i] = files[i];
        i += 1;
    }
    while i < 62 {
        all[i] = borders[i - 54];
        i += 1;
    }
    all
}

/// Most decided cases one training reads, newest first.
pub const HISTORY_LIMIT: i64 = 50_000;

/// The shipped corpus's appeals whose items `catalog` has.
pub fn shipped_corpus(catalog: &Catalog) -> Vec<Labelled> {
    CORPUS
        .iter()
        .flat_map(|text| {
            parse_corpus_lenient(text, catalog)
                .expect("the shipped corpus parses (a unit test checks)")
        })
        .collect()
}

/// The corpus's training appeals as examples.
pub fn corpus_examples(corpus: &[Labelled]) -> Vec<Example> {
    corpus
        .iter()
        .filter(|l| l.split == Split::Train)
        .map(|l| Example {
            text: l.text.clone(),
            item: l.item.clone(),
            origin: Origin::Corpus,
        })
        .collect()
}

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

/// The held-out split of `corpus`.
pub fn heldout(corpus: &[Labelled]) -> Vec<Labelled> {
    corpus
        .iter()
        .filter(|l| l.split == Split::Heldout)
        .cloned()
        .collect()
}

/// Stores a first model when the database has none: trained on the catalog and the shipped
/// corpus. Trained once per process and catalog version (tests start many hosts), and once
/// per machine when `cache` names a directory to keep it in.
pub async fn ensure_model(
    db: &Db,
    catalog: &Catalog,
    threshold: f32,
    now: Timestamp,
    cache: Option<&Path>,
) -> anyhow::Result<()> {
    if db.classifier_generation().await?.model.is_some() {
        return Ok(());
    }
    let seed = seed_model(catalog, threshold, cache).await?;
    if let Some(version) = store(db, &seed, "system", now, None).await? {
        tracing::info!(
            version,
            examples = seed.model.info.examples,
            "first classifier model trained from the catalog and the shipped corpus"
        );
    }
    Ok(())
}

/// The model of the catalog and the shipped corpus alone, trained once per catalog version.
async fn seed_model(
    catalog: &Catalog,
    threshold: f32,
    cache: Option<&Path>,
) -> anyhow::Result<Arc<Trained>> {
    type Cell = Arc<OnceCell<Arc<Trained>>>;
    static SEEDS: Mutex<Vec<(String, Cell)>> = Mutex::new(Vec::new());
    let cell = {
        let mut seeds = SEEDS.lock().unwrap_or_else(|p| p.into_inner());
        let key = serde_json::to_string(catalog)?;
        match seeds.iter().find(|(k, _)| *k == key) {
            Some((_, cell)) => cell.clone(),
            None => {
                let cell: Cell = Arc::default();
                seeds.push((key, cell.clone()));
                cell
            }
        }
    };
    let trained = cell
        .get_or_try_init(|| async {
            let corpus = shipped_corpus(catalog);
            let cached =
                cache.map(|dir| dir.join(format!("seed-model-{:016x}.bin", seed_key(catalog))));
            if let Some(model) = cached.as_deref().and_then(read_cached) {
                let evaluation = learn::evaluate(&model, catalog, &heldout(&corpus), threshold);
                return Ok(Arc::new(Trained {
                    model,
                    evaluation: Some(evaluation),
                }));
            }
            tracing::info!(
                "no classifier model yet: training one from the catalog and the shipped corpus \
                 (about a minute)"
            );
            let examples = corpus_examples(&corpus);
            let trained = train(
                catalog.clone(),
                examples,
                heldout(&corpus),
                threshold,
                |_| {},
            )
            .await?;
            if let Some(path) = &cached {
                write_cached(path, &trained.model);
            }
            Ok::<_, anyhow::Error>(Arc::new(trained))
        })
        .await?;
    Ok(trained.clone())
}

/// The sources of the learned classifier, for the seed model's cache key.
const LEARNING_CODE: [&str; 7] = [
    include_str!("../learn/text.rs"),
    include_str!("../learn/vocabulary.rs"),
    include_str!("../learn/head.rs"),
    include_str!("../learn/train.rs"),
    include_str!("../learn/calibrate.rs"),
    include_str!("../learn/mod.rs"),
    include_str!("../../fit/src/lib.rs"),
];

/// What the seed model depends on: the catalog, the corpus, how it is trained and the
/// code that trains it.
fn seed_key(catalog: &Catalog) -> u64 {
    use std::hash::{Hash, Hasher};
    // SipHash with fixed keys: the same inputs give the same file name in every process.
    let mut hasher = std::hash::DefaultHasher::new();
    serde_json::to_string(catalog)
        .unwrap_or_default()
        .hash(&mut hasher);
    CORPUS.hash(&mut hasher);
    format!("{:?}", Training::default()).hash(&mut hasher);
    env!("CARGO_PKG_VERSION").hash(&mut hasher);
    // The code that reads texts and fits the model: a change there makes another model.
    LEARNING_CODE.hash(&mut hasher);
    hasher.finish()
}

/// A cached model, if the file is there and reads.
fn read_cached(path: &Path) -> Option<Model> {
    let bytes = std::fs::read(path).ok()?;
    match Model::from_bytes(&bytes) {
        Ok(model) => Some(model),
        Err(error) => {
            tracing::warn!(path = %path.display(), error = format!("{error:#}"), "ignoring an unreadable cached model");
            None
        }
    }
}

/// Keeps the model for the next process; a cache that cannot be written only costs time.
fn write_cached(path: &Path, model: &Model) {
    let written = (|| -> anyhow::Result<()> {
        let dir = path.parent().context("the cache path has a directory")?;
        std::fs::create_dir_all(dir)?;
        let partial = path.with_extension(format!("{}.partial", std::process::id()));
        std::fs::write(&partial, model.to_bytes()?)?;
        std::fs::rename(&partial, path)?;
        Ok(())
    })();
    if let Err(error) = written {
        tracing::warn!(path = %path.display(), error = format!("{error:#}"), "could not cache the seed model");
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_corpus_parses_and_names_seed_catalog_items() {
        let catalog = crate::seed::parts().unwrap().catalog;
        for (i, text) in CORPUS.iter().enumerate() {
            let found = learn::parse_corpus(text, &catalog)
                .unwrap_or_else(|problems| panic!("corpus file {i}: {problems:?}"));
            assert!(found.len() >= 30, "corpus file {i} has {}", found.len());
        }
    }
}

#[cfg(test)]
mod tune {
    use super::*;
    use crate::learn::Fitting;

    fn env(name: &str, default: f64) -> f64 {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    }

    #[test]
    #[ignore = "a tuning harness: TUNE_ALPHA=.. TUNE_ITER=.. TUNE_MIN_DF=.. cargo test tune -- --ignored --nocapture"]
    fn tune() {
        let catalog = crate::seed::parts().unwrap().catalog;
        let corpus = shipped_corpus(&catalog);
        let examples = corpus_examples(&corpus);
        let training = Training {
            categories: Fitting {
                alpha: env("TUNE_ALPHA", 0.08),
                max_iterations: env("TUNE_ITER", 60.0) as u64,
            },
            items: Fitting {
                alpha: env("TUNE_ITEM_ALPHA", env("TUNE_ALPHA", 0.08)),
                max_iterations: env("TUNE_ITER", 60.0) as u64,
            },
            min_documents: env("TUNE_MIN_DF", 2.0) as usize,
            max_terms: env("TUNE_MAX_TERMS", 12000.0) as usize,
            calibrate_one_in: env("TUNE_CALIBRATE", 10.0) as u64,
        };
        let started = std::time::Instant::now();
        let model = learn::train(&catalog, &examples, training, &mut |_| {}).unwrap();
        let trained = started.elapsed();
        let evaluation = learn::evaluate(
            &model,
            &catalog,
            &heldout(&corpus),
            env("TUNE_T", 0.5) as f32,
        );
        let train_eval = learn::evaluate(
            &model,
            &catalog,
            &corpus
                .iter()
                .filter(|l| l.split == Split::Train)
                .cloned()
                .collect::<Vec<_>>(),
            0.4,
        );
        for t in [0.2f32, 0.3, 0.4, 0.5, 0.6, 0.7] {
            let e = learn::evaluate(&model, &catalog, &heldout(&corpus), t);
            println!(
                "t={t}: auto {:.2} cat {:.3} item {:.3}",
                e.threshold.automatic,
                e.threshold.automatic_category_accuracy,
                e.threshold.automatic_item_accuracy
            );
        }
        if let Ok(probe) = std::env::var("TUNE_PROBE") {
            let reference =
                crate::reference::Reference::new(crate::seed::parts().unwrap()).unwrap();
            for text in probe.split('|') {
                println!(
                    "{text}: {:?}",
                    model.predict(text, reference.keywords()).suggestions
                );
            }
        }
        println!(
            "{training:?}\ntrained in {trained:?}, {} terms, {:?} on {} held back\n{evaluation}\ntrain accuracy {:.3}",
            model.info.terms,
            model.info.calibration,
            model.info.held_back,
            train_eval.category_accuracy
        );
    }
}
