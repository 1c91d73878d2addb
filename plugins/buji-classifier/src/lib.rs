//! 布吉街道城中村事件分类 — Buji street's urban-village classifier.
//!
//! Buji has many urban villages (城中村): dense blocks of self-built housing where a blocked
//! fire lane or an e-bike charged in a stairwell turns into a fatal fire far faster than in a
//! planned estate. The district's keyword baseline does not know where the urban villages are,
//! so this plugin refines its classification with three rules, tried in order (first match wins):
//!
//! 1. **Blocked fire lane.** The description names a fire lane (消防通道 / 生命通道 / 消防车通道)
//!    and something blocking it (堵 / 占 / 停 / 堆 / 锁) → item `14-001` 消防通道堵塞, priority
//!    *urgent* in an urban village and *high* elsewhere, tags `消防` (+ `城中村`).
//! 2. **Handshake buildings.** The description mentions 握手楼 / 贴面楼 / 一线天 (buildings so
//!    close that neighbours could shake hands across the gap) → item `14-002` 消防安全隐患,
//!    priority *high*, or *urgent* when it also mentions fire (火) or wiring (电线 / 飞线),
//!    tags `握手楼`, `城中村`.
//! 3. **E-bike charging in an urban village.** In an urban village, the description mentions an
//!    e-bike (电动车 / 电瓶车) and charging (充电) → item `14-003`, priority *high*, tags
//!    `城中村`, `电动车`.
//!
//! Anything else returns `None`, so the district baseline stands.
//!
//! An event is *in an urban village* when its community is one of the configured
//! `urban_village_communities`, or when the reporter says so (城中村 / 村内 / 村里).
//!
//! Configuration (all optional):
//!
//! | key | default | meaning |
//! |---|---|---|
//! | `urban_village_communities` | `布吉圩,木棉湾,南三,大芬,罗岗,长龙,金排` | communities treated as urban villages, separated by `,` `，` or `、` |
//!
//! Before answering, the plugin checks that the item exists in the district catalog; if it does
//! not (the catalog was renumbered), it logs a warning and keeps the baseline rather than
//! sending the event to a dead item.

mod rules;

#[allow(unsafe_code)] // The generated ABI glue is unsafe by nature; our own code is not.
mod bindings {
    wit_bindgen::generate!({ path: "../../wit", world: "classifier" });

    use super::BujiClassifier;
    export!(BujiClassifier);
}

use bindings::streetwise::plugin::types::Level;
use bindings::streetwise::plugin::{catalog, config, log};
use bindings::{Classification, Event, Guest};

/// The component's export.
struct BujiClassifier;

impl Guest for BujiClassifier {
    fn classify(
        event: Event,
        _baseline: Option<Classification>,
    ) -> Result<Option<Classification>, String> {
        let configured = config::get("urban_village_communities");
        let villages = rules::parse_list(
            configured
                .as_deref()
                .unwrap_or(rules::DEFAULT_URBAN_VILLAGES),
        );
        let in_village = rules::in_urban_village(
            &event.description,
            event.location.community.as_deref(),
            &villages,
        );

        let Some(verdict) = rules::classify(&event.description, in_village) else {
            return Ok(None);
        };

        if let Err(error) = catalog::get_item(verdict.item_code) {
            log::write(
                Level::Warn,
                "rule matched but its catalog item is unavailable; keeping the baseline",
                &[
                    field("rule", verdict.rule),
                    field("item", verdict.item_code),
                    field("error", &error.to_string()),
                    field("event", &event.id),
                ],
            );
            return Ok(None);
        }

        log::write(
            Level::Info,
            "rule matched",
            &[
                field("rule", verdict.rule),
                field("item", verdict.item_code),
                field("urban_village", if in_village { "yes" } else { "no" }),
                field("event", &event.id),
            ],
        );
        Ok(Some(Classification {
            item_code: verdict.item_code.to_owned(),
            confidence: verdict.confidence,
            priority: verdict.priority,
            tags: verdict.tags.iter().map(|tag| (*tag).to_owned()).collect(),
            reason: verdict.reason.to_owned(),
        }))
    }
}

fn field(key: &str, value: &str) -> (String, String) {
    (key.to_owned(), value.to_owned())
}
