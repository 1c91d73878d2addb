//! The transition table: the one place that decides what may happen to a case next.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::Flow;
use crate::domain::Status;

/// An enum whose variants have one snake_case name each, used in the API, the database and
/// the timeline hash (so a name, once shipped, never changes).
macro_rules! named {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant,)+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)+ }
            }

            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

named! {
    /// Something done to a case. Side flags that do not move the case (督办) are actions too,
    /// so that they land on the timeline with who and why.
    Action {
        /// 分拨/派遣: the centre sends an accepted case (one the classifier was unsure of,
        /// waiting in 待分拨) to the unit responsible for the item it chose.
        Dispatch = "dispatch",
        /// 不予受理.
        Reject = "reject",
        /// 签收.
        Sign = "sign",
        /// 开始处置.
        Start = "start",
        /// 退单申请 (属地不符, 权属不清, 职能交叉...).
        RequestReturn = "request_return",
        /// 审定: the return is accepted and the case reassigned (改派) to another unit.
        ApproveReturn = "approve_return",
        /// 驳回退单.
        RefuseReturn = "refuse_return",
        /// 延期申请.
        RequestExtension = "request_extension",
        ApproveExtension = "approve_extension",
        DenyExtension = "deny_extension",
        /// 挂账.
        Park = "park",
        Unpark = "unpark",
        /// 办结, with the handling report (处理反馈).
        Finish = "finish",
        /// 核查通过.
        VerifyPass = "verify_pass",
        /// 核查不通过: back to the unit for rework (返工).
        VerifyFail = "verify_fail",
        /// 回访满意.
        FollowUpSatisfied = "follow_up_satisfied",
        /// 回访不满意: redone (重办).
        FollowUpUnsatisfied = "follow_up_unsatisfied",
        /// 结案 without a satisfaction answer (the citizen could not be reached, say).
        Close = "close",
        /// 督办: the case is flagged for supervision; it stays where it is.
        Supervise = "supervise",
        /// 预警: the timers warn the handler that most of the time limit is spent; the case
        /// stays where it is.
        Warn = "warn",
        /// 改派承办人: a supervisor gives the case to another person of its handling unit; the
        /// case stays where it is.
        Assign = "assign",
        /// 改类: the centre corrects the case's catalog item; the responsibility list decides
        /// its unit and deadline afresh and the unit signs for it anew.
        Reclassify = "reclassify",
        /// 合并: the centre closes a duplicate report into the case reported first; its
        /// reporter is told when that case closes.
        Merge = "merge",
        /// 取消合并: a merged report is split out again and waits in 待分拨.
        Unmerge = "unmerge",
    }
}

named! {
    /// Who acts on a case.
    Role {
        /// A person of the handling unit (承办人).
        Handler = "handler",
        /// The handling unit's administrator (单位管理员).
        UnitAdmin = "unit_admin",
        /// The head of a section of the handling unit (科室负责人, 中队长).
        SectionChief = "section_chief",
        /// The command centre (指挥中心): dispatch, adjudication, follow-up calls, supervision.
        Centre = "centre",
        /// An on-site inspector (核查员).
        Inspector = "inspector",
        /// A street or district leader (领导): supervises (督办) within their reach.
        Leader = "leader",
        /// The platform itself: intake, automatic sign-for, timers.
        System = "system",
    }
}

/// What an action must carry besides actor and role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Requires {
    Nothing,
    /// A reason: the centre or the next unit must know why.
    Reason,
    /// A note: the handling report.
    Note,
    /// The unit the case is reassigned to.
    Unit,
    /// The staff member of the handling unit the case is assigned to.
    Assignee,
    /// The catalog item the case belongs to.
    Item,
    /// The open case a report is merged into.
    Case,
}

/// One row of the table.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    pub from: Status,
    pub action: Action,
    pub to: Status,
    pub roles: &'static [Role],
    pub requires: Requires,
}

const fn rule_row(
    from: Status,
    action: Action,
    to: Status,
    roles: &'static [Role],
    requires: Requires,
) -> Rule {
    Rule {
        from,
        action,
        to,
        roles,
        requires,
    }
}

use Action as A;
use Requires as Q;
use Role as R;
use Status as S;

const UNIT: &[Role] = &[R::Handler, R::UnitAdmin];
const UNIT_OR_SYSTEM: &[Role] = &[R::Handler, R::UnitAdmin, R::System];
const INSPECTOR: &[Role] = &[R::Inspector];
const CENTRE: &[Role] = &[R::Centre];
const CENTRE_OR_SYSTEM: &[Role] = &[R::Centre, R::System];
const SUPERVISION: &[Role] = &[R::Centre, R::Leader, R::System];
const SUPERVISORS: &[Role] = &[R::UnitAdmin, R::SectionChief, R::Centre];
const SYSTEM: &[Role] = &[R::System];

/// Every transition the platform allows, in the order of the full flow. A flow never adds a
/// row; it only skips optional states (see [`Flow`]).
// One row per line, aligned: the table is read more often than it is written.
#[rustfmt::skip]
pub const TRANSITIONS: &[Rule] = &[
    rule_row(S::Accepted,           A::Dispatch,            S::Dispatched,         CENTRE_OR_SYSTEM, Q::Item),
    rule_row(S::Accepted,           A::Reject,              S::Rejected,           CENTRE_OR_SYSTEM, Q::Reason),
    rule_row(S::Dispatched,         A::Sign,                S::Signed,             UNIT_OR_SYSTEM,   Q::Nothing),
    rule_row(S::Dispatched,         A::RequestReturn,       S::ReturnRequested,    UNIT,             Q::Reason),
    rule_row(S::Signed,             A::Start,               S::InProgress,         UNIT,             Q::Nothing),
    rule_row(S::Signed,             A::RequestReturn,       S::ReturnRequested,    UNIT,             Q::Reason),
    // The reassigned unit signs for it afresh.
    rule_row(S::ReturnRequested,    A::ApproveReturn,       S::Dispatched,         CENTRE,           Q::Unit),
    // The centre's ruling binds the unit: the case counts as signed for, with no second
    // sign-for to stall on, whether the return was asked before or after signing.
    rule_row(S::ReturnRequested,    A::RefuseReturn,        S::Signed,             CENTRE,           Q::Reason),
    rule_row(S::InProgress,         A::RequestExtension,    S::ExtensionRequested, UNIT,             Q::Reason),
    rule_row(S::ExtensionRequested, A::ApproveExtension,    S::InProgress,         CENTRE,           Q::Nothing),
    rule_row(S::ExtensionRequested, A::DenyExtension,       S::InProgress,         CENTRE,           Q::Reason),
    // Parking needs the centre's approval, so only the centre parks.
    rule_row(S::InProgress,         A::Park,                S::Parked,             CENTRE,           Q::Reason),
    rule_row(S::Parked,             A::Unpark,              S::InProgress,         CENTRE,           Q::Nothing),
    rule_row(S::InProgress,         A::Finish,              S::Handled,            UNIT,             Q::Note),
    rule_row(S::Handled,            A::VerifyPass,          S::FollowUp,           INSPECTOR,        Q::Nothing),
    rule_row(S::Handled,            A::VerifyFail,          S::InProgress,         INSPECTOR,        Q::Reason),
    rule_row(S::FollowUp,           A::FollowUpSatisfied,   S::Closed,             CENTRE,           Q::Nothing),
    rule_row(S::FollowUp,           A::FollowUpUnsatisfied, S::InProgress,         CENTRE,           Q::Reason),
    rule_row(S::FollowUp,           A::Close,               S::Closed,             CENTRE,           Q::Reason),
    // 督办 flags an open case without moving it; it is on the timeline like any transition.
    rule_row(S::Dispatched,         A::Supervise,           S::Dispatched,         SUPERVISION,      Q::Reason),
    rule_row(S::Signed,             A::Supervise,           S::Signed,             SUPERVISION,      Q::Reason),
    rule_row(S::InProgress,         A::Supervise,           S::InProgress,         SUPERVISION,      Q::Reason),
    rule_row(S::ReturnRequested,    A::Supervise,           S::ReturnRequested,    SUPERVISION,      Q::Reason),
    rule_row(S::ExtensionRequested, A::Supervise,           S::ExtensionRequested, SUPERVISION,      Q::Reason),
    rule_row(S::Parked,             A::Supervise,           S::Parked,             SUPERVISION,      Q::Reason),
    rule_row(S::Handled,            A::Supervise,           S::Handled,            SUPERVISION,      Q::Reason),
    rule_row(S::FollowUp,           A::Supervise,           S::FollowUp,           SUPERVISION,      Q::Reason),
    // 预警 from the timers, in the states where the handling clock runs.
    rule_row(S::Dispatched,         A::Warn,                S::Dispatched,         SYSTEM,           Q::Nothing),
    rule_row(S::Signed,             A::Warn,                S::Signed,             SYSTEM,           Q::Nothing),
    rule_row(S::InProgress,         A::Warn,                S::InProgress,         SYSTEM,           Q::Nothing),
    rule_row(S::ReturnRequested,    A::Warn,                S::ReturnRequested,    SYSTEM,           Q::Nothing),
    rule_row(S::ExtensionRequested, A::Warn,                S::ExtensionRequested, SYSTEM,           Q::Nothing),
    // 改派承办人 hands an open case to another person of its unit without moving it.
    rule_row(S::Dispatched,         A::Assign,              S::Dispatched,         SUPERVISORS,      Q::Assignee),
    rule_row(S::Signed,             A::Assign,              S::Signed,             SUPERVISORS,      Q::Assignee),
    rule_row(S::InProgress,         A::Assign,              S::InProgress,         SUPERVISORS,      Q::Assignee),
    rule_row(S::ReturnRequested,    A::Assign,              S::ReturnRequested,    SUPERVISORS,      Q::Assignee),
    rule_row(S::ExtensionRequested, A::Assign,              S::ExtensionRequested, SUPERVISORS,      Q::Assignee),
    rule_row(S::Parked,             A::Assign,              S::Parked,             SUPERVISORS,      Q::Assignee),
    rule_row(S::Handled,            A::Assign,              S::Handled,            SUPERVISORS,      Q::Assignee),
    rule_row(S::FollowUp,           A::Assign,              S::FollowUp,           SUPERVISORS,      Q::Assignee),
    // 改类 corrects the item of an open case before it is handled; the responsible unit signs
    // for it afresh.
    rule_row(S::Dispatched,         A::Reclassify,          S::Dispatched,         CENTRE,           Q::Item),
    rule_row(S::Signed,             A::Reclassify,          S::Dispatched,         CENTRE,           Q::Item),
    rule_row(S::InProgress,         A::Reclassify,          S::Dispatched,         CENTRE,           Q::Item),
    rule_row(S::ReturnRequested,    A::Reclassify,          S::Dispatched,         CENTRE,           Q::Item),
    rule_row(S::ExtensionRequested, A::Reclassify,          S::Dispatched,         CENTRE,           Q::Item),
    rule_row(S::Parked,             A::Reclassify,          S::Dispatched,         CENTRE,           Q::Item),
    // 合并 before anyone works on the report; split out, it waits to be dispatched.
    rule_row(S::Accepted,           A::Merge,               S::Merged,             CENTRE,           Q::Case),
    rule_row(S::Dispatched,         A::Merge,               S::Merged,             CENTRE,           Q::Case),
    rule_row(S::Signed,             A::Merge,               S::Merged,             CENTRE,           Q::Case),
    rule_row(S::Merged,             A::Unmerge,             S::Accepted,           CENTRE,           Q::Reason),
];

/// The row for `action` in `state`, whoever acts.
pub fn rule(state: Status, action: Action) -> Option<&'static Rule> {
    TRANSITIONS
        .iter()
        .find(|r| r.from == state && r.action == action)
}

/// The actions `role` may take in `state`, in table order.
pub fn allowed(state: Status, role: Role) -> Vec<Action> {
    TRANSITIONS
        .iter()
        .filter(|r| r.from == state && r.roles.contains(&role))
        .map(|r| r.action)
        .collect()
}

/// Refused: `action` by `role` is not possible in `current`; `allowed` is what that role may do.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{} in state {current}", explain(*.action, *.role, *.current))]
pub struct NotAllowed {
    pub current: Status,
    pub action: Action,
    pub role: Role,
    pub allowed: Vec<Action>,
}

fn explain(action: Action, role: Role, current: Status) -> String {
    match rule(current, action) {
        Some(_) => format!("role {role} may not {action}"),
        None => format!("{action} is not possible"),
    }
}

/// The state `action` by `role` moves a case in `state` to, under `flow`. A target the flow
/// skips is passed through (see [`Flow::pass`]).
pub fn next(state: Status, action: Action, role: Role, flow: &Flow) -> Result<Status, NotAllowed> {
    match rule(state, action) {
        Some(r) if r.roles.contains(&role) => Ok(flow.pass(r.to)),
        _ => Err(NotAllowed {
            current: state,
            action,
            role,
            allowed: allowed(state, role),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Source;
    use crate::lifecycle::Flows;

    fn full() -> Flow {
        Flow::new("full", vec![], vec![]).unwrap()
    }

    #[test]
    fn each_state_and_action_has_at_most_one_row() {
        for (i, a) in TRANSITIONS.iter().enumerate() {
            for b in &TRANSITIONS[i + 1..] {
                assert!(
                    !(a.from == b.from && a.action == b.action),
                    "{} × {} twice",
                    a.from,
                    a.action
                );
            }
        }
    }

    #[test]
    fn every_state_but_the_final_ones_has_a_way_out_and_every_state_is_reachable() {
        for state in Status::ALL {
            let out = TRANSITIONS.iter().any(|r| r.from == state && r.to != state);
            // A merged report is over, but the centre can split it out again.
            assert_eq!(out, !state.is_final() || state == Status::Merged, "{state}");
            let reached = state == Status::Accepted || TRANSITIONS.iter().any(|r| r.to == state);
            assert!(reached, "{state} is unreachable");
        }
    }

    #[test]
    fn the_normal_path_runs_from_dispatch_to_closed() {
        let flow = full();
        let mut state = Status::Dispatched;
        for (action, role) in [
            (Action::Sign, Role::Handler),
            (Action::Start, Role::Handler),
            (Action::Finish, Role::Handler),
            (Action::VerifyPass, Role::Inspector),
            (Action::FollowUpSatisfied, Role::Centre),
        ] {
            state = next(state, action, role, &flow).unwrap();
        }
        assert_eq!(state, Status::Closed);
    }

    #[test]
    fn rework_and_redo_send_the_case_back_to_the_unit() {
        let flow = full();
        assert_eq!(
            next(Status::Handled, Action::VerifyFail, Role::Inspector, &flow),
            Ok(Status::InProgress)
        );
        assert_eq!(
            next(
                Status::FollowUp,
                Action::FollowUpUnsatisfied,
                Role::Centre,
                &flow
            ),
            Ok(Status::InProgress)
        );
    }

    #[test]
    fn a_refused_action_names_the_state_and_what_the_role_may_do_instead() {
        let err = next(Status::Dispatched, Action::Finish, Role::Handler, &full()).unwrap_err();
        assert_eq!(err.current, Status::Dispatched);
        assert_eq!(err.allowed, vec![Action::Sign, Action::RequestReturn]);
        assert_eq!(
            err.to_string(),
            "finish is not possible in state dispatched"
        );
    }

    #[test]
    fn a_role_without_the_right_is_refused_even_when_the_action_exists() {
        let err = next(
            Status::ReturnRequested,
            Action::ApproveReturn,
            Role::Handler,
            &full(),
        )
        .unwrap_err();
        assert!(err.allowed.is_empty());
        assert_eq!(
            err.to_string(),
            "role handler may not approve_return in state return_requested"
        );
    }

    #[test]
    fn supervision_is_recorded_on_any_open_case_without_moving_it() {
        for state in Status::ALL
            .into_iter()
            .filter(|s| !s.is_final() && *s != Status::Accepted)
        {
            assert_eq!(
                next(state, Action::Supervise, Role::System, &full()),
                Ok(state)
            );
            assert!(next(state, Action::Supervise, Role::Handler, &full()).is_err());
        }
    }

    #[test]
    fn a_supervisor_may_reassign_any_open_case_without_moving_it_and_a_handler_may_not() {
        for state in Status::ALL
            .into_iter()
            .filter(|s| !s.is_final() && *s != Status::Accepted)
        {
            for role in [Role::UnitAdmin, Role::SectionChief, Role::Centre] {
                assert_eq!(next(state, Action::Assign, role, &full()), Ok(state));
            }
            assert!(next(state, Action::Assign, Role::Handler, &full()).is_err());
        }
        assert!(next(Status::Closed, Action::Assign, Role::Centre, &full()).is_err());
    }

    #[test]
    fn closed_and_rejected_cases_allow_nothing() {
        for role in Role::ALL {
            assert!(allowed(Status::Closed, *role).is_empty());
            assert!(allowed(Status::Rejected, *role).is_empty());
        }
    }

    #[test]
    fn shipped_flows_skip_what_the_channel_does_not_need() {
        let flows = Flows::shipped();
        let grid = flows.for_source(Source::Grid);
        assert_eq!(
            next(Status::InProgress, Action::Finish, Role::Handler, grid),
            Ok(Status::Closed)
        );
        let hotline = flows.for_source(Source::Hotline);
        assert_eq!(
            next(
                Status::Handled,
                Action::VerifyPass,
                Role::Inspector,
                hotline
            ),
            Ok(Status::FollowUp)
        );
        let sensor = flows.for_source(Source::Sensor);
        assert_eq!(sensor.initial(), Status::Signed);
        assert_eq!(
            next(
                Status::ReturnRequested,
                Action::ApproveReturn,
                Role::Centre,
                sensor
            ),
            Ok(Status::Signed)
        );
    }
}
