//! Calling a plugin: a fresh instance per call, limits enforced, the answer checked against
//! the contract before anyone uses it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use wasmtime::{Store, UpdateDeadline};

use super::bindings::types;
use super::check;
use super::convert;
use super::engine::{CompiledPlugin, EPOCH_TICK, Runtime};
use super::fault::{Fault, FaultKind, TimeLimitExceeded, classify_error};
use super::state::{CallContext, HostState, Usage};
use crate::domain::{Classification, Event, ScenarioAction};

/// What a call produced, how long it took and what it used.
#[derive(Debug)]
pub struct CallReport<T> {
    pub result: Result<T, Fault>,
    pub elapsed: Duration,
    pub usage: Usage,
}

impl Runtime {
    /// Runs a classifier. `Ok(None)` keeps the baseline.
    pub async fn classify(
        &self,
        plugin: &CompiledPlugin,
        ctx: CallContext,
        event: &Event,
        baseline: Option<&Classification>,
    ) -> CallReport<Option<types::Classification>> {
        let CompiledPlugin::Classifier(pre) = plugin else {
            return wrong_kind();
        };
        let input = convert::event(event);
        let baseline = baseline.map(convert::classification);
        let reference = ctx.reference.clone();
        let mut report = self
            .run(ctx, &input, async |store: &mut Store<HostState>| {
                let instance = pre.instantiate_async(&mut *store).await?;
                instance
                    .call_classify(&mut *store, &input, baseline.as_ref())
                    .await
            })
            .await;
        report.result = report.result.and_then(|answer| match answer {
            Some(c) => check::classification(&reference, self.limits.max_output_bytes, c).map(Some),
            None => Ok(None),
        });
        report
    }

    /// Runs a router over `candidates` (unit codes). `Ok(None)` keeps the default.
    pub async fn route(
        &self,
        plugin: &CompiledPlugin,
        ctx: CallContext,
        event: &Event,
        classification: &Classification,
        candidates: Vec<types::Candidate>,
    ) -> CallReport<Option<types::RoutingChoice>> {
        let CompiledPlugin::Router(pre) = plugin else {
            return wrong_kind();
        };
        let input = convert::event(event);
        let classification = convert::classification(classification);
        let allowed: Vec<String> = candidates.iter().map(|c| c.unit.code.clone()).collect();
        let mut report = self
            .run(ctx, &input, async |store: &mut Store<HostState>| {
                let instance = pre.instantiate_async(&mut *store).await?;
                instance
                    .call_route(&mut *store, &input, &classification, &candidates)
                    .await
            })
            .await;
        let max_output = self.limits.max_output_bytes;
        report.result = report.result.and_then(|answer| match answer {
            None => Ok(None),
            Some(choice) => {
                if choice.unit_code.len() + choice.reason.len() > max_output {
                    return Err(Fault::new(
                        FaultKind::OutputTooLarge,
                        "routing choice larger than the output cap",
                    ));
                }
                if !allowed.contains(&choice.unit_code) {
                    return Err(Fault::new(
                        FaultKind::InvalidOutput,
                        format!(
                            "chose {} which is not among the candidates [{}]",
                            choice.unit_code,
                            allowed.join(", ")
                        ),
                    ));
                }
                check::reason(&choice.reason)?;
                Ok(Some(choice))
            }
        });
        report
    }

    /// Runs a scenario on a stored event and checks the actions it asks for.
    pub async fn on_event_stored(
        &self,
        plugin: &CompiledPlugin,
        ctx: CallContext,
        outcome_event: &Event,
        classification: &Classification,
        handling_unit: &str,
        deadline: jiff::Timestamp,
    ) -> CallReport<Vec<ScenarioAction>> {
        let CompiledPlugin::Scenario(pre) = plugin else {
            return wrong_kind();
        };
        let input = convert::event(outcome_event);
        let outcome = types::Outcome {
            event: input.clone(),
            classification: convert::classification(classification),
            handling_unit: handling_unit.to_string(),
            deadline: crate::calendar::rfc3339(deadline),
        };
        let reference = ctx.reference.clone();
        let street = ctx.street_code.clone();
        let max_output = self.limits.max_output_bytes;
        let mut report = self
            .run(ctx, &input, async |store: &mut Store<HostState>| {
                let instance = pre.instantiate_async(&mut *store).await?;
                instance.call_on_event_stored(&mut *store, &outcome).await
            })
            .await;
        let result = std::mem::replace(&mut report.result, Ok(Vec::new()));
        let checked = result.and_then(|actions| {
            if actions.len() > check::MAX_ACTIONS {
                return Err(Fault::new(
                    FaultKind::OutputTooLarge,
                    format!("{} actions, at most {}", actions.len(), check::MAX_ACTIONS),
                ));
            }
            let size: usize = actions.iter().map(check::action_size).sum();
            if size > max_output {
                return Err(Fault::new(
                    FaultKind::OutputTooLarge,
                    format!("{size} bytes of actions, at most {max_output}"),
                ));
            }
            actions
                .into_iter()
                .map(|a| check::action(&reference, &street, a))
                .collect::<Result<Vec<_>, _>>()
        });
        CallReport {
            result: checked,
            elapsed: report.elapsed,
            usage: report.usage,
        }
    }

    /// The common part of every call: a slot, a fresh store with its limits, the call, and
    /// the error sorted into a fault.
    async fn run<T>(
        &self,
        ctx: CallContext,
        input: &types::Event,
        call: impl AsyncFnOnce(&mut Store<HostState>) -> wasmtime::Result<Result<T, String>>,
    ) -> CallReport<T> {
        let started = Instant::now();
        if convert::input_size(input) > self.limits.max_input_bytes {
            let detail = format!("event larger than {} bytes", self.limits.max_input_bytes);
            return refused(started, FaultKind::InputTooLarge, detail);
        }
        let timeout = Duration::from_millis(self.limits.call_timeout_ms);
        // The street's own share first, then a host slot: a street that keeps its share busy
        // only waits for itself. Waiting is bounded by the call's time limit; a call that
        // finds no slot is the host's doing (`host-busy`), never counted against the plugin.
        let street_slots = self.street_slots(&ctx.street_code);
        let admitted = match self.try_admit(&street_slots) {
            Some(slots) => Ok(Ok(slots)),
            None => {
                tokio::time::timeout(timeout, async {
                    let street = street_slots.acquire_owned().await?;
                    let host = self.slots.clone().acquire_owned().await?;
                    Ok::<_, tokio::sync::AcquireError>((street, host))
                })
                .await
            }
        };
        let _slots = match admitted {
            Ok(Ok(slots)) => slots,
            Ok(Err(_)) => return refused(started, FaultKind::Instantiation, "runtime shut down"),
            Err(_) => {
                let detail = format!(
                    "no free call slot within {} ms (street {}: {} calls at once, host: {})",
                    self.limits.call_timeout_ms,
                    ctx.street_code,
                    self.limits.max_concurrent_per_street,
                    self.limits.max_concurrent_calls
                );
                return refused(started, FaultKind::HostBusy, detail);
            }
        };
        let mut store = Store::new(&self.engine, HostState::new(ctx, &self.limits));
        store.limiter(|state| &mut state.limiter);
        // Everything the guest hands the host (its answer, each host call's arguments) is
        // copied by wasmtime, which counts the bytes against this fuel as it lifts them and
        // stops at the cap, before copying more: one string aliased many times in a list, or
        // in a log line's fields, cannot make the host copy more than this.
        store.set_hostcall_fuel(self.limits.max_transfer_bytes);
        let deadline = Instant::now() + timeout;
        let timeout_ms = self.limits.call_timeout_ms;
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(move |_| {
            if Instant::now() >= deadline {
                Err(wasmtime::Error::new(TimeLimitExceeded(timeout_ms)))
            } else {
                // Give the executor back every tick: a busy plugin cannot starve the host.
                Ok(UpdateDeadline::Yield(1))
            }
        });
        // The epoch stops guest code; this also bounds time spent awaiting host calls.
        let grace = timeout + EPOCH_TICK * 50;
        let outcome = tokio::time::timeout(grace, call(&mut store)).await;
        let state = store.data();
        let result = match outcome {
            Err(_) => Err(Fault::new(
                FaultKind::Timeout,
                format!("ran longer than {timeout_ms} ms"),
            )),
            Ok(Err(error)) => Err(classify_error(
                &error,
                state.limiter.denied,
                self.limits.max_transfer_bytes,
            )),
            Ok(Ok(Err(message))) => Err(Fault::new(FaultKind::PluginError, message)),
            Ok(Ok(Ok(value))) => Ok(value),
        };
        let mut usage = state.usage.clone();
        usage.peak_memory = state.limiter.peak;
        CallReport {
            result,
            elapsed: started.elapsed(),
            usage,
        }
    }

    /// Both slots at once when both are free, without arming a timer: the common case. A
    /// street slot taken here is handed back if the host has none, and the caller then waits
    /// in line as usual.
    fn try_admit(
        &self,
        street_slots: &Arc<Semaphore>,
    ) -> Option<(OwnedSemaphorePermit, OwnedSemaphorePermit)> {
        let street = street_slots.clone().try_acquire_owned().ok()?;
        let host = self.slots.clone().try_acquire_owned().ok()?;
        Some((street, host))
    }
}

/// A call that never ran.
fn refused<T>(started: Instant, kind: FaultKind, detail: impl Into<String>) -> CallReport<T> {
    CallReport {
        result: Err(Fault::new(kind, detail)),
        elapsed: started.elapsed(),
        usage: Usage::default(),
    }
}

fn wrong_kind<T>() -> CallReport<T> {
    CallReport {
        result: Err(Fault::new(
            FaultKind::Instantiation,
            "plugin of the wrong kind for this step",
        )),
        elapsed: Duration::ZERO,
        usage: Usage::default(),
    }
}
