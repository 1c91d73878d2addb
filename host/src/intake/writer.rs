//! Durable storage in group commits.
//!
//! Request handlers hand their decided events to one writer task and wait. The writer takes
//! everything that queued up while the previous commit was flushing and writes it as one
//! multi-row insert in one transaction: under load, one disk flush covers many events, and
//! every event is durable before its caller is answered. A failed commit fails every event in
//! it, and none is half-written.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::{Notify, mpsc, oneshot};

use crate::domain::EventRecord;
use crate::storage::Db;

/// What happened to an event handed to the writer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Written {
    /// Stored with this sequence number.
    Stored { seq: i64 },
    /// An event with the same (source, external id) was already stored; nothing was written.
    Duplicate,
}

struct Job {
    record: EventRecord,
    reply: oneshot::Sender<Result<Written, String>>,
}

/// The handle request handlers use to store events.
#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::Sender<Job>,
}

impl Writer {
    /// Starts the writer task. `scenarios` is woken after each commit that stored events
    /// whose street has scenarios to run.
    pub fn start(db: Db, max_batch: usize, scenarios: Arc<Notify>) -> Self {
        let (jobs, queue) = mpsc::channel(max_batch.max(1) * 16);
        tokio::spawn(run(db, queue, max_batch.max(1), scenarios));
        Self { jobs }
    }

    /// Stores one event; returns once it is committed (or known to be a duplicate).
    pub async fn store(&self, record: EventRecord) -> Result<Written, String> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job { record, reply })
            .await
            .map_err(|_| "the writer has stopped".to_string())?;
        answer
            .await
            .map_err(|_| "the writer stopped before answering".to_string())?
    }
}

async fn run(db: Db, mut queue: mpsc::Receiver<Job>, max_batch: usize, scenarios: Arc<Notify>) {
    let mut batch = Vec::with_capacity(max_batch);
    while queue.recv_many(&mut batch, max_batch).await > 0 {
        let records: Vec<&EventRecord> = batch.iter().map(|j| &j.record).collect();
        let result = commit(&db, &records).await;
        match result {
            Ok(stored) => {
                let mut wake = false;
                for job in batch.drain(..) {
                    let written = match stored.get(&job.record.event.id) {
                        Some(seq) => {
                            wake |= !job.record.scenarios_done;
                            Written::Stored { seq: *seq }
                        }
                        None => Written::Duplicate,
                    };
                    let _ = job.reply.send(Ok(written));
                }
                if wake {
                    scenarios.notify_one();
                }
            }
            Err(error) => {
                tracing::error!(error = %format!("{error:#}"), events = batch.len(), "group commit failed");
                for job in batch.drain(..) {
                    let _ = job.reply.send(Err(format!("storage failed: {error:#}")));
                }
            }
        }
    }
}

/// Writes one batch; returns the sequence number of each event stored, by id (a duplicate is
/// absent).
async fn commit(db: &Db, records: &[&EventRecord]) -> anyhow::Result<HashMap<String, i64>> {
    let mut tx = db.pool().begin().await?;
    let stored: HashMap<String, i64> = db
        .insert_events(&mut tx, records)
        .await?
        .into_iter()
        .collect();
    // Each stored case adds one to its assignee's open workload, in the same transaction.
    let mut workloads = HashMap::new();
    for record in records {
        if let Some(assignee) = &record.dispatch.assignee
            && stored.contains_key(&record.event.id)
        {
            *workloads.entry(assignee.id.clone()).or_insert(0) += 1;
        }
    }
    crate::storage::adjust_workloads(&mut tx, &workloads).await?;
    tx.commit().await?;
    Ok(stored)
}
