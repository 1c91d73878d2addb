//! Checks of what a plugin answers, against the contract: every answer passes here before
//! anything uses it, and each breach is a named fault.

use super::bindings::types;
use super::convert;
use super::fault::{Fault, FaultKind};
use super::text::{self, Lines};
use crate::domain::ScenarioAction;

const MAX_TAGS: usize = 16;
const MAX_TAG_CHARS: usize = 32;
const MAX_REASON_CHARS: usize = 500;
pub(crate) const MAX_ACTIONS: usize = 16;
const MAX_FOLLOW_UP_CHARS: usize = 2000;

pub(crate) fn classification(
    reference: &crate::reference::Reference,
    max_output_bytes: usize,
    c: types::Classification,
) -> Result<types::Classification, Fault> {
    let size = c.item_code.len() + c.reason.len() + c.tags.iter().map(String::len).sum::<usize>();
    if size > max_output_bytes {
        return Err(Fault::new(
            FaultKind::OutputTooLarge,
            format!(
                "classification of {size} bytes with {} tags, at most {} bytes",
                c.tags.len(),
                max_output_bytes
            ),
        ));
    }
    if reference.item(&c.item_code).is_none() {
        return Err(Fault::new(
            FaultKind::InvalidOutput,
            format!("item {} is not in the catalog", c.item_code),
        ));
    }
    if !c.confidence.is_finite() || !(0.0..=1.0).contains(&c.confidence) {
        return Err(Fault::new(
            FaultKind::InvalidOutput,
            format!("confidence {} is not between 0 and 1", c.confidence),
        ));
    }
    if c.tags.len() > MAX_TAGS {
        return Err(Fault::new(
            FaultKind::InvalidOutput,
            format!("{} tags, at most {MAX_TAGS}", c.tags.len()),
        ));
    }
    if let Some(tag) = c
        .tags
        .iter()
        .find(|t| t.trim().is_empty() || t.chars().count() > MAX_TAG_CHARS)
    {
        return Err(Fault::new(
            FaultKind::InvalidOutput,
            format!("tag {tag:?} is empty or longer than {MAX_TAG_CHARS} characters"),
        ));
    }
    for tag in &c.tags {
        text::check("a tag", tag, Lines::One)?;
    }
    reason(&c.reason)?;
    Ok(c)
}

pub(crate) fn reason(reason: &str) -> Result<(), Fault> {
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(Fault::new(
            FaultKind::InvalidOutput,
            format!("reason longer than {MAX_REASON_CHARS} characters"),
        ));
    }
    text::check("the reason", reason, Lines::Many)
}

pub(crate) fn action_size(a: &types::Action) -> usize {
    match a {
        types::Action::RaiseWarning(w) => {
            w.message.len() + w.community.as_ref().map_or(0, String::len)
        }
        types::Action::OpenFollowUp(f) => f.unit_code.len() + f.description.len(),
        types::Action::TagCase(t) => t.len(),
        types::Action::EscalateCase(e) => e.reason.len(),
    }
}

pub(crate) fn action(
    reference: &crate::reference::Reference,
    street: &str,
    action: types::Action,
) -> Result<ScenarioAction, Fault> {
    let invalid = |detail: String| Err(Fault::new(FaultKind::InvalidOutput, detail));
    match action {
        types::Action::RaiseWarning(w) => {
            if w.message.trim().is_empty() || w.message.chars().count() > MAX_REASON_CHARS {
                return invalid("a warning needs a message of at most 500 characters".into());
            }
            text::check("the warning message", &w.message, Lines::Many)?;
            if let Some(community) = &w.community {
                warning_community(reference, street, community)?;
            }
            Ok(ScenarioAction::Warning {
                level: match w.level {
                    types::WarningLevel::Yellow => "yellow",
                    types::WarningLevel::Red => "red",
                },
                message: w.message,
                community: w.community,
            })
        }
        types::Action::OpenFollowUp(f) => {
            match reference.unit(&f.unit_code) {
                Some(unit) if unit.visible_to(street) => {}
                Some(_) => {
                    return invalid(format!(
                        "follow-up for {} which belongs to another street",
                        f.unit_code
                    ));
                }
                None => return invalid(format!("follow-up for unknown unit {}", f.unit_code)),
            }
            if let Some(item) = &f.item_code
                && reference.item(item).is_none()
            {
                return invalid(format!("follow-up item {item} is not in the catalog"));
            }
            if f.description.trim().is_empty()
                || f.description.chars().count() > MAX_FOLLOW_UP_CHARS
            {
                return invalid(
                    "a follow-up needs a description of at most 2000 characters".into(),
                );
            }
            text::check("the follow-up description", &f.description, Lines::Many)?;
            Ok(ScenarioAction::FollowUp {
                unit_code: f.unit_code,
                item_code: f.item_code,
                description: f.description,
                priority: convert::priority_from(f.priority),
            })
        }
        types::Action::TagCase(tag) => {
            if tag.trim().is_empty() || tag.chars().count() > MAX_TAG_CHARS {
                return invalid(format!("tag {tag:?} is empty or too long"));
            }
            text::check("a tag", &tag, Lines::One)?;
            Ok(ScenarioAction::Tag(tag))
        }
        types::Action::EscalateCase(e) => {
            if !(1..=2).contains(&e.level) {
                return invalid(format!("escalation level {} (use 1 or 2)", e.level));
            }
            reason(&e.reason)?;
            Ok(ScenarioAction::Escalate {
                level: e.level,
                reason: e.reason,
            })
        }
    }
}

/// A warning may only name a community of the plugin's own street, as a follow-up may only
/// name its own street's units: the warning is shown to that community's people.
fn warning_community(
    reference: &crate::reference::Reference,
    street: &str,
    community: &str,
) -> Result<(), Fault> {
    let own = reference
        .district
        .street(street)
        .is_some_and(|s| s.community(community).is_some());
    if own {
        return Ok(());
    }
    let elsewhere = reference
        .district
        .streets
        .iter()
        .any(|s| s.community(community).is_some());
    let detail = if elsewhere {
        format!("warning for community {community} which belongs to another street")
    } else {
        format!("warning for unknown community {community}")
    };
    Err(Fault::new(FaultKind::InvalidOutput, detail))
}
