//! PostgreSQL's notifications of changes made through other hosts: each wakes the task that
//! picks that kind of change up, so a change reaches every host at once. The tasks poll the
//! generations anyway, which covers a lost connection or a missed notification; SQLite has a
//! single host and needs none.

use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::PgListener;
use tokio::sync::Notify;

use crate::storage::changes::{CHANNEL, Change};

/// Whom to wake for which change.
#[derive(Clone, Default)]
pub(super) struct Wakes {
    pub plugins: Arc<Notify>,
    pub reference: Arc<Notify>,
}

/// Runs until aborted: listens on `url`, reconnecting after a failure.
pub(super) async fn listen(url: String, wakes: Wakes) {
    loop {
        if let Err(error) = relay(&url, &wakes).await {
            tracing::warn!("listening for changes failed, polling meanwhile: {error:#}");
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

async fn relay(url: &str, wakes: &Wakes) -> anyhow::Result<()> {
    let mut listener = PgListener::connect(url).await?;
    listener.listen(CHANNEL).await?;
    // Whatever happened while not listening is picked up by checking now.
    wakes.plugins.notify_one();
    wakes.reference.notify_one();
    loop {
        let notification = listener.recv().await?;
        match notification.payload() {
            p if p == Change::Plugins.as_str() => wakes.plugins.notify_one(),
            p if p == Change::Reference.as_str() => wakes.reference.notify_one(),
            _ => {}
        }
    }
}
