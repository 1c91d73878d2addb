//! How actions and time move a clock, on the default working calendar (Monday to Friday,
//! 09:00-12:00 and 14:00-18:00), and the order in which its timers fire.

use super::*;
use crate::domain::{Measure, TimeUnit};
use crate::lifecycle::{ClockStart, Flows};

fn calendar() -> WorkingCalendar {
    // Monday to Friday, 09:00-12:00 and 14:00-18:00.
    WorkingCalendar::default()
}

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn working_hours(value: u32) -> TimeLimit {
    TimeLimit {
        value,
        unit: TimeUnit::WorkingHours,
    }
}

fn hotline() -> &'static Flow {
    Flows::shipped().for_source(crate::domain::Source::Hotline)
}

/// A 10-working-hour case taken in on Monday 30 November 2026 at 09:00, its clock
/// running or not.
fn monday_nine(c: &WorkingCalendar, running: bool) -> CaseClock {
    at_intake(
        c,
        working_hours(10),
        at("2026-11-30T09:00:00+08:00"),
        running,
        ESCALATION,
    )
}

/// `action` on a hotline case with a 10-working-hour limit.
fn act(
    c: &WorkingCalendar,
    clock: &CaseClock,
    action: Action,
    to: Status,
    at: Timestamp,
) -> CaseClock {
    let turn = Turn {
        flow: hotline(),
        action,
        to,
        at,
        extension: working_hours(10),
    };
    after_action(c, clock, turn, ESCALATION)
}

const ESCALATION: Escalation = Escalation {
    delay: SignedDuration::from_hours(24),
};

#[test]
fn before_sign_for_the_deadline_is_provisional_and_sign_for_restarts_it() {
    let c = calendar();
    // Monday 09:00, 10 working hours: Tuesday 12:00.
    let clock = monday_nine(&c, false);
    assert_eq!(clock.started_at, None);
    assert_eq!(clock.deadline, at("2026-12-01T12:00:00+08:00"));
    // 8 of 10 working hours: Tuesday 10:00.
    assert_eq!(clock.warn_at, Some(at("2026-12-01T10:00:00+08:00")));
    let signed_at = at("2026-11-30T16:00:00+08:00");
    let signed = act(&c, &clock, Action::Sign, Status::Signed, signed_at);
    assert_eq!(signed.started_at, Some(signed_at));
    assert_eq!(signed.deadline, at("2026-12-02T10:00:00+08:00"));
    // Starting work does not move it again.
    let started = act(
        &c,
        &signed,
        Action::Start,
        Status::InProgress,
        at("2026-12-01T09:00:00+08:00"),
    );
    assert_eq!(started, signed);
}

#[test]
fn parking_stops_the_clock_and_unparking_gives_back_the_time_that_was_left() {
    let c = calendar();
    let clock = monday_nine(&c, true);
    // Parked Monday 11:00 with 8 working hours left.
    let parked = act(
        &c,
        &clock,
        Action::Park,
        Status::Parked,
        at("2026-11-30T11:00:00+08:00"),
    );
    assert_eq!(parked.remaining, Some(8 * 3600));
    assert_eq!(next_timer(&parked, ESCALATION), None);
    // Unparked a week later, Monday 09:00: 8 working hours → Tuesday 10:00.
    let unparked = act(
        &c,
        &parked,
        Action::Unpark,
        Status::InProgress,
        at("2026-12-07T09:00:00+08:00"),
    );
    assert_eq!(unparked.deadline, at("2026-12-08T10:00:00+08:00"));
    assert!(unparked.is_running());
}

#[test]
fn an_approved_extension_moves_the_deadline_by_its_length() {
    let c = calendar();
    let clock = monday_nine(&c, true);
    let extended = after_action(
        &c,
        &clock,
        Turn {
            flow: hotline(),
            action: Action::ApproveExtension,
            to: Status::InProgress,
            at: at("2026-11-30T11:00:00+08:00"),
            extension: TimeLimit {
                value: 2,
                unit: TimeUnit::WorkingDays,
            },
        },
        ESCALATION,
    );
    // Two working days from Monday 11:00 is Wednesday 11:00; then the 8 hours left.
    assert_eq!(extended.deadline, at("2026-12-03T12:00:00+08:00"));
    assert_eq!(extended.alert, Alert::None);
}

#[test]
fn a_reassigned_case_gets_the_whole_time_limit_from_the_new_units_sign_for() {
    let c = calendar();
    let clock = monday_nine(&c, true);
    let late = fire(
        &fire(&clock, Due::Warn, ESCALATION),
        Due::Overdue,
        ESCALATION,
    );
    let reassigned = act(
        &c,
        &late,
        Action::ApproveReturn,
        Status::Dispatched,
        at("2026-12-02T09:00:00+08:00"),
    );
    assert_eq!(reassigned.started_at, None);
    assert_eq!(reassigned.deadline, at("2026-12-03T12:00:00+08:00"));
    assert_eq!(reassigned.alert, Alert::None);
    // Supervision already recorded stays on the case.
    assert_eq!(reassigned.supervision_level, 1);
}

#[test]
fn finishing_stops_the_clock_and_rework_restarts_it_with_what_was_left() {
    let c = calendar();
    let clock = monday_nine(&c, true);
    let handled = act(
        &c,
        &clock,
        Action::Finish,
        Status::Handled,
        at("2026-11-30T17:00:00+08:00"),
    );
    assert_eq!(handled.remaining, Some(4 * 3600));
    let rework = act(
        &c,
        &handled,
        Action::VerifyFail,
        Status::InProgress,
        at("2026-12-01T14:00:00+08:00"),
    );
    assert_eq!(rework.deadline, at("2026-12-01T18:00:00+08:00"));
}

#[test]
fn timers_come_in_order_warning_overdue_then_one_escalation_per_delay() {
    let c = calendar();
    let clock = at_intake(
        &c,
        TimeLimit {
            value: 10,
            unit: TimeUnit::UrgentHours,
        },
        at("2026-11-30T00:00:00+08:00"),
        true,
        ESCALATION,
    );
    assert_eq!(clock.measure, Measure::Elapsed);
    let mut clock = clock;
    let mut fired = Vec::new();
    while let Some((when, due)) = next_timer(&clock, ESCALATION) {
        assert_eq!(clock.timer_at, Some(when));
        fired.push((when, due));
        clock = fire(&clock, due, ESCALATION);
    }
    assert_eq!(
        fired,
        vec![
            (at("2026-11-30T08:00:00+08:00"), Due::Warn),
            (at("2026-11-30T10:00:00+08:00"), Due::Overdue),
            (at("2026-12-01T10:00:00+08:00"), Due::Escalate(2)),
            (at("2026-12-02T10:00:00+08:00"), Due::Escalate(3)),
        ]
    );
    assert_eq!(clock.supervision_level, MAX_LEVEL);
    assert_eq!(clock.timer_at, None);
}

#[test]
fn a_flow_that_counts_from_receipt_runs_the_clock_at_intake_and_after_reassignment() {
    let flow = Flows::shipped().for_source(crate::domain::Source::Referral);
    assert_eq!(flow.clock_starts, ClockStart::Receipt);
    assert!(flow.clock_runs_from_handover(Status::Dispatched));
    assert!(!hotline().clock_runs_from_handover(Status::Dispatched));
    assert!(hotline().clock_runs_from_handover(Status::Signed));
}
