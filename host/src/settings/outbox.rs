//! The outbox's settings: how notices are delivered to channels' webhooks and retried.

use std::time::Duration;

use clap::Args;

use crate::outbox::{Backoff, DeliveryConfig};

/// How this host delivers notices to channels.
#[derive(Args, Clone, Debug)]
pub struct OutboxSettings {
    /// Deliver notices to channels' webhooks from this host. Any number of hosts sharing a
    /// database may: each notice is claimed by one at a time.
    #[arg(long, env = "STREETWISE_RUN_OUTBOX", default_value_t = true, action = clap::ArgAction::Set)]
    pub run_outbox: bool,

    /// Attempts at one notice before it is given up as a dead letter.
    #[arg(long, env = "STREETWISE_OUTBOX_MAX_ATTEMPTS", default_value_t = 12,
          value_parser = clap::value_parser!(u32).range(1..=100))]
    pub outbox_max_attempts: u32,

    /// Milliseconds waited after a first failed attempt; each further failure doubles it.
    #[arg(long, env = "STREETWISE_OUTBOX_BACKOFF_MS", default_value_t = 5_000,
          value_parser = clap::value_parser!(u64).range(1..=3_600_000))]
    pub outbox_backoff_ms: u64,

    /// Most milliseconds waited between two attempts.
    #[arg(long, env = "STREETWISE_OUTBOX_BACKOFF_CAP_MS", default_value_t = 1_800_000,
          value_parser = clap::value_parser!(u64).range(1..=86_400_000))]
    pub outbox_backoff_cap_ms: u64,

    /// Seconds a webhook has to answer a delivery.
    #[arg(long, env = "STREETWISE_OUTBOX_TIMEOUT_SECS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=300))]
    pub outbox_timeout_secs: u64,

    /// Milliseconds between two looks for due notices.
    #[arg(long, env = "STREETWISE_OUTBOX_POLL_MS", default_value_t = 1_000,
          value_parser = clap::value_parser!(u64).range(10..=60_000))]
    pub outbox_poll_ms: u64,

    /// Most notices claimed and sent at once by one host.
    #[arg(long, env = "STREETWISE_OUTBOX_BATCH", default_value_t = 32,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub outbox_batch: u32,

    /// Days delivered notices are kept (then forgotten; dead letters are kept).
    #[arg(long, env = "STREETWISE_OUTBOX_KEEP_DAYS", default_value_t = 7)]
    pub outbox_keep_days: u32,

    /// Hours a rotated-out webhook secret goes on signing beside the new one.
    #[arg(
        long,
        env = "STREETWISE_WEBHOOK_ROTATION_GRACE_HOURS",
        default_value_t = 24
    )]
    pub webhook_rotation_grace_hours: u32,
}

impl OutboxSettings {
    pub fn delivery(&self) -> DeliveryConfig {
        let timeout = Duration::from_secs(self.outbox_timeout_secs);
        DeliveryConfig {
            backoff: Backoff {
                base: Duration::from_millis(self.outbox_backoff_ms),
                cap: Duration::from_millis(self.outbox_backoff_cap_ms.max(self.outbox_backoff_ms)),
                max_attempts: self.outbox_max_attempts,
            },
            timeout,
            // A claim outlives the longest attempt and its recording by a wide margin.
            lease: timeout * 2 + Duration::from_secs(2),
            poll: Duration::from_millis(self.outbox_poll_ms),
            batch: self.outbox_batch,
            keep: Duration::from_secs(86_400 * u64::from(self.outbox_keep_days)),
        }
    }

    pub fn rotation_grace(&self) -> jiff::SignedDuration {
        jiff::SignedDuration::from_hours(i64::from(self.webhook_rotation_grace_hours))
    }
}
