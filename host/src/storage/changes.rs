//! Telling the hosts sharing the database what changed: a generation counter per kind of
//! change, moved in the transaction of the change, which hosts poll; on PostgreSQL a
//! notification on commit wakes them at once.

use sqlx::{Any, Row, Transaction};

use super::{Backend, Db};

/// The PostgreSQL channel changes are announced on.
pub const CHANNEL: &str = "streetwise_changes";

/// A kind of change every host must pick up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// Plugin versions, shadow runs and configurations.
    Plugins,
    /// The reference data (an import).
    Reference,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Plugins => "plugins",
            Change::Reference => "reference",
        }
    }
}

/// Moves the generation of `change` inside `tx`, and on PostgreSQL notifies the other hosts
/// when `tx` commits.
pub(crate) async fn announce(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    change: Change,
) -> anyhow::Result<()> {
    let sql = match change {
        Change::Plugins => "update generations set value = value + 1 where name = 'plugins'",
        Change::Reference => {
            "update reference_generation set generation = generation + 1 where id = 1"
        }
    };
    sqlx::query(sql).execute(&mut **tx).await?;
    if backend == Backend::Postgres {
        sqlx::query("select pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(change.as_str())
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

impl Db {
    /// How many plugin changes there have been.
    pub async fn plugin_generation(&self) -> anyhow::Result<i64> {
        let row = sqlx::query("select value from generations where name = 'plugins'")
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get("value")?)
    }
}
