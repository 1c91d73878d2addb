//! Typed settings. Every field has a default that runs with no file and no environment;
//! each can be set by a flag, a `STREETWISE_*` environment variable or a key of the
//! configuration file ([`file`]; `streetwise.example.toml` lists them all, [`example`]).

pub mod example;
pub mod file;
mod open311;
mod outbox;
mod surges;
mod understanding;

use std::path::PathBuf;

use clap::Args;

pub use open311::Open311Settings;
pub use outbox::OutboxSettings;
pub use surges::SurgeSettings;
pub use understanding::{ClassifierSettings, DuplicateSettings};

use crate::cases::timers::Escalation;
use crate::clock::Clock;
use crate::indicators::Weights;
use crate::runtime::{BreakerPolicy, Limits};
use crate::telemetry::LogFormat;

/// Settings of `streetwise serve`.
#[derive(Args, Clone, Debug)]
pub struct Settings {
    /// A TOML file of settings, each key a setting's name (`plugin_timeout_ms = 100`: the
    /// flag without its dashes, `-` as `_`). Flags and environment variables override it.
    #[arg(long, env = "STREETWISE_CONFIG")]
    pub config: Option<PathBuf>,

    /// Log lines as `text` (plain, without colour codes, when stderr is not a terminal) or
    /// `json` (one object per line, for a log collector). `RUST_LOG` sets the filter.
    #[arg(long, env = "STREETWISE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Address to listen on.
    #[arg(long, env = "STREETWISE_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,

    /// Database URL: `sqlite://path/file.db` or `postgres://user@host/db`.
    /// Defaults to a SQLite file in the data directory.
    #[arg(long, env = "STREETWISE_DATABASE_URL")]
    pub database_url: Option<String>,

    /// Directory for the SQLite file and the generated admin token.
    #[arg(long, env = "STREETWISE_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,

    /// Bearer token for deploying plugins. Generated into the data directory when unset.
    #[arg(long, env = "STREETWISE_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,

    /// A plugin manifest (such as `plugins/examples.toml`) whose plugins are deployed at start
    /// unless the same component is already active.
    #[arg(long, env = "STREETWISE_EXAMPLES")]
    pub examples: Option<PathBuf>,

    /// Run street scenarios after events are stored. A host with `false` only takes events
    /// in; their scenarios wait in the database for a host that runs them.
    #[arg(long, env = "STREETWISE_RUN_SCENARIOS", default_value_t = true, action = clap::ArgAction::Set)]
    pub run_scenarios: bool,

    /// Generated base-data buildings per community written when the database is empty (0:
    /// none); `streetwise generate buildings` writes more.
    #[arg(
        long,
        env = "STREETWISE_SEED_BUILDINGS_PER_COMMUNITY",
        default_value_t = 50
    )]
    pub seed_buildings_per_community: u32,

    /// Most events written in one group commit.
    #[arg(long, env = "STREETWISE_MAX_BATCH", default_value_t = 256)]
    pub max_batch: usize,

    /// Run the case timers (early warning, overdue, escalation) on this host. Any number of
    /// hosts sharing a database may run them: each timer fires once.
    #[arg(long, env = "STREETWISE_RUN_TIMERS", default_value_t = true, action = clap::ArgAction::Set)]
    pub run_timers: bool,

    /// Seconds between two scans for due timers.
    #[arg(long, env = "STREETWISE_TIMER_INTERVAL_SECS", default_value_t = 5)]
    pub timer_interval_secs: u64,

    /// Seconds between two checks for reference data replaced by an import, and for plugin
    /// versions and configurations changed through another host: they are picked up without
    /// a restart (on PostgreSQL at once, by notification; this check is the fallback).
    #[arg(long, env = "STREETWISE_REFERENCE_REFRESH_SECS", default_value_t = 2)]
    pub reference_refresh_secs: u64,

    /// Hours an overdue case waits at one supervision level (督办) before it is escalated to
    /// the next: the street's leaders, then the district's.
    #[arg(long, env = "STREETWISE_ESCALATION_HOURS", default_value_t = 24)]
    pub escalation_hours: u32,

    #[command(flatten)]
    pub people: PeopleSettings,

    #[command(flatten)]
    pub http: HttpLimits,

    #[command(flatten)]
    pub plugins: PluginLimits,

    #[command(flatten)]
    pub breaker: BreakerSettings,

    #[command(flatten)]
    pub score: ScoreWeights,

    #[command(flatten)]
    pub classifier: ClassifierSettings,

    #[command(flatten)]
    pub duplicates: DuplicateSettings,

    #[command(flatten)]
    pub surges: SurgeSettings,

    #[command(flatten)]
    pub outbox: OutboxSettings,

    #[command(flatten)]
    pub open311: Open311Settings,

    /// Where "now" comes from: the system clock, or a driven clock in tests.
    #[arg(skip)]
    pub clock: Clock,
}

/// The weights of the rankings' combined score, `100 × (handling × 处置率 + on_time ×
/// 按期处置率 − rework × 返工率)`. DOMAIN.md marks the default weights unverified.
#[derive(Args, Clone, Debug)]
pub struct ScoreWeights {
    /// Weight of 处置率 (dispatched cases handled) in the combined score.
    #[arg(long, env = "STREETWISE_SCORE_WEIGHT_HANDLING", default_value_t = 0.3)]
    pub score_weight_handling: f64,

    /// Weight of 按期处置率 (handled cases handled by their deadline).
    #[arg(long, env = "STREETWISE_SCORE_WEIGHT_ON_TIME", default_value_t = 0.6)]
    pub score_weight_on_time: f64,

    /// Weight of 返工率 (handled cases reworked), subtracted.
    #[arg(long, env = "STREETWISE_SCORE_WEIGHT_REWORK", default_value_t = 0.1)]
    pub score_weight_rework: f64,
}

/// Sign-in sessions and personal data.
#[derive(Args, Clone, Debug)]
pub struct PeopleSettings {
    /// Minutes a browser session stays signed in without being used.
    #[arg(long, env = "STREETWISE_SESSION_IDLE_MINUTES", default_value_t = 30)]
    pub session_idle_minutes: u32,

    /// Hours a browser session lasts at most, used or not.
    #[arg(long, env = "STREETWISE_SESSION_MAX_HOURS", default_value_t = 12)]
    pub session_max_hours: u32,

    /// Mark session cookies `Secure` even when the request did not say it came over TLS
    /// (set it when a TLS proxy in front does not send `X-Forwarded-Proto`).
    #[arg(long, env = "STREETWISE_SECURE_COOKIES", default_value_t = false, action = clap::ArgAction::Set)]
    pub secure_cookies: bool,

    /// Days a closed or rejected case keeps its reporter's name and phone before a stored
    /// timer erases them.
    #[arg(long, env = "STREETWISE_PERSONAL_DATA_DAYS", default_value_t = 180)]
    pub personal_data_days: u32,

    /// At start on an empty account table, create demo accounts (a dispatcher, a handler, a
    /// street admin, an inspector, district IT) with generated passwords written to
    /// `demo-accounts.txt` in the data directory. The README's run command turns it on.
    #[arg(long, env = "STREETWISE_DEMO_ACCOUNTS", default_value_t = false, action = clap::ArgAction::Set)]
    pub demo_accounts: bool,
}

impl PeopleSettings {
    pub fn lifetimes(&self) -> crate::auth::sessions::Lifetimes {
        crate::auth::sessions::Lifetimes {
            idle: jiff::SignedDuration::from_mins(i64::from(self.session_idle_minutes.max(1))),
            absolute: jiff::SignedDuration::from_hours(i64::from(self.session_max_hours.max(1))),
        }
    }

    pub fn retention(&self) -> jiff::SignedDuration {
        jiff::SignedDuration::from_hours(24 * i64::from(self.personal_data_days))
    }
}

/// Limits on HTTP connections and requests, against clients that connect and stall.
#[derive(Args, Clone, Debug)]
pub struct HttpLimits {
    /// Seconds a client has to send a request's headers, from when the server starts waiting
    /// for them (a new connection, or an idle kept-alive one); then the connection is closed.
    #[arg(long, env = "STREETWISE_HEADER_READ_TIMEOUT_SECS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub header_read_timeout_secs: u64,

    /// Seconds a client has to send a request's whole body once its headers are in; then the
    /// request is answered `408` and nothing is stored.
    #[arg(long, env = "STREETWISE_BODY_READ_TIMEOUT_SECS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub body_read_timeout_secs: u64,

    /// Connections served at once; further ones wait in the listen queue until one closes.
    #[arg(long, env = "STREETWISE_MAX_CONNECTIONS", default_value_t = 1024,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_connections: u64,

    /// Events decided and stored at once; beyond this, intake answers `503` with
    /// `Retry-After: 1` at once instead of queueing (the answers stay fast under overload).
    #[arg(long, env = "STREETWISE_MAX_IN_FLIGHT_EVENTS", default_value_t = 1024,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_in_flight_events: u64,
}

/// The sandbox's limits, as flags.
#[derive(Args, Clone, Debug)]
pub struct PluginLimits {
    /// Time limit of one plugin call, in milliseconds.
    #[arg(long, env = "STREETWISE_PLUGIN_TIMEOUT_MS", default_value_t = 100)]
    pub plugin_timeout_ms: u64,

    /// Memory cap of one plugin instance, in MiB.
    #[arg(long, env = "STREETWISE_PLUGIN_MEMORY_MIB", default_value_t = 32)]
    pub plugin_memory_mib: usize,

    /// Host calls one plugin call may make.
    #[arg(long, env = "STREETWISE_PLUGIN_MAX_HOST_CALLS", default_value_t = 1000)]
    pub plugin_max_host_calls: u32,

    /// Largest event handed to a plugin (description, address, attributes), in KiB.
    #[arg(long, env = "STREETWISE_PLUGIN_MAX_INPUT_KIB", default_value_t = 64)]
    pub plugin_max_input_kib: usize,

    /// Largest answer accepted from a plugin, in KiB.
    #[arg(long, env = "STREETWISE_PLUGIN_MAX_OUTPUT_KIB", default_value_t = 16)]
    pub plugin_max_output_kib: usize,

    /// Largest component accepted on deploy, in MiB (at most 64). Rust plugins are about
    /// 50-70 KB; a Python plugin (componentize-py) carries its interpreter, about 18 MB.
    #[arg(
        long,
        env = "STREETWISE_PLUGIN_MAX_COMPONENT_MIB",
        default_value_t = 16
    )]
    pub plugin_max_component_mib: usize,

    /// Plugin calls running at once; more wait for a free slot.
    #[arg(long, env = "STREETWISE_PLUGIN_MAX_CONCURRENT", default_value_t = 64)]
    pub plugin_max_concurrent: u32,

    /// Plugin calls one street may run at once (live, shadow and replay together).
    #[arg(
        long,
        env = "STREETWISE_PLUGIN_MAX_CONCURRENT_PER_STREET",
        default_value_t = 16
    )]
    pub plugin_max_concurrent_per_street: u32,

    /// Bytes a plugin may hand the host in one answer or one host call, in KiB.
    #[arg(long, env = "STREETWISE_PLUGIN_MAX_TRANSFER_KIB", default_value_t = 64)]
    pub plugin_max_transfer_kib: usize,

    /// Largest function body a deployed component may have, in KiB.
    #[arg(
        long,
        env = "STREETWISE_PLUGIN_MAX_FUNCTION_KIB",
        default_value_t = 1024
    )]
    pub plugin_max_function_kib: usize,

    /// Time a deploy's compile may take, in milliseconds.
    #[arg(
        long,
        env = "STREETWISE_PLUGIN_COMPILE_TIMEOUT_MS",
        default_value_t = 60_000
    )]
    pub plugin_compile_timeout_ms: u64,

    /// Compiles running at once, each on one core.
    #[arg(
        long,
        env = "STREETWISE_PLUGIN_COMPILE_CONCURRENCY",
        default_value_t = 1
    )]
    pub plugin_compile_concurrency: u32,
}

/// The plugins' circuit breaker: when a plugin version that keeps failing is taken out of the
/// path (the district's decision stands without calling it), and when it is tried again.
#[derive(Args, Clone, Debug)]
pub struct BreakerSettings {
    /// Faults in a row that take a plugin version out of the path; 0 turns this rule off.
    #[arg(
        long,
        env = "STREETWISE_BREAKER_CONSECUTIVE_FAULTS",
        default_value_t = 5
    )]
    pub breaker_consecutive_faults: u32,

    /// Faults among the last `--breaker-window` calls that take it out; 0 turns this rule off.
    #[arg(long, env = "STREETWISE_BREAKER_WINDOW_FAULTS", default_value_t = 10)]
    pub breaker_window_faults: u32,

    /// Calls remembered for `--breaker-window-faults` (1 to 64).
    #[arg(long, env = "STREETWISE_BREAKER_WINDOW", default_value_t = 20,
          value_parser = clap::value_parser!(u32).range(1..=64))]
    pub breaker_window: u32,

    /// Seconds a plugin stays out of the path before one trial call is let through.
    #[arg(long, env = "STREETWISE_BREAKER_COOL_DOWN_SECS", default_value_t = 60)]
    pub breaker_cool_down_secs: u64,
}

impl Settings {
    /// Settings as if nothing was given: what tests start from.
    pub fn defaults() -> Self {
        use clap::Parser;
        #[derive(Parser)]
        struct Only {
            #[command(flatten)]
            settings: Settings,
        }
        Only::parse_from(["streetwise"]).settings
    }

    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| {
            format!("sqlite://{}", self.data_dir.join("streetwise.db").display())
        })
    }

    pub fn escalation(&self) -> Escalation {
        Escalation {
            delay: jiff::SignedDuration::from_hours(i64::from(self.escalation_hours.max(1))),
        }
    }

    pub fn weights(&self) -> Weights {
        Weights {
            handling: self.score.score_weight_handling,
            on_time_handling: self.score.score_weight_on_time,
            rework: self.score.score_weight_rework,
        }
    }

    pub fn limits(&self) -> Limits {
        Limits {
            call_timeout_ms: self.plugins.plugin_timeout_ms,
            memory_bytes: self.plugins.plugin_memory_mib << 20,
            max_host_calls: self.plugins.plugin_max_host_calls,
            max_concurrent_calls: self.plugins.plugin_max_concurrent,
            max_concurrent_per_street: self.plugins.plugin_max_concurrent_per_street,
            max_transfer_bytes: self.plugins.plugin_max_transfer_kib << 10,
            max_function_bytes: self.plugins.plugin_max_function_kib << 10,
            compile_timeout_ms: self.plugins.plugin_compile_timeout_ms,
            compile_concurrency: self.plugins.plugin_compile_concurrency,
            max_input_bytes: self.plugins.plugin_max_input_kib << 10,
            max_output_bytes: self.plugins.plugin_max_output_kib << 10,
            max_component_bytes: self.plugins.plugin_max_component_mib.min(64) << 20,
            breaker: BreakerPolicy {
                consecutive_faults: self.breaker.breaker_consecutive_faults,
                window_faults: self.breaker.breaker_window_faults,
                window: self.breaker.breaker_window,
                cool_down_secs: self.breaker.breaker_cool_down_secs,
            },
            ..Limits::default()
        }
    }
}
