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
//! When no candidate is of the wanted kind the router returns `None` and the responsibility
//! list's default stands; it never invents a unit.
//!
//! Configuration (all optional):
//!
//! | key | default | meaning |
//! |---|---|---|
//! | `major_roads` | `坂雪岗大道,五和大道,布龙路,吉华路,稼先路,雪岗路,环城路` | road names, separated by `,` `，` or `、`; the first one mentioned is quoted in the reason |

mod rules;

#[allow(unsafe_code)] // The generated ABI glue is unsafe by nature; our own code is not.
mod bindings {
    wit_bindgen::generate!({ path: "../../wit", world: "router" });

    use super::BantianRouter;
    export!(BantianRouter);
}

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

        let choice = rules::choose(&candidates, road);
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

fn field(key: &str, value: &str) -> (String, String) {
    (key.to_owned(), value.to_owned())
}
