//! The routing rule as plain functions: no host calls here, so it reads (and tests) on its
//! own. Run the tests with `cargo test --target x86_64-unknown-linux-gnu`.

use crate::bindings::streetwise::plugin::types::{
    Candidate, Priority, RoutingChoice, Unit, UnitKind,
};

/// Splits a configured list on ASCII or full-width commas or 、, trimming blanks, since street
/// teams type these lists in Chinese input methods.
pub fn parse_list(value: &str) -> Vec<&str> {
    value
        .split([',', '，', '、'])
        .map(str::trim)
        .filter(|word| !word.is_empty())
        .collect()
}

/// Whether the event counts as urgent: by the district's priority, or because its item is
/// one the street team listed.
pub fn is_urgent(priority: Priority, item_code: &str, urgent_items: &[&str]) -> bool {
    priority == Priority::Urgent || urgent_items.contains(&item_code)
}

/// An urgent event goes to the first district bureau among the candidates; `None` (keep the
/// default) otherwise, or when there is no district bureau to choose.
pub fn choose(candidates: &[Candidate], urgent: bool) -> Option<RoutingChoice> {
    if !urgent {
        return None;
    }
    first_of_kind(candidates, UnitKind::DistrictBureau).map(|unit| RoutingChoice {
        unit_code: unit.code.clone(),
        reason: format!("{{street_short}}规则：紧急事件交{}处置", unit.name),
    })
}

fn first_of_kind(candidates: &[Candidate], kind: UnitKind) -> Option<&Unit> {
    candidates
        .iter()
        .map(|candidate| &candidate.unit)
        .find(|unit| unit.kind == kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(code: &str, kind: UnitKind, is_default: bool) -> Candidate {
        Candidate {
            unit: Unit {
                code: code.to_owned(),
                name: code.to_owned(),
                kind,
                community: None,
            },
            is_default,
        }
    }

    fn candidates() -> Vec<Candidate> {
        vec![
            candidate("{{street_slug}}.safety", UnitKind::StreetOffice, true),
            candidate("district.transport", UnitKind::DistrictBureau, false),
        ]
    }

    #[test]
    fn an_urgent_event_goes_to_the_first_district_bureau() {
        let choice = choose(&candidates(), true).unwrap();
        assert_eq!(choice.unit_code, "district.transport");
    }

    #[test]
    fn any_other_event_keeps_the_default() {
        assert!(choose(&candidates(), false).is_none());
    }

    #[test]
    fn without_a_district_bureau_the_default_stands() {
        let street_only = vec![candidate("{{street_slug}}.safety", UnitKind::StreetOffice, true)];
        assert!(choose(&street_only, true).is_none());
    }

    #[test]
    fn a_listed_item_counts_as_urgent_whatever_its_priority() {
        assert!(is_urgent(Priority::Urgent, "07-004", &[]));
        assert!(is_urgent(Priority::Normal, "06-007", &["06-007"]));
        assert!(!is_urgent(Priority::High, "06-003", &["06-007"]));
    }
}
