//! The urban-village rules as plain functions of the event's text: no host calls here, so they
//! read (and test) on their own. See the crate header for what each rule means.

use crate::bindings::streetwise::plugin::types::Priority;

/// Buji's urban-village communities when the street team configures none.
pub const DEFAULT_URBAN_VILLAGES: &str = "布吉圩,木棉湾,南三,大芬,罗岗,长龙,金排";

/// Words with which a reporter places the event in an urban village themselves.
const VILLAGE_WORDS: &[&str] = &["城中村", "村内", "村里"];

const FIRE_LANE: &[&str] = &["消防通道", "生命通道", "消防车通道"];
const BLOCKED: &[&str] = &["堵", "占", "停", "堆", "锁"];

const HANDSHAKE_BUILDINGS: &[&str] = &["握手楼", "贴面楼", "一线天"];
const FIRE_OR_WIRING: &[&str] = &["火", "电线", "飞线"];

const E_BIKE: &[&str] = &["电动车", "电瓶车"];
const CHARGING: &str = "充电";

/// What a rule decided: a classification, before it is checked against the catalog.
#[derive(Debug)]
pub struct Verdict {
    /// A short name of the rule, for the log.
    pub rule: &'static str,
    pub item_code: &'static str,
    pub priority: Priority,
    pub tags: Vec<&'static str>,
    pub confidence: f32,
    pub reason: &'static str,
}

/// Splits a configured list on ASCII or full-width commas or 、, trimming blanks, since street
/// teams type these lists in Chinese input methods.
pub fn parse_list(value: &str) -> Vec<&str> {
    value
        .split([',', '，', '、'])
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .collect()
}

/// Whether the event is in an urban village: its community is a listed one, or the reporter
/// says so. A trailing 社区 is ignored on both sides, so "木棉湾社区" matches "木棉湾".
pub fn in_urban_village(description: &str, community: Option<&str>, villages: &[&str]) -> bool {
    let listed = community.is_some_and(|community| {
        let community = bare_community(community);
        villages
            .iter()
            .any(|village| bare_community(village) == community)
    });
    listed || contains_any(description, VILLAGE_WORDS)
}

/// Applies the rules in order; the first that matches wins, `None` keeps the baseline.
pub fn classify(description: &str, in_village: bool) -> Option<Verdict> {
    blocked_fire_lane(description, in_village)
        .or_else(|| handshake_buildings(description))
        .or_else(|| e_bike_charging(description, in_village))
}

/// Rule 1: a fire lane is blocked. Urgent in an urban village, where a lane is often the only
/// way a fire engine can get in.
fn blocked_fire_lane(description: &str, in_village: bool) -> Option<Verdict> {
    if !(contains_any(description, FIRE_LANE) && contains_any(description, BLOCKED)) {
        return None;
    }
    Some(if in_village {
        Verdict {
            rule: "fire-lane-blocked",
            item_code: "14-001",
            priority: Priority::Urgent,
            tags: vec!["消防", "城中村"],
            confidence: 0.9,
            reason: "布吉城中村规则：城中村消防通道被堵塞，按消防安全处置并提高优先级",
        }
    } else {
        Verdict {
            rule: "fire-lane-blocked",
            item_code: "14-001",
            priority: Priority::High,
            tags: vec!["消防"],
            confidence: 0.9,
            reason: "布吉规则：消防通道被堵塞，按消防安全处置",
        }
    })
}

/// Rule 2: handshake buildings. Urgent when fire or tangled wiring is mentioned too.
fn handshake_buildings(description: &str) -> Option<Verdict> {
    if !contains_any(description, HANDSHAKE_BUILDINGS) {
        return None;
    }
    let (priority, reason) = if contains_any(description, FIRE_OR_WIRING) {
        (
            Priority::Urgent,
            "布吉城中村规则：握手楼间距狭窄且涉及火情或私拉电线，按消防安全隐患紧急处置",
        )
    } else {
        (
            Priority::High,
            "布吉城中村规则：握手楼间距狭窄，火灾易蔓延，按消防安全隐患处置",
        )
    };
    Some(Verdict {
        rule: "handshake-buildings",
        item_code: "14-002",
        priority,
        tags: vec!["握手楼", "城中村"],
        confidence: 0.85,
        reason,
    })
}

/// Rule 3: e-bikes charged inside an urban village, the most common cause of fatal fires there.
fn e_bike_charging(description: &str, in_village: bool) -> Option<Verdict> {
    if !(in_village && contains_any(description, E_BIKE) && description.contains(CHARGING)) {
        return None;
    }
    Some(Verdict {
        rule: "e-bike-charging",
        item_code: "14-003",
        priority: Priority::High,
        tags: vec!["城中村", "电动车"],
        confidence: 0.85,
        reason: "布吉城中村规则：城中村内电动车违规充电，存在火灾隐患，按消防安全处置",
    })
}

fn contains_any(text: &str, words: &[&str]) -> bool {
    words.iter().any(|word| text.contains(word))
}

fn bare_community(name: &str) -> &str {
    let name = name.trim();
    name.strip_suffix("社区").unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn villages() -> Vec<&'static str> {
        parse_list(DEFAULT_URBAN_VILLAGES)
    }

    #[test]
    fn a_configured_list_accepts_chinese_commas_and_blanks() {
        assert_eq!(parse_list(" 南三，大芬、 罗岗,,"), ["南三", "大芬", "罗岗"]);
    }

    #[test]
    fn a_listed_community_or_the_reporters_words_place_an_event_in_an_urban_village() {
        assert!(in_urban_village(
            "路灯不亮",
            Some("木棉湾社区"),
            &villages()
        ));
        assert!(in_urban_village(
            "村里的路灯不亮",
            Some("德兴"),
            &villages()
        ));
        assert!(!in_urban_village("路灯不亮", Some("德兴"), &villages()));
        assert!(!in_urban_village("路灯不亮", None, &villages()));
    }

    #[test]
    fn a_blocked_fire_lane_is_urgent_in_an_urban_village_and_high_elsewhere() {
        let village = classify("消防通道被电动车堵死了", true).unwrap();
        assert_eq!(village.item_code, "14-001");
        assert_eq!(village.priority, Priority::Urgent);
        assert_eq!(village.tags, ["消防", "城中村"]);

        let elsewhere = classify("小区消防车通道长期停车", false).unwrap();
        assert_eq!(elsewhere.item_code, "14-001");
        assert_eq!(elsewhere.priority, Priority::High);
        assert_eq!(elsewhere.tags, ["消防"]);
    }

    #[test]
    fn a_fire_lane_mentioned_without_a_blockage_is_left_to_the_baseline() {
        assert!(classify("消防通道的指示牌坏了", true).is_none());
    }

    #[test]
    fn handshake_buildings_become_urgent_when_fire_or_wiring_is_mentioned() {
        let plain = classify("这里都是握手楼", false).unwrap();
        assert_eq!(plain.item_code, "14-002");
        assert_eq!(plain.priority, Priority::High);

        let wired = classify("贴面楼之间飞线很多", false).unwrap();
        assert_eq!(wired.priority, Priority::Urgent);
        assert_eq!(wired.tags, ["握手楼", "城中村"]);
    }

    #[test]
    fn e_bike_charging_counts_only_in_an_urban_village() {
        let village = classify("楼道里有人给电瓶车充电", true).unwrap();
        assert_eq!(village.item_code, "14-003");
        assert_eq!(village.priority, Priority::High);
        assert!(classify("楼道里有人给电瓶车充电", false).is_none());
    }

    #[test]
    fn the_fire_lane_rule_wins_over_the_others() {
        let verdict = classify("握手楼之间的消防通道堆满杂物", true).unwrap();
        assert_eq!(verdict.item_code, "14-001");
    }
}
