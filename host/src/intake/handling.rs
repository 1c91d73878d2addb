//! The case's handling once it is handed over: the deadline its clock runs to, and the
//! person inside the unit.

use std::time::Instant;

use super::dispatch::Handover;
use super::pipeline::{Deciding, Pipeline, step};
use crate::cases::timers;
use crate::cases::workloads::Reservation;
use crate::domain::{Assignee, CaseClock, DecidedBy, Item, Status, TimeLimit, TraceStep};

impl Pipeline {
    /// The case's clock: `time_limit` in working time from receipt, traced with the deadline.
    pub(super) fn deadline(
        &self,
        at: &Deciding<'_>,
        time_limit: TimeLimit,
        status: Status,
        trace: &mut Vec<TraceStep>,
    ) -> CaseClock {
        let started = Instant::now();
        // A case waiting in 待分拨 has no unit yet: its clock starts when it is dispatched.
        let clock = timers::at_intake(
            &at.reference.calendar,
            time_limit,
            at.event.received_at,
            status != Status::Accepted && at.flow.clock_runs_from_handover(status),
            self.escalation,
        );
        trace.push(step(
            "deadline",
            DecidedBy::District,
            "ok",
            format!(
                "{time_limit} → {}{}",
                crate::calendar::rfc3339(clock.deadline),
                if clock.started_at.is_some() {
                    "（自受理起计时）"
                } else {
                    "（暂自受理起算，签收后重新计算）"
                }
            ),
            started,
        ));
        clock
    }

    /// The person inside the unit, traced; nobody yet for a case the centre has to dispatch.
    pub(super) async fn assign(
        &self,
        at: &Deciding<'_>,
        item: &Item,
        handover: &Handover,
        trace: &mut Vec<TraceStep>,
    ) -> (Option<Assignee>, Option<Reservation>) {
        if handover.held {
            return (None, None);
        }
        let started = Instant::now();
        let assignment = crate::cases::assignment::assign(
            &self.workloads,
            at.reference,
            &handover.unit.code,
            item,
            at.event.location.community_code.as_deref(),
        )
        .await;
        trace.push(step(
            "assign",
            DecidedBy::District,
            assignment.outcome,
            assignment.detail,
            started,
        ));
        (assignment.assignee, assignment.reservation)
    }
}
