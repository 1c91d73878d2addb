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

use std::sync::Mutex;

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use super::fault::{Fault, FaultKind};

/// When a plugin version is taken out of the path and when it is tried again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct BreakerPolicy {
    /// Faults in a row that open the breaker; 0 turns this rule off.
    pub consecutive_faults: u32,
    /// Faults among the last `window` calls that open it; 0 turns this rule off.
    pub window_faults: u32,
    /// Calls remembered for `window_faults`, 1 to 64.
    pub window: u32,
    /// Seconds it stays open before a trial call is let through.
    pub cool_down_secs: u64,
}

impl Default for BreakerPolicy {
    fn default() -> Self {
        Self {
            consecutive_faults: 5,
            window_faults: 10,
            window: 20,
            cool_down_secs: 60,
        }
    }
}

impl BreakerPolicy {
    fn cool_down(&self) -> SignedDuration {
        SignedDuration::from_secs(i64::try_from(self.cool_down_secs).unwrap_or(i64::MAX))
    }

    fn window_mask(&self) -> u64 {
        match self.window.clamp(1, 64) {
            64 => u64::MAX,
            w => (1 << w) - 1,
        }
    }
}

/// Whether a fault is the plugin's doing. An event too large to hand over is not: the plugin
/// was never called, so it says nothing about its health. Nor is a call the host's own limits
/// refused (`host-busy`): another street's load must never take this plugin out of the path.
fn counts_against(kind: FaultKind) -> bool {
    !matches!(kind, FaultKind::InputTooLarge | FaultKind::HostBusy)
}

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

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: BreakerPolicy = BreakerPolicy {
        consecutive_faults: 3,
        window_faults: 4,
        window: 6,
        cool_down_secs: 60,
    };

    fn t0() -> Timestamp {
        "2026-11-30T01:00:00Z".parse().unwrap()
    }

    fn secs(n: i64) -> SignedDuration {
        SignedDuration::from_secs(n)
    }

    fn trap() -> Fault {
        Fault::new(FaultKind::Trap, "unreachable")
    }

    fn ticket(breaker: &Breaker, now: Timestamp) -> Ticket {
        match breaker.admit(&POLICY, now) {
            Admission::Call(ticket) => ticket,
            Admission::Skip(refusal) => panic!("skipped at {now}: {refusal:?}"),
        }
    }

    /// One call at `now`: `true` for a fault. Returns the transition it caused.
    fn call(breaker: &Breaker, now: Timestamp, faults: bool) -> Option<Transition> {
        let ticket = ticket(breaker, now);
        breaker.record(ticket, faults.then(trap).as_ref())
    }

    fn skipped(breaker: &Breaker, now: Timestamp) -> Refusal {
        match breaker.admit(&POLICY, now) {
            Admission::Skip(refusal) => refusal,
            Admission::Call(ticket) => panic!("let through at {now}: {ticket:?}"),
        }
    }

    #[test]
    fn faults_in_a_row_open_it_and_say_why() {
        let b = Breaker::default();
        assert_eq!(call(&b, t0(), true), None);
        assert_eq!(call(&b, t0(), true), None);
        let Some(Transition::Opened(opening)) = call(&b, t0() + secs(1), true) else {
            panic!("the third fault in a row opens it");
        };
        assert_eq!(opening.at, t0() + secs(1));
        assert!(opening.reason.contains("连续 3 次调用故障"), "{opening:?}");
        assert!(opening.reason.contains("trap: unreachable"), "{opening:?}");
        let refusal = skipped(&b, t0() + secs(2));
        assert_eq!(refusal.retry_at, Some(t0() + secs(61)));
        assert_eq!(refusal.opening, Some(opening));
        let snapshot = b.snapshot();
        assert_eq!(snapshot.state, "open");
        assert!(snapshot.is_open());
        assert_eq!(snapshot.openings, 1);
    }

    #[test]
    fn a_success_breaks_the_run_but_a_fault_rate_in_the_window_still_opens_it() {
        let b = Breaker::default();
        // fault, fault, ok, fault, fault: never 3 in a row, but 4 of the last 6 calls.
        for faults in [true, true, false, true] {
            assert_eq!(call(&b, t0(), faults), None);
        }
        let Some(Transition::Opened(opening)) = call(&b, t0(), true) else {
            panic!("4 faults in the last 6 calls open it");
        };
        assert!(
            opening.reason.contains("最近 6 次调用中 4 次故障"),
            "{opening:?}"
        );
    }

    #[test]
    fn faults_that_slid_out_of_the_window_are_forgotten() {
        let b = Breaker::default();
        // Two faults then four successes: never more than 2 faults in any 6 calls, though 20
        // in all.
        for _ in 0..10 {
            for faults in [true, true, false, false, false, false] {
                assert_eq!(call(&b, t0(), faults), None);
            }
        }
        assert_eq!(b.snapshot().state, "closed");
    }

    #[test]
    fn an_event_too_large_to_hand_over_does_not_count_against_the_plugin() {
        let b = Breaker::default();
        let too_large = Fault::new(FaultKind::InputTooLarge, "event larger than 64 KiB");
        for _ in 0..10 {
            let t = ticket(&b, t0());
            assert_eq!(b.record(t, Some(&too_large)), None);
        }
        assert_eq!(b.snapshot().state, "closed");
    }

    #[test]
    fn a_call_the_host_was_too_busy_to_run_does_not_count_against_the_plugin() {
        let b = Breaker::default();
        let busy = Fault::new(FaultKind::HostBusy, "maximum concurrent limit reached");
        for _ in 0..10 {
            let t = ticket(&b, t0());
            assert_eq!(b.record(t, Some(&busy)), None);
        }
        assert_eq!(b.snapshot().state, "closed");
    }

    #[test]
    fn after_the_cool_down_one_trial_call_closes_it_on_success() {
        let b = Breaker::default();
        for _ in 0..3 {
            call(&b, t0(), true);
        }
        skipped(&b, t0() + secs(59));
        let trial = ticket(&b, t0() + secs(60));
        assert!(trial.trial);
        assert_eq!(b.snapshot().state, "half_open");
        // Only one trial at a time: others are still skipped while it runs.
        assert_eq!(skipped(&b, t0() + secs(60)).retry_at, None);
        assert_eq!(b.record(trial, None), Some(Transition::Closed));
        let snapshot = b.snapshot();
        assert_eq!(snapshot.state, "closed");
        assert!(snapshot.last_opening.is_some(), "the last opening is kept");
        // Closed afresh: it takes a whole new run of faults to open it again.
        assert_eq!(call(&b, t0() + secs(61), true), None);
        assert_eq!(call(&b, t0() + secs(61), true), None);
        assert!(matches!(
            call(&b, t0() + secs(61), true),
            Some(Transition::Opened(_))
        ));
        assert_eq!(b.snapshot().openings, 2);
    }

    #[test]
    fn a_failed_trial_opens_it_again_for_another_cool_down() {
        let b = Breaker::default();
        for _ in 0..3 {
            call(&b, t0(), true);
        }
        let Some(Transition::Reopened(opening)) = call(&b, t0() + secs(70), true) else {
            panic!("a failed trial reopens it");
        };
        assert!(opening.reason.contains("试探调用仍然故障"), "{opening:?}");
        assert_eq!(opening.at, t0() + secs(70));
        assert_eq!(
            skipped(&b, t0() + secs(129)).retry_at,
            Some(t0() + secs(130))
        );
        assert!(ticket(&b, t0() + secs(130)).trial);
    }

    #[test]
    fn a_trial_that_never_reports_does_not_keep_it_shut_forever() {
        let b = Breaker::default();
        for _ in 0..3 {
            call(&b, t0(), true);
        }
        let _abandoned = ticket(&b, t0() + secs(60));
        skipped(&b, t0() + secs(119));
        assert!(ticket(&b, t0() + secs(120)).trial);
    }

    #[test]
    fn a_late_result_from_before_it_opened_changes_nothing() {
        let b = Breaker::default();
        let slow = ticket(&b, t0());
        for _ in 0..3 {
            call(&b, t0(), true);
        }
        assert_eq!(b.record(slow, None), None);
        assert_eq!(b.snapshot().state, "open");
        let trial = ticket(&b, t0() + secs(60));
        let late = Ticket {
            trial: false,
            ..trial
        };
        assert_eq!(b.record(late, None), None);
        assert_eq!(b.snapshot().state, "half_open");
    }

    #[test]
    fn rules_set_to_zero_never_open_it() {
        let b = Breaker::default();
        let off = BreakerPolicy {
            consecutive_faults: 0,
            window_faults: 0,
            ..POLICY
        };
        for _ in 0..100 {
            let Admission::Call(t) = b.admit(&off, t0()) else {
                panic!("a breaker with no rules never skips");
            };
            assert_eq!(b.record(t, Some(&trap())), None);
        }
    }

    #[test]
    fn the_refusal_tells_the_trace_why_and_when() {
        let b = Breaker::default();
        for _ in 0..3 {
            call(&b, t0(), true);
        }
        let detail = skipped(&b, t0() + secs(1)).detail("沿用区级分类");
        assert!(detail.contains("circuit open"), "{detail}");
        assert!(detail.contains("连续 3 次调用故障"), "{detail}");
        assert!(detail.contains("试探调用"), "{detail}");
        assert!(detail.ends_with("沿用区级分类"), "{detail}");
    }
}
