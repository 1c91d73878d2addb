//! Surges and hot spots (预警监测): events counted per item × community and per category ×
//! street in a sliding window, against each place's own history at the same hours of the week;
//! a count that is abnormally high raises a district early warning for the command centre.
//!
//! - [`poisson`]: the tail probability of a count given the expected one.
//! - [`baseline`]: hours of the week, a window's part of each, a place's expected count.
//! - [`detect`]: the thresholds, and whether a count is abnormal.
//!
//! All three are pure: no clock, no database.

pub mod baseline;
pub mod detect;
pub mod poisson;

pub use detect::{Abnormal, Thresholds, assess};
