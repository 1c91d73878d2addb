//! Issue 9, plugin side: one street, one plugin or one client can never degrade another.
//! Each test runs real components (from `plugins/fixtures/`, or `tests/components/` where the
//! Rust toolchain cannot produce the component) against the real application, and asserts
//! outcomes (fault kinds, breaker states, counts, statuses), never durations.

mod admission;
mod compile;
mod fairness;
mod stacking;
mod text;
mod transfer;
