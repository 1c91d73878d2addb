//! Where a case stands, in Open311's words: GeoReport v2's `open` / `closed`, and the
//! extended states of mySociety's `servicerequestupdates` that FixMyStreet reads. Every
//! [`Status`] has one of each (the table is in the README):
//!
//! | status | GeoReport | extended |
//! |---|---|---|
//! | accepted 已受理 | open | open |
//! | dispatched 待签收 | open | investigating |
//! | signed 已签收 | open | action_scheduled |
//! | in_progress 处置中 | open | in_progress |
//! | return_requested 退单申请 | open | internal_referral |
//! | extension_requested 延期申请 | open | in_progress |
//! | parked 挂账 | open | action_scheduled |
//! | handled 待核查 | open | fixed |
//! | follow_up 待回访 | open | fixed |
//! | closed 已结案 | closed | closed |
//! | rejected 不予受理 | closed | not_councils_responsibility |
//! | merged 已合并 | closed | duplicate |

use crate::domain::Status;

/// GeoReport v2's two states: a final case is `closed`, any other `open`.
pub fn open_or_closed(status: Status) -> &'static str {
    if status.is_final() { "closed" } else { "open" }
}

/// mySociety's extended state of a case in `status`.
pub fn extended(status: Status) -> &'static str {
    match status {
        Status::Accepted => "open",
        Status::Dispatched => "investigating",
        Status::Signed | Status::Parked => "action_scheduled",
        Status::InProgress | Status::ExtensionRequested => "in_progress",
        Status::ReturnRequested => "internal_referral",
        // The unit reports it fixed; a failed verification sends it back to in_progress,
        // and the next update says so.
        Status::Handled | Status::FollowUp => "fixed",
        Status::Closed => "closed",
        Status::Rejected => "not_councils_responsibility",
        Status::Merged => "duplicate",
    }
}

/// The statuses a GeoReport `status` filter value (`open` or `closed`) stands for.
pub fn statuses_of(filter: &str) -> Option<Vec<Status>> {
    let closed = match filter.trim() {
        "open" => false,
        "closed" => true,
        _ => return None,
    };
    Some(
        Status::ALL
            .into_iter()
            .filter(|s| s.is_final() == closed)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_has_both_names_and_the_filters_split_them_all() {
        let open = statuses_of("open").unwrap();
        let closed = statuses_of("closed").unwrap();
        assert_eq!(open.len() + closed.len(), Status::ALL.len());
        for status in Status::ALL {
            assert_eq!(closed.contains(&status), open_or_closed(status) == "closed");
            assert!(!extended(status).is_empty());
        }
        assert_eq!(extended(Status::Merged), "duplicate");
        assert_eq!(open_or_closed(Status::Rejected), "closed");
        assert_eq!(statuses_of("pending"), None);
    }
}
