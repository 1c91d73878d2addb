//! The first model of a database without one: trained on the catalog and the shipped corpus,
//! once per process and catalog, and once per machine with a cache directory.

use std::path::Path;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use jiff::Timestamp;
use tokio::sync::OnceCell;

use crate::domain::Catalog;
use crate::learn::{self, Model, Training};
use crate::storage::Db;

use super::corpus::{CORPUS, corpus_examples, heldout, shipped_corpus};
use super::training::{Trained, store, train};

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
