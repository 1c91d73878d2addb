//! The timer scan: finds the cases whose next timer is due (`events.timer_at`, indexed) and
//! fires each in its own transaction, through the same guarded write as any lifecycle action.
//!
//! Timers live in the database, not in memory: a host that was down fires what came due
//! meanwhile on its first scan, in order (warning, then overdue, then each escalation). A
//! timer fires only if the case's revision is still the one it was decided from, so when two
//! hosts share a database and scan at once, one of them writes each timer and the other finds
//! the case already moved on and skips it.

use jiff::Timestamp;
use serde::Serialize;

use super::rules::{Due, Escalation, fire, level_name, next_timer};
use crate::calendar::rfc3339;
use crate::cases::{millisecond, transition};
use crate::lifecycle::{self, Action, Draft, Flows, Role};
use crate::storage::audit::AuditEntry;
use crate::storage::{Db, Transition};

/// Cases read per round of a scan.
const ROUND: u32 = 200;

/// What one scan fired.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Fired {
    pub warnings: u64,
    pub overdue: u64,
    pub escalations: u64,
    /// Ended cases whose reporter's personal data was erased (the retention timer).
    pub erased: u64,
}

impl Fired {
    pub fn total(&self) -> u64 {
        self.warnings + self.overdue + self.escalations + self.erased
    }

    fn count(&mut self, due: Due) {
        match due {
            Due::Warn => self.warnings += 1,
            Due::Overdue => self.overdue += 1,
            Due::Escalate(_) => self.escalations += 1,
        }
    }
}

/// Fires every timer due at `now`, including those that came due while no host was running.
pub async fn fire_due(db: &Db, escalation: Escalation, now: Timestamp) -> anyhow::Result<Fired> {
    let mut fired = Fired {
        erased: db.erase_personal_data(now).await?,
        ..Fired::default()
    };
    loop {
        let due = db.due_timers(now, ROUND).await?;
        let mut moved = false;
        for event_id in &due {
            if let Some(what) = fire_one(db, escalation, event_id, now).await? {
                fired.count(what);
                moved = true;
            }
        }
        // Each fired timer moves its case on, so rounds repeat until nothing is due (a case
        // down for days fires its warning, overdue and escalations in order). A round where
        // every case was taken by another host, or only re-timed, ends the scan: whatever
        // is still due is that host's, or the next scan's.
        if !moved {
            return Ok(fired);
        }
    }
}

/// Fires the timer of one case if it is due: `None` when nothing fired (not due after all,
/// or another host fired it first).
async fn fire_one(
    db: &Db,
    escalation: Escalation,
    event_id: &str,
    now: Timestamp,
) -> anyhow::Result<Option<Due>> {
    let Some(head) = db.case_head(event_id).await? else {
        return Ok(None);
    };
    let next = next_timer(&head.clock, escalation);
    let Some((when, due)) = next.filter(|(when, _)| *when <= now) else {
        // Stored before a change of settings (a longer escalation delay, say): set it right.
        let timer_at = next.map(|(when, _)| when);
        if timer_at != head.clock.timer_at {
            db.retime(event_id, head.rev, timer_at).await?;
        }
        return Ok(None);
    };
    let flow = Flows::shipped().for_source(head.source);
    let action = match due {
        Due::Warn => Action::Warn,
        Due::Overdue | Due::Escalate(_) => Action::Supervise,
    };
    let Ok(to) = lifecycle::next(head.status, action, Role::System, flow) else {
        // A clock running in a state without timers: nothing to fire, ever.
        tracing::warn!(event_id, status = %head.status, ?due, "a timer is due in a state that has none");
        db.retime(event_id, head.rev, None).await?;
        return Ok(None);
    };
    let clock = fire(&head.clock, due, escalation);
    let deadline = rfc3339(head.clock.deadline);
    let (reason, note) = match due {
        Due::Warn => (
            None,
            format!(
                "黄灯预警：办理时限已用去 80%，截止 {deadline}；请承办人{}尽快处置",
                head.assignee
                    .as_deref()
                    .map_or(String::new(), |a| format!(" {a} "))
            ),
        ),
        Due::Overdue => (
            Some(format!("红灯超期：已超过办理时限（截止 {deadline}）")),
            format!("自动督办，{}", level_name(clock.supervision_level)),
        ),
        Due::Escalate(level) => (
            Some(format!("超期未办结（截止 {deadline}）")),
            format!("升级督办，{}", level_name(level)),
        ),
    };
    let entry = Draft {
        actor: "timer".into(),
        role: Role::System.as_str().into(),
        action: action.as_str().into(),
        from: head.status.as_str().into(),
        to: to.as_str().into(),
        reason,
        note: Some(format!("{note}（计时器应于 {} 触发）", rfc3339(when))),
        unit: None,
        assignee: None,
        deadline: None,
        item: None,
        at: millisecond(now),
    };
    let audit = AuditEntry {
        event_id: Some(event_id.into()),
        at: millisecond(now),
        ..AuditEntry::system(
            Some(&head.street_code),
            action.as_str(),
            &format!("event {event_id}"),
        )
    };
    // A timer never moves the case to another unit or person, nor ends it.
    let transition = Transition {
        audit: Some(&audit),
        ..transition(&head, to, entry, &clock, flow)
    };
    Ok(db
        .apply_transition(event_id, transition)
        .await?
        .map(|_| due))
}
