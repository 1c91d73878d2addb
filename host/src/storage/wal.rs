//! Keeping SQLite's write-ahead log short.
//!
//! SQLite's automatic checkpoints copy the log's pages back into the database file, but the
//! log only starts over from its beginning when a writer finds every page copied back and no
//! reader still using it. Under steady intake some connection is always reading, so the log
//! grew without bound (about 18 MiB a minute at 1,000 events/s). A `restart` checkpoint waits
//! for the readers of the log to finish and makes the next commit start it over; taken
//! regularly by the one writer, between its group commits, it costs one short pause of intake
//! instead of a log that grows all day. `journal_size_limit` (64 MiB, set per connection) then
//! cuts the file itself back.

use sqlx::Row;

use super::{Backend, Db};

/// What a checkpoint did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// Whether it could not finish: a reader or writer held on past the busy timeout.
    pub busy: bool,
    /// Pages in the log when it ran.
    pub log_pages: i64,
    /// Pages of the log copied back into the database file.
    pub checkpointed: i64,
}

impl Db {
    /// Copies the whole write-ahead log back into the database file and makes the next commit
    /// start the log over. `None` on PostgreSQL, which keeps its own log.
    pub async fn restart_wal(&self) -> anyhow::Result<Option<Checkpoint>> {
        if self.backend() != Backend::Sqlite {
            return Ok(None);
        }
        let row = sqlx::query("pragma wal_checkpoint(restart)")
            .fetch_one(self.pool())
            .await?;
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
    async fn a_restart_lets_the_next_commit_start_the_log_over() {
        let dir = std::env::temp_dir().join(format!("streetwise-wal-{}", uuid::Uuid::now_v7()));
        let db = Db::connect(&format!("sqlite://{}/db.sqlite", dir.display()))
            .await
            .unwrap();
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

        let restart = tokio::spawn({
            let db = db.clone();
            async move { db.restart_wal().await }
        });
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        assert!(!restart.is_finished(), "the restart waits for the reader");
        reader.rollback().await.unwrap();
        let checkpoint = restart.await.unwrap().unwrap().unwrap();
        assert!(checkpoint.log_pages > 400, "{checkpoint:?}");
        assert!(!checkpoint.busy);
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
