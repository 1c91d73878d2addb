//! Finding A: the instance pool and the call slots. A component cannot take more of the pool
//! than one instance's share, a street that keeps its share busy only waits for itself, a
//! call the host was too busy to run never counts against the plugin, and a street replays
//! one version at a time.

use reqwest::StatusCode;
use serde_json::{Value, json};
use streetwise_tests::{ADMIN_TOKEN, TestApp, appeal, send, temp_dir, test_settings};

fn multi_memory_component() -> Vec<u8> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/components/multi-memory.wat");
    wat::parse_file(path).expect("the multi-memory component assembles")
}

#[tokio::test]
async fn a_component_declaring_more_memories_than_an_instance_gets_is_refused_at_deploy() {
    let app = TestApp::spawn().await;
    let (status, body) = app
        .deploy_as(
            Some(ADMIN_TOKEN),
            "buji",
            "multi-memory",
            multi_memory_component(),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("3 Wasm linear memories"), "{message}");
    assert!(message.contains("at most 2 linear memories"), "{message}");
    assert_eq!(app.plugins("buji").await["plugins"], json!([]));
}

fn health(plugins: &Value) -> &Value {
    &plugins["plugins"][0]["health"]
}

#[tokio::test]
async fn a_street_that_keeps_its_share_busy_waits_alone_and_busy_calls_never_open_a_breaker() {
    let dir = temp_dir("admission");
    let mut settings = test_settings(&dir);
    settings.plugins.plugin_timeout_ms = 300;
    settings.plugins.plugin_max_concurrent_per_street = 1;
    let app = TestApp::spawn_with(settings).await;
    app.deploy("buji", "loop", "fixture_loop_forever").await;
    app.deploy("pinghu", "noop", "fixture_noop_classifier")
        .await;

    let mut handles = Vec::new();
    for (i, (street, community)) in std::iter::repeat_n(("布吉", "木棉湾"), 8)
        .chain(std::iter::repeat_n(("平湖", "山厦"), 4))
        .enumerate()
    {
        let client = app.client.clone();
        let url = format!("{}/api/v1/events", app.address);
        let body = appeal(&format!("垃圾堆没人清 {i}"), street, Some(community));
        handles.push(tokio::spawn(async move {
            client
                .post(url)
                .bearer_auth(ADMIN_TOKEN)
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    for h in handles {
        assert_eq!(h.await.unwrap(), StatusCode::CREATED);
    }

    // One slot for 布吉, held up to 300 ms by each looping call: some calls ran and timed
    // out, the others found no slot in time and are the host's doing, not the plugin's.
    let buji = app.plugins("buji").await;
    let faults = &health(&buji)["faults"];
    let busy = faults["host-busy"].as_u64().unwrap_or(0);
    let timeouts = faults["timeout"].as_u64().unwrap_or(0);
    assert!(busy >= 1, "{buji}");
    assert!(timeouts >= 1, "{buji}");
    assert_eq!(busy + timeouts, 8, "only these two kinds: {buji}");
    // Eight faults in a row would open it; host-busy ones are not counted.
    assert!(timeouts < 5, "{buji}");
    assert_eq!(health(&buji)["breaker"]["state"], "closed", "{buji}");
    assert_eq!(health(&buji)["breaker"]["openings"], 0, "{buji}");

    // 平湖 never waited on 布吉's share.
    let pinghu = app.plugins("pinghu").await;
    assert_eq!(health(&pinghu)["ok"], 4, "{pinghu}");
    assert_eq!(health(&pinghu)["faults"], json!({}), "{pinghu}");
}

async fn replay(app: &TestApp, street: &str, name: &str) -> StatusCode {
    let url = format!(
        "{}/api/v1/streets/{street}/plugins/{name}/versions/1/replay",
        app.address
    );
    let request = app
        .client
        .post(url)
        .bearer_auth(ADMIN_TOKEN)
        .json(&json!({ "last": 40 }));
    send(request).await.0
}

#[tokio::test]
async fn a_street_replays_one_version_at_a_time_while_other_streets_replay_freely() {
    let app = TestApp::spawn().await;
    for i in 0..40 {
        app.submit(appeal(&format!("垃圾堆没人清 {i}"), "布吉", None))
            .await;
    }
    app.submit(appeal("路口积水", "平湖", Some("山厦"))).await;
    // Every call of a looping plugin runs to its time limit: a replay of 40 events takes a
    // while, so the others below arrive while it runs.
    app.deploy("buji", "slow", "fixture_loop_forever").await;
    app.deploy("pinghu", "noop", "fixture_noop_classifier")
        .await;

    let (a, b, c, other) = tokio::join!(
        replay(&app, "buji", "slow"),
        replay(&app, "buji", "slow"),
        replay(&app, "buji", "slow"),
        replay(&app, "pinghu", "noop"),
    );
    let statuses = [a, b, c];
    let ran = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((ran, refused), (1, 2), "{statuses:?}");
    assert_eq!(other, StatusCode::OK);
    // And once it is over, the street may replay again.
    assert_eq!(replay(&app, "buji", "slow").await, StatusCode::OK);
}
