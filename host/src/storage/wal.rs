//! Keeping SQLite's write-ahead log short.
//!
//! Every commit appends the pages it touched to the log (the row's and a leaf of each index):
//! at 1,000 events/s, megabytes a second. SQLite's automatic checkpoints copy them back into
//! the database file, and the log starts over from its beginning when a writer finds every
//! page copied back and no reader still using it. A long read (the surge scan's, before it
//! was answered from an index) keeps it from starting over, and the file keeps the size it
//! grew to. So the intake writer tries a `restart` checkpoint between its group commits every
//! few seconds, without waiting for readers, and again 100 ms later until one succeeds; and
//! `journal_size_limit` (64 MiB, set per connection) cuts the file back whenever the log
//! starts over.

use sqlx::{Executor, Row};

use super::{Backend, Db};

/// What a checkpoint did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// Whether it could not finish: a reader or another writer still held the log.
    pub busy: bool,
    /// Pages in the log when it ran.
    pub log_pages: i64,
    /// Pages of the log copied back into the database file.
    pub checkpointed: i64,
}

impl Db {
    /// Tries to copy the whole write-ahead log back into the database file so that the next
    /// commit starts it over, without waiting: when a reader or another writer still holds
    /// the log, it copies what it can and answers `busy` at once, and the caller tries again
    /// later. (Waiting would stall whoever called it: SQLite's busy handler sleeps in steps of
    /// up to 100 ms.) `None` on PostgreSQL, which keeps its own log.
    pub async fn try_restart_wal(&self) -> anyhow::Result<Option<Checkpoint>> {
        if self.backend() != Backend::Sqlite {
            return Ok(None);
        }
        // In turn, so that none of this host's writers holds the log when it starts over.
        let _turn = self.write_turn().await?;
        let mut conn = self.pool().acquire().await?;
        conn.execute("pragma busy_timeout = 0").await?;
        let checkpoint = sqlx::query("pragma wal_checkpoint(restart)")
            .fetch_one(&mut *conn)
            .await;
        if conn.execute(super::BUSY_TIMEOUT).await.is_err() {
            // Never hand a connection that gives up at once back to the pool.
            conn.close_on_drop();
        }
        let row = checkpoint?;
        Ok(Some(Checkpoint {
            busy: row.try_get::<i64, _>(0)? != 0,
            log_pages: row.try_get(1)?,
            checkpointed: row.try_get(2)?,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pages in the log now, as a passive checkpoint (which waits for nobody) reports them.
    /// It copies them back too, so that only a later commit could start the log over.
    async fn log_pages(db: &Db) -> i64 {
        let row = sqlx::query("pragma wal_checkpoint(passive)")
            .fetch_one(db.pool())
            .await
            .unwrap();
        row.try_get(1).unwrap()
    }

    async fn write_pages(db: &Db, rows: i64) {
        sqlx::query(
            "with recursive n(i) as (select 1 union all select i + 1 from n where i < $1) \
             insert into blobs (body) select randomblob(4000) from n",
        )
        .bind(rows)
        .execute(db.pool())
        .await
        .unwrap();
    }

    #[tokio::test]
    async fn a_restart_answers_busy_while_a_reader_holds_the_log_and_then_starts_it_over() {
        let (db, dir) = Db::scratch("wal").await;
        sqlx::query("create table blobs (body blob)")
            .execute(db.pool())
            .await
            .unwrap();
        // A reader that began before the writes holds on to the log: a passive checkpoint
        // could copy nothing back past it. Below the automatic checkpoint's 1,000 pages, the
        // log only grows.
        let mut reader = db.pool().begin().await.unwrap();
        sqlx::query("select count(*) from blobs")
            .fetch_one(&mut *reader)
            .await
            .unwrap();
        write_pages(&db, 500).await;

        let held = db.try_restart_wal().await.unwrap().unwrap();
        assert!(held.busy, "the reader holds the log: {held:?}");
        assert!(held.log_pages > 400, "{held:?}");
        reader.rollback().await.unwrap();

        let checkpoint = db.try_restart_wal().await.unwrap().unwrap();
        assert!(!checkpoint.busy, "{checkpoint:?}");
        assert_eq!(checkpoint.checkpointed, checkpoint.log_pages);
        write_pages(&db, 1).await;
        let after = log_pages(&db).await;
        assert!(
            after < 10,
            "the next commit starts the log over: {after} pages"
        );

        db.close().await;
        let _ = std::fs::remove_dir_all(dir);
    }
}
