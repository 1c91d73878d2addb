//! Nothing is lost across a restart.

use streetwise_tests::{TestApp, appeal};

#[tokio::test]
async fn scenarios_owed_when_the_host_stopped_run_after_it_starts_again() {
    let app = TestApp::spawn().await;
    app.deploy("pinghu", "flood-season", "pinghu_scenario")
        .await;
    let mut settings = app.stop().await;

    // An intake-only host stores events but owes their scenarios.
    settings.run_scenarios = false;
    let app = TestApp::spawn_with(settings).await;
    let mut ids = Vec::new();
    for text in ["山厦路口积水", "山厦水浸", "山厦内涝"] {
        let event = app.submit(appeal(text, "平湖", Some("山厦"))).await;
        assert_eq!(event["scenarios_done"], false);
        ids.push(event["id"].as_str().unwrap().to_string());
    }
    let mut settings = app.stop().await;

    settings.run_scenarios = true;
    let app = TestApp::spawn_with(settings).await;
    for id in &ids {
        app.event_after_scenarios(id).await;
    }
    let first = app.event(&ids[0]).await;
    assert!(first["actions"].as_array().unwrap().is_empty());
    let third = app.event(&ids[2]).await;
    assert_eq!(third["actions"].as_array().unwrap().len(), 3, "{third}");
    let steps: Vec<&str> = third["trace"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    assert_eq!(steps.last(), Some(&"plugin:scenario"));
}
