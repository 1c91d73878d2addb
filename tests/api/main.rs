//! Black-box tests of the Streetwise API: the real application, real databases, real plugins.

mod assignment;
mod authz;
mod authz_console;
mod base_data;
mod browser;
mod console;
mod devkit;
mod duplicates;
mod example_plugins;
mod hardening;
mod health;
mod import;
mod intake;
mod lifecycle;
mod people;
mod plugins;
mod postgres;
mod rankings;
mod restart;
mod sandbox;
mod sandbox_hardening;
mod surges;
mod timers;
mod tokens;
mod understanding;
mod versions;
