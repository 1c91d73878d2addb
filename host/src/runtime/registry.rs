//! Which plugin versions are active in which street, with their health counters.
//!
//! The pipeline takes a snapshot of a street's plugins (cheap `Arc` clones) when an event
//! starts, so activating or rolling back a version never changes a decision half-way.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use serde::Serialize;

use super::engine::{CompiledPlugin, PluginKind};
use super::fault::FaultKind;
use crate::domain::DecidedBy;
use crate::storage::PluginVersion;

/// An active plugin version, compiled and configured.
pub struct LoadedPlugin {
    pub meta: PluginVersion,
    pub compiled: CompiledPlugin,
    config: RwLock<Arc<BTreeMap<String, String>>>,
    pub health: PluginHealth,
}

impl LoadedPlugin {
    pub fn new(
        meta: PluginVersion,
        compiled: CompiledPlugin,
        config: BTreeMap<String, String>,
    ) -> Self {
        Self {
            meta,
            compiled,
            config: RwLock::new(Arc::new(config)),
            health: PluginHealth::default(),
        }
    }

    pub fn kind(&self) -> PluginKind {
        self.compiled.kind()
    }

    pub fn decided_by(&self) -> DecidedBy {
        DecidedBy::Plugin {
            name: self.meta.name.clone(),
            version: self.meta.version,
        }
    }

    pub fn config(&self) -> Arc<BTreeMap<String, String>> {
        self.config
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    pub fn set_config(&self, config: BTreeMap<String, String>) {
        *self
            .config
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(config);
    }
}

/// Call and fault counters of one loaded version.
#[derive(Default)]
pub struct PluginHealth {
    calls: AtomicU64,
    ok: AtomicU64,
    faults: [AtomicU64; FaultKind::ALL.len()],
    total_micros: AtomicU64,
    host_calls: AtomicU64,
}

/// The counters at one moment, for the API.
#[derive(Clone, Debug, Serialize)]
pub struct HealthSnapshot {
    pub calls: u64,
    pub ok: u64,
    pub faults: BTreeMap<&'static str, u64>,
    pub mean_micros: u64,
    pub host_calls: u64,
}

impl PluginHealth {
    pub fn record(&self, elapsed: Duration, fault: Option<FaultKind>, host_calls: u32) {
        self.calls.fetch_add(1, Ordering::Relaxed);
        self.total_micros
            .fetch_add(elapsed.as_micros() as u64, Ordering::Relaxed);
        self.host_calls
            .fetch_add(u64::from(host_calls), Ordering::Relaxed);
        match fault {
            None => self.ok.fetch_add(1, Ordering::Relaxed),
            Some(kind) => self.faults[kind.index()].fetch_add(1, Ordering::Relaxed),
        };
    }

    pub fn snapshot(&self) -> HealthSnapshot {
        let calls = self.calls.load(Ordering::Relaxed);
        HealthSnapshot {
            calls,
            ok: self.ok.load(Ordering::Relaxed),
            faults: FaultKind::ALL
                .iter()
                .map(|k| (k.as_str(), self.faults[k.index()].load(Ordering::Relaxed)))
                .filter(|(_, n)| *n > 0)
                .collect(),
            mean_micros: self.total_micros.load(Ordering::Relaxed) / calls.max(1),
            host_calls: self.host_calls.load(Ordering::Relaxed),
        }
    }
}

/// A street's active plugins at one moment.
#[derive(Clone, Default)]
pub struct StreetPlugins {
    pub classifier: Option<Arc<LoadedPlugin>>,
    pub router: Option<Arc<LoadedPlugin>>,
    pub scenarios: Vec<Arc<LoadedPlugin>>,
}

/// Active plugins of every street.
#[derive(Default)]
pub struct Registry {
    streets: RwLock<HashMap<String, StreetPlugins>>,
}

impl Registry {
    /// A snapshot of a street's active plugins.
    pub fn street(&self, street_code: &str) -> StreetPlugins {
        self.read().get(street_code).cloned().unwrap_or_default()
    }

    /// Makes a loaded version active, replacing what it supersedes.
    pub fn activate(&self, plugin: Arc<LoadedPlugin>) {
        let mut streets = self
            .streets
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let street = streets.entry(plugin.meta.street_code.clone()).or_default();
        match plugin.kind() {
            PluginKind::Classifier => street.classifier = Some(plugin),
            PluginKind::Router => street.router = Some(plugin),
            PluginKind::Scenario => {
                street.scenarios.retain(|p| p.meta.name != plugin.meta.name);
                street.scenarios.push(plugin);
                street
                    .scenarios
                    .sort_by(|a, b| a.meta.name.cmp(&b.meta.name));
            }
        }
    }

    /// Every active plugin of a street.
    pub fn active_in(&self, street_code: &str) -> Vec<Arc<LoadedPlugin>> {
        let s = self.street(street_code);
        s.classifier
            .into_iter()
            .chain(s.router)
            .chain(s.scenarios)
            .collect()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, StreetPlugins>> {
        self.streets
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
