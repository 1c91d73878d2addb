//! The repeat-report rule as plain functions: the settings, and the actions a count calls
//! for. No host calls here. Run the tests with `cargo test --target x86_64-unknown-linux-gnu`.

use crate::bindings::streetwise::plugin::types::{Action, EarlyWarning, WarningLevel};

/// What the street team can configure, with the defaults filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The count at which a repeat is flagged.
    pub threshold: u64,
    /// The counting window in minutes (the host accepts 1 to 10080).
    pub window_minutes: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            threshold: 3,
            window_minutes: 1440,
        }
    }
}

impl Settings {
    /// Reads the settings through `get`; a key that is unset or does not parse keeps its
    /// default.
    pub fn read(get: impl Fn(&str) -> Option<String>) -> Settings {
        let defaults = Settings::default();
        Settings {
            threshold: get("threshold")
                .and_then(|v| v.trim().parse().ok())
                .filter(|n| *n >= 1)
                .unwrap_or(defaults.threshold),
            window_minutes: get("window_minutes")
                .and_then(|v| v.trim().parse().ok())
                .filter(|m| (1..=10_080).contains(m))
                .unwrap_or(defaults.window_minutes),
        }
    }
}

/// The actions for `count` reports of `item_code` in `community`: a tag and a warning exactly
/// when the count reaches the threshold, so a burst is flagged once.
pub fn repeat_actions(
    settings: &Settings,
    community: &str,
    item_code: &str,
    count: u64,
) -> Vec<Action> {
    if count != settings.threshold {
        return vec![];
    }
    let name = community.strip_suffix("社区").unwrap_or(community);
    vec![
        Action::TagCase("重复报告".to_owned()),
        Action::RaiseWarning(EarlyWarning {
            level: WarningLevel::Yellow,
            message: format!(
                "{{street_short}}{name}社区{}分钟内{count}宗同类报告（{item_code}），请核查是否为同一问题反复发生",
                settings.window_minutes
            ),
            community: Some(community.to_owned()),
        }),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_or_unreadable_keys_keep_their_defaults() {
        assert_eq!(Settings::read(|_| None), Settings::default());
        let settings = Settings::read(|key| match key {
            "threshold" => Some("5".to_owned()),
            _ => Some("forever".to_owned()),
        });
        assert_eq!(settings.threshold, 5);
        assert_eq!(settings.window_minutes, 1440);
    }

    #[test]
    fn a_repeat_is_flagged_once_when_the_count_reaches_the_threshold() {
        let settings = Settings::default();
        assert!(repeat_actions(&settings, "{{community}}", "06-003", 2).is_empty());
        let actions = repeat_actions(&settings, "{{community}}", "06-003", 3);
        assert!(matches!(&actions[0], Action::TagCase(tag) if tag == "重复报告"));
        let Action::RaiseWarning(warning) = &actions[1] else {
            panic!("expected a warning, got {actions:?}");
        };
        assert_eq!(warning.level, WarningLevel::Yellow);
        assert_eq!(warning.community.as_deref(), Some("{{community}}"));
        assert!(repeat_actions(&settings, "{{community}}", "06-003", 4).is_empty());
    }
}
