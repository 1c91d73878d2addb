//! Plugin faults: every way a plugin call can fail, named so that traces, counters and
//! operators all speak of the same kinds.

use std::fmt;

use serde::Serialize;

/// Why a plugin's answer was not used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FaultKind {
    /// The guest trapped (a panic, `unreachable`, an out-of-bounds access).
    Trap,
    /// It ran past its time limit.
    Timeout,
    /// It tried to grow its memory past the cap.
    Memory,
    /// It overflowed its stack.
    StackOverflow,
    /// It made more host calls than allowed.
    HostCallLimit,
    /// Its answer broke the contract (unknown item, unit outside the candidates, NaN...).
    InvalidOutput,
    /// Its answer was larger than allowed.
    OutputTooLarge,
    /// The event was too large to hand to it; it was not called.
    InputTooLarge,
    /// It returned its own error.
    PluginError,
    /// It could not be instantiated (a host error).
    Instantiation,
    /// The host's own limits refused the call (the street's share of slots stayed busy, or
    /// the instance pool was exhausted): says nothing about the plugin, so its breaker
    /// never counts it.
    HostBusy,
}

impl FaultKind {
    pub const ALL: [FaultKind; 11] = [
        FaultKind::Trap,
        FaultKind::Timeout,
        FaultKind::Memory,
        FaultKind::StackOverflow,
        FaultKind::HostCallLimit,
        FaultKind::InvalidOutput,
        FaultKind::OutputTooLarge,
        FaultKind::InputTooLarge,
        FaultKind::PluginError,
        FaultKind::Instantiation,
        FaultKind::HostBusy,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FaultKind::Trap => "trap",
            FaultKind::Timeout => "timeout",
            FaultKind::Memory => "memory",
            FaultKind::StackOverflow => "stack-overflow",
            FaultKind::HostCallLimit => "host-call-limit",
            FaultKind::InvalidOutput => "invalid-output",
            FaultKind::OutputTooLarge => "output-too-large",
            FaultKind::InputTooLarge => "input-too-large",
            FaultKind::PluginError => "plugin-error",
            FaultKind::Instantiation => "instantiation",
            FaultKind::HostBusy => "host-busy",
        }
    }

    pub fn index(self) -> usize {
        Self::ALL.iter().position(|k| *k == self).unwrap_or(0)
    }
}

/// A fault with a readable detail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    pub kind: FaultKind,
    pub detail: String,
}

impl Fault {
    /// A fault with `detail` escaped (it often quotes the plugin's own words: its error
    /// string, a tag) and cut to 300 bytes: it goes into traces and logs.
    pub fn new(kind: FaultKind, detail: impl Into<String>) -> Self {
        let detail: String = detail.into();
        let escaped = super::text::escape(&detail);
        let mut detail = super::text::truncate(&escaped, 300).to_string();
        if detail.len() < escaped.len() {
            detail.push('…');
        }
        Self { kind, detail }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.as_str(), self.detail)
    }
}

impl std::error::Error for Fault {}

/// Raised from a host function to stop a guest that made too many host calls.
#[derive(Debug)]
pub(crate) struct HostCallLimitExceeded(pub u32);

impl fmt::Display for HostCallLimitExceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "more than {} host calls in one plugin call", self.0)
    }
}

impl std::error::Error for HostCallLimitExceeded {}

/// Raised from the epoch callback when a call runs past its time limit.
#[derive(Debug)]
pub(crate) struct TimeLimitExceeded(pub u64);

impl fmt::Display for TimeLimitExceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ran longer than {} ms", self.0)
    }
}

impl std::error::Error for TimeLimitExceeded {}

/// Sorts a failed call's error into a fault. `memory_denied` says whether the store's limiter
/// refused a memory growth during the call; `transfer_cap` is the hostcall fuel it ran with.
pub(crate) fn classify_error(
    error: &wasmtime::Error,
    memory_denied: bool,
    transfer_cap: usize,
) -> Fault {
    if let Some(e) = error.downcast_ref::<TimeLimitExceeded>() {
        return Fault::new(FaultKind::Timeout, e.to_string());
    }
    if let Some(e) = error.downcast_ref::<HostCallLimitExceeded>() {
        return Fault::new(FaultKind::HostCallLimit, e.to_string());
    }
    if let Some(e) = error.downcast_ref::<wasmtime::PoolConcurrencyLimitError>() {
        return Fault::new(FaultKind::HostBusy, e.to_string());
    }
    if memory_denied {
        return Fault::new(FaultKind::Memory, "tried to grow memory past its cap");
    }
    // wasmtime's error for exhausted hostcall fuel is a private type: its text is all there is.
    if format!("{error:#}").contains("fuel allocated for hostcalls") {
        return Fault::new(
            FaultKind::OutputTooLarge,
            format!(
                "handed the host more than {transfer_cap} bytes in one answer or host call; \
                 refused while it was being copied"
            ),
        );
    }
    match error.downcast_ref::<wasmtime::Trap>() {
        Some(wasmtime::Trap::StackOverflow) => {
            Fault::new(FaultKind::StackOverflow, "wasm stack overflow")
        }
        Some(wasmtime::Trap::Interrupt) => Fault::new(FaultKind::Timeout, "interrupted"),
        Some(trap) => Fault::new(FaultKind::Trap, trap.to_string()),
        None => Fault::new(FaultKind::Trap, format!("{error:#}")),
    }
}
