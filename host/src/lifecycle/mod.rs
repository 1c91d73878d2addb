//! The case lifecycle (GB/T 30428 and the 12345 rules, see `DOMAIN.md`): which action may move a
//! case from which state to which, by whom ([`table`]); how each channel's flow skips optional
//! stages ([`flow`]); and the tamper-evident timeline every transition is appended to
//! ([`timeline`]). Plain rules over domain types: applying them to stored cases is
//! `crate::cases`'s job, not this module's.

mod flow;
mod marks;
mod table;
mod timeline;

pub use flow::{ClockStart, Flow, Flows};
pub use marks::Marks;
pub use table::{Action, NotAllowed, Requires, Role, Rule, TRANSITIONS, allowed, next, rule};
pub use timeline::{ChainBroken, Draft, Entry, GENESIS_HASH, verify_chain};
