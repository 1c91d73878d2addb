//! The version service: what a host does with stored versions (activate, which promotes a
//! shadow or rolls back; discard a shadow run; its report; a replay), on the pipeline's
//! storage, runtime, registry and shadows. `Platform::versions` hands it out.

use std::sync::Arc;

use super::replay::{ReplayGate, Replayed, Selection, replay};
use super::report::Report;
use crate::domain::PluginVersion;
use crate::intake::Pipeline;
use crate::runtime::{DeployError, LoadedPlugin};
use crate::storage::PluginRow;

#[derive(Debug, thiserror::Error)]
pub enum VersionError {
    #[error("unknown street {0:?}")]
    UnknownStreet(String),
    #[error("no version {version} of plugin {name:?} in this street")]
    UnknownVersion { name: String, version: u32 },
    #[error("plugin {0:?} has no earlier active version to roll back to")]
    NothingToRollBack(String),
    #[error("version {version} of {name:?} is not running in shadow")]
    NotShadow { name: String, version: u32 },
    #[error(
        "a replay of this street is already running: one at a time per street, \
         retry when it has finished"
    )]
    ReplayBusy,
    #[error("the stored component no longer compiles: {0}")]
    Compile(#[from] DeployError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// A stored version compiled and configured, not yet active anywhere.
pub(crate) async fn load_version(
    pipeline: &Pipeline,
    row: PluginRow,
) -> Result<Arc<LoadedPlugin>, VersionError> {
    let compiled = pipeline.runtime.compile_bounded(&row.bytes).await?;
    let config = pipeline
        .db
        .plugin_config(&row.meta.street_code, &row.meta.name)
        .await?;
    Ok(Arc::new(LoadedPlugin::new(row.meta, compiled, config)))
}

/// The operations on a host's stored versions.
pub struct Versions<'a> {
    pipeline: &'a Pipeline,
    /// One replay at a time per street.
    replays: &'a ReplayGate,
}

impl<'a> Versions<'a> {
    pub(crate) fn new(pipeline: &'a Pipeline, replays: &'a ReplayGate) -> Self {
        Versions { pipeline, replays }
    }

    fn street_or(&self, street: &str) -> Result<String, VersionError> {
        self.pipeline
            .street_code(street)
            .ok_or_else(|| VersionError::UnknownStreet(street.into()))
    }

    async fn stored_version(
        &self,
        street_code: &str,
        name: &str,
        version: u32,
    ) -> Result<PluginRow, VersionError> {
        self.pipeline
            .db
            .plugin_version(street_code, name, version)
            .await?
            .ok_or_else(|| VersionError::UnknownVersion {
                name: name.into(),
                version,
            })
    }

    /// Makes a stored version the active one: promotes a shadow, or rolls back to any earlier
    /// version. Events being decided keep the snapshot they started with; the next ones use
    /// this version.
    pub async fn activate(
        &self,
        street: &str,
        name: &str,
        version: u32,
    ) -> Result<PluginVersion, VersionError> {
        let street_code = self.street_or(street)?;
        let row = self.stored_version(&street_code, name, version).await?;
        let was_shadow = row.meta.shadow.is_some();
        let kind = row.meta.kind;
        let loaded = load_version(self.pipeline, row).await?;
        let replaced = self
            .pipeline
            .db
            .activate_version(&street_code, name, version, kind)
            .await?;
        if was_shadow {
            self.pipeline.shadows.remove(&street_code, name);
        }
        self.pipeline.registry.activate(loaded.clone());
        tracing::info!(street = %street_code, plugin = name, version, promoted = was_shadow, "plugin version activated");
        let mut meta = loaded.meta.clone();
        meta.active = true;
        meta.shadow = None;
        meta.replaced = replaced;
        Ok(meta)
    }

    /// Activates the version that was active before the current one.
    pub async fn rollback(&self, street: &str, name: &str) -> Result<PluginVersion, VersionError> {
        let street_code = self.street_or(street)?;
        let version = self
            .pipeline
            .db
            .previous_version(&street_code, name)
            .await?
            .ok_or_else(|| VersionError::NothingToRollBack(name.into()))?;
        self.activate(&street_code, name, version).await
    }

    /// Ends a shadow run without activating it; its recorded decisions stay for the report.
    pub async fn discard_shadow(
        &self,
        street: &str,
        name: &str,
        version: u32,
    ) -> Result<(), VersionError> {
        let street_code = self.street_or(street)?;
        if !self
            .pipeline
            .db
            .end_shadow(&street_code, name, version)
            .await?
        {
            return Err(VersionError::NotShadow {
                name: name.into(),
                version,
            });
        }
        self.pipeline.shadows.remove(&street_code, name);
        Ok(())
    }

    /// Where a shadow version decided differently from the active path, so far.
    pub async fn shadow_report(
        &self,
        street: &str,
        name: &str,
        version: u32,
    ) -> Result<(PluginVersion, Report), VersionError> {
        let street_code = self.street_or(street)?;
        let row = self.stored_version(&street_code, name, version).await?;
        let comparisons = self
            .pipeline
            .db
            .shadow_comparisons(&street_code, name, version)
            .await?;
        Ok((row.meta, Report::build(comparisons)))
    }

    /// Replays a stored version over its street's history, changing nothing.
    pub async fn replay(
        &self,
        street: &str,
        name: &str,
        version: u32,
        selection: Selection,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<Replayed, VersionError> {
        let street_code = self.street_or(street)?;
        let _turn = self
            .replays
            .enter(&street_code)
            .ok_or(VersionError::ReplayBusy)?;
        let row = self.stored_version(&street_code, name, version).await?;
        let candidate = load_version(self.pipeline, row).await?;
        let pipeline = self.pipeline;
        Ok(replay(
            &pipeline.calls(),
            pipeline.reference.get(),
            &pipeline.understanding,
            candidate,
            selection,
            progress,
        )
        .await?)
    }
}
