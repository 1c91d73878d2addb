//! The sandbox's limits, all configurable.

use serde::Serialize;

use super::breaker::BreakerPolicy;

/// What one plugin call may use.
#[derive(Clone, Debug, Serialize)]
pub struct Limits {
    /// Wall-clock time per call, in milliseconds, host calls included.
    pub call_timeout_ms: u64,
    /// Linear memory per instance, in bytes.
    pub memory_bytes: usize,
    /// Host calls (catalog, directory, stats, config, log) per plugin call.
    pub max_host_calls: u32,
    /// Log lines kept per call; further lines are dropped.
    pub max_log_lines: u32,
    /// Size of the event handed to a plugin (description, address and attributes), in bytes.
    pub max_input_bytes: usize,
    /// Size of a plugin's answer (reasons, tags, actions), in bytes.
    pub max_output_bytes: usize,
    /// Plugin calls running at once across the host; further calls wait for a slot.
    pub max_concurrent_calls: u32,
    /// Plugin calls one street may run at once (live, shadow and replay together): a street
    /// waits for its own share first, so it never holds more of the host's slots than this.
    /// A call that finds no slot within its time limit is a `host-busy` fault.
    pub max_concurrent_per_street: u32,
    /// Bytes a plugin may hand the host in one transfer (its answer, or the arguments of one
    /// host call): wasmtime counts them as it copies and stops at this many.
    pub max_transfer_bytes: usize,
    /// Size of a component accepted on deploy, in bytes.
    pub max_component_bytes: usize,
    /// Largest function body accepted on deploy, in bytes (compile cost grows with it).
    pub max_function_bytes: usize,
    /// Time a deploy's compile may take, in milliseconds.
    pub compile_timeout_ms: u64,
    /// Compiles running at once, each on one core.
    pub compile_concurrency: u32,
    /// How many faults take a plugin version out of the path, and for how long.
    pub breaker: BreakerPolicy,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            call_timeout_ms: 100,
            memory_bytes: 32 << 20,
            max_host_calls: 1_000,
            max_log_lines: 50,
            max_input_bytes: 64 << 10,
            max_output_bytes: 16 << 10,
            max_concurrent_calls: 64,
            max_concurrent_per_street: 16,
            max_transfer_bytes: 64 << 10,
            max_component_bytes: 16 << 20,
            max_function_bytes: 1 << 20,
            compile_timeout_ms: 60_000,
            compile_concurrency: 1,
            breaker: BreakerPolicy::default(),
        }
    }
}
