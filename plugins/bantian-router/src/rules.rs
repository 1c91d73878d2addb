//! The rules as plain functions: which major road an event mentions, what the building at the
//! event's address says about the place, and which candidate that makes responsible. No host
//! calls here.

use crate::bindings::streetwise::plugin::types::{Candidate, RoutingChoice, Unit, UnitKind};

/// Bantian's major roads when the street team configures none.
pub const DEFAULT_MAJOR_ROADS: &str = "坂雪岗大道,五和大道,布龙路,吉华路,稼先路,雪岗路,环城路";

/// Splits a configured list on ASCII or full-width commas or 、, trimming blanks, since street
/// teams type these lists in Chinese input methods.
pub fn parse_list(value: &str) -> Vec<&str> {
    value
        .split([',', '，', '、'])
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .collect()
}

/// The first configured road that the description or the address mentions.
pub fn major_road_mentioned<'a>(
    roads: &[&'a str],
    description: &str,
    address: Option<&str>,
) -> Option<&'a str> {
    roads.iter().copied().find(|road| {
        description.contains(road) || address.is_some_and(|address| address.contains(road))
    })
}

/// Rental units from which a building counts as densely let (群租).
pub const DEFAULT_RENTAL_UNITS_THRESHOLD: u32 = 20;

/// What the district's base data says about the event's place, when the plugin may read it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Place {
    /// Rooms or flats let out in the building.
    pub rental_units: u32,
    /// A restaurant or small venue (三小场所) is registered in the building.
    pub shopfront: Option<String>,
}

/// Why the place itself decides, if it does: a densely let building or a shopfront business is
/// the community's ground (its grid workers know the landlords and hold the 门前三包 pledges),
/// even on a major road.
pub fn place_rule(place: &Place, rental_threshold: u32) -> Option<String> {
    if let Some(name) = &place.shopfront {
        return Some(format!("坂田规则：{name}所在楼栋，门前三包由社区督促落实"));
    }
    (place.rental_units >= rental_threshold).then(|| {
        format!(
            "坂田规则：出租屋集中楼栋（{} 套出租），由社区网格就近处置",
            place.rental_units
        )
    })
}

/// The community workstation among the candidates, for a place rule.
pub fn choose_for_place(candidates: &[Candidate], reason: String) -> Option<RoutingChoice> {
    first_of_kind(candidates, UnitKind::CommunityWorkstation).map(|unit| RoutingChoice {
        unit_code: unit.code.clone(),
        reason,
    })
}

/// A district bureau for a major road, a community workstation otherwise; `None` when the
/// candidates hold no unit of that kind.
pub fn choose(candidates: &[Candidate], major_road: Option<&str>) -> Option<RoutingChoice> {
    match major_road {
        Some(road) => {
            first_of_kind(candidates, UnitKind::DistrictBureau).map(|unit| RoutingChoice {
                unit_code: unit.code.clone(),
                reason: format!("坂田规则：主干道（{road}）上的问题由区职能部门处置"),
            })
        }
        None => {
            first_of_kind(candidates, UnitKind::CommunityWorkstation).map(|unit| RoutingChoice {
                unit_code: unit.code.clone(),
                reason: "坂田规则：社区内部道路由社区工作站就近处置".to_owned(),
            })
        }
    }
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
            candidate("bantian.law-enforcement", UnitKind::StreetOffice, true),
            candidate("bantian.ws.003", UnitKind::CommunityWorkstation, false),
            candidate("district.urban-management", UnitKind::DistrictBureau, false),
            candidate("district.transport", UnitKind::DistrictBureau, false),
        ]
    }

    #[test]
    fn a_major_road_is_found_in_the_description_or_the_address() {
        let roads = parse_list(DEFAULT_MAJOR_ROADS);
        assert_eq!(
            major_road_mentioned(&roads, "五和大道华为基地门口路面塌陷", None),
            Some("五和大道")
        );
        assert_eq!(
            major_road_mentioned(&roads, "路面塌陷", Some("坂田街道布龙路与吉华路交汇处")),
            Some("布龙路")
        );
        assert_eq!(
            major_road_mentioned(&roads, "小区门口路灯不亮", Some("新雪社区")),
            None
        );
    }

    #[test]
    fn a_problem_on_a_major_road_goes_to_the_first_district_bureau() {
        let choice = choose(&candidates(), Some("五和大道")).unwrap();
        assert_eq!(choice.unit_code, "district.urban-management");
        assert!(choice.reason.contains("五和大道"));
    }

    #[test]
    fn a_problem_inside_a_community_goes_to_its_workstation() {
        let choice = choose(&candidates(), None).unwrap();
        assert_eq!(choice.unit_code, "bantian.ws.003");
    }

    #[test]
    fn a_shopfront_or_a_densely_let_building_goes_to_the_community_even_on_a_major_road() {
        let restaurant = Place {
            rental_units: 0,
            shopfront: Some("老李湘菜馆".into()),
        };
        let reason = place_rule(&restaurant, DEFAULT_RENTAL_UNITS_THRESHOLD).unwrap();
        assert!(reason.contains("老李湘菜馆"));
        let choice = choose_for_place(&candidates(), reason).unwrap();
        assert_eq!(choice.unit_code, "bantian.ws.003");

        let let_out = Place {
            rental_units: 36,
            shopfront: None,
        };
        assert!(place_rule(&let_out, 20).unwrap().contains("36 套"));
        assert_eq!(place_rule(&let_out, 40), None);
        assert_eq!(place_rule(&Place::default(), 20), None);
    }

    #[test]
    fn without_a_candidate_of_the_wanted_kind_the_default_stands() {
        let street_only = vec![candidate(
            "bantian.law-enforcement",
            UnitKind::StreetOffice,
            true,
        )];
        assert!(choose(&street_only, Some("五和大道")).is_none());
        assert!(choose(&street_only, None).is_none());
    }
}
