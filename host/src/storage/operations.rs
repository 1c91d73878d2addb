//! What operators watch: whether the database answers and has this build's migrations (for
//! `/readyz`), the backlogs that live in tables (scenarios not yet run, timers due, notices
//! pending or dead) and the pool's use (for `/metrics`).

use sqlx::Row;

use super::{Backend, Db, POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS, millis};

/// Work waiting in the database, counted at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Backlog {
    /// Events stored whose street's scenarios have not run yet.
    pub scenarios: i64,
    /// Cases whose next timer is due and not fired yet.
    pub timers_due: i64,
    /// Notices to channels waiting to be delivered.
    pub outbox_pending: i64,
    /// Notices given up on (dead letters).
    pub outbox_dead: i64,
}

/// The connection pool at one moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolUse {
    pub open: u32,
    pub idle: u32,
    pub max: u32,
}

impl Db {
    /// A round trip to the database.
    pub async fn ping(&self) -> anyhow::Result<()> {
        sqlx::query("select 1").execute(self.pool()).await?;
        Ok(())
    }

    /// Whether the newest migration this build carries is applied (sqlx records each in
    /// `_sqlx_migrations`). A database another host has migrated further still has it.
    pub async fn migrations_applied(&self) -> anyhow::Result<bool> {
        let migrator = match self.backend() {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        let Some(latest) = migrator.iter().map(|m| m.version).max() else {
            return Ok(true);
        };
        let row = sqlx::query(
            "select count(*) as n from _sqlx_migrations where version = $1 and success",
        )
        .bind(latest)
        .fetch_one(self.pool())
        .await?;
        Ok(row.try_get::<i64, _>("n")? > 0)
    }

    /// The backlogs, in one round trip; each count is an index scan.
    pub async fn backlog(&self, now: jiff::Timestamp) -> anyhow::Result<Backlog> {
        let row = sqlx::query(
            "select \
               (select count(*) from events where scenarios_done = 0) as scenarios, \
               (select count(*) from events where timer_at <= $1) as timers_due, \
               (select count(*) from outbox where state = 'pending') as outbox_pending, \
               (select count(*) from outbox where state = 'dead') as outbox_dead",
        )
        .bind(millis(now))
        .fetch_one(self.pool())
        .await?;
        Ok(Backlog {
            scenarios: row.try_get("scenarios")?,
            timers_due: row.try_get("timers_due")?,
            outbox_pending: row.try_get("outbox_pending")?,
            outbox_dead: row.try_get("outbox_dead")?,
        })
    }

    /// The pool's connections: open, idle among them, and the most it opens.
    pub fn pool_use(&self) -> PoolUse {
        let pool = self.pool();
        PoolUse {
            open: pool.size(),
            idle: u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
            max: pool.options().get_max_connections(),
        }
    }
}
