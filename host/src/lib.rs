//! Streetwise: city-operations event handling for Longgang's "一网统管", extended by street
//! plugins in WebAssembly.
//!
//! # Layout
//! - [`domain`]: events, catalog, areas, units, decisions: plain types.
//! - [`classify`], [`calendar`], [`reference`]: the district's rules over those types
//!   (keyword classification, working-time deadlines, responsibility look-ups).
//! - [`runtime`]: street plugins as sandboxed Wasm components.
//! - [`intake`]: validation, the decision pipeline, group-committed storage, scenarios.
//! - [`lifecycle`]: the case's transition table, flows per channel, the hash-chained timeline;
//!   [`casework`] applies them to stored cases.
//! - [`storage`]: SQLite or PostgreSQL through one portable set of queries.
//! - [`http`]: the API. [`app`]: the listener. [`platform`]: everything wired together.
//! - [`import`], [`seed`]: reference data in and out. [`settings`], [`cli`]: configuration.

pub mod app;
pub mod auth;
pub mod calendar;
pub mod casework;
pub mod classify;
pub mod cli;
pub mod domain;
pub mod http;
pub mod import;
pub mod intake;
pub mod lifecycle;
pub mod platform;
pub mod reference;
pub mod runtime;
pub mod seed;
pub mod settings;
pub mod storage;
pub mod telemetry;

pub use app::Application;
pub use platform::Platform;
pub use settings::Settings;
