//! The plugin runtime: street plugins as WebAssembly components run by wasmtime in a sandbox.
//!
//! Components are compiled once, at deploy or start, into pre-instantiated templates
//! (`*Pre`). Every call then gets a fresh instance in a fresh store, drawn from wasmtime's
//! pooling allocator with copy-on-write memory images, so no state survives from one event to
//! the next. Each call runs under a time limit (epoch interruption, which also yields to the
//! async runtime every tick so a busy plugin cannot starve it), a memory cap, a host-call
//! budget and size caps on what goes in and comes out. Whatever a plugin does, the caller gets
//! either a checked answer or a [`Fault`].

mod bindings;
mod breaker;
mod check;
mod compile;
mod convert;
mod engine;
mod fault;
mod health;
mod histogram;
mod host;
mod invoke;
mod limits;
mod registry;
mod state;
mod text;

pub use bindings::types as wit;
pub use breaker::{Admission, BreakerPolicy, BreakerSnapshot, Opening, Refusal, Ticket};
pub use convert::priority_from;
pub use engine::{CompiledPlugin, DeployError, Runtime};
pub use fault::{Fault, FaultKind};
pub use health::{HealthSnapshot, PluginHealth};
pub use histogram::{BOUNDS_MICROS, Durations};
pub use host::wit_unit;
pub use invoke::CallReport;
pub use limits::Limits;
pub use registry::{LoadedPlugin, Registry, StreetPlugins};
pub use state::{CallContext, Usage};
