//! Finding D: what the host copies out of a plugin is bounded while it is copied. One string
//! referenced many times (in an answer's list, in a log line's fields) used to be copied once
//! per reference, hundreds of MiB from a few hundred KiB of guest memory, and measured after.

use serde_json::{Value, json};
use streetwise_tests::{TestApp, appeal};

async fn classifier_step(app: &TestApp) -> Value {
    let event = app
        .submit(appeal("垃圾堆没人清", "布吉", Some("木棉湾")))
        .await;
    assert_eq!(event["classification"]["decided_by"], "district");
    event["trace"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == "plugin:classifier")
        .cloned()
        .unwrap_or_else(|| panic!("no classifier step in {event}"))
}

fn assert_stopped_while_copying(step: &Value) {
    assert_eq!(step["outcome"], "fault:output-too-large", "{step}");
    let detail = step["detail"].as_str().unwrap();
    assert!(detail.contains("more than 65536 bytes"), "{detail}");
    assert!(detail.contains("while it was being copied"), "{detail}");
}

#[tokio::test]
async fn an_answer_aliasing_one_string_hundreds_of_times_is_stopped_while_it_is_copied() {
    let app = TestApp::spawn().await;
    app.deploy("buji", "aliased", "fixture_aliased_answer")
        .await;
    assert_stopped_while_copying(&classifier_step(&app).await);
}

#[tokio::test]
async fn a_log_line_with_aliased_fields_is_stopped_while_it_is_copied() {
    let app = TestApp::spawn().await;
    app.deploy("buji", "aliased", "fixture_aliased_answer")
        .await;
    app.configure("buji", "aliased", json!({ "mode": "log" }))
        .await;
    assert_stopped_while_copying(&classifier_step(&app).await);
}
