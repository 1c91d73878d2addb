//! The example plugins `serve --examples <manifest>` deploys at start (`plugins/examples.toml`).
//!
//! An example is a starting point, never an override: it is deployed only into a street that
//! has no active plugin of its name, nor (for a classifier or router, one per street) an
//! active plugin of its kind. A street that rolled back to its own version, or activated a
//! plugin of its own, keeps it across restarts.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::domain::Grant;
use crate::platform::{Platform, VersionOptions};

/// A plugin manifest such as `plugins/examples.toml`.
#[derive(Debug, serde::Deserialize)]
struct Manifest {
    plugin: Vec<ManifestEntry>,
}

#[derive(Debug, serde::Deserialize)]
struct ManifestEntry {
    street: String,
    name: String,
    file: PathBuf,
    #[serde(default)]
    config: BTreeMap<String, String>,
    /// Base data sets granted, e.g. "buildings,entities".
    #[serde(default)]
    grants: String,
}

impl Manifest {
    fn read(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the plugin manifest {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("invalid plugin manifest {}", path.display()))
    }
}

impl Platform {
    /// Deploys the plugins a manifest lists into the streets that have nothing active in
    /// their place (see the module's header).
    pub async fn deploy_manifest(&self, path: &Path) -> anyhow::Result<()> {
        let manifest = Manifest::read(path)?;
        let base = path.parent().unwrap_or(Path::new("."));
        for entry in manifest.plugin {
            anyhow::ensure!(
                crate::platform::valid_plugin_name(&entry.name),
                "{}: invalid plugin name {:?}",
                path.display(),
                entry.name
            );
            let file = base.join(&entry.file);
            let bytes = std::fs::read(&file).with_context(|| {
                format!(
                    "cannot read plugin {} listed in {}: build the plugins first \
                     (cargo build --release --manifest-path plugins/Cargo.toml --target wasm32-wasip2)",
                    file.display(),
                    path.display()
                )
            })?;
            let street = self
                .street_code(&entry.street)
                .with_context(|| format!("{}: unknown street {}", path.display(), entry.street))?;
            if self
                .db()
                .plugin_config(&street, &entry.name)
                .await?
                .is_empty()
                && !entry.config.is_empty()
            {
                self.set_plugin_config(&street, &entry.name, entry.config.clone())
                    .await?;
            }
            let active: Vec<_> = self
                .db()
                .plugin_versions(&street)
                .await?
                .into_iter()
                .filter(|v| v.active)
                .collect();
            if let Some(own) = active.iter().find(|v| v.name == entry.name) {
                tracing::debug!(street = %entry.street, plugin = %own.name, version = own.version, "example already active, or replaced by the street");
                continue;
            }
            let (compiled, bytes) = self
                .compile_plugin(bytes)
                .await
                .with_context(|| format!("compiling {}", file.display()))?;
            let kind = compiled.kind();
            if let Some(own) = active
                .iter()
                .find(|v| kind.single_per_street() && v.kind == kind)
            {
                tracing::info!(street = %entry.street, example = %entry.name, plugin = %own.name, kind = kind.as_str(), "the street has its own plugin of this kind: example not deployed");
                continue;
            }
            let grants = Grant::parse_list(&entry.grants)
                .map_err(|e| anyhow::anyhow!("{}: {}: {e}", path.display(), entry.name))?;
            let options = VersionOptions {
                grants,
                ..VersionOptions::default()
            };
            let meta = self
                .store_version(&street, &entry.name, compiled, bytes, "examples", options)
                .await
                .with_context(|| format!("deploying {}", file.display()))?;
            tracing::info!(street = %entry.street, plugin = %meta.name, version = meta.version, "example plugin deployed");
        }
        Ok(())
    }
}
