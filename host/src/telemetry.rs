//! Logging: `tracing` to stderr, filtered by `RUST_LOG` (default `info`), as text or as one
//! JSON object per line (`--log-format`). Text carries colour codes only when stderr is a
//! terminal, so files and journald get plain lines. [`metrics`]: the host's counters.

mod histogram;
pub mod metrics;

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// How log lines are written.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line, for a log collector.
    Json,
}

impl LogFormat {
    /// The format named by `STREETWISE_LOG_FORMAT`, for commands without settings.
    pub fn from_env() -> Self {
        std::env::var("STREETWISE_LOG_FORMAT")
            .ok()
            .and_then(|v| <Self as clap::ValueEnum>::from_str(&v, true).ok())
            .unwrap_or_default()
    }
}

pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,wasmtime=warn,cranelift=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
        LogFormat::Text => builder
            .with_ansi(std::io::stderr().is_terminal())
            .try_init(),
    };
}
