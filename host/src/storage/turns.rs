//! Turns to write. SQLite lets one connection write at a time; a second one waits in SQLite's
//! busy handler, which sleeps in steps of 1, 2, 5, 10, 15, 20 ms and more and tries again, so
//! every collision costs the waiter up to a step more than the write it waited for. At 1,000
//! events a second the intake writer commits almost all the time and the scenario lanes write
//! between its commits: each collision was a step in the intake's latency.
//!
//! On SQLite this host's writers therefore take turns here first, in order, and each is woken
//! as the turn before it ends. The busy handler stays as the guard against writers that do not
//! take turns (other processes, the rare single statements). PostgreSQL locks rows, not the
//! database: it has no turns.

use std::sync::Arc;
use std::time::Duration;

use sqlx::{Any, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard};

use super::{Backend, Db};

/// How long a writer waits for its turn: as long as SQLite's busy timeout (`BUSY_TIMEOUT`),
/// after which it fails the way a statement waiting for SQLite's lock would.
pub(super) const TURN_TIMEOUT: Duration = Duration::from_secs(10);

/// The queue of this host's writers (SQLite only).
#[derive(Clone, Debug)]
pub(super) struct Turns(Option<Arc<Mutex<()>>>);

impl Turns {
    pub(super) fn for_backend(backend: Backend) -> Self {
        Self((backend == Backend::Sqlite).then(|| Arc::new(Mutex::new(()))))
    }

    /// The next turn, waiting at most `within` for it.
    async fn take(&self, within: Duration) -> Result<Turn, TurnTimeout> {
        let Some(queue) = &self.0 else {
            return Ok(Turn { _held: None });
        };
        tokio::time::timeout(within, queue.clone().lock_owned())
            .await
            .map(|guard| Turn { _held: Some(guard) })
            .map_err(|_| TurnTimeout)
    }
}

/// This host's turn to write, until dropped.
#[derive(Debug)]
#[must_use = "the turn ends when it is dropped"]
pub(crate) struct Turn {
    _held: Option<OwnedMutexGuard<()>>,
}

/// No turn came within [`TURN_TIMEOUT`]: another writer of this host held it all along.
#[derive(Debug, thiserror::Error)]
#[error("the database is busy: no turn to write within {} s", TURN_TIMEOUT.as_secs())]
pub(crate) struct TurnTimeout;

impl Db {
    /// Waits for this host's turn to write (at once on PostgreSQL). Hold it until the write is
    /// committed or rolled back, and take it before a connection: a writer holding a
    /// connection while it waits could starve the pool.
    pub(crate) async fn write_turn(&self) -> Result<Turn, TurnTimeout> {
        self.turns.take(TURN_TIMEOUT).await
    }

    /// A transaction that writes, begun in this host's turn: keep the turn until the
    /// transaction ends.
    pub(crate) async fn begin_write(&self) -> anyhow::Result<(Turn, Transaction<'static, Any>)> {
        let turn = self.write_turn().await?;
        let tx = self.pool().begin().await?;
        Ok((turn, tx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn sqlite_writers_take_turns_in_order_and_postgres_has_none() {
        let (db, dir) = Db::scratch("turns").await;
        let first = db.write_turn().await.unwrap();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut waiters = Vec::new();
        for n in 0..3 {
            let (db, tx) = (db.clone(), tx.clone());
            waiters.push(tokio::spawn(async move {
                let _turn = db.write_turn().await.unwrap();
                tx.send(n).unwrap();
            }));
            // Each waiter queues before the next one starts.
            tokio::task::yield_now().await;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(
            rx.try_recv().is_err(),
            "no writer may go while the turn is held"
        );
        drop(first);
        for waiter in waiters {
            waiter.await.unwrap();
        }
        let order: Vec<i32> = std::iter::from_fn(|| rx.try_recv().ok()).collect();
        assert_eq!(order, vec![0, 1, 2]);
        db.close().await;
        let _ = std::fs::remove_dir_all(dir);

        assert!(Turns::for_backend(Backend::Postgres).0.is_none());
    }

    #[test]
    fn a_turn_is_waited_for_as_long_as_sqlites_lock() {
        assert_eq!(
            super::super::BUSY_TIMEOUT,
            format!("pragma busy_timeout = {}", TURN_TIMEOUT.as_millis())
        );
    }

    #[tokio::test]
    async fn a_writer_gives_up_when_no_turn_comes_in_time() {
        let turns = Turns::for_backend(Backend::Sqlite);
        let held = turns.take(TURN_TIMEOUT).await.unwrap();
        assert!(turns.take(Duration::from_millis(30)).await.is_err());
        drop(held);
        assert!(turns.take(Duration::from_millis(30)).await.is_ok());
    }
}
