//! Issue 9, hardening: what a hostile or broken client, or a bad row, used to do to the host,
//! and what it gets now.

mod connections;
mod examples;
mod extensions;
mod storage;
mod validation;
