//! Findings E and F: what a plugin writes. Control characters never reach a stored answer, a
//! trace or a log line raw; an early warning may only name a community of the plugin's own
//! street.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use streetwise::devkit::{self, LocalTest, Outcome};
use streetwise::runtime::Limits;
use streetwise_tests::{TestApp, appeal, plugin_path, temp_dir};

fn step<'a>(event: &'a Value, name: &str) -> &'a Value {
    event["trace"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == name)
        .unwrap_or_else(|| panic!("no {name} step in {event}"))
}

/// Every string anywhere in `value`, for "nothing raw got through".
fn strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(map) => map.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

fn assert_no_control_characters(event: &Value) {
    let mut all = Vec::new();
    strings(event, &mut all);
    for s in all {
        assert!(!s.chars().any(char::is_control), "raw control in {s:?}");
    }
}

#[tokio::test]
async fn an_answer_with_control_characters_is_refused_and_nothing_raw_is_stored() {
    let app = TestApp::spawn().await;
    app.deploy("buji", "controls", "fixture_control_chars")
        .await;
    let event = app
        .submit(appeal("垃圾堆没人清", "布吉", Some("木棉湾")))
        .await;
    let classifier = step(&event, "plugin:classifier");
    assert_eq!(
        classifier["outcome"], "fault:invalid-output",
        "{classifier}"
    );
    assert!(
        classifier["detail"]
            .as_str()
            .unwrap()
            .contains("control character U+000A"),
        "{classifier}"
    );
    assert_eq!(event["classification"]["decided_by"], "district");
    let stored = app.event(event["id"].as_str().unwrap()).await;
    assert_no_control_characters(&stored);
}

#[tokio::test]
async fn a_plugin_error_string_cannot_forge_lines_in_the_trace() {
    let app = TestApp::spawn().await;
    app.deploy("buji", "controls", "fixture_control_chars")
        .await;
    app.configure("buji", "controls", json!({ "mode": "error" }))
        .await;
    let event = app
        .submit(appeal("垃圾堆没人清", "布吉", Some("木棉湾")))
        .await;
    let classifier = step(&event, "plugin:classifier");
    assert_eq!(classifier["outcome"], "fault:plugin-error");
    let detail = classifier["detail"].as_str().unwrap();
    assert!(detail.contains("no rule\\n2026-12-02"), "{detail}");
    assert!(detail.contains("\\u{1b}[31m"), "{detail}");
    assert_no_control_characters(&app.event(event["id"].as_str().unwrap()).await);
}

#[tokio::test]
async fn a_log_line_stays_one_line_with_its_escapes_shown() {
    let dir = temp_dir("log-escape");
    let events = dir.join("events.jsonl");
    std::fs::write(&events, appeal("垃圾堆没人清", "布吉", None).to_string()).unwrap();
    let report = devkit::run(&LocalTest {
        component: plugin_path("fixture_control_chars"),
        events,
        street: Some("buji".into()),
        replay: false,
        config: BTreeMap::from([("mode".to_string(), "log".to_string())]),
        grants: Vec::new(),
        limits: Limits::default(),
    })
    .await
    .expect("the run completes");
    let Outcome::Called(call) = &report.events[0].outcome else {
        panic!("not called: {:?}", report.events[0].outcome);
    };
    assert!(call.result.is_ok(), "{:?}", call.result);
    assert_eq!(call.logs.len(), 1, "{:?}", call.logs);
    let line = &call.logs[0];
    assert!(!line.chars().any(char::is_control), "{line:?}");
    assert!(line.contains("matched\\n2026-12-02"), "{line}");
    assert!(line.contains("rule=x\\n2026-12-02"), "{line}");
}

async fn warning_for(app: &TestApp, community: &str) -> Value {
    app.configure("pinghu", "warn", json!({ "community": community }))
        .await;
    let event = app.submit(appeal("路口积水", "平湖", Some("山厦"))).await;
    app.event_after_scenarios(event["id"].as_str().unwrap())
        .await
}

#[tokio::test]
async fn an_early_warning_may_only_name_a_community_of_the_plugins_own_street() {
    let app = TestApp::spawn().await;
    app.deploy("pinghu", "warn", "fixture_foreign_warning")
        .await;
    for (community, why) in [
        ("木棉湾", "belongs to another street"),
        ("不存在社区", "unknown community"),
    ] {
        let event = warning_for(&app, community).await;
        let scenario = step(&event, "plugin:scenario");
        assert_eq!(scenario["outcome"], "fault:invalid-output", "{scenario}");
        assert!(
            scenario["detail"].as_str().unwrap().contains(why),
            "{scenario}"
        );
        assert_eq!(event["actions"], json!([]), "{event}");
    }
    let event = warning_for(&app, "山厦").await;
    assert_eq!(step(&event, "plugin:scenario")["outcome"], "applied");
    let action = &event["actions"][0];
    assert_eq!(action["community"], "山厦", "{event}");
}
