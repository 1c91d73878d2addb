//! Keeping the plugins current on every host: a deploy, activation, rollback, ended shadow run
//! or configuration made through one host moves the plugin generation in the database; each
//! host notices (at once on PostgreSQL, within the refresh interval anyway) and brings its
//! registry and shadow runs in line, compiling only the versions it does not run yet.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use crate::intake::Pipeline;
use crate::versions::{VersionError, load_version};

/// Runs until aborted: on a wake-up or every `every`, syncs the plugins when their generation
/// moved past `seen`.
pub(super) async fn keep_current(
    pipeline: Pipeline,
    mut seen: i64,
    every: Duration,
    wake: Arc<Notify>,
) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = wake.notified() => {}
        }
        match sync_if_moved(&pipeline, seen).await {
            Ok(Some(generation)) => seen = generation,
            Ok(None) => {}
            Err(error) => tracing::warn!("syncing the plugins failed: {error:#}"),
        }
    }
}

/// The new generation, when the plugins were synced.
async fn sync_if_moved(pipeline: &Pipeline, seen: i64) -> anyhow::Result<Option<i64>> {
    let generation = pipeline.db.plugin_generation().await?;
    if generation == seen {
        return Ok(None);
    }
    sync(pipeline).await?;
    tracing::info!(generation, "plugins in line with the database");
    Ok(Some(generation))
}

/// Brings the registry and the shadow runs in line with the stored active and shadow versions.
async fn sync(pipeline: &Pipeline) -> anyhow::Result<()> {
    let db = &pipeline.db;
    let registry = &pipeline.registry;
    let running: HashMap<(String, String), _> = registry
        .all()
        .into_iter()
        .map(|p| ((p.meta.street_code.clone(), p.meta.name.clone()), p))
        .collect();
    let mut wanted = HashSet::new();
    for row in db.active_plugins().await? {
        let key = (row.meta.street_code.clone(), row.meta.name.clone());
        wanted.insert(key.clone());
        match running.get(&key) {
            Some(plugin) if plugin.meta.version == row.meta.version => {
                let config = db.plugin_config(&key.0, &key.1).await?;
                if *plugin.config() != config {
                    plugin.set_config(config);
                }
            }
            _ => {
                if let Some(loaded) = loaded(pipeline, row).await? {
                    registry.activate(loaded);
                }
            }
        }
    }
    for (street, name) in running.keys().filter(|k| !wanted.contains(*k)) {
        registry.remove(street, name);
    }
    let shadows: HashSet<(String, String, u32)> = pipeline.shadows.versions().into_iter().collect();
    let mut wanted = HashSet::new();
    for row in db.shadow_plugins().await? {
        let meta = &row.meta;
        let key = (meta.street_code.clone(), meta.name.clone(), meta.version);
        wanted.insert((key.0.clone(), key.1.clone()));
        if !shadows.contains(&key)
            && let Some(loaded) = loaded(pipeline, row).await?
        {
            pipeline.install(loaded);
        }
    }
    for (street, name, _) in shadows {
        if !wanted.contains(&(street.clone(), name.clone())) {
            pipeline.shadows.remove(&street, &name);
        }
    }
    Ok(())
}

/// A stored version compiled; `None` (logged) when it no longer compiles.
pub(super) async fn loaded(
    pipeline: &Pipeline,
    row: crate::storage::PluginRow,
) -> anyhow::Result<Option<Arc<crate::runtime::LoadedPlugin>>> {
    let (street, name, version) = (
        row.meta.street_code.clone(),
        row.meta.name.clone(),
        row.meta.version,
    );
    match load_version(pipeline, row).await {
        Ok(loaded) => {
            let shadow = loaded.meta.shadow.is_some();
            tracing::info!(%street, plugin = %name, version, shadow, "plugin version loaded");
            Ok(Some(loaded))
        }
        Err(VersionError::Compile(e)) => {
            tracing::error!(%street, plugin = %name, version, error = %e, "stored plugin no longer compiles; the district defaults apply");
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}
