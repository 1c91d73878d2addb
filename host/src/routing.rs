//! Routing: who must act on an item in a place. The responsibility list (权责清单) names the
//! owner unit, the candidate handling units in order and the time limit; the first candidate
//! is the default. Intake and the centre's dispatch and correction (改类) route through here
//! alike.
//!
//! This module is the district's rule only, over plain types. The street router plugin that
//! may choose another candidate at intake is a plugin call, so it lives with intake's other
//! steps, in `intake/dispatch.rs` (`choose_unit`).

use crate::domain::{Item, Responsibility, Street, TimeLimit, Unit, UnitRef};
use crate::reference::Reference;

/// Where an item in a place goes.
#[derive(Debug)]
pub struct Route<'a> {
    pub entry: &'a Responsibility,
    pub owner: UnitRef,
    /// The candidates, the default first.
    pub candidates: Vec<&'a Unit>,
    /// The default handling unit: the first candidate, or the owner when no candidate
    /// resolves (only a community workstation was listed and the community is unknown).
    pub handling: UnitRef,
    pub time_limit: TimeLimit,
}

impl Route<'_> {
    /// The responsibility step's trace text: the item, where its entry applies (the whole
    /// district or the street), the candidates and the default.
    pub fn describe(&self, item: &Item, street: &Street) -> String {
        format!(
            "{}（{}）：候选单位 {}；默认 {}",
            item.name,
            if self.entry.area == "*" {
                "全区"
            } else {
                street.short_name()
            },
            self.candidates
                .iter()
                .map(|u| u.name.as_str())
                .collect::<Vec<_>>()
                .join("、"),
            self.handling.name
        )
    }
}

/// Routes `item` in `street` (and `community`, when known).
pub fn route<'a>(
    reference: &'a Reference,
    item: &'a Item,
    street: &'a Street,
    community: Option<&str>,
) -> Route<'a> {
    let entry = reference
        .responsibility(&item.code, &street.code)
        .expect("the reference data has a district-wide entry for every item");
    let owner = unit_ref(reference, &entry.owner_unit);
    let candidates = reference.candidates(entry, street, community);
    let handling = match candidates.first() {
        Some(unit) => UnitRef {
            code: unit.code.clone(),
            name: unit.name.clone(),
        },
        None => owner.clone(),
    };
    Route {
        entry,
        owner,
        candidates,
        handling,
        time_limit: entry.time_limit.unwrap_or(item.time_limit),
    }
}

/// A unit by code, with its name when the reference data knows it.
pub fn unit_ref(reference: &Reference, code: &str) -> UnitRef {
    UnitRef {
        code: code.to_string(),
        name: reference
            .unit(code)
            .map(|u| u.name.clone())
            .unwrap_or_else(|| code.to_string()),
    }
}
