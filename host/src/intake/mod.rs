//! Event intake: validation of what a channel sent, the decision pipeline (locate, classify,
//! route, set the deadline), durable storage in group commits, and the scenarios that run
//! after an event is stored.

mod classifiers;
mod dispatch;
mod duplicate;
mod fields;
mod follow_up;
mod handling;
mod locate;
mod pipeline;
#[cfg(test)]
mod props;
mod request;
mod scenarios;
mod writer;

pub use pipeline::{Decision, Pipeline};
pub use request::{InvalidEvent, LocationRequest, NewEventRequest, ReporterRequest};
pub use scenarios::{LaneWakes, ScenarioWorker};
pub use writer::{StoreError, Writer, Written};
