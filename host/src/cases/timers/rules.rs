//! How actions and time move a case's clock: pure functions of the clock, the calendar and
//! the time, tested without a database.
//!
//! - The clock starts when the flow says: at sign-for by default, at receipt for some flows.
//!   Until then the deadline is provisional, counted from receipt.
//! - Parking (挂账) and finishing stop it with the time left; unparking, rework (返工) and
//!   redo (重办) restart it with that time.
//! - An approved extension (延期) stops it for the extension's length: the deadline moves by
//!   the extension and the time that was left is kept.
//! - A reassignment (改派) gives the new unit the whole time limit again.
//! - The early warning (yellow) is due when a fifth of the time limit is left; at the deadline
//!   the case is red and supervised (督办, level 1: the command centre); every `delay` after
//!   that it is escalated a level (2: the street's leaders, 3: the district's).

use jiff::{SignedDuration, Timestamp};

use crate::calendar::WorkingCalendar;
use crate::domain::{Alert, CaseClock, Status, TimeLimit};
use crate::lifecycle::{Action, Flow};

/// The highest supervision level.
pub const MAX_LEVEL: u8 = 3;

/// Who supervises at each level, for the timeline.
pub fn level_name(level: u8) -> &'static str {
    match level {
        0 => "未督办",
        1 => "一级督办（区指挥中心）",
        2 => "二级督办（街道领导）",
        _ => "三级督办（区领导）",
    }
}

/// How long an overdue case waits at one supervision level before the next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Escalation {
    pub delay: SignedDuration,
}

/// Something a timer does to a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Due {
    /// 黄灯预警 to the handler.
    Warn,
    /// 红灯超期: supervised at level 1.
    Overdue,
    /// 升级督办 to this level.
    Escalate(u8),
}

/// The clock of a case taken in at `received_at` with `limit`; `running` when the flow starts
/// the clock at once.
pub fn at_intake(
    calendar: &WorkingCalendar,
    limit: TimeLimit,
    received_at: Timestamp,
    running: bool,
    escalation: Escalation,
) -> CaseClock {
    let budget = calendar.budget(received_at, limit);
    let clock = CaseClock {
        measure: limit.unit.measure(),
        budget,
        started_at: running.then_some(received_at),
        deadline: received_at,
        remaining: Some(budget),
        warn_at: None,
        alert: Alert::None,
        supervision_level: 0,
        timer_at: None,
    };
    timed(resume(calendar, &clock, received_at), escalation)
}

/// `clock` with its next timer's time.
fn timed(clock: CaseClock, escalation: Escalation) -> CaseClock {
    CaseClock {
        timer_at: next_timer(&clock, escalation).map(|(at, _)| at),
        ..clock
    }
}

/// Seconds of the time limit left at `at`.
pub fn remaining(calendar: &WorkingCalendar, clock: &CaseClock, at: Timestamp) -> i64 {
    clock
        .remaining
        .unwrap_or_else(|| calendar.spent(clock.measure, at, clock.deadline))
}

/// The clock stopped at `at`, keeping the time left.
fn stop(calendar: &WorkingCalendar, clock: &CaseClock, at: Timestamp) -> CaseClock {
    if !clock.is_running() {
        return clock.clone();
    }
    CaseClock {
        remaining: Some(remaining(calendar, clock, at)),
        warn_at: None,
        ..clock.clone()
    }
}

/// The clock running from `from` with the time it had left: a new deadline and warning, and
/// the colour cleared (the timers raise it again when it is due again).
fn resume(calendar: &WorkingCalendar, clock: &CaseClock, from: Timestamp) -> CaseClock {
    let left = clock.remaining.unwrap_or(clock.budget).max(0);
    let warn_left = clock.budget / 5;
    CaseClock {
        deadline: calendar.advance(from, clock.measure, left),
        remaining: None,
        warn_at: Some(if left > warn_left {
            calendar.advance(from, clock.measure, left - warn_left)
        } else {
            from
        }),
        alert: Alert::None,
        ..clock.clone()
    }
}

/// A lifecycle action as the clock sees it: `action` moved a case of `flow` to `to` at `at`.
#[derive(Clone, Copy, Debug)]
pub struct Turn<'a> {
    pub flow: &'a Flow,
    pub action: Action,
    pub to: Status,
    pub at: Timestamp,
    /// The length an approved extension grants (the case's time limit again when the centre
    /// did not give one), or the time limit of the item a dispatch or correction (改类) chose.
    pub extension: TimeLimit,
}

/// The clock after `turn`.
pub fn after_action(
    calendar: &WorkingCalendar,
    clock: &CaseClock,
    turn: Turn<'_>,
    escalation: Escalation,
) -> CaseClock {
    let Turn {
        flow,
        action,
        to,
        at,
        extension,
    } = turn;
    let clock = match action {
        // The new unit gets the whole time limit, from the handover or from its sign-for.
        Action::ApproveReturn => {
            let fresh = CaseClock {
                started_at: flow.clock_runs_from_handover(to).then_some(at),
                remaining: Some(clock.budget),
                ..clock.clone()
            };
            resume(calendar, &fresh, at)
        }
        // Dispatched anew for a chosen item: its whole time limit, from the handover or from
        // the sign-for.
        Action::Dispatch | Action::Reclassify => {
            let budget = calendar.budget(at, extension);
            let fresh = CaseClock {
                measure: extension.unit.measure(),
                budget,
                started_at: flow.clock_runs_from_handover(to).then_some(at),
                remaining: Some(budget),
                ..clock.clone()
            };
            resume(calendar, &fresh, at)
        }
        Action::ApproveExtension if clock.is_running() => {
            let stopped = stop(calendar, clock, at);
            resume(calendar, &stopped, calendar.deadline(at, extension))
        }
        Action::Supervise => CaseClock {
            supervision_level: clock.supervision_level.max(1),
            ..clock.clone()
        },
        _ if to.is_final() || !runs_in(to) => stop(calendar, clock, at),
        // Signed for: the clock starts now, unless it already runs.
        _ if clock.started_at.is_none() && to != Status::Dispatched => {
            let fresh = CaseClock {
                started_at: Some(at),
                remaining: Some(clock.budget),
                ..clock.clone()
            };
            resume(calendar, &fresh, at)
        }
        _ if !clock.is_running() => resume(calendar, clock, at),
        _ => clock.clone(),
    };
    timed(clock, escalation)
}

/// Whether the handling clock runs while a case is in `state`: not while parked, nor once the
/// unit has finished (verification and follow-up are not the unit's time).
pub fn runs_in(state: Status) -> bool {
    matches!(
        state,
        Status::Dispatched
            | Status::Signed
            | Status::InProgress
            | Status::ReturnRequested
            | Status::ExtensionRequested
    )
}

/// The next timer of a clock and when it is due; `None` while the clock is stopped or when
/// nothing is left to fire.
pub fn next_timer(clock: &CaseClock, escalation: Escalation) -> Option<(Timestamp, Due)> {
    if !clock.is_running() {
        return None;
    }
    match clock.alert {
        Alert::None => match clock.warn_at {
            Some(warn_at) if warn_at < clock.deadline => Some((warn_at, Due::Warn)),
            _ => Some((clock.deadline, Due::Overdue)),
        },
        Alert::Yellow => Some((clock.deadline, Due::Overdue)),
        Alert::Red if clock.supervision_level < MAX_LEVEL => {
            let level = clock.supervision_level.max(1);
            let waited = escalation.delay.checked_mul(i32::from(level))?;
            Some((
                clock.deadline.checked_add(waited).ok()?,
                Due::Escalate(level + 1),
            ))
        }
        Alert::Red => None,
    }
}

/// The clock after `due` fired.
pub fn fire(clock: &CaseClock, due: Due, escalation: Escalation) -> CaseClock {
    let clock = match due {
        Due::Warn => CaseClock {
            alert: Alert::Yellow,
            warn_at: None,
            ..clock.clone()
        },
        Due::Overdue => CaseClock {
            alert: Alert::Red,
            warn_at: None,
            supervision_level: clock.supervision_level.max(1),
            ..clock.clone()
        },
        Due::Escalate(level) => CaseClock {
            supervision_level: level.min(MAX_LEVEL),
            ..clock.clone()
        },
    };
    timed(clock, escalation)
}

#[cfg(test)]
mod tests;
