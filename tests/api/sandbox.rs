//! The sandbox, proven with real misbehaving components from `plugins/fixtures/`: whatever a
//! plugin does, the event is routed by the district's defaults, the fault is on the trace and
//! in the plugin's counters, and the host keeps answering.

use serde_json::{Value, json};
use streetwise_tests::{ADMIN_TOKEN, TestApp, appeal, temp_dir, test_settings};

/// Deploys `component` as 布吉's classifier and posts an exposed-garbage appeal.
async fn classify_with(app: &TestApp, component: &str) -> Value {
    app.deploy(
        "buji",
        component
            .trim_start_matches("fixture_")
            .replace('_', "-")
            .as_str(),
        component,
    )
    .await;
    app.submit(appeal("垃圾堆没人清，臭气熏天", "布吉", Some("木棉湾")))
        .await
}

fn plugin_step<'a>(event: &'a Value, step: &str) -> &'a Value {
    event["trace"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == step)
        .unwrap_or_else(|| panic!("no {step} step in {event}"))
}

/// The district's own decision stood.
fn assert_district_defaults(event: &Value) {
    assert_eq!(event["classification"]["item_code"], "01-001", "{event}");
    assert_eq!(event["classification"]["decided_by"], "district");
    assert_eq!(
        event["dispatch"]["handling_unit"]["code"],
        "buji.law-enforcement"
    );
}

async fn assert_host_still_answers(app: &TestApp) {
    let event = app.submit(appeal("路口积水", "平湖", Some("山厦"))).await;
    assert_eq!(event["classification"]["item_code"], "06-003");
}

/// An app whose time limit is far away, so that the limit under test is what stops the
/// plugin even on a loaded machine running an unoptimised build.
async fn spawn_patient(max_host_calls: u32) -> TestApp {
    let dir = temp_dir("sandbox");
    let mut settings = test_settings(&dir);
    settings.plugins.plugin_timeout_ms = 10_000;
    settings.plugins.plugin_max_host_calls = max_host_calls;
    TestApp::spawn_with(settings).await
}

async fn assert_fault(component: &str, fault: &str) {
    assert_fault_in(spawn_patient(1000).await, component, fault).await;
}

async fn assert_fault_in(app: TestApp, component: &str, fault: &str) {
    let event = classify_with(&app, component).await;
    assert_district_defaults(&event);
    let step = plugin_step(&event, "plugin:classifier");
    assert_eq!(step["outcome"], format!("fault:{fault}"), "{step}");
    assert!(
        step["detail"].as_str().unwrap().contains("沿用区级分类"),
        "{step}"
    );
    let stored = app.event(event["id"].as_str().unwrap()).await;
    assert_eq!(plugin_step(&stored, "plugin:classifier"), step);
    let plugins = app.plugins("buji").await;
    assert_eq!(
        plugins["plugins"][0]["health"]["faults"][fault], 1,
        "{plugins}"
    );
    assert_eq!(plugins["plugins"][0]["health"]["ok"], 0);
    assert_host_still_answers(&app).await;
}

#[tokio::test]
async fn a_plugin_that_loops_forever_is_stopped_and_the_event_still_routes() {
    assert_fault_in(TestApp::spawn().await, "fixture_loop_forever", "timeout").await;
}

#[tokio::test]
async fn a_plugin_that_allocates_without_bound_hits_its_memory_cap() {
    assert_fault("fixture_grow_memory", "memory").await;
}

#[tokio::test]
async fn a_plugin_that_recurses_without_bound_overflows_its_own_stack() {
    // Rust keeps its stack frames in linear memory, so running off the end of that stack is an
    // out-of-bounds trap rather than wasmtime's native stack overflow.
    assert_fault("fixture_deep_recursion", "trap").await;
}

#[tokio::test]
async fn a_plugin_that_panics_traps_without_hurting_the_host() {
    assert_fault("fixture_trap", "trap").await;
}

#[tokio::test]
async fn a_plugin_that_floods_the_host_with_calls_is_cut_off() {
    let app = spawn_patient(100).await;
    assert_fault_in(app, "fixture_host_call_flood", "host-call-limit").await;
}

#[tokio::test]
async fn a_plugin_with_oversized_output_is_ignored() {
    assert_fault("fixture_oversized_output", "output-too-large").await;
}

#[tokio::test]
async fn a_plugin_answering_with_an_unknown_item_or_nan_is_ignored() {
    assert_fault("fixture_garbage_output", "invalid-output").await;
}

#[tokio::test]
async fn a_router_cannot_invent_a_unit() {
    let app = TestApp::spawn().await;
    app.deploy("bantian", "invented", "fixture_invalid_router")
        .await;
    // 占道经营 in 坂田 has two candidates: the community workstation and the district bureau.
    let event = app
        .submit(appeal("有流动摊贩占道经营", "坂田", Some("新雪")))
        .await;
    assert_eq!(event["classification"]["item_code"], "01-002");
    assert_eq!(event["dispatch"]["handling_unit"]["code"], "bantian.ws.003");
    assert_eq!(event["dispatch"]["decided_by"], "district");
    let step = plugin_step(&event, "plugin:router");
    assert_eq!(step["outcome"], "fault:invalid-output");
    assert!(
        step["detail"]
            .as_str()
            .unwrap()
            .contains("nowhere.invented-unit"),
        "{step}"
    );
}

#[tokio::test]
async fn a_plugin_sees_only_its_own_street() {
    let app = TestApp::spawn().await;
    app.deploy("pinghu", "peek", "fixture_peek_other_street")
        .await;
    app.configure(
        "pinghu",
        "peek",
        json!({ "target_unit": "buji.law-enforcement", "target_community": "木棉湾" }),
    )
    .await;
    let event = app
        .submit(appeal("垃圾堆没人清", "平湖", Some("山厦")))
        .await;
    let reason = event["classification"]["reason"].as_str().unwrap();
    assert!(reason.contains("get-unit: access-denied"), "{reason}");
    assert!(reason.contains("count: access-denied"), "{reason}");

    // Its own street's units and communities are fine.
    app.configure(
        "pinghu",
        "peek",
        json!({ "target_unit": "pinghu.flood-control", "target_community": "山厦" }),
    )
    .await;
    let event = app
        .submit(appeal("垃圾堆没人清", "平湖", Some("山厦")))
        .await;
    let reason = event["classification"]["reason"].as_str().unwrap();
    assert!(
        reason.contains("get-unit: ok:pinghu.flood-control"),
        "{reason}"
    );
    assert!(reason.contains("count: ok:1"), "{reason}");
}

#[tokio::test]
async fn many_events_at_once_against_a_looping_plugin_all_route_by_default() {
    let app = TestApp::spawn().await;
    app.deploy("buji", "loop", "fixture_loop_forever").await;
    let mut handles = Vec::new();
    for i in 0..16 {
        let client = app.client.clone();
        let url = format!("{}/api/v1/events", app.address);
        handles.push(tokio::spawn(async move {
            let body = appeal(&format!("垃圾堆没人清 {i}"), "布吉", None);
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
    // Other streets are served meanwhile.
    assert_host_still_answers(&app).await;
    for h in handles {
        assert_eq!(h.await.unwrap(), reqwest::StatusCode::CREATED);
    }
    let health = &app.plugins("buji").await["plugins"][0]["health"];
    // Every call made timed out. Calls admitted after five timeouts in a row (only on a very
    // slow machine) are skipped by the circuit breaker instead, and still routed by default.
    let timeouts = health["faults"]["timeout"].as_u64().unwrap();
    assert_eq!(health["calls"], timeouts, "{health}");
    assert_eq!(
        timeouts + health["skipped"].as_u64().unwrap(),
        16,
        "{health}"
    );
}
