//! The district's shared base data (基础数据) that street plugins may read: buildings with
//! their addresses, housing use and population, and the legal entities (shops, restaurants,
//! small venues 三小场所, companies) registered at them.
//!
//! A plugin reads them only for the event it is deciding, only inside its own street, and only
//! for the data sets its deployment grants ([`Grant`](crate::domain::Grant)); every read is
//! counted per plugin version (see `runtime/host/base_data.rs`). The types are
//! `crate::domain`'s; [`generate`] writes a realistic data set.

pub mod generate;
