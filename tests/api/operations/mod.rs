//! What a data centre runs the host with: the readiness check, the host's Prometheus series,
//! online backups and the configuration file.

mod backup;
mod config;
mod metrics;
mod ready;
