//! Replay: a stored version (classifier, router or scenario) decides a street's stored history again, in the real sandbox,
//! and the report says where it would have decided differently from what production did.
//! Nothing is written: the replay reads events and calls the plugin, that is all.

use std::sync::Arc;

use futures::StreamExt;
use jiff::Timestamp;

use super::report::Report;
use super::verdicts::{
    applied_verdict, classifier_verdict, compare, router_verdict, scenario_call_verdict,
    scenario_verdict, unit_verdict,
};
use crate::domain::{Action, Comparison, DecidedBy, PluginKind};
use crate::plugin_calls::{self, PluginCalls};
use crate::reference::Reference;
use crate::runtime::LoadedPlugin;
use crate::storage::StoredEvent;
use crate::understanding::Understanding;

/// Most events one replay runs on.
pub const MAX_EVENTS: u32 = 200_000;
/// Events read per page, and plugin calls in flight at once.
const PAGE: u32 = 1_000;
const IN_FLIGHT: usize = 4;

/// The streets with a replay under way: one at a time per street, so a street replaying
/// again and again keeps at most `IN_FLIGHT` of its share of call slots busy and never
/// queues work behind itself without bound.
#[derive(Default)]
pub struct ReplayGate {
    running: std::sync::Mutex<std::collections::HashSet<String>>,
}

/// A replay under way; the street is free again when it is dropped.
pub struct ReplayTurn<'a> {
    gate: &'a ReplayGate,
    street: String,
}

impl ReplayGate {
    /// The street's turn, or `None` while another of its replays runs.
    pub fn enter(&self, street_code: &str) -> Option<ReplayTurn<'_>> {
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        running.insert(street_code.to_string()).then(|| ReplayTurn {
            gate: self,
            street: street_code.to_string(),
        })
    }
}

impl Drop for ReplayTurn<'_> {
    fn drop(&mut self) {
        let mut running = self.gate.running.lock().unwrap_or_else(|e| e.into_inner());
        running.remove(&self.street);
    }
}

/// Which stored events of the street a replay runs on: the newest `last`, received inside
/// `[from, to)` when given.
#[derive(Clone, Copy, Debug)]
pub struct Selection {
    pub last: u32,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
}

/// What a replay found.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Replayed {
    /// Stored events read.
    pub events: u64,
    /// Events the plugin was not asked about (a router with a single candidate unit).
    pub skipped: u64,
    pub millis: u64,
    pub report: Report,
}

/// Replays `candidate` over its street's history, read from the calls' database, with the
/// reference data in use and, for a classifier, the district's classification as intake
/// gives it.
pub async fn replay(
    calls: &PluginCalls,
    reference: Arc<Reference>,
    understanding: &Understanding,
    candidate: Arc<LoadedPlugin>,
    selection: Selection,
    progress: &(dyn Fn(u64) + Sync),
) -> anyhow::Result<Replayed> {
    let started = std::time::Instant::now();
    let street = candidate.meta.street_code.clone();
    let wanted = selection.last.min(MAX_EVENTS);
    let mut comparisons = Vec::new();
    let (mut events, mut skipped) = (0u64, 0u64);
    let mut before = None;
    while events < u64::from(wanted) {
        let mut page = calls
            .db()
            .street_history(
                &street,
                (selection.from, selection.to),
                before,
                PAGE.min(wanted - events as u32),
            )
            .await?;
        if candidate.kind() == PluginKind::Scenario {
            calls.db().actions_of(&mut page).await?;
        }
        let Some(last) = page.last() else { break };
        before = Some(last.seq);
        events += page.len() as u64;
        let decided: Vec<Option<Comparison>> = futures::stream::iter(page)
            .map(|stored| decide(calls, &reference, understanding, &candidate, stored))
            .buffered(IN_FLIGHT)
            .collect()
            .await;
        for comparison in decided {
            match comparison {
                Some(c) => comparisons.push(c),
                None => skipped += 1,
            }
        }
        progress(events);
    }
    Ok(Replayed {
        events,
        skipped,
        millis: started.elapsed().as_millis() as u64,
        report: Report::build(comparisons),
    })
}

/// The candidate's decision on one stored event beside the stored one; `None` when the
/// candidate would not have been asked.
async fn decide(
    calls: &PluginCalls,
    reference: &Arc<Reference>,
    understanding: &Understanding,
    candidate: &LoadedPlugin,
    stored: StoredEvent,
) -> Option<Comparison> {
    let record = &stored.record;
    let event = &record.event;
    let ctx = calls.context_as_of(candidate, reference, &stored);
    let applied = &record.classification;
    match candidate.kind() {
        PluginKind::Classifier => {
            let district = understanding
                .classify(reference, &event.description)
                .classification;
            let report = calls.classify(candidate, ctx, event, Some(&district)).await;
            let verdict = classifier_verdict(&report, &district);
            Some(compare(
                event,
                applied,
                applied_verdict(applied),
                verdict,
                &report,
            ))
        }
        PluginKind::Router => {
            let street = reference.district.street(&event.location.street_code)?;
            let entry = reference.responsibility(&applied.item_code, &street.code)?;
            let units =
                reference.candidates(entry, street, event.location.community_code.as_deref());
            if units.len() < 2 {
                return None;
            }
            let report = calls
                .route(
                    candidate,
                    ctx,
                    event,
                    applied,
                    plugin_calls::candidates(&units),
                )
                .await;
            let verdict = router_verdict(&report, &units[0].code);
            let active = unit_verdict(&record.dispatch.handling_unit.code);
            Some(compare(event, applied, active, verdict, &report))
        }
        // Follow-ups opened by scenarios do not trigger scenarios.
        PluginKind::Scenario if event.source == crate::domain::Source::Scenario => None,
        PluginKind::Scenario => {
            let report = calls.scenario(candidate, reference, &stored).await;
            let verdict = scenario_call_verdict(&report, &applied.item_code);
            // What the scenario of this name did then, whichever version it was.
            let done: Vec<Action> = record
                .actions
                .iter()
                .filter(|a| {
                    matches!(&a.plugin, DecidedBy::Plugin { name, .. } if *name == candidate.meta.name)
                })
                .map(|a| a.action.clone())
                .collect();
            Some(compare(
                event,
                applied,
                scenario_verdict(&done),
                verdict,
                &report,
            ))
        }
    }
}
