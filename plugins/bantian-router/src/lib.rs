//! 坂田街道道路分派 — Bantian street's road router.
//!
//! Bantian is cut by a few arterial roads (坂雪岗大道, 五和大道, 布龙路...) that the district
//! bureaus maintain and patrol, while the lanes inside each community are the community
//! workstations' ground. The responsibility list often allows both for road problems (broken
//! pavement, street lights, illegal parking), so this router picks by where the problem is:
//!
//! - the description or the address mentions a **major road** → the first candidate that is a
//!   **district bureau** (区直部门), since it owns the road;
//! - otherwise → the first candidate that is a **community workstation** (社区工作站), the
//!   nearest hands for a community's own lanes.
//!
//! Before the road rule, when the deployment is granted the district's base data
//! (`grants=buildings,entities`), the building at the event's address decides: a building with
//! a restaurant or small venue (三小场所), or one densely let (≥ 20 rental units), goes to the
//! **community workstation** even on a major road. Without the grant, the road rule alone.
//!
//! When no candidate is of the wanted kind the router returns `None` and the responsibility
//! list's default stands; it never invents a unit.
//!
//! Configuration (all optional):
//!
//! | key | default | meaning |
//! |---|---|---|
//! | `major_roads` | `坂雪岗大道,五和大道,布龙路,吉华路,稼先路,雪岗路,环城路` | road names, separated by `,` `，` or `、`; the first one mentioned is quoted in the reason |
//! | `rental_units_threshold` | `20` | rental units from which a building counts as densely let |

mod rules;

#[allow(unsafe_code)] // The generated ABI glue is unsafe by nature; our own code is not.
mod bindings {
    wit_bindgen::generate!({ path: "../../wit", world: "router" });

    use super::BantianRouter;
    export!(BantianRouter);
}

use bindings::streetwise::plugin::base_data::{self, EntityKind};
use bindings::streetwise::plugin::types::Level;
use bindings::streetwise::plugin::{config, log};
use bindings::{Candidate, Classification, Event, Guest, RoutingChoice};

/// The component's export.
struct BantianRouter;

impl Guest for BantianRouter {
    fn route(
        event: Event,
        _classification: Classification,
        candidates: Vec<Candidate>,
    ) -> Result<Option<RoutingChoice>, String> {
        let configured = config::get("major_roads");
        let roads = rules::parse_list(configured.as_deref().unwrap_or(rules::DEFAULT_MAJOR_ROADS));
        let road = rules::major_road_mentioned(
            &roads,
            &event.description,
            event.location.address.as_deref(),
        );

        let threshold = config::get("rental_units_threshold")
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(rules::DEFAULT_RENTAL_UNITS_THRESHOLD);
        let by_place = place()
            .and_then(|place| rules::place_rule(&place, threshold))
            .and_then(|reason| rules::choose_for_place(&candidates, reason));
        let choice = by_place.or_else(|| rules::choose(&candidates, road));
        let fields = [
            field("event", &event.id),
            field("major_road", road.unwrap_or("-")),
            field(
                "unit",
                choice
                    .as_ref()
                    .map_or("-", |choice| choice.unit_code.as_str()),
            ),
        ];
        let message = if choice.is_some() {
            "routed by road type"
        } else {
            "no candidate of the wanted kind; keeping the default"
        };
        log::write(Level::Info, message, &fields);
        Ok(choice)
    }
}

/// The event's building from the district's base data, when the deployment may read it; a
/// refusal (no grant) or an unknown address leaves the road rule to decide.
fn place() -> Option<rules::Place> {
    let building = match base_data::building_of_event() {
        Ok(building) => building?,
        Err(error) => {
            log::write(
                Level::Debug,
                "base data not available; routing by road",
                &[field("error", &format!("{error:?}"))],
            );
            return None;
        }
    };
    let shopfront = base_data::entities_at(&building.id)
        .unwrap_or_default()
        .into_iter()
        .find(|e| e.small_venue || e.kind == EntityKind::Restaurant)
        .map(|e| e.name);
    Some(rules::Place {
        rental_units: building.rental_units,
        shopfront,
    })
}

fn field(key: &str, value: &str) -> (String, String) {
    (key.to_owned(), value.to_owned())
}
