//! Domain values into their WIT form. Only what a plugin may see crosses: never the reporter.

use super::bindings::types;
use crate::domain::{Classification, Event, Priority, Source};

pub(crate) fn event(e: &Event) -> types::Event {
    types::Event {
        id: e.id.clone(),
        source: source(e.source),
        description: e.description.clone(),
        reported_at: crate::calendar::rfc3339(e.reported_at),
        location: types::Location {
            street_code: e.location.street_code.clone(),
            street_name: e.location.street_name.clone(),
            community: e.location.community_name.clone(),
            grid: e.location.grid.clone(),
            lat: e.location.lat,
            lon: e.location.lon,
            address: e.location.address.clone(),
        },
        attributes: e
            .attributes
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    }
}

/// The bytes of an event a plugin would receive, for the input cap.
pub(crate) fn input_size(e: &types::Event) -> usize {
    e.description.len()
        + e.location.address.as_ref().map_or(0, String::len)
        + e.attributes
            .iter()
            .map(|(k, v)| k.len() + v.len())
            .sum::<usize>()
}

pub(crate) fn classification(c: &Classification) -> types::Classification {
    types::Classification {
        item_code: c.item_code.clone(),
        confidence: c.confidence,
        priority: priority(c.priority),
        tags: c.tags.clone(),
        reason: c.reason.clone(),
    }
}

fn source(s: Source) -> types::Source {
    match s {
        Source::Hotline => types::Source::Hotline,
        Source::Letter => types::Source::Letter,
        Source::Web => types::Source::Web,
        Source::Grid => types::Source::Grid,
        Source::Sensor => types::Source::Sensor,
        Source::Referral => types::Source::Referral,
        Source::Scenario => types::Source::Scenario,
        Source::Other => types::Source::Other,
    }
}

pub(crate) fn priority(p: Priority) -> types::Priority {
    match p {
        Priority::Low => types::Priority::Low,
        Priority::Normal => types::Priority::Normal,
        Priority::High => types::Priority::High,
        Priority::Urgent => types::Priority::Urgent,
    }
}

/// A WIT priority in domain terms.
pub fn priority_from(p: types::Priority) -> Priority {
    match p {
        types::Priority::Low => Priority::Low,
        types::Priority::Normal => Priority::Normal,
        types::Priority::High => Priority::High,
        types::Priority::Urgent => Priority::Urgent,
    }
}
