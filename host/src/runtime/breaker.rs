//! The circuit breaker of one plugin version: a plugin that keeps failing is taken out of the
//! path (the district's decision stands without calling it), the reason and time are kept,
//! and after a cool-down one call is let through to try it again.
//!
//! ```text
//!  closed ── K faults in a row, or N faults among the last M calls ──► open
//!    ▲                                                                  │ cool-down passed:
//!    │ the trial call succeeds                                          ▼ the next call is a trial
//!    └──────────────────────────────────────────────────────────── half-open
//!                           the trial call faults: open again, for another cool-down ◄─┘
//! ```
//!
//! Time is always passed in (`now`), never read here, so tests drive it. The breaker only
//! decides; its callers trace, count and log.
//!
//! The policy (when to open, when to try again, which faults count) is in [`policy`].

mod policy;
#[cfg(test)]
mod tests;

use std::sync::Mutex;

use jiff::Timestamp;
use serde::Serialize;

use super::fault::Fault;
pub use policy::BreakerPolicy;
use policy::counts_against;

/// The breaker's state, behind a lock held for a few instructions per call.
#[derive(Default)]
pub struct Breaker {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    phase: Phase,
    /// The last calls, newest in bit 0: 1 for a fault.
    recent: u64,
    in_a_row: u32,
    last_opening: Option<Opening>,
    openings: u64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Phase {
    #[default]
    Closed,
    Open {
        retry_at: Timestamp,
    },
    /// One trial call, let through at `since`, has not reported yet.
    HalfOpen {
        since: Timestamp,
    },
}

/// Why and when the breaker last opened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Opening {
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "crate::calendar::cst")]
    pub at: Timestamp,
    /// In Chinese, for the street's page and the trace.
    pub reason: String,
}

/// May the plugin be called?
#[derive(Debug, PartialEq, Eq)]
pub enum Admission {
    Call(Ticket),
    Skip(Refusal),
}

/// Permission for one call, handed back with its result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ticket {
    /// The trial call of a half-open breaker.
    pub trial: bool,
    /// When the call was let through: the time its result is recorded at.
    pub at: Timestamp,
    pub policy: BreakerPolicy,
}

/// Why a call was skipped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub opening: Option<Opening>,
    /// When a trial call will be let through; `None` while one is under way.
    pub retry_at: Option<Timestamp>,
}

impl Refusal {
    /// The trace detail: what happened, why, when it is tried again, and what applies instead.
    pub fn detail(&self, fallback: &str) -> String {
        let why = match &self.opening {
            Some(o) => format!("{} 起熔断：{}", crate::calendar::rfc3339(o.at), o.reason),
            None => "已熔断".to_string(),
        };
        let retry = match self.retry_at {
            Some(at) => format!("{} 后试探调用", crate::calendar::rfc3339(at)),
            None => "试探调用进行中".to_string(),
        };
        format!("插件未调用（circuit open）：{why}；{retry}；{fallback}")
    }
}

/// A change of state the caller should log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Transition {
    Opened(Opening),
    /// The trial call failed: open for another cool-down.
    Reopened(Opening),
    /// The trial call succeeded.
    Closed,
}

/// The breaker's state for the API.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct BreakerSnapshot {
    /// `closed`, `open` or `half_open`.
    pub state: &'static str,
    /// When the next trial call is let through, while open.
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(
        with = "crate::calendar::cst::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub retry_at: Option<Timestamp>,
    /// The last time it opened, even if it has closed since.
    pub last_opening: Option<Opening>,
    /// How many times it opened.
    pub openings: u64,
}

impl BreakerSnapshot {
    /// Whether calls are being skipped (open, or half-open waiting for its trial call).
    pub fn is_open(&self) -> bool {
        self.state != "closed"
    }
}

impl Breaker {
    /// Asks whether the plugin may be called at `now`.
    pub fn admit(&self, policy: &BreakerPolicy, now: Timestamp) -> Admission {
        let mut state = self.lock();
        let ticket = |trial| {
            Admission::Call(Ticket {
                trial,
                at: now,
                policy: *policy,
            })
        };
        match state.phase {
            Phase::Closed => ticket(false),
            Phase::Open { retry_at } if now >= retry_at => {
                state.phase = Phase::HalfOpen { since: now };
                ticket(true)
            }
            // A trial that never reported (its caller went away) does not block forever.
            Phase::HalfOpen { since } if now >= since + policy.cool_down() => {
                state.phase = Phase::HalfOpen { since: now };
                ticket(true)
            }
            Phase::Open { retry_at } => Admission::Skip(Refusal {
                opening: state.last_opening.clone(),
                retry_at: Some(retry_at),
            }),
            Phase::HalfOpen { .. } => Admission::Skip(Refusal {
                opening: state.last_opening.clone(),
                retry_at: None,
            }),
        }
    }

    /// Records the result of a call let through by `ticket`.
    pub fn record(&self, ticket: Ticket, fault: Option<&Fault>) -> Option<Transition> {
        let policy = ticket.policy;
        let now = ticket.at;
        let mut state = self.lock();
        let faulted = match fault {
            Some(f) if counts_against(f.kind) => true,
            Some(_) => {
                if ticket.trial && matches!(state.phase, Phase::HalfOpen { .. }) {
                    // The trial tested nothing: let the next call try.
                    state.phase = Phase::Open { retry_at: now };
                }
                return None;
            }
            None => false,
        };
        match state.phase {
            Phase::Closed => {
                state.recent = ((state.recent << 1) | u64::from(faulted)) & policy.window_mask();
                state.in_a_row = if faulted { state.in_a_row + 1 } else { 0 };
                let reason = trip_reason(&state, &policy, fault?)?;
                Some(Transition::Opened(state.open(reason, now, &policy)))
            }
            Phase::HalfOpen { .. } if ticket.trial => match fault {
                None => {
                    state.phase = Phase::Closed;
                    state.recent = 0;
                    state.in_a_row = 0;
                    Some(Transition::Closed)
                }
                Some(fault) => {
                    let reason = format!("冷却后的试探调用仍然故障（{fault}）");
                    Some(Transition::Reopened(state.open(reason, now, &policy)))
                }
            },
            // A call let through before the breaker opened, finishing late: it changes nothing.
            Phase::HalfOpen { .. } | Phase::Open { .. } => None,
        }
    }

    pub fn snapshot(&self) -> BreakerSnapshot {
        let state = self.lock();
        let (name, retry_at) = match state.phase {
            Phase::Closed => ("closed", None),
            Phase::Open { retry_at } => ("open", Some(retry_at)),
            Phase::HalfOpen { .. } => ("half_open", None),
        };
        BreakerSnapshot {
            state: name,
            retry_at,
            last_opening: state.last_opening.clone(),
            openings: state.openings,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl State {
    fn open(&mut self, reason: String, now: Timestamp, policy: &BreakerPolicy) -> Opening {
        let opening = Opening { at: now, reason };
        self.phase = Phase::Open {
            retry_at: now + policy.cool_down(),
        };
        self.last_opening = Some(opening.clone());
        self.openings += 1;
        opening
    }
}

/// Why the breaker should open after the latest fault, if it should.
fn trip_reason(state: &State, policy: &BreakerPolicy, latest: &Fault) -> Option<String> {
    let in_window = state.recent.count_ones();
    if policy.consecutive_faults > 0 && state.in_a_row >= policy.consecutive_faults {
        Some(format!(
            "连续 {} 次调用故障，最近一次 {latest}",
            state.in_a_row
        ))
    } else if policy.window_faults > 0 && in_window >= policy.window_faults {
        Some(format!(
            "最近 {} 次调用中 {in_window} 次故障，最近一次 {latest}",
            policy.window.clamp(1, 64)
        ))
    } else {
        None
    }
}
