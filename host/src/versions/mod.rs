//! Plugin versions beyond deploying the active one: shadow runs on live traffic, replays over
//! stored history, both summarised by the same difference [`Report`], and activation of any
//! stored version (promotion, rollback).

mod ops;
mod replay;
mod report;
mod shadow;
mod verdicts;

pub(crate) use ops::load_version;
pub use ops::{VersionError, Versions};
pub use replay::{MAX_EVENTS, ReplayGate, Replayed, Selection};
pub use report::{EXAMPLES, Example, ItemDifferences, Report};
pub use shadow::{ShadowPlugin, Shadows};
pub use verdicts::scenario_verdict;
