//! The breaker's state machine driven through its calls: what opens it, what does not count,
//! the cool-down and its trial call, late results, and the refusal's trace detail.

use jiff::SignedDuration;

use super::*;
use crate::runtime::fault::FaultKind;

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
