//! Telling channels what became of their events. Every change a citizen cares about is written
//! to the outbox in the transaction of the change (`crate::storage::outbox`); this worker,
//! on any number of hosts sharing the database, claims due notices, posts each to its
//! channel's webhook signed with HMAC-SHA256, and records the outcome: delivered, retried
//! with exponential back-off, or after the last attempt a dead letter for district IT.
//!
//! Delivery is at least once: a host killed between a receiver's answer and recording it
//! leaves the notice to be sent again when its claim runs out. Every notice carries the same
//! id in every attempt (`x-streetwise-delivery`, also `idempotency-key`), so the receiver
//! drops what it has seen.

mod backoff;
mod sign;
pub mod webhooks;

use std::collections::BTreeSet;
use std::time::Duration;

use futures::StreamExt;
use jiff::{SignedDuration, Timestamp};

pub use backoff::Backoff;
pub use sign::{SIGNATURE, TIMESTAMP, header, signature};

use crate::storage::{Attempted, Claimed, Db, WebhookKeys};

/// The header with the notice's id, the same in every attempt.
pub const DELIVERY: &str = "x-streetwise-delivery";
/// The header naming the change (`accepted`, `dispatched`, ...).
pub const CHANGE: &str = "x-streetwise-change";

/// How the worker delivers.
#[derive(Clone, Copy, Debug)]
pub struct DeliveryConfig {
    pub backoff: Backoff,
    /// How long a receiver has to answer one delivery.
    pub timeout: Duration,
    /// How long a claim holds: another host takes a delivery over only after it. Longer
    /// than `timeout`, so that a slow receiver is not sent the same notice twice.
    pub lease: Duration,
    /// How often the worker looks for due notices.
    pub poll: Duration,
    /// Most deliveries claimed at once, and sent concurrently.
    pub batch: u32,
    /// How long delivered notices are kept before they are forgotten.
    pub keep: Duration,
}

/// The worker: runs until the host stops.
pub async fn run(db: Db, config: DeliveryConfig) {
    // A claim names its host; a new process is a new host (its old claims run out).
    let host = format!("host-{}", uuid::Uuid::now_v7().simple());
    let client = match reqwest::Client::builder()
        .timeout(config.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
    {
        Ok(client) => client,
        Err(error) => {
            tracing::error!(error = %error, "no HTTP client: notices are not delivered by this host");
            return;
        }
    };
    let mut pruned_at: Option<std::time::Instant> = None;
    loop {
        if pruned_at.is_none_or(|at| at.elapsed() > Duration::from_secs(3600)) {
            pruned_at = Some(std::time::Instant::now());
            prune(&db, config.keep).await;
        }
        match deliver_due(&db, &client, &config, &host).await {
            // More may be due at once: the rest of a full batch, or the notices that waited
            // for these (the next of the same case).
            Ok(claimed) if claimed > 0 => continue,
            Ok(_) => {}
            Err(error) => tracing::warn!(error = %format!("{error:#}"), "outbox delivery failed"),
        }
        tokio::time::sleep(config.poll).await;
    }
}

/// Forgets the notices delivered longer than `keep` ago.
async fn prune(db: &Db, keep: Duration) {
    let before = Timestamp::now() - SignedDuration::try_from(keep).unwrap_or_default();
    match db.prune_deliveries(before).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(deliveries = n, "delivered notices forgotten"),
        Err(error) => tracing::warn!(error = %format!("{error:#}"), "pruning the outbox failed"),
    }
}

/// Claims the due notices, sends them and records how each went; how many were claimed.
pub async fn deliver_due(
    db: &Db,
    client: &reqwest::Client,
    config: &DeliveryConfig,
    host: &str,
) -> anyhow::Result<usize> {
    let now = Timestamp::now();
    let until = now + SignedDuration::try_from(config.lease)?;
    let claimed = db.claim_deliveries(host, now, until, config.batch).await?;
    if claimed.is_empty() {
        return Ok(0);
    }
    let webhooks: BTreeSet<&str> = claimed.iter().map(|c| c.webhook_id.as_str()).collect();
    let webhooks: Vec<&str> = webhooks.into_iter().collect();
    let keys = db.webhook_keys(&webhooks, now).await?;
    let count = claimed.len();
    let keys = &keys;
    let outcomes: Vec<anyhow::Result<()>> = futures::stream::iter(claimed)
        .map(|delivery| async move {
            let attempted = match keys.get(&delivery.webhook_id) {
                Some(keys) => attempt(client, keys, &delivery, &config.backoff).await,
                // Removed since it was claimed: its notices went with it.
                None => return Ok(()),
            };
            if let Attempted::Failed { error, retry_at } = &attempted {
                tracing::info!(
                    notice = %delivery.notice_id,
                    webhook = %delivery.webhook_id,
                    attempt = delivery.attempts + 1,
                    error = %error,
                    dead = retry_at.is_none(),
                    "a notice was not delivered"
                );
            }
            if !db
                .record_attempt(delivery.id, host, Timestamp::now(), &attempted)
                .await?
            {
                tracing::warn!(notice = %delivery.notice_id, "a delivery's claim ran out before it was recorded");
            }
            Ok(())
        })
        .buffer_unordered(config.batch.max(1) as usize)
        .collect()
        .await;
    for outcome in outcomes {
        outcome?;
    }
    Ok(count)
}

/// One attempt at one delivery.
async fn attempt(
    client: &reqwest::Client,
    keys: &WebhookKeys,
    delivery: &Claimed,
    backoff: &Backoff,
) -> Attempted {
    let timestamp = Timestamp::now().as_second();
    let body = delivery.body.as_bytes();
    let sent = client
        .post(&keys.url)
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/json; charset=utf-8",
        )
        .header(
            SIGNATURE,
            header(&keys.secret, keys.previous.as_deref(), timestamp, body),
        )
        .header(TIMESTAMP, timestamp.to_string())
        .header(DELIVERY, &delivery.notice_id)
        .header("idempotency-key", &delivery.notice_id)
        .header(CHANGE, delivery.change.as_str())
        .body(delivery.body.clone())
        .send()
        .await;
    let error = match sent {
        Ok(response) if response.status().is_success() => return Attempted::Delivered,
        Ok(response) => format!("HTTP {}", response.status()),
        Err(error) => describe(&error),
    };
    let attempts = u32::try_from(delivery.attempts + 1).unwrap_or(u32::MAX);
    let retry_at = backoff
        .after(attempts, rand::random::<f64>())
        .and_then(|wait| SignedDuration::try_from(wait).ok())
        .map(|wait| Timestamp::now() + wait);
    Attempted::Failed { error, retry_at }
}

/// A transport error with its causes, for the dead-letter list.
fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
