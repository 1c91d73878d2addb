//! Verdicts: a decision as one comparable text (`item 06-003 urgent`, `unit pinghu.cg`, the
//! actions of a scenario), and the comparison of the one applied with a candidate's. Shadow
//! runs and replays compare alike.

use crate::domain::{Action, Classification, Comparison, Event, ScenarioAction};
use crate::runtime::{CallReport, wit};

/// A scenario's actions as one comparable text: each action in a stable order ("follow-up
/// pinghu.flood-control 06-003 urgent; tag 内涝; warning yellow 山厦"), or "no actions".
pub fn scenario_verdict(actions: &[Action]) -> String {
    let mut parts: Vec<String> = actions
        .iter()
        .map(|action| match action {
            Action::EarlyWarning {
                level, community, ..
            } => format!(
                "warning {level}{}",
                community
                    .as_deref()
                    .map_or(String::new(), |c| format!(" {c}"))
            ),
            Action::FollowUp {
                unit_code,
                item_code,
                priority,
                ..
            } => format!("follow-up {unit_code} {item_code} {}", priority.as_str()),
            Action::Tag { tag } => format!("tag {tag}"),
            Action::Escalate { level, .. } => format!("escalate {level}"),
        })
        .collect();
    if parts.is_empty() {
        return "no actions".into();
    }
    parts.sort();
    parts.join("; ")
}

fn item_verdict(item_code: &str, priority: &str) -> String {
    format!("item {item_code} {priority}")
}

/// The classification production applied, as a verdict.
pub(crate) fn applied_verdict(applied: &Classification) -> String {
    item_verdict(&applied.item_code, applied.priority.as_str())
}

/// The unit production chose, as a verdict.
pub(crate) fn unit_verdict(unit_code: &str) -> String {
    format!("unit {unit_code}")
}

/// The candidate's verdict: its answer as `ok` makes it, or its fault.
fn verdict<T>(report: &CallReport<T>, ok: impl FnOnce(&T) -> String) -> String {
    match &report.result {
        Ok(answer) => ok(answer),
        Err(fault) => format!("fault:{}", fault.kind.as_str()),
    }
}

/// A classifier's verdict: its classification, or the district's when it kept it.
pub(crate) fn classifier_verdict(
    report: &CallReport<Option<wit::Classification>>,
    district: &Classification,
) -> String {
    verdict(report, |answer| match answer {
        Some(answer) => item_verdict(
            &answer.item_code,
            crate::runtime::priority_from(answer.priority).as_str(),
        ),
        None => applied_verdict(district),
    })
}

/// A router's verdict: the unit it chose, or `default` when it kept the default.
pub(crate) fn router_verdict(
    report: &CallReport<Option<wit::RoutingChoice>>,
    default: &str,
) -> String {
    verdict(report, |choice| {
        unit_verdict(choice.as_ref().map_or(default, |c| c.unit_code.as_str()))
    })
}

/// A scenario's verdict: its actions (a follow-up without an item takes `default_item`).
pub(crate) fn scenario_call_verdict(
    report: &CallReport<Vec<ScenarioAction>>,
    default_item: &str,
) -> String {
    verdict(report, |actions| {
        let actions: Vec<Action> = actions
            .iter()
            .cloned()
            .map(|a| a.into_action(default_item))
            .collect();
        scenario_verdict(&actions)
    })
}

pub(crate) fn compare<T>(
    event: &Event,
    applied: &Classification,
    active: String,
    candidate: String,
    report: &CallReport<T>,
) -> Comparison {
    Comparison {
        event_id: event.id.clone(),
        item_code: applied.item_code.clone(),
        active,
        candidate,
        fault: report
            .result
            .as_ref()
            .err()
            .map(|f| f.kind.as_str().to_string()),
        micros: report.elapsed.as_micros() as u64,
    }
}
