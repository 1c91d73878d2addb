//! Case work: what happens to a case once it is stored. People act on it, its clock warns
//! and supervises it, it goes to a person and counts in their workload, and its timeline is
//! read back and verified. The glue between the rules in [`crate::lifecycle`] and
//! [`crate::storage`]; the HTTP API, the console and the command line all go through here.
//!
//! Actions and timers move a case alike: a [`Transition`](crate::storage::Transition) built
//! by one constructor (`transition.rs`) and written by the same guarded
//! [`apply_transition`](crate::storage::Db::apply_transition).
//!
//! # Layout
//! - `act.rs`: applying an action ([`act()`]): who may, re-deciding when a timer wrote the
//!   case meanwhile, the texts an action carries.
//! - `attempt.rs`: one attempt at an action, decided from the case as read and written if
//!   nobody wrote the case since; `item.rs`: what the centre's item and merge actions decide.
//! - `transition.rs`: the one way to build a transition to store, and the timeline's first
//!   entry written with it.
//! - `timeline.rs`: a case's timeline read back and its hash chain verified ([`timeline()`]).
//! - [`timers`]: each case's handling clock (deadline, pauses, extensions), early warnings,
//!   overdue supervision and escalation, fired from the database.
//! - [`assignment`]: gives a case to a person of its unit, balancing [`workloads`]: open
//!   cases per person, as assignment sees them.

pub mod assignment;
pub mod timers;
pub mod workloads;

mod act;
mod attempt;
mod item;
mod timeline;
mod transition;

pub use act::{Act, ActError, Applied, Context, act};
pub use timeline::{Timeline, timeline};
pub(crate) use transition::{millisecond, transition};
