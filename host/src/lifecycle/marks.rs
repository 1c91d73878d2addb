//! What an applied action adds to a case's indicator facts (see `crate::indicators`). Storage
//! applies these in the transaction that moves the case.

use super::Action;
use crate::domain::Status;

/// The facts one transition changes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Marks {
    /// A handling report: the case's handled time becomes the transition's time.
    pub handled: bool,
    /// The case reached `closed`: its closed time becomes the transition's time.
    pub closed: bool,
    pub rework: bool,
    pub reassigned: bool,
    pub extended: bool,
    pub satisfied: bool,
    pub unsatisfied: bool,
}

impl Marks {
    /// The marks of `action` moving a case to `to` (a flow may pass a finished case straight
    /// to `closed`, so both are needed).
    pub fn of(action: Action, to: Status) -> Self {
        Self {
            handled: action == Action::Finish,
            closed: to == Status::Closed,
            rework: action == Action::VerifyFail,
            reassigned: action == Action::ApproveReturn,
            extended: action == Action::ApproveExtension,
            satisfied: action == Action::FollowUpSatisfied,
            unsatisfied: action == Action::FollowUpUnsatisfied,
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grid_report_finished_straight_to_closed_is_both_handled_and_closed() {
        let m = Marks::of(Action::Finish, Status::Closed);
        assert!(m.handled && m.closed);
        assert!(Marks::of(Action::Finish, Status::Handled).handled);
        assert!(!Marks::of(Action::Finish, Status::Handled).closed);
    }

    #[test]
    fn only_the_counted_actions_leave_marks() {
        assert!(Marks::of(Action::Sign, Status::Signed).is_empty());
        assert!(Marks::of(Action::Supervise, Status::InProgress).is_empty());
        assert!(Marks::of(Action::DenyExtension, Status::InProgress).is_empty());
        assert!(Marks::of(Action::VerifyFail, Status::InProgress).rework);
        assert!(Marks::of(Action::ApproveReturn, Status::Dispatched).reassigned);
        assert!(Marks::of(Action::Close, Status::Closed).closed);
    }
}
