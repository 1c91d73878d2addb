//! SQLite's WAL checkpoints, kept off the commit path.
//!
//! By default the connection whose commit takes the write-ahead log past 1,000 pages copies the
//! log back into the database file and, with `synchronous = full`, flushes that file before its
//! commit returns. Every caller waiting on that group commit waits for the checkpoint too: the
//! openloop bench saw one commit in a few hundred take 100-200 ms, the tail of its latency.
//! Instead the pool's connections never checkpoint (`wal_autocheckpoint = 0`, set in
//! [`super::Db::connect`]) and this task checkpoints every second. A PASSIVE checkpoint waits
//! for no reader or writer: commits go on appending to the log while it copies. PostgreSQL
//! checkpoints by itself and needs none of this.

use std::time::Duration;

use sqlx::AnyPool;

/// How often the log is copied back into the database file.
pub const EVERY: Duration = Duration::from_secs(1);

/// Starts checkpointing `pool`'s SQLite database until the pool is closed.
pub(super) fn start(pool: AnyPool) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            if pool.is_closed() {
                return;
            }
            if let Err(error) = sqlx::query("pragma wal_checkpoint(passive)")
                .fetch_optional(&pool)
                .await
                && !pool.is_closed()
            {
                tracing::warn!(error = %format!("{error:#}"), "WAL checkpoint failed; retrying");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::super::Db;

    #[tokio::test]
    async fn commits_leave_checkpoints_to_the_background_task_which_still_fills_the_file() {
        let dir = std::env::temp_dir().join(format!(
            "streetwise-checkpoint-{}",
            uuid::Uuid::now_v7().simple()
        ));
        let file = dir.join("db.sqlite");
        let db = Db::connect(&format!("sqlite://{}", file.display()))
            .await
            .expect("connects");
        let pages: i64 = sqlx::query_scalar("pragma wal_autocheckpoint")
            .fetch_one(db.pool())
            .await
            .expect("reads the pragma");
        assert_eq!(pages, 0, "a commit must never checkpoint by itself");

        let size = || std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
        let before = size();
        sqlx::query("create table filler (body text not null)")
            .execute(db.pool())
            .await
            .expect("creates");
        for _ in 0..50 {
            sqlx::query("insert into filler (body) values ($1)")
                .bind("水".repeat(10_000))
                .execute(db.pool())
                .await
                .expect("inserts");
        }
        // The writes sit in the log until a checkpoint copies them into the file: only the
        // background task does that now.
        let mut grown = false;
        for _ in 0..100 {
            if size() > before + 500_000 {
                grown = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        db.close().await;
        let _ = std::fs::remove_dir_all(&dir);
        assert!(grown, "the log was never copied into the database file");
    }
}
