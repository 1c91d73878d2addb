//! The district's learned classifier at intake: a confident event is dispatched with its
//! suggestions and model version on the trace; an unsure one waits in 待分拨 until the centre
//! dispatches it with one action; the centre corrects an item (改类) and the unit and deadline
//! follow; both leave training labels; a model or an override stored elsewhere is used
//! without a restart; retraining reads the decided history.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use reqwest::StatusCode;
use serde_json::{Value, json};
use streetwise::clock::Clock;
use streetwise::settings::Settings;
use streetwise::storage::classifier::{NewModel, Override};
use streetwise_tests::{TestApp, appeal, temp_dir, test_settings, trace_step};

/// Says nothing about what is wrong: no classifier can be sure of it.
const VAGUE: &str = "你好，上次跟你们说的那个事情到现在还是没人管，麻烦尽快处理一下";
/// Plainly exposed rubbish (01-001).
const RUBBISH: &str = "小区门口垃圾堆成山，垃圾没人清，苍蝇乱飞臭气熏天";

/// An application with the manual-dispatch queue at its default threshold.
async fn spawn() -> TestApp {
    TestApp::spawn_with(queue_on(test_settings(&temp_dir("understanding")))).await
}

fn queue_on(mut settings: Settings) -> Settings {
    settings.classifier.manual_dispatch_below =
        Settings::defaults().classifier.manual_dispatch_below;
    settings
}

#[tokio::test]
async fn a_confident_event_is_dispatched_with_its_suggestions_on_the_trace() {
    let app = spawn().await;
    let event = app.submit(appeal(RUBBISH, "buji", None)).await;
    assert_eq!(event["status"], "dispatched", "{event}");
    let c = &event["classification"];
    assert_eq!(c["item_code"], "01-001", "{c}");
    assert!(c["model"].as_i64().is_some(), "{c}");
    let suggestions = c["suggestions"].as_array().expect("suggestions");
    assert_eq!(suggestions.len(), 3, "{c}");
    assert_eq!(suggestions[0]["item_code"], "01-001");
    assert!(
        suggestions[0]["confidence"].as_f64() >= suggestions[1]["confidence"].as_f64(),
        "best first: {c}"
    );
    let classify = trace_step(&event, "classify").expect("a classify step");
    assert!(
        classify["detail"].as_str().unwrap().contains("模型 v"),
        "{classify}"
    );
    assert!(trace_step(&event, "queue").is_none(), "{event}");
}

#[tokio::test]
async fn an_unsure_event_waits_in_the_queue_until_the_centre_dispatches_it() {
    let app = spawn().await;
    let event = app.submit(appeal(VAGUE, "buji", None)).await;
    let id = event["id"].as_str().unwrap().to_string();
    assert_eq!(event["status"], "accepted", "{event}");
    let queued = trace_step(&event, "queue").expect("a queue step");
    assert_eq!(queued["outcome"], "unclear", "{queued}");
    assert!(
        queued["detail"]
            .as_str()
            .unwrap()
            .starts_with("未说明具体问题"),
        "a follow-up that names no problem waits whatever the model's confidence: {queued}"
    );
    assert_eq!(
        event["dispatch"]["assignee"],
        Value::Null,
        "nobody has it yet"
    );
    assert_eq!(
        event["classification"]["suggestions"]
            .as_array()
            .map(Vec::len),
        Some(3)
    );
    let (status, listed) = app.get("/api/v1/events?status=accepted").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        listed["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["id"] == id.as_str()),
        "{listed}"
    );

    // Only the centre dispatches, and it names the item.
    let (status, body) = app
        .act(
            &id,
            json!({"action": "dispatch", "role": "handler", "item": "06-003"}),
        )
        .await;
    assert!(status.is_client_error(), "{status} {body}");
    let (status, body) = app
        .act(&id, json!({"action": "dispatch", "role": "centre"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "missing_item", "{body}");

    let (status, applied) = app
        .act(
            &id,
            json!({"action": "dispatch", "role": "centre", "item": "06-003"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{applied}");
    assert_eq!(applied["status"], "dispatched");
    let event = app.event(&id).await;
    assert_eq!(event["classification"]["item_code"], "06-003");
    assert_eq!(event["classification"]["decided_by"], "district");
    // 道路积水 in 布吉 goes where the responsibility list says.
    let reference = app.platform.reference();
    let buji = app.platform.street_code("buji").unwrap();
    let item = reference.item("06-003").unwrap();
    let entry = reference.responsibility("06-003", &buji).unwrap();
    assert_eq!(
        event["dispatch"]["owner_unit"]["code"],
        entry.owner_unit.as_str()
    );
    assert_eq!(
        event["dispatch"]["time_limit"],
        json!(entry.time_limit.unwrap_or(item.time_limit))
    );
    assert!(event["dispatch"]["assignee"]["id"].is_string(), "{event}");

    let timeline = app.timeline(&id).await;
    assert_eq!(timeline["verified"], true, "{timeline}");
    let first = &timeline["entries"][0];
    assert_eq!(first["action"], "dispatch", "{timeline}");
    assert_eq!(first["from"], "accepted");
    assert_eq!(first["item"], "06-003");
    // The item was learned by calling back, not from the text: no training label.
    let labels = app.platform.db().decided_history(10).await.unwrap();
    assert!(
        !labels.iter().any(|(text, _)| text == VAGUE),
        "a follow-up naming no problem teaches no item: {labels:?}"
    );
}

#[tokio::test]
async fn the_centre_corrects_an_item_and_the_unit_and_deadline_follow() {
    let app = spawn().await;
    let event = app.submit(appeal(RUBBISH, "bantian", None)).await;
    let id = event["id"].as_str().unwrap().to_string();
    app.step(&id, "sign", "handler", json!({})).await;

    let (status, body) = app
        .act(
            &id,
            json!({"action": "reclassify", "role": "centre", "item": "01-001"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "same_item");
    let (status, body) = app
        .act(
            &id,
            json!({"action": "reclassify", "role": "handler", "item": "14-001"}),
        )
        .await;
    assert!(
        status.is_client_error(),
        "a handler cannot correct: {status} {body}"
    );

    let (status, applied) = app
        .act(
            &id,
            json!({"action": "reclassify", "role": "centre", "item": "14-001", "reason": "垃圾堵住了消防通道"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{applied}");
    assert_eq!(
        applied["status"], "dispatched",
        "the responsible unit signs afresh"
    );
    let after = app.event(&id).await;
    assert_eq!(after["classification"]["item_code"], "14-001");
    assert!(
        after["classification"]["reason"]
            .as_str()
            .unwrap()
            .contains("垃圾堵住了消防通道")
    );
    let reference = app.platform.reference();
    let bantian = app.platform.street_code("bantian").unwrap();
    let entry = reference.responsibility("14-001", &bantian).unwrap();
    assert_eq!(
        after["dispatch"]["owner_unit"]["code"],
        entry.owner_unit.as_str()
    );
    let timeline = app.timeline(&id).await;
    assert_eq!(timeline["verified"], true, "{timeline}");
    let last = timeline["entries"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["action"], "reclassify");
    assert_eq!(last["item"], "14-001");
    let labels = app.platform.db().decided_history(10).await.unwrap();
    assert!(
        labels.iter().any(|(t, i)| t == RUBBISH && i == "14-001"),
        "{labels:?}"
    );
}

#[tokio::test]
async fn a_model_or_override_stored_elsewhere_is_used_without_a_restart() {
    let mut settings = queue_on(test_settings(&temp_dir("understanding")));
    settings.classifier.classifier_refresh_secs = 1;
    let app = TestApp::spawn_with(settings).await;
    let db = app.platform.db();
    let first = app
        .platform
        .understanding()
        .model_version()
        .expect("a first model");

    // Another host (or the command line) stores a new version.
    let (_, bytes) = db.latest_model().await.unwrap().unwrap();
    let second = db
        .insert_model(NewModel {
            trained_at: Timestamp::now(),
            trained_by: "another host",
            catalog_version: "2026.1",
            info: "{}",
            evaluation: None,
            bytes: &bytes,
            after: Some(first),
        })
        .await
        .unwrap()
        .expect("stored");
    assert!(second > first);
    let switched = wait_for(|| async {
        let event = app.submit(appeal(RUBBISH, "buji", None)).await;
        event["classification"]["model"] == json!(second)
    })
    .await;
    assert!(switched, "events are decided by v{second} within seconds");

    // District IT's override beats the model.
    db.set_override(&Override {
        keyword: "没人清".into(),
        item_code: "01-005".into(),
        created_by: "test".into(),
        created_at: Timestamp::now(),
    })
    .await
    .unwrap();
    let overridden = wait_for(|| async {
        let event = app.submit(appeal(RUBBISH, "buji", None)).await;
        event["classification"]["item_code"] == "01-005"
    })
    .await;
    assert!(overridden, "the override is used within seconds");
}

#[tokio::test]
async fn retraining_is_due_a_week_after_the_newest_model_and_reads_the_decided_history() {
    let clock = Clock::driven(Timestamp::now());
    let mut settings = queue_on(test_settings(&temp_dir("retrain")));
    settings.clock = clock.clone();
    let app = TestApp::spawn_with(settings).await;
    // A follow-up that names no problem, dispatched once the centre has called back: the
    // item it goes to is not in its text, so it teaches the model nothing.
    let vague = app.submit(appeal(VAGUE, "buji", None)).await;
    let id = vague["id"].as_str().unwrap();
    app.step(id, "dispatch", "centre", json!({"item": "06-003"}))
        .await;
    // A correction of an item the model chose is a label.
    let rubbish = app.submit(appeal(RUBBISH, "buji", None)).await;
    let id = rubbish["id"].as_str().unwrap();
    let (status, body) = app
        .act(
            id,
            json!({"action": "reclassify", "role": "centre", "item": "14-001"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let history = app.platform.db().decided_history(10).await.unwrap();
    assert_eq!(history, [(RUBBISH.to_string(), "14-001".to_string())]);

    assert_eq!(
        app.platform.retrain_classifier_if_due().await.unwrap(),
        None
    );
    clock.advance(SignedDuration::from_hours(24 * 7 + 1));
    let version = app
        .platform
        .retrain_classifier_if_due()
        .await
        .unwrap()
        .expect("due after a week");
    assert_eq!(app.platform.understanding().model_version(), Some(version));
    let models = app.platform.db().models().await.unwrap();
    let info: Value = serde_json::from_str(&models[0].info).unwrap();
    assert_eq!(info["from_history"], 1, "{info}");
    assert!(models[0].evaluation.is_some());
}

/// Polls `check` for up to 10 s.
async fn wait_for<F, Fut>(check: F) -> bool
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..40 {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    false
}
