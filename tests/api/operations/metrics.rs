//! The host's series in `/metrics`: requests by route template (never the raw path) and
//! status, intake decisions, group commits, timers, surge scans, the pool and the backlogs; valid text
//! (checked by the health tests' strict parser) and shown only to district-wide callers.

use serde_json::json;
use streetwise::domain::Scope;
use streetwise_tests::{ADMIN_TOKEN, TestApp, appeal};

use crate::health::scrape;

#[tokio::test]
async fn requests_decisions_commits_and_backlogs_are_counted_by_route_template() {
    let app = TestApp::spawn().await;
    let event = app.submit(appeal("路灯不亮，晚上很黑", "布吉", None)).await;
    let id = event["id"].as_str().unwrap();
    let (status, _) = app.get(&format!("/api/v1/events/{id}")).await;
    assert_eq!(status, 200);
    let (status, _) = app
        .get(&format!("/api/v1/events/{}", uuid::Uuid::now_v7()))
        .await;
    assert_eq!(status, 404);
    let (status, _) = app.post_event(json!({ "source": "hotline" })).await;
    assert_eq!(status, 422);
    let (status, _) = app.get("/no/such/page").await;
    assert_eq!(status, 404);
    app.platform.run_timers().await.unwrap();
    app.platform.scan_surges().await.unwrap();

    let metrics = scrape(&app).await;
    let requests = "streetwise_http_requests_total";
    let show = [("route", "/api/v1/events/{id}"), ("method", "GET")];
    assert_eq!(
        metrics.value(requests, &[show[0], show[1], ("code", "200")]),
        1.0
    );
    assert_eq!(
        metrics.value(requests, &[show[0], show[1], ("code", "404")]),
        1.0
    );
    let submit = [("route", "/api/v1/events"), ("method", "POST")];
    assert_eq!(
        metrics.value(requests, &[submit[0], submit[1], ("code", "201")]),
        1.0
    );
    assert_eq!(
        metrics.value(requests, &[submit[0], submit[1], ("code", "422")]),
        1.0
    );
    let unmatched = [("route", "unmatched"), ("method", "GET"), ("code", "404")];
    assert_eq!(metrics.value(requests, &unmatched), 1.0);
    assert_eq!(
        metrics.value("streetwise_http_request_duration_seconds_count", &submit),
        2.0
    );

    let text = app
        .client
        .get(format!("{}/metrics", app.address))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!text.contains(id), "a raw path reached a label: {text}");
    assert!(!text.contains("/no/such/page"), "{text}");

    let intake = "streetwise_intake_events_total";
    assert_eq!(metrics.value(intake, &[("outcome", "dispatched")]), 1.0);
    assert_eq!(metrics.value(intake, &[("outcome", "invalid")]), 1.0);
    assert_eq!(
        metrics.value(intake, &[("outcome", "manual_dispatch")]),
        0.0
    );
    assert_eq!(
        metrics.value("streetwise_group_commit_events_count", &[]),
        1.0
    );
    assert_eq!(
        metrics.value("streetwise_group_commit_events_sum", &[]),
        1.0
    );
    assert_eq!(
        metrics.value("streetwise_group_commit_duration_seconds_count", &[]),
        1.0
    );
    assert!(metrics.value("streetwise_timer_scans_total", &[("outcome", "ok")]) >= 1.0);
    assert!(metrics.has("streetwise_timers_fired_total", &[("kind", "overdue")]));
    assert!(metrics.value("streetwise_surge_scan_duration_seconds_count", &[]) >= 1.0);
    assert_eq!(
        metrics.value("streetwise_surge_scan_failures_total", &[]),
        0.0
    );
    assert!(metrics.value("streetwise_db_pool_connections", &[("state", "open")]) >= 1.0);
    assert!(metrics.value("streetwise_db_pool_max_connections", &[]) >= 1.0);
    assert_eq!(metrics.value("streetwise_timers_due", &[]), 0.0);
    assert_eq!(
        metrics.value("streetwise_outbox_notices", &[("state", "dead")]),
        0.0
    );
    assert!(metrics.has("streetwise_outbox_notices", &[("state", "pending")]));
    assert!(metrics.value("streetwise_scenario_backlog", &[]) >= 0.0);
}

#[tokio::test]
async fn the_scenario_backlog_counts_events_whose_scenarios_have_not_run() {
    let dir = streetwise_tests::temp_dir("backlog");
    let mut settings = streetwise_tests::test_settings(&dir);
    // An intake-only host: stored events wait for a host that runs their scenarios.
    settings.run_scenarios = false;
    let app = TestApp::spawn_with(settings).await;
    app.deploy("pinghu", "flood-season", "pinghu_scenario")
        .await;
    for description in ["路灯不亮，晚上很黑", "井盖缺失，有安全隐患"] {
        app.submit(appeal(description, "平湖", Some("山厦"))).await;
    }
    let metrics = scrape(&app).await;
    assert_eq!(metrics.value("streetwise_scenario_backlog", &[]), 2.0);
}

#[tokio::test]
async fn a_street_token_sees_its_plugins_but_not_the_hosts_series() {
    let app = TestApp::spawn().await;
    let buji = app
        .create_token(Scope::StreetAdmin, Some("buji"), "布吉 team")
        .await;
    let text = app
        .client
        .get(format!("{}/metrics", app.address))
        .bearer_auth(&buji)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("streetwise_plugins_active"), "{text}");
    assert!(!text.contains("streetwise_http_requests_total"), "{text}");
    assert!(!text.contains("streetwise_intake_events_total"), "{text}");
}
