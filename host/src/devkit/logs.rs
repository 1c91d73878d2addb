//! The log lines a plugin writes during one call in `plugin test`, caught so they are printed
//! with the call they belong to rather than interleaved on standard error.
//!
//! The host turns a plugin's `log.write` into a `tracing` event with target
//! `streetwise::plugin` (see `runtime/host/log.rs`). While a call is polled, a subscriber of
//! our own is the default one, and it keeps those events; everything else the host logs during
//! the call is dropped, as `plugin test` reports faults itself.

use std::fmt::Write as _;
use std::future::Future;
use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::{Layer, Registry};

const PLUGIN_TARGET: &str = "streetwise::plugin";

/// Runs `call` with the plugin's log lines caught; returns its output and the lines.
pub async fn catching<T>(call: impl Future<Output = T>) -> (T, Vec<String>) {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let subscriber = Registry::default().with(Catch {
        lines: lines.clone(),
    });
    let output = tracing::instrument::WithSubscriber::with_subscriber(call, subscriber).await;
    let lines = std::mem::take(&mut *lines.lock().unwrap_or_else(|e| e.into_inner()));
    (output, lines)
}

struct Catch {
    lines: Arc<Mutex<Vec<String>>>,
}

impl<S: Subscriber> Layer<S> for Catch {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let metadata = event.metadata();
        if metadata.target() != PLUGIN_TARGET {
            return;
        }
        let mut line = Line::default();
        event.record(&mut line);
        let text = if line.fields.is_empty() {
            format!("{} {}", metadata.level(), line.message)
        } else {
            format!("{} {} ({})", metadata.level(), line.message, line.fields)
        };
        self.lines
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(text);
    }
}

/// The message and the plugin's own fields of one log event (street, plugin and version are
/// the same on every line of a run, so they are left out).
#[derive(Default)]
struct Line {
    message: String,
    fields: String,
}

impl Visit for Line {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        match field.name() {
            "message" => {
                let _ = write!(self.message, "{value:?}");
            }
            "fields" => {
                let _ = write!(self.fields, "{value:?}");
            }
            _ => {}
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "message" => self.message.push_str(value),
            "fields" => self.fields.push_str(value),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn only_the_plugins_lines_are_caught_with_their_fields() {
        let ((), lines) = catching(async {
            tracing::info!(target: "streetwise::plugin", street = "440307014", fields = %"rule=x item=14-001", "rule matched");
            tracing::warn!(target: "streetwise::runtime", "not the plugin's");
            tracing::warn!(target: "streetwise::plugin", fields = %"", "no fields");
        })
        .await;
        assert_eq!(
            lines,
            ["INFO rule matched (rule=x item=14-001)", "WARN no fields"]
        );
    }
}
