//! Shadow runs: a candidate version decides every event of its street beside the path that
//! applies (the active version, or the district when there is none); its decision is recorded,
//! never applied. This module keeps the shadow versions of every street; their calls are in
//! `runs`, and a recorder task (`recorder`) writes the comparisons in batches off the request
//! path, and ends the run when its events or its time are used up.

mod recorder;
mod runs;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use jiff::Timestamp;
use tokio::sync::mpsc;

use crate::domain::{Comparison, PluginKind, ShadowRun};
use crate::runtime::LoadedPlugin;
use crate::storage::Db;

use recorder::Note;

/// A version running in shadow.
pub struct ShadowPlugin {
    pub plugin: Arc<LoadedPlugin>,
    until: Option<Timestamp>,
    /// Events left, when the run is counted in events.
    left: Option<AtomicU64>,
}

impl ShadowPlugin {
    pub fn new(plugin: Arc<LoadedPlugin>, run: &ShadowRun) -> Self {
        Self {
            plugin,
            until: run.until,
            left: run.events_left.map(AtomicU64::new),
        }
    }

    /// Takes one event of the run: `false` when the run is over (time or events used up).
    fn take(&self, now: Timestamp) -> bool {
        if self.until.is_some_and(|until| now >= until) {
            return false;
        }
        match &self.left {
            None => true,
            Some(left) => left
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                .is_ok(),
        }
    }
}

/// The shadow versions of every street, and the channel to their recorder.
pub struct Shadows {
    streets: RwLock<HashMap<String, Vec<Arc<ShadowPlugin>>>>,
    notes: mpsc::Sender<Note>,
    /// Comparisons dropped because the recorder fell behind (its queue was full).
    dropped: AtomicU64,
}

/// Comparisons written per statement at most.
const BATCH: usize = 256;
/// Comparisons waiting for the recorder at most: beyond this, shadow evidence is dropped (and
/// counted) rather than letting memory grow while the database is slow.
const QUEUE: usize = 65_536;

impl Shadows {
    /// The shadow registry and its recorder task writing to `db`.
    pub fn start(db: Db) -> Arc<Self> {
        let (notes, queue) = mpsc::channel(QUEUE);
        let shadows = Arc::new(Self {
            streets: RwLock::new(HashMap::new()),
            notes,
            dropped: AtomicU64::new(0),
        });
        tokio::spawn(recorder::run(db, Arc::downgrade(&shadows), queue));
        shadows
    }

    /// Runs `shadow` beside the street's active plugins, replacing another shadow of its name.
    pub fn install(&self, shadow: ShadowPlugin) {
        let mut streets = self.streets.write().unwrap_or_else(|e| e.into_inner());
        let list = streets
            .entry(shadow.plugin.meta.street_code.clone())
            .or_default();
        list.retain(|s| s.plugin.meta.name != shadow.plugin.meta.name);
        list.push(Arc::new(shadow));
    }

    /// Stops the shadow run of a plugin name, if any.
    pub fn remove(&self, street_code: &str, name: &str) {
        let mut streets = self.streets.write().unwrap_or_else(|e| e.into_inner());
        if let Some(list) = streets.get_mut(street_code) {
            list.retain(|s| s.plugin.meta.name != name);
        }
    }

    /// Every shadow run on this host: street code, plugin name and version.
    pub fn versions(&self) -> Vec<(String, String, u32)> {
        let streets = self.streets.read().unwrap_or_else(|e| e.into_inner());
        streets
            .values()
            .flatten()
            .map(|s| {
                let meta = &s.plugin.meta;
                (meta.street_code.clone(), meta.name.clone(), meta.version)
            })
            .collect()
    }

    /// The street's shadow versions of `kind` that still have events to run on.
    fn running(
        &self,
        street_code: &str,
        kind: PluginKind,
        now: Timestamp,
    ) -> Vec<Arc<LoadedPlugin>> {
        let list: Vec<Arc<ShadowPlugin>> = self
            .streets
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(street_code)
            .map(|list| {
                list.iter()
                    .filter(|s| s.plugin.kind() == kind)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        let mut running = Vec::new();
        for shadow in list {
            if shadow.take(now) {
                running.push(shadow.plugin.clone());
            } else {
                self.remove(street_code, &shadow.plugin.meta.name);
                self.note(Note::Over(shadow.plugin.clone()));
            }
        }
        running
    }

    fn compared(&self, plugin: &Arc<LoadedPlugin>, comparison: Comparison, at: Timestamp) {
        self.note(Note::Compared {
            plugin: plugin.clone(),
            comparison,
            at,
        });
    }

    fn note(&self, note: Note) {
        if let Err(mpsc::error::TrySendError::Full(_)) = self.notes.try_send(note) {
            let dropped = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
            if dropped.is_power_of_two() {
                tracing::warn!(dropped, "shadow recorder behind: comparisons dropped");
            }
        }
    }
}
