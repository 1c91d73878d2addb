//! 平湖街道汛期内涝联动 — Pinghu street's flood-season scenario.
//!
//! In the rainy season one waterlogging report (积水) is routine, but several from the same
//! community within an hour mean a drain is overwhelmed and the flood-control office (三防办)
//! must act before roads and underground garages fill. After each event is stored, this
//! scenario counts the events of the watched item in the same community over the recent
//! window, and when the count **reaches** the threshold it:
//!
//! 1. raises a **yellow** early warning for that community,
//! 2. opens an **urgent** follow-up for the flood-control unit to inspect on site,
//! 3. tags the triggering case `汛期联动`.
//!
//! The host counts events stored up to and including the triggering one, so each stored event
//! sees one exact count: the rule fires when the count *equals* the threshold, once per burst,
//! not again for every further report in the same window.
//!
//! Configuration (all optional):
//!
//! | key | default | meaning |
//! |---|---|---|
//! | `item_code` | `06-003` | the catalog item watched (waterlogging) |
//! | `threshold` | `3` | how many reports in the window raise the alarm |
//! | `window_minutes` | `60` | the window, 1 to 10080 minutes |
//! | `flood_unit` | `pinghu.flood-control` | the unit the follow-up goes to |
//!
//! A value that does not parse is logged as a warning and its default is used.

mod rules;

#[allow(unsafe_code)] // The generated ABI glue is unsafe by nature; our own code is not.
mod bindings {
    wit_bindgen::generate!({ path: "../../wit", world: "scenario" });

    use super::PinghuScenario;
    export!(PinghuScenario);
}

use bindings::streetwise::plugin::stats::{self, EventFilter};
use bindings::streetwise::plugin::types::Level;
use bindings::streetwise::plugin::{config, log};
use bindings::{Action, Guest, Outcome};
use rules::Settings;

/// The component's export.
struct PinghuScenario;

impl Guest for PinghuScenario {
    fn on_event_stored(outcome: Outcome) -> Result<Vec<Action>, String> {
        let (settings, problems) = Settings::read(config::get);
        for problem in &problems {
            log::write(
                Level::Warn,
                "invalid configuration; using the default",
                &[field("problem", problem)],
            );
        }

        if outcome.classification.item_code != settings.item_code {
            return Ok(vec![]);
        }
        let Some(community) = outcome.event.location.community else {
            return Ok(vec![]);
        };

        let filter = EventFilter {
            item_code: Some(settings.item_code.clone()),
            category_code: None,
            community: Some(community.clone()),
            within_minutes: settings.window_minutes,
        };
        let count = match stats::count_events(&filter) {
            Ok(count) => count,
            Err(error) => {
                log::write(
                    Level::Warn,
                    "could not count recent events; no flood alarm this time",
                    &[
                        field("event", &outcome.event.id),
                        field("community", &community),
                        field("error", &error.to_string()),
                    ],
                );
                return Ok(vec![]);
            }
        };

        let actions = rules::flood_actions(&settings, &community, count);
        if !actions.is_empty() {
            log::write(
                Level::Info,
                "flood burst reached the threshold; warning raised and follow-up opened",
                &[
                    field("event", &outcome.event.id),
                    field("community", &community),
                    field("count", &count.to_string()),
                    field("unit", &settings.flood_unit),
                ],
            );
        }
        Ok(actions)
    }
}

fn field(key: &str, value: &str) -> (String, String) {
    (key.to_owned(), value.to_owned())
}
