//! Compiling a deployed component, bounded, off the serving path.
//!
//! Cranelift's time and memory grow faster than linearly with the size of a function: a 5 MB
//! component with two huge functions took 86 s of CPU and 600 MB. Three bounds apply before
//! and while it compiles:
//!
//! 1. no function body may exceed `max_function_bytes` (checked with wasmparser before any
//!    compiling, so the worst inputs never reach Cranelift: this is what bounds memory);
//! 2. compiles run on the blocking pool, at most `compile_concurrency` at once, each on one
//!    core (parallel compilation is off in the engine), so deploys never take the cores the
//!    server answers with;
//! 3. a compile not finished within `compile_timeout_ms` is refused. Cranelift cannot be
//!    stopped half-way, so the compile runs on to its end in the background, keeping its
//!    slot: a runaway compile costs one core for its own duration, never more.
//!
//! Why not a child process (`streetwise compile` under an address-space rlimit): handing the
//! compiled artifact back needs `Component::deserialize`, which is `unsafe` (the workspace
//! forbids it), and the tests run the host inside the test binary, where `current_exe` is not
//! `streetwise`. A child that only *probes* (compiles, reports, exits) would bound memory
//! strictly at twice the CPU; the function-size cap bounds it well enough for now.

use std::sync::Arc;
use std::time::Duration;

use wasmparser::{Parser, Payload};

use super::engine::{CompiledPlugin, DeployError, Runtime};

impl Runtime {
    /// Checks a component's functions, then compiles it within the compile limits.
    pub async fn compile_bounded(
        self: &Arc<Self>,
        bytes: &[u8],
    ) -> Result<CompiledPlugin, DeployError> {
        largest_function_within(bytes, self.limits.max_function_bytes)?;
        let timeout_ms = self.limits.compile_timeout_ms;
        let timeout = Duration::from_millis(timeout_ms);
        // Waiting for a slot and compiling are bounded separately: a deploy queued behind
        // another is told the compiler is busy, not that its own component is too slow.
        let slot = tokio::time::timeout(timeout, self.compiles.clone().acquire_owned())
            .await
            .map_err(|_| DeployError::CompilerBusy(timeout_ms))?
            .map_err(|_| DeployError::Invalid("the runtime is shutting down".into()))?;
        let runtime = self.clone();
        let owned = bytes.to_vec();
        let compiling = tokio::task::spawn_blocking(move || {
            let _slot = slot;
            runtime.compile(&owned)
        });
        match tokio::time::timeout(timeout, compiling).await {
            Ok(Ok(compiled)) => compiled,
            Ok(Err(e)) => Err(DeployError::Invalid(format!("the compiler failed: {e}"))),
            Err(_) => Err(DeployError::CompileTimeout(timeout_ms)),
        }
    }
}

/// Refuses a component with a function body larger than `max` bytes, in any of its modules.
/// A component wasmparser cannot read is left to the compiler, whose message is better.
fn largest_function_within(bytes: &[u8], max: usize) -> Result<(), DeployError> {
    for payload in Parser::new(0).parse_all(bytes) {
        let Ok(payload) = payload else { return Ok(()) };
        if let Payload::CodeSectionEntry(body) = payload {
            let size = body.range().len();
            if size > max {
                return Err(DeployError::FunctionTooLarge { size, max });
            }
        }
    }
    Ok(())
}
