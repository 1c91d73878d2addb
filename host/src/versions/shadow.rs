//! Shadow runs: a candidate version decides every event of its street beside the path that
//! applies (the active version, or the district when there is none); its decision is recorded,
//! never applied. A recorder task writes the comparisons in batches off the request path, and
//! ends the run when its events or its time are used up.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use jiff::Timestamp;
use tokio::sync::mpsc;
use tracing::Instrument;

use crate::domain::{
    Action, Classification, Comparison, Event, PluginKind, ScenarioAction, ShadowRun,
};
use crate::intake::Pipeline;
use crate::intake::{plugin_span, record};
use crate::reference::Reference;
use crate::runtime::{CallReport, LoadedPlugin, wit};
use crate::storage::{Db, StoredEvent};

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

/// What the recorder task is told.
enum Note {
    Compared {
        plugin: Arc<LoadedPlugin>,
        comparison: Comparison,
        at: Timestamp,
    },
    /// The run of this version is over.
    Over(Arc<LoadedPlugin>),
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
        tokio::spawn(recorder(db, Arc::downgrade(&shadows), queue));
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

    /// Runs the street's shadow classifiers on `event` with the district's classification,
    /// and compares each with `applied`, the classification production used.
    pub async fn classify(
        &self,
        pipeline: &Pipeline,
        reference: &Arc<Reference>,
        event: &Event,
        district: &Classification,
        applied: &Classification,
    ) {
        let now = pipeline.clock.now();
        for plugin in self.running(&event.location.street_code, PluginKind::Classifier, now) {
            let span = plugin_span(&plugin);
            let report = pipeline
                .runtime
                .classify(
                    &plugin.compiled,
                    pipeline.context(&plugin, reference, event),
                    event,
                    Some(district),
                )
                .instrument(span.clone())
                .await;
            record(&plugin, &report, &span);
            let candidate = classifier_verdict(&report, district);
            let comparison = compare(event, applied, applied_verdict(applied), candidate, &report);
            self.compared(&plugin, comparison, now);
        }
    }

    /// Runs the street's shadow scenarios on a stored event and compares each with what the
    /// active scenario of its name did (`verdicts`, by name; "no actions" when none is active).
    pub async fn scenarios(
        &self,
        pipeline: &Pipeline,
        reference: &Arc<Reference>,
        stored: &StoredEvent,
        verdicts: &HashMap<String, String>,
    ) {
        let event = &stored.record.event;
        let applied = &stored.record.classification;
        let now = pipeline.clock.now();
        for plugin in self.running(&event.location.street_code, PluginKind::Scenario, now) {
            let span = plugin_span(&plugin);
            let report = pipeline
                .run_scenario(reference, &plugin, stored)
                .instrument(span.clone())
                .await;
            record(&plugin, &report, &span);
            let candidate = scenario_call_verdict(&report, &applied.item_code);
            let active = verdicts
                .get(&plugin.meta.name)
                .cloned()
                .unwrap_or_else(|| "no actions".into());
            let comparison = compare(event, applied, active, candidate, &report);
            self.compared(&plugin, comparison, now);
        }
    }

    /// Runs the street's shadow routers on `event` and compares each choice with `applied`,
    /// the unit production chose. `default` is the first candidate (a router that keeps the
    /// default chooses it).
    pub async fn route(
        &self,
        pipeline: &Pipeline,
        reference: &Arc<Reference>,
        event: &Event,
        classification: &Classification,
        candidates: &[wit::Candidate],
        applied: &str,
    ) {
        let now = pipeline.clock.now();
        let default = candidates.first().map_or("", |c| c.unit.code.as_str());
        for plugin in self.running(&event.location.street_code, PluginKind::Router, now) {
            let span = plugin_span(&plugin);
            let report = pipeline
                .runtime
                .route(
                    &plugin.compiled,
                    pipeline.context(&plugin, reference, event),
                    event,
                    classification,
                    candidates.to_vec(),
                )
                .instrument(span.clone())
                .await;
            record(&plugin, &report, &span);
            let candidate = router_verdict(&report, default);
            let comparison = compare(
                event,
                classification,
                unit_verdict(applied),
                candidate,
                &report,
            );
            self.compared(&plugin, comparison, now);
        }
    }
}

/// A scenario's actions as one comparable text: each action in a stable order ("follow-up
/// pinghu.flood-control 06-003 urgent; tag 内涝; warning yellow 山厦"), or "no actions".
pub fn scenario_verdict(actions: &[Action]) -> String {
    let mut parts: Vec<String> = actions
        .iter()
        .map(|action| match action {
            Action::EarlyWarning {
                level, community, ..
            } => format!(
                "warning {level}{}",
                community
                    .as_deref()
                    .map_or(String::new(), |c| format!(" {c}"))
            ),
            Action::FollowUp {
                unit_code,
                item_code,
                priority,
                ..
            } => format!("follow-up {unit_code} {item_code} {}", priority.as_str()),
            Action::Tag { tag } => format!("tag {tag}"),
            Action::Escalate { level, .. } => format!("escalate {level}"),
        })
        .collect();
    if parts.is_empty() {
        return "no actions".into();
    }
    parts.sort();
    parts.join("; ")
}

fn item_verdict(item_code: &str, priority: &str) -> String {
    format!("item {item_code} {priority}")
}

/// The classification production applied, as a verdict.
pub(crate) fn applied_verdict(applied: &Classification) -> String {
    item_verdict(&applied.item_code, applied.priority.as_str())
}

/// The unit production chose, as a verdict.
pub(crate) fn unit_verdict(unit_code: &str) -> String {
    format!("unit {unit_code}")
}

/// The candidate's verdict: its answer as `ok` makes it, or its fault.
fn verdict<T>(report: &CallReport<T>, ok: impl FnOnce(&T) -> String) -> String {
    match &report.result {
        Ok(answer) => ok(answer),
        Err(fault) => format!("fault:{}", fault.kind.as_str()),
    }
}

/// A classifier's verdict: its classification, or the district's when it kept it.
pub(crate) fn classifier_verdict(
    report: &CallReport<Option<wit::Classification>>,
    district: &Classification,
) -> String {
    verdict(report, |answer| match answer {
        Some(answer) => item_verdict(
            &answer.item_code,
            crate::runtime::priority_from(answer.priority).as_str(),
        ),
        None => applied_verdict(district),
    })
}

/// A router's verdict: the unit it chose, or `default` when it kept the default.
pub(crate) fn router_verdict(
    report: &CallReport<Option<wit::RoutingChoice>>,
    default: &str,
) -> String {
    verdict(report, |choice| {
        unit_verdict(choice.as_ref().map_or(default, |c| c.unit_code.as_str()))
    })
}

/// A scenario's verdict: its actions (a follow-up without an item takes `default_item`).
pub(crate) fn scenario_call_verdict(
    report: &CallReport<Vec<ScenarioAction>>,
    default_item: &str,
) -> String {
    verdict(report, |actions| {
        let actions: Vec<Action> = actions
            .iter()
            .cloned()
            .map(|a| a.into_action(default_item))
            .collect();
        scenario_verdict(&actions)
    })
}

pub(crate) fn compare<T>(
    event: &Event,
    applied: &Classification,
    active: String,
    candidate: String,
    report: &CallReport<T>,
) -> Comparison {
    Comparison {
        event_id: event.id.clone(),
        item_code: applied.item_code.clone(),
        active,
        candidate,
        fault: report
            .result
            .as_ref()
            .err()
            .map(|f| f.kind.as_str().to_string()),
        micros: report.elapsed.as_micros() as u64,
    }
}

/// Writes comparisons in batches and ends runs that are over. Stops when the registry is
/// gone (the host shuts down).
async fn recorder(db: Db, shadows: std::sync::Weak<Shadows>, mut queue: mpsc::Receiver<Note>) {
    let mut batch = Vec::with_capacity(BATCH);
    while let Some(first) = queue.recv().await {
        let mut notes = vec![first];
        // Whatever else arrived meanwhile, up to a batch.
        while notes.len() < BATCH {
            match queue.try_recv() {
                Ok(note) => notes.push(note),
                Err(_) => break,
            }
        }
        for note in notes {
            match note {
                Note::Compared {
                    plugin,
                    comparison,
                    at,
                } => batch.push((plugin.meta.clone(), comparison, at)),
                Note::Over(plugin) => {
                    let m = &plugin.meta;
                    match db.end_shadow(&m.street_code, &m.name, m.version).await {
                        Ok(_) => tracing::info!(
                            street = %m.street_code,
                            plugin = %m.name,
                            version = m.version,
                            "shadow run over"
                        ),
                        Err(e) => tracing::warn!("cannot end a shadow run: {e:#}"),
                    }
                }
            }
        }
        if !batch.is_empty() {
            if let Err(e) = db.insert_shadow_decisions(&batch).await {
                // Shadow decisions are evidence, not events: a lost batch is logged, and the
                // next ones are still written.
                tracing::warn!(count = batch.len(), "cannot record shadow decisions: {e:#}");
            }
            batch.clear();
        }
        if shadows.strong_count() == 0 {
            break;
        }
        // Let a burst gather into the next batch.
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
