//! Case clocks and their timers.
//!
//! [`rules`] says how lifecycle actions and time move a case's clock (pure functions);
//! [`scan`] fires the timers that are due, from the database, so that a restart misses
//! nothing and no timer fires twice.

mod rules;
mod scan;

pub use rules::{
    Due, Escalation, MAX_LEVEL, Turn, after_action, at_intake, fire, level_name, next_timer,
    remaining, runs_in,
};
pub use scan::{Fired, fire_due};
