//! What the centre's item and merge actions decide: the case routed anew for a chosen item,
//! and the open case a report is merged into.

use crate::domain::{Classification, Item, TimeLimit, UnitRef};
use crate::lifecycle::Action;
use crate::reference::Reference;
use crate::routing;
use crate::storage::{CaseHead, Db};

use super::act::{Act, ActError};

/// What a merge action does to the report's link.
pub(super) enum Merge {
    /// Merged into this open case.
    Into(String),
    Out,
}

/// The open case `act.into` names, checked as a case `event_id` can be merged into.
pub(super) async fn main_case(db: &Db, event_id: &str, act: &Act) -> Result<String, ActError> {
    let invalid = |code, message: String| Err(ActError::Invalid { code, message });
    let Some(main) = act.into.as_deref() else {
        return invalid(
            "missing_case",
            format!("{} needs the case to merge the report into", act.action),
        );
    };
    if main == event_id {
        return invalid("same_case", "a case cannot be merged into itself".into());
    }
    let Some(head) = db.case_head(main).await? else {
        return invalid("unknown_case", format!("no case {main:?}"));
    };
    if head.status.is_final() {
        return invalid(
            "case_closed",
            format!("case {main} is {}: merge into an open case", head.status),
        );
    }
    if !db.merged_reports(event_id).await?.is_empty() {
        return invalid(
            "has_merged_reports",
            format!("reports are merged into {event_id}: split them out first"),
        );
    }
    Ok(main.to_string())
}

/// A case routed anew for the item the centre chose.
pub(super) struct Rerouted<'a> {
    pub(super) item: &'a Item,
    pub(super) classification: Classification,
    pub(super) owner: UnitRef,
    pub(super) handling: UnitRef,
    pub(super) candidates: Vec<String>,
    pub(super) time_limit: TimeLimit,
}

/// Routes the case for `act.item`, as intake would have (without the street's router).
pub(super) fn reroute<'a>(
    reference: &'a Reference,
    head: &CaseHead,
    act: &Act,
) -> Result<Rerouted<'a>, ActError> {
    let invalid = |code, message: String| Err(ActError::Invalid { code, message });
    let Some(code) = act.item.as_deref() else {
        return invalid(
            "missing_item",
            format!("{} needs the catalog item the case belongs to", act.action),
        );
    };
    let Some(item) = reference.item(code) else {
        return invalid("unknown_item", format!("unknown catalog item {code:?}"));
    };
    if act.action == Action::Reclassify && item.code == head.item_code {
        return invalid(
            "same_item",
            format!("the case is already classified as {code}: choose another item"),
        );
    }
    let Some(street) = reference.district.street(&head.street_code) else {
        return Err(ActError::Internal(anyhow::anyhow!(
            "the case's street {} is not in the reference data",
            head.street_code
        )));
    };
    let route = routing::route(reference, item, street, head.community_code.as_deref());
    let reason = match act.action {
        Action::Reclassify => "指挥中心改类",
        _ => "指挥中心分拨",
    };
    Ok(Rerouted {
        item,
        classification: Classification {
            reason: match &act.reason {
                Some(why) => format!("{reason}：{why}"),
                None => reason.to_string(),
            },
            ..crate::understanding::classify_as(reference, item)
        },
        owner: route.owner.clone(),
        handling: route.handling.clone(),
        candidates: route.candidates.iter().map(|u| u.code.clone()).collect(),
        time_limit: route.time_limit,
    })
}
