//! The wasmtime engine, its configuration and the compilation of deployed components.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Semaphore;
use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use super::bindings::{ClassifierPre, RouterPre, ScenarioPre};
use super::host;
use super::limits::Limits;
use super::state::HostState;
use crate::domain::PluginKind;

/// How often the epoch advances: the granularity of time limits and of yielding.
pub(crate) const EPOCH_TICK: Duration = Duration::from_millis(1);

/// What one plugin instance may hold. The pool has exactly this much per call slot, so as many
/// instances as there are slots always fit; a component declaring more is refused at deploy
/// instead of exhausting the pool for everyone at run time. A Rust plugin uses one memory,
/// a table or two and a handful of core instances.
pub const MEMORIES_PER_INSTANCE: u32 = 2;
pub const TABLES_PER_INSTANCE: u32 = 8;
pub const CORE_INSTANCES_PER_INSTANCE: u32 = 16;

/// A component compiled and linked against its world, ready to instantiate per call.
#[derive(Clone)]
pub enum CompiledPlugin {
    Classifier(ClassifierPre<HostState>),
    Router(RouterPre<HostState>),
    Scenario(ScenarioPre<HostState>),
}

impl CompiledPlugin {
    pub fn kind(&self) -> PluginKind {
        match self {
            CompiledPlugin::Classifier(_) => PluginKind::Classifier,
            CompiledPlugin::Router(_) => PluginKind::Router,
            CompiledPlugin::Scenario(_) => PluginKind::Scenario,
        }
    }
}

/// Why a deployed component was refused.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    #[error("the upload is empty")]
    Empty,
    #[error("the upload is not WebAssembly (no \\0asm header)")]
    NotWasm,
    #[error(
        "this is a core WebAssembly module, not a component: build the plugin with \
         `cargo build --target wasm32-wasip2` (wit-bindgen) so it is a component"
    )]
    CoreModule,
    #[error("the component does not compile: {0}")]
    Invalid(String),
    #[error("the component is not a streetwise:plugin@0.1.0 classifier, router or scenario: {0}")]
    UnknownWorld(String),
    #[error(
        "the component has a function of {size} bytes; this server compiles functions of at \
         most {max} bytes (STREETWISE_PLUGIN_MAX_FUNCTION_KIB): split it"
    )]
    FunctionTooLarge { size: usize, max: usize },
    #[error(
        "the component did not compile within {0} ms (STREETWISE_PLUGIN_COMPILE_TIMEOUT_MS); \
         a smaller component, or smaller functions, compile faster"
    )]
    CompileTimeout(u64),
    #[error("the compiler is busy with other deploys for more than {0} ms: retry later")]
    CompilerBusy(u64),
    #[error(
        "the component needs more than one plugin instance is given here (at most \
         {MEMORIES_PER_INSTANCE} linear memories, {TABLES_PER_INSTANCE} tables and \
         {CORE_INSTANCES_PER_INSTANCE} core instances): {0}"
    )]
    TooManyResources(String),
}

/// The engine with its pooling allocator, the shared linker and the call slots.
pub struct Runtime {
    pub(crate) engine: Engine,
    pub(crate) linker: Linker<HostState>,
    pub(crate) limits: Limits,
    pub(crate) slots: Arc<Semaphore>,
    /// Compiles running at once (see `compile.rs`).
    pub(crate) compiles: Arc<Semaphore>,
    /// Each street's share of `slots`, made on its first call.
    street_slots: Mutex<HashMap<String, Arc<Semaphore>>>,
    ticker_stop: Arc<AtomicBool>,
}

impl Runtime {
    pub fn new(limits: Limits) -> anyhow::Result<Self> {
        let slots = limits.max_concurrent_calls.max(1);
        let mut pool = PoolingAllocationConfig::new();
        pool.total_component_instances(slots)
            .total_core_instances(slots * CORE_INSTANCES_PER_INSTANCE)
            .total_memories(slots * MEMORIES_PER_INSTANCE)
            .total_tables(slots * TABLES_PER_INSTANCE)
            .total_stacks(slots)
            .max_memory_size(limits.memory_bytes)
            .max_memories_per_component(MEMORIES_PER_INSTANCE)
            .max_tables_per_component(TABLES_PER_INSTANCE)
            .max_core_instances_per_component(CORE_INSTANCES_PER_INSTANCE)
            // Instances are short-lived and dirty the same few pages every time: resetting
            // those with memset beats returning them to the kernel and faulting them back in.
            // PAGEMAP_SCAN (Linux 6.7+) finds the dirty pages, so only those are reset.
            .pagemap_scan(wasmtime::Enabled::Auto)
            .linear_memory_keep_resident(4 << 20)
            .table_keep_resident(64 << 10)
            .async_stack_keep_resident(256 << 10);
        let mut config = Config::new();
        config
            .wasm_component_model(true)
            .epoch_interruption(true)
            // One compile, one core: a deploy never takes every core from the server.
            .parallel_compilation(false)
            .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        let engine = Engine::new(&config).map_err(anyhow::Error::from)?;
        let mut linker = Linker::new(&engine);
        host::add_to_linker(&mut linker).map_err(anyhow::Error::from)?;

        let ticker_stop = Arc::new(AtomicBool::new(false));
        let (ticking_engine, stop) = (engine.clone(), ticker_stop.clone());
        std::thread::Builder::new()
            .name("streetwise-epoch".into())
            .spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    ticking_engine.increment_epoch();
                }
            })?;
        Ok(Self {
            engine,
            linker,
            slots: Arc::new(Semaphore::new(slots as usize)),
            street_slots: Mutex::new(HashMap::new()),
            compiles: Arc::new(Semaphore::new(limits.compile_concurrency.max(1) as usize)),
            limits,
            ticker_stop,
        })
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The street's own share of the call slots.
    pub(crate) fn street_slots(&self, street_code: &str) -> Arc<Semaphore> {
        let mut streets = self
            .street_slots
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let share = self.limits.max_concurrent_per_street.max(1) as usize;
        streets
            .entry(street_code.to_string())
            .or_insert_with(|| Arc::new(Semaphore::new(share)))
            .clone()
    }

    /// Compiles a component and works out which world it implements. CPU-heavy (Cranelift):
    /// call it from a blocking thread, once per deploy or start, never per event.
    pub fn compile(&self, bytes: &[u8]) -> Result<CompiledPlugin, DeployError> {
        if bytes.is_empty() {
            return Err(DeployError::Empty);
        }
        if !bytes.starts_with(b"\0asm") {
            return Err(DeployError::NotWasm);
        }
        if bytes.get(4..8) == Some(&[1, 0, 0, 0]) {
            return Err(DeployError::CoreModule);
        }
        let component = Component::new(&self.engine, bytes).map_err(|e| {
            let why = format!("{e:#}");
            // wasmtime checks the component against the pool's per-instance limits as it
            // compiles it; its message names what is over (memories, tables, instances).
            if why.contains("pooling allocator") {
                DeployError::TooManyResources(why)
            } else {
                DeployError::Invalid(why)
            }
        })?;
        let pre = self
            .linker
            .instantiate_pre(&component)
            .map_err(|e| DeployError::UnknownWorld(format!("{e:#}")))?;
        let mut reasons = Vec::new();
        match ClassifierPre::new(pre.clone()) {
            Ok(p) => return Ok(CompiledPlugin::Classifier(p)),
            Err(e) => reasons.push(format!("classifier: {e:#}")),
        }
        match RouterPre::new(pre.clone()) {
            Ok(p) => return Ok(CompiledPlugin::Router(p)),
            Err(e) => reasons.push(format!("router: {e:#}")),
        }
        match ScenarioPre::new(pre) {
            Ok(p) => return Ok(CompiledPlugin::Scenario(p)),
            Err(e) => reasons.push(format!("scenario: {e:#}")),
        }
        Err(DeployError::UnknownWorld(reasons.join("; ")))
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.ticker_stop.store(true, Ordering::Relaxed);
    }
}
