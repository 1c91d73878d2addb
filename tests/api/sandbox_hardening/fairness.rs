//! Finding B: scenario time is fair per street. Each street's pending events are taken by its
//! own lane, so a burst at one street's slow scenario does not hold back another street's.

use serde_json::json;
use streetwise_tests::{ADMIN_TOKEN, TestApp, appeal, temp_dir, test_settings};

const BURST: usize = 64;

#[tokio::test]
async fn a_burst_at_one_streets_slow_scenario_does_not_hold_back_another_streets() {
    // A generous time limit: on a loaded machine an 80 ms call must not time out and open the
    // breaker, which would skip the rest of the burst and prove nothing about fairness.
    let mut settings = test_settings(&temp_dir("fairness"));
    settings.plugins.plugin_timeout_ms = 2_000;
    let app = TestApp::spawn_with(settings).await;
    // 80 ms an event, within the limit: the burst keeps 平湖's lane busy for seconds.
    app.deploy("pinghu", "slow", "fixture_slow_scenario").await;
    // 布吉's scenario warns its own community at once.
    app.deploy("buji", "warn", "fixture_foreign_warning").await;
    // The burst arrives at once, so it is all pending before 布吉's event is stored.
    let mut handles = Vec::new();
    for i in 0..BURST {
        let client = app.client.clone();
        let url = format!("{}/api/v1/events", app.address);
        let body = appeal(&format!("路口积水 {i}"), "平湖", Some("山厦"));
        handles.push(tokio::spawn(async move {
            let response = client
                .post(url)
                .bearer_auth(ADMIN_TOKEN)
                .json(&body)
                .send()
                .await
                .unwrap();
            let event: serde_json::Value = response.json().await.unwrap();
            event["id"].as_str().unwrap().to_string()
        }));
    }
    let mut burst = Vec::new();
    for h in handles {
        burst.push(h.await.unwrap());
    }
    let other = app
        .submit(appeal("垃圾堆没人清", "布吉", Some("木棉湾")))
        .await;
    let other = app
        .event_after_scenarios(other["id"].as_str().unwrap())
        .await;
    assert_eq!(other["actions"][0]["community"], json!("木棉湾"), "{other}");

    // 布吉's event, stored after the whole burst, did not wait for the burst to be worked off.
    // The lane works the burst oldest first, so the newest are the ones still pending: look at
    // them first, before the lane gets to them while this loop reads.
    let mut waiting = 0;
    for id in burst.iter().rev() {
        if app.event(id).await["scenarios_done"] == json!(false) {
            waiting += 1;
        }
    }
    assert!(
        waiting > 0,
        "all {BURST} of 平湖's events ran before 布吉's one"
    );
    // And the burst is still worked off, in full.
    for id in &burst {
        app.event_after_scenarios(id).await;
    }
}
