//! The temporary SQLite database `plugin test` stores its events in, removed after the run.

use std::path::PathBuf;

use anyhow::Context;
use uuid::Uuid;

use crate::storage::Db;

/// A temporary SQLite database, removed after the run.
pub(crate) struct Scratch {
    dir: PathBuf,
    pub(crate) url: String,
    pub(crate) db: Db,
}

impl Scratch {
    pub(crate) async fn create() -> anyhow::Result<Self> {
        let dir = std::env::temp_dir().join(format!(
            "streetwise-plugin-test-{}",
            Uuid::now_v7().simple()
        ));
        let url = format!("sqlite://{}", dir.join("events.db").display());
        let db = Db::connect(&url)
            .await
            .context("creating the temporary database")?;
        Ok(Self { dir, url, db })
    }

    pub(crate) async fn remove(self) {
        self.db.close().await;
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
