//! Surges and hot spots (预警监测): events counted per item × community and per category ×
//! street in a sliding window, against each place's own history at the same hours of the week;
//! a count that is abnormally high raises a district early warning for the command centre.
//!
//! - [`poisson`]: the tail probability of a count given the expected one.
//! - [`baseline`]: hours of the week, a window's part of each, a place's expected count.
//! - [`detect`]: the thresholds, and whether a count is abnormal.
//! - [`minutes`]: which minutes of a window a scan reads and which it keeps for the next.
//!
//! Those four are pure. [`scan`] runs them over the database at a given time (the platform's
//! clock) and raises or updates the stored warnings; the warnings are `storage::surges`', who
//! may see and handle them `auth::policy`'s.

pub mod baseline;
pub mod detect;
pub mod minutes;
pub mod poisson;
pub mod scan;

pub use detect::{Abnormal, Thresholds, assess};
pub use scan::{ScanError, Scanned, SurgeConfig};
