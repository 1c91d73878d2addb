//! Events: written in batches (one multi-row insert per group commit), read back whole. This
//! module only declares its parts and re-exports what the rest of storage and the host use:
//! [`rows`] (the columns and decoding a row), [`insert`] (writing batches), [`read`] (one event,
//! a few by id, a street's history, their scenario actions), [`listing`] (the filtered,
//! paged listing of `GET /api/v1/events`), [`stats`] (plugins' counts) and [`scenarios`] (the
//! events waiting for scenarios, and recording their outcomes).

mod insert;
mod listing;
mod read;
mod rows;
mod scenarios;
mod stats;

pub use listing::{EventFilter, EventPage, EventSummary};
pub use rows::StoredEvent;
pub(super) use rows::clock_from_row;
pub use stats::StatsScope;
