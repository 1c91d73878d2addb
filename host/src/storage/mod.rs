//! Storage: one `sqlx::AnyPool` over SQLite (the embedded default) or PostgreSQL, with the same
//! portable SQL for both (`$n` parameters, times as epoch milliseconds, lists as JSON text).
//! Owns the schema (migrations per backend) and every query; the rest of the host sees only
//! domain types.

pub mod accounts;
pub mod audit;
pub mod backup;
mod base_data;
pub mod board;
pub mod changes;
pub mod classifier;
pub mod duplicates;
mod events;
mod indicators;
pub mod open311;
mod operations;
pub(crate) mod outbox;
mod plugins;
mod reference;
mod scenario_lanes;
mod shadow;
mod staff;
pub(crate) use staff::adjust_workloads;
mod surge_counts;
pub mod surges;
mod timeline;
pub mod tokens;
mod turns;
mod wal;
mod webhooks;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

pub use events::{EventFilter, EventPage, EventSummary, StatsScope, StoredEvent};
pub use indicators::{GENERATED_ROWS_PER_STATEMENT, GeneratedCase};
pub use operations::{Backlog, PoolUse};
pub use outbox::{Attempted, Claimed};
pub use plugins::{NewVersion, PluginRow};
pub use timeline::{Assign, CaseHead, MergeChange, Reclassification, Transition};
pub use wal::Checkpoint;
pub use webhooks::{WebhookChange, WebhookKeys};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

/// How long a SQLite statement waits for a lock another connection holds.
const BUSY_TIMEOUT: &str = "pragma busy_timeout = 10000";

/// Where SQLite sorts what does not fit its page cache: in temporary files (the system's
/// temporary directory, `SQLITE_TMPDIR` first), not in memory as the bundled library
/// defaults to. The surge scan groups the last hour's index entries every minute (five minutes
/// of them per statement); grouping 600,000 in one statement (the sqlite3 shell on generated
/// cases) peaked at 35.8 MB of heap in memory and 4.3 MB with files, and took 0.86 s instead
/// of 1.11. The heap a sort once took stays with the process.
const TEMP_STORE: &str = "pragma temp_store = file";

/// Which database is behind the pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The database: a pool, which backend it talks to, and this host's turns to write.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    turns: turns::Turns,
}

impl Db {
    /// Connects (creating a SQLite file and its directory if needed) and applies migrations.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            anyhow::bail!(
                "unsupported database URL {url:?}: use sqlite://path/to/file.db or postgres://..."
            );
        };
        let mut url = url.to_string();
        if backend == Backend::Sqlite {
            url = prepare_sqlite(&url)?;
        }
        let options = AnyConnectOptions::from_str(&url)
            .with_context(|| format!("invalid database URL {url:?}"))?;
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 4 } else { 10 })
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers run beside the writer; synchronous=FULL makes every
                        // commit durable before the API answers (group commits keep it cheap).
                        conn.execute("pragma journal_mode = wal").await?;
                        conn.execute("pragma synchronous = full").await?;
                        conn.execute(BUSY_TIMEOUT).await?;
                        // The log file is cut back to 64 MiB when it starts over (`wal`).
                        conn.execute("pragma journal_size_limit = 67108864").await?;
                        conn.execute(TEMP_STORE).await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .with_context(|| format!("cannot connect to the database at {}", redact(&url)))?;
        let migrator = match backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator
            .run(&pool)
            .await
            .context("applying database migrations")?;
        Ok(Self {
            pool,
            backend,
            turns: turns::Turns::for_backend(backend),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// A new SQLite database, migrated, in a directory of its own under the system's temporary
    /// directory, which the test removes (for tests).
    #[cfg(test)]
    pub(crate) async fn scratch(name: &str) -> (Self, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("streetwise-{name}-{}", uuid::Uuid::now_v7()));
        let db = Self::connect(&format!("sqlite://{}/db.sqlite", dir.display()))
            .await
            .expect("a scratch database");
        (db, dir)
    }
}

/// Makes sure the SQLite file's directory exists and the file may be created.
fn prepare_sqlite(url: &str) -> anyhow::Result<String> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let path = path.split('?').next().unwrap_or_default();
    if !path.is_empty()
        && path != ":memory:"
        && let Some(dir) = Path::new(path).parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the database directory {}", dir.display()))?;
    }
    Ok(if url.contains("mode=") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    })
}

/// The URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// The event source stored in `row`'s `source` column.
pub(crate) fn source_of(row: &sqlx::any::AnyRow) -> anyhow::Result<crate::domain::Source> {
    use sqlx::Row;
    let source: String = row.try_get("source")?;
    crate::domain::Source::parse(&source).with_context(|| format!("bad source {source:?}"))
}

/// Milliseconds since the Unix epoch, the storage form of every time.
pub(crate) fn millis(t: jiff::Timestamp) -> i64 {
    t.as_millisecond()
}

pub(crate) fn from_millis(ms: i64) -> jiff::Timestamp {
    jiff::Timestamp::from_millisecond(ms).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn sqlite_connections_sort_large_results_in_files_not_memory() {
        let (db, dir) = Db::scratch("temp-store").await;
        // Two connections held at once, so that each is a different one.
        let mut connections = vec![
            db.pool().acquire().await.unwrap(),
            db.pool().acquire().await.unwrap(),
        ];
        for conn in &mut connections {
            let mode: i64 = sqlx::query_scalar("pragma temp_store")
                .fetch_one(&mut **conn)
                .await
                .unwrap();
            assert_eq!(mode, 1, "1 is FILE");
        }
        drop(connections);
        db.close().await;
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact("postgres://app:s3cret@db:5432/streetwise"),
            "postgres://app:***@db:5432/streetwise"
        );
        assert_eq!(redact("sqlite://data/x.db"), "sqlite://data/x.db");
    }
}

/// The value list of a multi-row insert: `($1, $2), ($3, $4)` on PostgreSQL, `(?, ?), (?, ?)`
/// on SQLite. SQLite looks numbered parameters up by name with a linear scan per value, which
/// turns a 7,000-value batch insert quadratic; anonymous `?` are bound by position.
pub(crate) fn placeholders(backend: Backend, rows: usize, columns: usize) -> String {
    placeholders_after(backend, 0, rows, columns)
}

/// Parameter `n` (from 1) of a statement: `$n` on PostgreSQL, `?` on SQLite, where it is bound
/// by position, so a statement that uses it writes its parameters in the order they are bound.
pub(crate) fn parameter(backend: Backend, n: usize) -> String {
    match backend {
        Backend::Sqlite => "?".to_string(),
        Backend::Postgres => format!("${n}"),
    }
}

/// [`placeholders`] for a value list that comes after `before` other parameters of its
/// statement (written with [`parameter`]): on PostgreSQL it numbers from `before + 1`.
pub(crate) fn placeholders_after(
    backend: Backend,
    before: usize,
    rows: usize,
    columns: usize,
) -> String {
    let mut sql = String::with_capacity(rows * columns * 5);
    for row in 0..rows {
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for column in 0..columns {
            if column > 0 {
                sql.push_str(", ");
            }
            match backend {
                Backend::Sqlite => sql.push('?'),
                Backend::Postgres => {
                    sql.push('$');
                    sql.push_str(&(before + row * columns + column + 1).to_string());
                }
            }
        }
        sql.push(')');
    }
    sql
}

/// Cuts `rows` into chunks of a power of two rows each, at most `max`, largest first: 100
/// rows become 64 + 32 + 4.
///
/// Each row count of a multi-row statement is a different SQL text, and the driver prepares
/// and keeps every text it sees, per connection (up to 100 each). A batch insert of 41
/// columns cut to the batch's own size left a prepared statement of up to 10,000 parameters
/// behind for each size a busy host saw, from 1 to 256, on each of the pool's connections.
/// With these chunks a statement has one of nine shapes.
pub(crate) fn chunks<T>(rows: &[T], max: usize) -> impl Iterator<Item = &[T]> {
    let max = max.max(1);
    let mut rest = rows;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let take = if rest.len() >= max {
            max
        } else {
            1 << rest.len().ilog2()
        };
        let (chunk, tail) = rest.split_at(take);
        rest = tail;
        Some(chunk)
    })
}

#[cfg(test)]
mod placeholder_tests {
    use super::{Backend, chunks, parameter, placeholders, placeholders_after};

    #[test]
    fn rows_are_cut_into_a_few_shapes() {
        let rows: Vec<u32> = (0..1000).collect();
        let sizes = |n: usize, max: usize| -> Vec<usize> {
            chunks(&rows[..n], max).map(<[u32]>::len).collect()
        };
        assert_eq!(sizes(0, 256), Vec::<usize>::new());
        assert_eq!(sizes(1, 256), [1]);
        assert_eq!(sizes(100, 256), [64, 32, 4]);
        assert_eq!(sizes(256, 256), [256]);
        assert_eq!(sizes(600, 256), [256, 256, 64, 16, 8]);
        // Every row once, in order.
        let all: Vec<u32> = chunks(&rows[..777], 256).flatten().copied().collect();
        assert_eq!(all, rows[..777]);
        // Whatever the batch, at most log2(max) + 1 shapes, all powers of two.
        let mut shapes: Vec<usize> = (0..=1000).flat_map(|n| sizes(n, 256)).collect();
        shapes.sort_unstable();
        shapes.dedup();
        assert_eq!(shapes, [1, 2, 4, 8, 16, 32, 64, 128, 256]);
    }

    #[test]
    fn placeholders_number_every_value_in_row_order() {
        assert_eq!(
            placeholders(Backend::Postgres, 2, 3),
            "($1, $2, $3), ($4, $5, $6)"
        );
        assert_eq!(placeholders(Backend::Sqlite, 2, 2), "(?, ?), (?, ?)");
    }

    #[test]
    fn a_value_list_after_other_parameters_numbers_on_from_them() {
        let sql = |backend| {
            format!(
                "x > {} and (a, b) in (values {})",
                parameter(backend, 1),
                placeholders_after(backend, 1, 2, 2)
            )
        };
        assert_eq!(
            sql(Backend::Postgres),
            "x > $1 and (a, b) in (values ($2, $3), ($4, $5))"
        );
        assert_eq!(
            sql(Backend::Sqlite),
            "x > ? and (a, b) in (values (?, ?), (?, ?))"
        );
    }
}
