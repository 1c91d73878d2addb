//! Durable storage in group commits.
//!
//! Request handlers hand their decided events to one writer task and wait. The writer takes
//! everything that queued up while the previous commit was flushing and writes it as one
//! multi-row insert in one transaction: under load, one disk flush covers many events, and
//! every event is durable before its caller is answered; none is ever half-written.
//!
//! When the database refuses a batch for its data (one event it cannot store, such as text it
//! rejects), the batch is split in halves and each half written again, down to the offending
//! event: only that one is refused ([`StoreError::Refused`]) and the others are stored. When
//! storage itself fails (connection lost, disk full) every event of the batch gets
//! [`StoreError::Unavailable`] at once, without retrying.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot};

use super::scenarios::LaneWakes;
use crate::domain::EventRecord;
use crate::storage::{Db, outbox};
use crate::telemetry::metrics::Metrics;

/// What happened to an event handed to the writer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Written {
    /// Stored with this sequence number.
    Stored { seq: i64 },
    /// An event with the same (source, external id) was already stored; nothing was written.
    Duplicate,
}

/// Why an event was not stored.
#[derive(Clone, Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused this event's data: sending it again will not help.
    #[error("the database refused the event")]
    Refused(#[source] Cause),
    /// Storage is failing: the caller may retry later.
    #[error("storage failed")]
    Unavailable(#[source] Cause),
    /// The writer task has stopped (the host is shutting down).
    #[error("the writer has stopped")]
    Stopped,
}

/// The database's error behind a [`StoreError`], with its chain. Shared, because one failed
/// commit is the answer of every event in it.
#[derive(Clone, Debug)]
pub struct Cause(Arc<anyhow::Error>);

impl std::fmt::Display for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The error's own message: its causes are its `source` chain.
        std::fmt::Display::fmt(&**self.0, f)
    }
}

impl std::error::Error for Cause {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

type Outcome = Result<Written, StoreError>;

/// How often the writer starts SQLite's write-ahead log over between its commits
/// (`storage::wal`): often enough that each restart has little to copy back.
const WAL_RESTART_EVERY: Duration = Duration::from_secs(2);

/// How soon the writer tries again when readers still held the log: not after every commit, so
/// that a long read does not cost each commit a try.
const WAL_RESTART_RETRY: Duration = Duration::from_millis(100);

struct Job {
    record: EventRecord,
    /// The outcome, with the record handed back (the caller answers with it).
    reply: oneshot::Sender<(EventRecord, Outcome)>,
}

/// The handle request handlers use to store events.
#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::Sender<Job>,
}

impl Writer {
    /// Starts the writer task. After each commit, the scenario lanes of the streets whose
    /// stored events have scenarios to run are woken; each commit's size and time go to
    /// `metrics`.
    pub fn start(
        db: Db,
        max_batch: usize,
        scenarios: Arc<LaneWakes>,
        metrics: Arc<Metrics>,
    ) -> Self {
        let (jobs, queue) = mpsc::channel(max_batch.max(1) * 16);
        tokio::spawn(run(db, queue, max_batch.max(1), scenarios, metrics));
        Self { jobs }
    }

    /// Stores one event; returns once it is committed (or known to be a duplicate), with the
    /// record handed back.
    pub async fn store(&self, record: EventRecord) -> Result<(Written, EventRecord), StoreError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job { record, reply })
            .await
            .map_err(|_| StoreError::Stopped)?;
        let (record, outcome) = answer.await.map_err(|_| StoreError::Stopped)?;
        Ok((outcome?, record))
    }
}

async fn run(
    db: Db,
    mut queue: mpsc::Receiver<Job>,
    max_batch: usize,
    scenarios: Arc<LaneWakes>,
    metrics: Arc<Metrics>,
) {
    let mut batch = Vec::with_capacity(max_batch);
    let mut wal_restart_due = Instant::now() + WAL_RESTART_EVERY;
    while queue.recv_many(&mut batch, max_batch).await > 0 {
        let records: Vec<&EventRecord> = batch.iter().map(|j| &j.record).collect();
        let started = Instant::now();
        let outcomes = write(&db, &records).await;
        let commits = &metrics.commits;
        commits.duration.observe_duration(started.elapsed());
        commits.batch_size.observe(records.len() as u64);
        if outcomes
            .iter()
            .any(|o| matches!(o, Err(StoreError::Unavailable(_))))
        {
            commits.failed.fetch_add(1, Ordering::Relaxed);
        }
        for (job, outcome) in batch.drain(..).zip(outcomes) {
            if matches!(outcome, Ok(Written::Stored { .. })) && !job.record.scenarios_done {
                scenarios.wake(&job.record.event.location.street_code);
            }
            let _ = job.reply.send((job.record, outcome));
        }
        if Instant::now() >= wal_restart_due {
            let wait = if restart_wal(&db, &metrics).await {
                WAL_RESTART_EVERY
            } else {
                WAL_RESTART_RETRY
            };
            wal_restart_due = Instant::now() + wait;
        }
    }
}

/// Tries to start SQLite's write-ahead log over, once the commits' callers are answered;
/// whether the next try can wait its turn. While readers hold the log the writer tries again
/// after [`WAL_RESTART_RETRY`] (`/metrics` counts those tries); a failure is logged and tried
/// again in turn.
async fn restart_wal(db: &Db, metrics: &Metrics) -> bool {
    let started = Instant::now();
    let checkpoint = match db.try_restart_wal().await {
        Ok(None) => return true,
        Ok(Some(checkpoint)) => checkpoint,
        Err(error) => {
            tracing::warn!(error = %format!("{error:#}"), "checkpointing the write-ahead log failed");
            return true;
        }
    };
    let restarts = &metrics.commits.wal_restarts;
    restarts.observe_duration(started.elapsed());
    if checkpoint.busy {
        metrics.commits.wal_busy.fetch_add(1, Ordering::Relaxed);
    }
    !checkpoint.busy
}

/// Writes `records`, splitting the batch around events the database refuses; one outcome
/// per record, in order.
async fn write(db: &Db, records: &[&EventRecord]) -> Vec<Outcome> {
    let error = match commit(db, records).await {
        Ok(stored) => {
            return records
                .iter()
                .map(|r| {
                    Ok(stored
                        .get(&r.event.id)
                        .map_or(Written::Duplicate, |seq| Written::Stored { seq: *seq }))
                })
                .collect();
        }
        Err(error) => error,
    };
    if !refused(&error) {
        tracing::error!(error = %format!("{error:#}"), events = records.len(), "group commit failed");
        return vec![Err(StoreError::Unavailable(Cause(Arc::new(error)))); records.len()];
    }
    if let [record] = records {
        tracing::warn!(event = %record.event.id, error = %format!("{error:#}"), "the database refused an event");
        return vec![Err(StoreError::Refused(Cause(Arc::new(error))))];
    }
    // Halves, so that one bad event among n costs about 2 log2(n) extra commits.
    let (left, right) = records.split_at(records.len() / 2);
    let mut outcomes = Box::pin(write(db, left)).await;
    outcomes.extend(Box::pin(write(db, right)).await);
    outcomes
}

/// Whether the database refused the data (a data exception or a violated constraint), as
/// opposed to failing by itself.
fn refused(error: &anyhow::Error) -> bool {
    error
        .chain()
        .filter_map(|e| e.downcast_ref::<sqlx::Error>())
        .any(|e| match e {
            sqlx::Error::Encode(_) => true,
            sqlx::Error::Database(db) => {
                let code = db.code().unwrap_or_default();
                // PostgreSQL's SQLSTATE class 22 is "data exception" (NUL in text, a number
                // out of range); SQLite's 18 and 20 are "too big" and "type mismatch".
                !matches!(db.kind(), sqlx::error::ErrorKind::Other)
                    || code.starts_with("22")
                    || code == "18"
                    || code == "20"
            }
            _ => false,
        })
}

/// Writes one batch; returns the sequence number of each event stored, by id (a duplicate is
/// absent).
async fn commit(db: &Db, records: &[&EventRecord]) -> anyhow::Result<HashMap<String, i64>> {
    let (_turn, mut tx) = db.begin_write().await?;
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
    crate::storage::adjust_workloads(&mut tx, db.backend(), &workloads).await?;
    // Channels are told of what they submitted, in the same transaction.
    let notices: Vec<_> = records
        .iter()
        .filter(|r| stored.contains_key(&r.event.id))
        .flat_map(|r| outbox::intake_notices(r))
        .collect();
    outbox::enqueue(&mut tx, db.backend(), &notices, jiff::Timestamp::now()).await?;
    tx.commit().await?;
    Ok(stored)
}
