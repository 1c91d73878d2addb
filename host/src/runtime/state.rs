//! The per-call store state: who the plugin is (its street, name, version, configuration),
//! what it may reach, and what it has used so far. A fresh one is made for every call, so
//! nothing leaks from one citizen's event to the next.

use std::collections::BTreeMap;
use std::sync::Arc;

use wasmtime::ResourceLimiter;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use super::Limits;
use super::fault::HostCallLimitExceeded;
use crate::domain::Grant;
use crate::reference::Reference;
use crate::storage::{Db, StatsScope};

/// Who is calling and what it may see.
#[derive(Clone)]
pub struct CallContext {
    pub street_code: String,
    pub plugin: String,
    pub version: u32,
    pub config: Arc<BTreeMap<String, String>>,
    pub reference: Arc<Reference>,
    pub db: Db,
    pub stats: StatsScope,
    /// The address of the event being decided, for `base-data`.
    pub event_address: Option<String>,
    /// The base data sets this deployment may read.
    pub grants: Vec<Grant>,
}

/// What a call used, for traces, counters and `plugin test`.
#[derive(Clone, Debug, Default)]
pub struct Usage {
    pub host_calls: u32,
    pub by_function: BTreeMap<&'static str, u32>,
    pub peak_memory: usize,
    /// Reads of the district's base data (metered per plugin version).
    pub base_data_reads: u32,
}

pub struct HostState {
    pub(crate) ctx: CallContext,
    /// Made on the plugin's first WASI call, which most calls never make (see `new`).
    wasi: Option<WasiCtx>,
    table: ResourceTable,
    pub(crate) limiter: MemoryLimiter,
    pub(crate) usage: Usage,
    max_host_calls: u32,
    log_lines: u32,
    max_log_lines: u32,
}

impl HostState {
    pub fn new(ctx: CallContext, limits: &Limits) -> Self {
        Self {
            ctx,
            wasi: None,
            table: ResourceTable::new(),
            limiter: MemoryLimiter::new(limits.memory_bytes),
            usage: Usage::default(),
            max_host_calls: limits.max_host_calls,
            log_lines: 0,
            max_log_lines: limits.max_log_lines,
        }
    }

    /// Counts a host call; past the limit the guest is stopped with a trap.
    pub(crate) fn charge(&mut self, function: &'static str) -> wasmtime::Result<()> {
        self.usage.host_calls += 1;
        *self.usage.by_function.entry(function).or_default() += 1;
        if self.usage.host_calls > self.max_host_calls {
            return Err(wasmtime::Error::new(HostCallLimitExceeded(
                self.max_host_calls,
            )));
        }
        Ok(())
    }

    /// Whether one more log line may be written in this call.
    pub(crate) fn take_log_line(&mut self) -> bool {
        self.log_lines += 1;
        self.log_lines <= self.max_log_lines
    }
}

impl WasiView for HostState {
    /// WASI is linked because Rust's standard library imports it, but nothing is granted: no
    /// preopened directories, no environment, no arguments, no sockets, no stdio. Building the
    /// context seeds two random generators, so it is only built when a plugin first uses WASI
    /// (a panic message, a clock read); a fresh one per call still, never shared.
    fn ctx(&mut self) -> WasiCtxView<'_> {
        let ctx = self.wasi.get_or_insert_with(|| {
            WasiCtx::builder()
                .allow_tcp(false)
                .allow_udp(false)
                .allow_ip_name_lookup(false)
                .build()
        });
        WasiCtxView {
            ctx,
            table: &mut self.table,
        }
    }
}

/// Caps linear memory and tables, and remembers whether a growth was refused so the fault is
/// reported as memory rather than as the trap that follows.
pub(crate) struct MemoryLimiter {
    cap: usize,
    pub(crate) denied: bool,
    pub(crate) peak: usize,
}

impl MemoryLimiter {
    fn new(cap: usize) -> Self {
        Self {
            cap,
            denied: false,
            peak: 0,
        }
    }
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.cap {
            self.denied = true;
            wasmtime::bail!("memory cap of {} bytes reached", self.cap);
        }
        self.peak = self.peak.max(desired);
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 100_000)
    }
}
