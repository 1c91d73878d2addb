//! The shadow recorder: a task that writes the shadow runs' comparisons in batches, off the
//! request path, and ends the runs that are over.

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use tokio::sync::mpsc;

use super::{BATCH, Shadows};
use crate::domain::Comparison;
use crate::runtime::LoadedPlugin;
use crate::storage::Db;

/// What the recorder task is told.
pub(super) enum Note {
    Compared {
        plugin: Arc<LoadedPlugin>,
        comparison: Comparison,
        at: Timestamp,
    },
    /// The run of this version is over.
    Over(Arc<LoadedPlugin>),
}

/// Writes comparisons in batches and ends runs that are over. Stops when the registry is
/// gone (the host shuts down).
pub(super) async fn run(
    db: Db,
    shadows: std::sync::Weak<Shadows>,
    mut queue: mpsc::Receiver<Note>,
) {
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
