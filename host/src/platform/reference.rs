//! Keeping the reference data current: a host reloads it when another process (an import,
//! another host) replaced it in the database, so an import takes effect without a restart.

use std::sync::Arc;
use std::time::Duration;

use crate::reference::{Reference, SharedReference};
use crate::storage::Db;

/// Runs until aborted: on a wake-up (PostgreSQL's notification) or every `every`, reloads the
/// reference when its generation in the database moved past `seen`. A reference that fails to load or check is logged and the
/// current one kept (the import checks everything before writing, so this is a broken
/// database, not a bad file).
pub(super) async fn keep_current(
    db: Db,
    shared: Arc<SharedReference>,
    mut seen: i64,
    every: Duration,
    wake: Arc<tokio::sync::Notify>,
) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = wake.notified() => {}
        }
        match reload_if_moved(&db, &shared, seen).await {
            Ok(Some(generation)) => seen = generation,
            Ok(None) => {}
            Err(error) => tracing::warn!("reloading the reference data failed: {error:#}"),
        }
    }
}

/// The new generation, when the reference was reloaded.
async fn reload_if_moved(
    db: &Db,
    shared: &SharedReference,
    seen: i64,
) -> anyhow::Result<Option<i64>> {
    let generation = db.reference_generation().await?;
    if generation == seen {
        return Ok(None);
    }
    let parts = db
        .load_reference()
        .await?
        .ok_or_else(|| anyhow::anyhow!("the reference data is gone from the database"))?;
    let reference = Reference::new(parts).map_err(|errors| {
        anyhow::anyhow!(
            "the stored reference data does not check: {}",
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        )
    })?;
    tracing::info!(
        generation,
        catalog = %reference.catalog.version,
        "reference data reloaded"
    );
    shared.replace(reference);
    Ok(Some(generation))
}
