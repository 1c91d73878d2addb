//! Casework: lifecycle actions applied to stored cases, and their timelines read back and
//! verified. The glue between the rules in [`crate::lifecycle`] and [`crate::storage`]; the
//! HTTP API and the command line both go through here.

mod act;
mod attempt;
mod item;
mod timeline;

pub use act::{Act, ActError, Applied, Context, act};
pub(crate) use act::{genesis, millisecond};
pub use timeline::{Timeline, timeline};
