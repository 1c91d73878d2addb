//! Deploying plugin versions: checking the name, compiling within bounds, storing and
//! installing a version, and setting a plugin's configuration.

use std::collections::BTreeMap;
use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::Platform;
use crate::domain::{DeployMode, Grant, PluginVersion};
use crate::runtime::{CompiledPlugin, DeployError, LoadedPlugin};
use crate::storage::NewVersion;

/// How a new plugin version is stored and run.
#[derive(Clone, Debug, Default)]
pub struct VersionOptions {
    pub notes: Option<String>,
    pub mode: DeployMode,
    /// The base data sets it may read.
    pub grants: Vec<Grant>,
    /// Where a classifier or scenario runs among its street's (lowest first); `None` keeps
    /// the name's previous version's place.
    pub order: Option<u32>,
}

#[derive(Debug, thiserror::Error)]
pub enum DeployFailure {
    #[error("unknown street {0:?}")]
    UnknownStreet(String),
    #[error("invalid plugin name {0:?}: use 1 to 64 lowercase letters, digits and dashes")]
    InvalidName(String),
    #[error(transparent)]
    Rejected(#[from] DeployError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl Platform {
    /// Checks, compiles, stores and activates a plugin version for a street.
    pub async fn deploy(
        &self,
        street: &str,
        name: &str,
        bytes: Vec<u8>,
        deployed_by: &str,
    ) -> Result<PluginVersion, DeployFailure> {
        self.deploy_version(street, name, bytes, deployed_by, VersionOptions::default())
            .await
    }

    /// Checks, compiles and stores a plugin version for a street, and makes it active or runs
    /// it in shadow beside the active one.
    pub async fn deploy_version(
        &self,
        street: &str,
        name: &str,
        bytes: Vec<u8>,
        deployed_by: &str,
        options: VersionOptions,
    ) -> Result<PluginVersion, DeployFailure> {
        let street_code = self
            .street_code(street)
            .ok_or_else(|| DeployFailure::UnknownStreet(street.into()))?;
        if !valid_plugin_name(name) {
            return Err(DeployFailure::InvalidName(name.into()));
        }
        let (compiled, bytes) = self.compile_plugin(bytes).await?;
        self.store_version(&street_code, name, compiled, bytes, deployed_by, options)
            .await
    }

    /// Checks and compiles a component within the compile bounds.
    pub(crate) async fn compile_plugin(
        &self,
        bytes: Vec<u8>,
    ) -> Result<(CompiledPlugin, Vec<u8>), DeployFailure> {
        // Bounded in time, cores and function size, off the async threads.
        let compiled = self.pipeline.runtime.compile_bounded(&bytes).await?;
        Ok((compiled, bytes))
    }

    /// Stores a compiled version of a street's plugin and installs it.
    pub(crate) async fn store_version(
        &self,
        street_code: &str,
        name: &str,
        compiled: CompiledPlugin,
        bytes: Vec<u8>,
        deployed_by: &str,
        options: VersionOptions,
    ) -> Result<PluginVersion, DeployFailure> {
        let sha256 = hex::encode(Sha256::digest(&bytes));
        let new = NewVersion {
            street_code,
            name,
            kind: compiled.kind(),
            sha256: &sha256,
            deployed_by,
            notes: options.notes.as_deref(),
            mode: options.mode,
            grants: &options.grants,
            run_order: options.order,
        };
        let meta = self.db().deploy_plugin(new, &bytes).await?;
        let config = self.db().plugin_config(street_code, name).await?;
        tracing::info!(
            street = %street_code,
            plugin = name,
            version = meta.version,
            kind = meta.kind.as_str(),
            sha256 = %sha256,
            shadow = meta.shadow.is_some(),
            replaced = ?meta.replaced,
            "plugin deployed"
        );
        self.pipeline
            .install(Arc::new(LoadedPlugin::new(meta.clone(), compiled, config)));
        Ok(meta)
    }

    /// Sets a plugin's configuration; active versions see it from their next call.
    pub async fn set_plugin_config(
        &self,
        street: &str,
        name: &str,
        config: BTreeMap<String, String>,
    ) -> Result<(), DeployFailure> {
        let street_code = self
            .street_code(street)
            .ok_or_else(|| DeployFailure::UnknownStreet(street.into()))?;
        self.db()
            .set_plugin_config(&street_code, name, &config)
            .await?;
        for plugin in self.registry().active_in(&street_code) {
            if plugin.meta.name == name {
                plugin.set_config(config.clone());
            }
        }
        Ok(())
    }
}

pub(crate) fn valid_plugin_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-')
}
