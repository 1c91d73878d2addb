//! The flood-burst rule as plain functions: the settings, and the actions a count calls for.
//! No host calls here.

use crate::bindings::streetwise::plugin::types::{
    Action, EarlyWarning, FollowUp, Priority, WarningLevel,
};

/// What the street team can configure, with the defaults filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The catalog item watched.
    pub item_code: String,
    /// The count at which the alarm is raised.
    pub threshold: u64,
    /// The counting window in minutes.
    pub window_minutes: u32,
    /// The unit the follow-up goes to.
    pub flood_unit: String,
}

/// The range of windows the host accepts (a week at most).
const WINDOW_RANGE: std::ops::RangeInclusive<u32> = 1..=10_080;

impl Default for Settings {
    fn default() -> Self {
        Settings {
            item_code: "06-003".to_owned(),
            threshold: 3,
            window_minutes: 60,
            flood_unit: "pinghu.flood-control".to_owned(),
        }
    }
}

impl Settings {
    /// Reads the settings through `get`. A key that is unset keeps its default; one that does
    /// not parse keeps it too, and is described in the returned problems so it can be logged.
    pub fn read(get: impl Fn(&str) -> Option<String>) -> (Settings, Vec<String>) {
        let mut settings = Settings::default();
        let mut problems = Vec::new();

        if let Some(item_code) = get("item_code").filter(|value| !value.trim().is_empty()) {
            settings.item_code = item_code.trim().to_owned();
        }
        if let Some(flood_unit) = get("flood_unit").filter(|value| !value.trim().is_empty()) {
            settings.flood_unit = flood_unit.trim().to_owned();
        }
        if let Some(value) = get("threshold") {
            match value.trim().parse::<u64>() {
                Ok(threshold) if threshold >= 1 => settings.threshold = threshold,
                _ => problems.push(format!("threshold {value:?} is not a whole number >= 1")),
            }
        }
        if let Some(value) = get("window_minutes") {
            match value.trim().parse::<u32>() {
                Ok(minutes) if WINDOW_RANGE.contains(&minutes) => settings.window_minutes = minutes,
                _ => problems.push(format!("window_minutes {value:?} is not within 1..=10080")),
            }
        }
        (settings, problems)
    }
}

/// The actions for `count` events of the watched item in `community`: the flood alarm exactly
/// when the count reaches the threshold, nothing before or after, so a burst alarms once.
pub fn flood_actions(settings: &Settings, community: &str, count: u64) -> Vec<Action> {
    if count != settings.threshold {
        return vec![];
    }
    let name = community.strip_suffix("社区").unwrap_or(community);
    let window = settings.window_minutes;
    vec![
        Action::RaiseWarning(EarlyWarning {
            level: WarningLevel::Yellow,
            message: format!(
                "平湖街道{name}社区{window}分钟内收到{count}宗内涝/积水报告，请三防办立即组织核查"
            ),
            community: Some(community.to_owned()),
        }),
        Action::OpenFollowUp(FollowUp {
            unit_code: settings.flood_unit.clone(),
            item_code: Some(settings.item_code.clone()),
            description: format!(
                "【汛期联动】{name}社区{window}分钟内{count}宗积水报告，请立即派员现场排查并启动应急处置"
            ),
            priority: Priority::Urgent,
        }),
        Action::TagCase("汛期联动".to_owned()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |key| {
            pairs
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn unset_keys_take_their_defaults() {
        let (settings, problems) = Settings::read(config(&[]));
        assert_eq!(settings, Settings::default());
        assert!(problems.is_empty());
    }

    #[test]
    fn configured_keys_override_the_defaults_and_bad_values_are_reported() {
        let (settings, problems) = Settings::read(config(&[
            ("item_code", "06-004"),
            ("threshold", "5"),
            ("window_minutes", "0"),
            ("flood_unit", "pinghu.emergency"),
        ]));
        assert_eq!(settings.item_code, "06-004");
        assert_eq!(settings.threshold, 5);
        assert_eq!(settings.window_minutes, 60);
        assert_eq!(settings.flood_unit, "pinghu.emergency");
        assert_eq!(problems.len(), 1);
    }

    #[test]
    fn the_alarm_is_raised_only_when_the_count_reaches_the_threshold() {
        let settings = Settings::default();
        assert!(flood_actions(&settings, "白坭坑", 2).is_empty());
        assert_eq!(flood_actions(&settings, "白坭坑", 3).len(), 3);
        assert!(flood_actions(&settings, "白坭坑", 4).is_empty());
    }

    #[test]
    fn the_alarm_warns_the_community_opens_an_urgent_follow_up_and_tags_the_case() {
        let actions = flood_actions(&Settings::default(), "白坭坑", 3);
        let Action::RaiseWarning(warning) = &actions[0] else {
            panic!("expected a warning first, got {actions:?}");
        };
        assert_eq!(warning.level, WarningLevel::Yellow);
        assert_eq!(
            warning.message,
            "平湖街道白坭坑社区60分钟内收到3宗内涝/积水报告，请三防办立即组织核查"
        );
        assert_eq!(warning.community.as_deref(), Some("白坭坑"));

        let Action::OpenFollowUp(follow_up) = &actions[1] else {
            panic!("expected a follow-up second, got {actions:?}");
        };
        assert_eq!(follow_up.unit_code, "pinghu.flood-control");
        assert_eq!(follow_up.item_code.as_deref(), Some("06-003"));
        assert_eq!(follow_up.priority, Priority::Urgent);

        assert!(matches!(&actions[2], Action::TagCase(tag) if tag == "汛期联动"));
    }
}
