//! The same behaviour on PostgreSQL: runs when the server is reachable (CI has one).

use serde_json::json;
use streetwise_tests::{TestApp, appeal};

#[tokio::test]
async fn on_postgres_an_appeal_is_decided_stored_listed_and_deduplicated() {
    let Some(app) = TestApp::spawn_postgres().await else {
        return;
    };
    app.deploy("buji", "urban-village", "buji_classifier").await;
    let mut body = appeal("城中村消防通道被堵死了", "布吉", Some("木棉湾"));
    body["external_id"] = json!("pg-1");
    let event = app.submit(body.clone()).await;
    assert_eq!(event["classification"]["item_code"], "14-001");
    assert_eq!(event["classification"]["decided_by"], "urban-village@1");
    let (status, again) = app.post_event(body).await;
    assert_eq!(status, reqwest::StatusCode::OK);
    assert_eq!(again["id"], event["id"]);
    let stored = app.event(event["id"].as_str().unwrap()).await;
    assert_eq!(stored["dispatch"], event["dispatch"]);
    let (_, page) = app.get("/api/v1/events?street=布吉").await;
    assert_eq!(page["events"].as_array().unwrap().len(), 1);

    let settings = app.stop().await;
    let app = TestApp::spawn_with(settings).await;
    let event = app
        .submit(appeal("消防通道被堵", "布吉", Some("木棉湾")))
        .await;
    assert_eq!(event["classification"]["decided_by"], "urban-village@1");
}

#[tokio::test]
async fn on_postgres_scenarios_count_and_act_exactly_once() {
    let Some(app) = TestApp::spawn_postgres().await else {
        return;
    };
    app.deploy("pinghu", "flood-season", "pinghu_scenario")
        .await;
    let mut last = None;
    for text in ["山厦路口积水", "山厦水浸", "山厦内涝"] {
        last = Some(app.submit(appeal(text, "平湖", Some("山厦"))).await);
    }
    let third = app
        .event_after_scenarios(last.unwrap()["id"].as_str().unwrap())
        .await;
    assert_eq!(third["actions"].as_array().unwrap().len(), 3, "{third}");
}
