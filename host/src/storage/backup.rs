//! `streetwise backup`: a consistent copy of a SQLite database while hosts keep using it.
//!
//! `vacuum into` reads the database in one read transaction (WAL lets the writer go on
//! meanwhile) and writes a compacted copy: every commit before it started is in the copy,
//! none after. PostgreSQL is backed up by its own tools (`pg_dump`, `pg_basebackup`); this
//! refuses a PostgreSQL URL and says so.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use sqlx::{Connection, Row, sqlite::SqliteConnectOptions};

/// What a backup wrote.
#[derive(Debug)]
pub struct Backup {
    pub file: PathBuf,
    pub bytes: u64,
    pub events: i64,
    pub took: Duration,
}

/// Copies the SQLite database at `url` to `to`, which must not exist, then checks the copy
/// (`pragma quick_check`) and counts its events. `progress` is called about every second with
/// the bytes written so far.
pub async fn sqlite(url: &str, to: &Path, progress: impl Fn(u64)) -> anyhow::Result<Backup> {
    if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        bail!(
            "streetwise backup copies SQLite databases; back up PostgreSQL with its own tools: \
             `pg_dump --format=custom --file=streetwise.dump <url>` (restore with pg_restore), \
             or `pg_basebackup` for the whole server with point-in-time recovery"
        );
    }
    let Some(path) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .map(|rest| rest.split('?').next().unwrap_or_default())
        .filter(|path| !path.is_empty() && *path != ":memory:")
    else {
        bail!("not a SQLite database file: {url:?}");
    };
    if !Path::new(path).is_file() {
        bail!("no database at {path}");
    }
    if to.exists() {
        bail!("{} exists: a backup never overwrites a file", to.display());
    }
    let target = to
        .to_str()
        .with_context(|| format!("{} is not UTF-8", to.display()))?
        .to_string();

    // A connection of its own, without migrations: a backup changes nothing in the database.
    let options = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))?
        .read_only(true)
        .busy_timeout(Duration::from_secs(10));
    let mut source = sqlx::SqliteConnection::connect_with(&options)
        .await
        .with_context(|| format!("cannot open {path}"))?;
    let started = Instant::now();
    {
        let copy = sqlx::query("vacuum into $1")
            .bind(&target)
            .execute(&mut source);
        tokio::pin!(copy);
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.tick().await;
        loop {
            tokio::select! {
                done = &mut copy => {
                    done.with_context(|| format!("copying {path} to {target}"))?;
                    break;
                }
                _ = tick.tick() => progress(std::fs::metadata(to).map(|m| m.len()).unwrap_or(0)),
            }
        }
    }
    let took = started.elapsed();
    source.close().await?;

    let options = SqliteConnectOptions::from_str(&format!("sqlite://{target}"))?.read_only(true);
    let mut copy = sqlx::SqliteConnection::connect_with(&options).await?;
    let check: String = sqlx::query("pragma quick_check")
        .fetch_one(&mut copy)
        .await?
        .try_get(0)?;
    if check != "ok" {
        bail!("the copy at {target} does not check: {check}");
    }
    let events: i64 = sqlx::query("select count(*) from events")
        .fetch_one(&mut copy)
        .await?
        .try_get(0)?;
    copy.close().await?;
    Ok(Backup {
        file: to.to_path_buf(),
        bytes: std::fs::metadata(to)?.len(),
        events,
        took,
    })
}
