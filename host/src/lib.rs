//! Streetwise: city-operations event handling for Longgang's "一网统管", extended by street
//! plugins in WebAssembly.
//!
//! # Layout
//! - [`domain`]: events, catalog, areas, units, decisions: plain types.
//! - [`classify`], [`calendar`], [`reference`], [`routing`]: the district's rules over those
//!   types (keyword classification, working-time deadlines, responsibility look-ups, who
//!   must act on an item in a place).
//! - [`runtime`]: street plugins as sandboxed Wasm components; [`plugin_calls`]: the one way
//!   the host calls them (admission, call context, span, health); [`versions`]: shadow runs,
//!   replays and rollbacks of their versions.
//! - [`intake`]: validation, the decision pipeline, group-committed storage, scenarios.
//! - [`lifecycle`]: the case's transition table, flows per channel, the hash-chained timeline.
//! - [`cases`]: case work on stored cases: the lifecycle's actions applied, each case's
//!   handling clock (deadline, pauses, extensions) with its early warnings, overdue
//!   supervision and escalation fired from the database, assignment to a person balancing
//!   open workloads, timelines read back. [`clock`]: where "now" comes from.
//! - [`outbox`]: channels told of their events' changes through signed webhooks, retried,
//!   claimed across hosts.
//! - [`surge`]: surges and hot spots (预警监测), counts per place against their own history.
//! - [`storage`]: SQLite or PostgreSQL through one portable set of queries.
//! - [`geo`]: coordinates of Chinese map apps (GCJ-02, BD-09) to WGS84.
//! - [`http`]: the API (with Open311 GeoReport v2 at `/open311/v2`). [`app`]: the listener. [`platform`]: everything wired together.
//! - [`indicators`]: 结案率, 按期处置率 and the rest per street and unit, the score and the
//!   ranking; [`generate`] writes a large history of closed cases to measure them on.
//! - [`import`], [`seed`]: reference data in and out. [`settings`], [`cli`]: configuration.
//!   [`examples`]: the example plugins deployed at start, into streets without their own.
//! - [`devkit`]: `streetwise plugin new|test|deploy` for street teams writing plugins.

/// The allocator every binary that runs the host declares (`#[global_allocator]`): jemalloc,
/// which returns freed memory to the system a few seconds after a burst, so the host's
/// resident memory follows its load instead of keeping its highest point as glibc's does.
pub use tikv_jemallocator::Jemalloc as Allocator;

pub mod app;
pub mod auth;
pub mod base_data;
pub mod calendar;
pub mod cases;
pub mod classify;
pub mod cli;
pub mod clock;
pub mod console;
pub mod devkit;
pub mod domain;
pub mod duplicates;
pub mod examples;
pub mod generate;
pub mod geo;
pub mod http;
pub mod import;
pub mod indicators;
pub mod intake;
pub mod learn;
pub mod lifecycle;
pub mod outbox;
pub mod platform;
pub mod plugin_calls;
pub mod reference;
pub mod routing;
pub mod runtime;
pub mod seed;
pub mod settings;
pub mod storage;
pub mod surge;
pub mod telemetry;
pub mod understanding;
pub mod versions;

pub use app::Application;
pub use platform::Platform;
pub use settings::Settings;
