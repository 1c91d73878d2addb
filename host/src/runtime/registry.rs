//! Which plugin versions are active in which street, with their health counters.
//!
//! The pipeline takes a snapshot of a street's plugins (cheap `Arc` clones) when an event
//! starts, so activating or rolling back a version never changes a decision half-way.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

use jiff::Timestamp;

use super::breaker::{Admission, BreakerPolicy, Ticket, Transition};
use super::engine::CompiledPlugin;
use super::health::PluginHealth;
use super::invoke::CallReport;
use crate::domain::{DecidedBy, PluginKind, PluginVersion};

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

    /// Asks this version's circuit breaker whether it may be called at `now`; a refusal is
    /// counted as a skip.
    pub fn admit(&self, policy: &BreakerPolicy, now: Timestamp) -> Admission {
        let admission = self.health.breaker.admit(policy, now);
        if let Admission::Skip(_) = admission {
            self.health.record_skip();
        }
        admission
    }

    /// Hands a call's result back to the breaker that let it through; logs when that opens or
    /// closes the breaker.
    pub fn settle<T>(&self, ticket: Ticket, report: &CallReport<T>) {
        let transition = self
            .health
            .breaker
            .record(ticket, report.result.as_ref().err());
        let (street, plugin, version) =
            (&self.meta.street_code, &self.meta.name, self.meta.version);
        match transition {
            None => {}
            Some(Transition::Opened(opening)) => tracing::warn!(
                %street, %plugin, version, reason = %opening.reason,
                cool_down_secs = ticket.policy.cool_down_secs,
                "circuit breaker opened: plugin taken out of the path, district defaults apply"
            ),
            Some(Transition::Reopened(opening)) => tracing::warn!(
                %street, %plugin, version, reason = %opening.reason,
                cool_down_secs = ticket.policy.cool_down_secs,
                "circuit breaker opened again: the trial call failed"
            ),
            Some(Transition::Closed) => tracing::info!(
                %street, %plugin, version,
                "circuit breaker closed: the trial call succeeded, plugin back in the path"
            ),
        }
    }
}

/// A street's active plugins at one moment. Classifiers and scenarios run in the order the
/// street set (`run_order`, then name).
#[derive(Clone, Default)]
pub struct StreetPlugins {
    pub classifiers: Vec<Arc<LoadedPlugin>>,
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
        let stack = match plugin.kind() {
            PluginKind::Router => {
                street.router = Some(plugin);
                return;
            }
            PluginKind::Classifier => &mut street.classifiers,
            PluginKind::Scenario => &mut street.scenarios,
        };
        stack.retain(|p| p.meta.name != plugin.meta.name);
        stack.push(plugin);
        stack.sort_by(|a, b| {
            (a.meta.run_order, &a.meta.name).cmp(&(b.meta.run_order, &b.meta.name))
        });
    }

    /// Takes a plugin name out of a street (its versions are no longer active anywhere).
    pub fn remove(&self, street_code: &str, name: &str) {
        let mut streets = self
            .streets
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(street) = streets.get_mut(street_code) {
            street.classifiers.retain(|p| p.meta.name != name);
            street.scenarios.retain(|p| p.meta.name != name);
            if street.router.as_ref().is_some_and(|r| r.meta.name == name) {
                street.router = None;
            }
        }
    }

    /// Every active plugin of every street, by street code.
    pub fn all(&self) -> Vec<Arc<LoadedPlugin>> {
        let streets = self.read();
        let mut codes: Vec<&String> = streets.keys().collect();
        codes.sort();
        codes
            .into_iter()
            .flat_map(|code| {
                let s = &streets[code];
                s.classifiers
                    .iter()
                    .chain(&s.router)
                    .chain(&s.scenarios)
                    .cloned()
            })
            .collect()
    }

    /// Every active plugin of a street.
    pub fn active_in(&self, street_code: &str) -> Vec<Arc<LoadedPlugin>> {
        let s = self.street(street_code);
        s.classifiers
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
