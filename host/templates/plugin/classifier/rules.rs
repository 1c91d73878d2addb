//! The rules as plain functions of the event's text: no host calls here, so they read (and
//! test) on their own. Run the tests with `cargo test --target x86_64-unknown-linux-gnu`.

use crate::bindings::streetwise::plugin::types::Priority;

/// The places that make a manhole problem urgent when the street team configures none.
pub const DEFAULT_PLACES: &str = "学校,幼儿园,小学,中学";

const MANHOLE: &[&str] = &["井盖", "窨井", "下水道口"];

/// What a rule decided, before it is checked against the catalog.
#[derive(Debug)]
pub struct Verdict {
    /// A short name of the rule, for the log.
    pub rule: &'static str,
    pub item_code: &'static str,
    pub priority: Priority,
    pub tags: Vec<&'static str>,
    pub confidence: f32,
    pub reason: String,
}

/// Splits a configured list on ASCII or full-width commas or 、, trimming blanks, since street
/// teams type these lists in Chinese input methods.
pub fn parse_list(value: &str) -> Vec<&str> {
    value
        .split([',', '，', '、'])
        .map(str::trim)
        .filter(|word| !word.is_empty())
        .collect()
}

/// Applies the rules in order; the first that matches wins, `None` keeps the baseline.
pub fn classify(description: &str, places: &[&str]) -> Option<Verdict> {
    manhole_near_school(description, places)
}

/// A missing or broken manhole cover where children walk: urgent, whatever the keywords say.
fn manhole_near_school(description: &str, places: &[&str]) -> Option<Verdict> {
    if !MANHOLE.iter().any(|word| description.contains(word)) {
        return None;
    }
    let place = places.iter().find(|place| description.contains(*place))?;
    Some(Verdict {
        rule: "manhole-near-school",
        item_code: "06-007",
        priority: Priority::Urgent,
        tags: vec!["井盖", "重点场所"],
        confidence: 0.9,
        reason: format!("{{street_short}}规则：{place}附近的井盖问题，按紧急处置"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn places() -> Vec<&'static str> {
        parse_list(DEFAULT_PLACES)
    }

    #[test]
    fn a_configured_list_accepts_chinese_commas_and_blanks() {
        assert_eq!(parse_list(" 学校，医院、 公园,,"), ["学校", "医院", "公园"]);
    }

    #[test]
    fn a_manhole_problem_near_a_school_is_urgent() {
        let verdict = classify("实验小学门口的井盖不见了", &places()).unwrap();
        assert_eq!(verdict.item_code, "06-007");
        assert_eq!(verdict.priority, Priority::Urgent);
        assert_eq!(verdict.tags, ["井盖", "重点场所"]);
        assert!(verdict.reason.contains("小学"));
    }

    #[test]
    fn a_manhole_problem_elsewhere_is_left_to_the_baseline() {
        assert!(classify("菜市场旁边的井盖松动", &places()).is_none());
    }

    #[test]
    fn a_school_without_a_manhole_is_left_to_the_baseline() {
        assert!(classify("学校门口路灯不亮", &places()).is_none());
    }
}
