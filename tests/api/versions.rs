//! Plugin versions: a shadow version's report on live traffic, a replay over stored history,
//! and activation and rollback under concurrent intake without a lost or mis-routed event.

use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::{Value, json};
use streetwise_tests::{ADMIN_TOKEN, TestApp, appeal, plugin_bytes, send};

const FIRE_LANE: &str = "木棉湾村里的消防通道被电动车和杂物堵住了";
const GARBAGE: &str = "垃圾堆没人清";
const MAIN_ROAD_STALL: &str = "五和大道天桥下有流动摊贩占道经营";

/// Deploys `component` as a new version of `name` in shadow for `events` events.
async fn deploy_shadow(
    app: &TestApp,
    street: &str,
    name: &str,
    component: &str,
    events: u32,
) -> Value {
    let (status, body) = send(
        app.client
            .post(format!(
                "{}/api/v1/streets/{street}/plugins?name={name}&mode=shadow&shadow_events={events}&notes=试运行",
                app.address
            ))
            .bearer_auth(ADMIN_TOKEN)
            .header("content-type", "application/wasm")
            .body(plugin_bytes(component)),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

async fn post_admin(app: &TestApp, path: &str, body: Value) -> (StatusCode, Value) {
    send(
        app.client
            .post(format!("{}{path}", app.address))
            .bearer_auth(ADMIN_TOKEN)
            .json(&body),
    )
    .await
}

/// The shadow report once it has `compared` comparisons (they are written in the
/// background), bounded.
async fn report_after(app: &TestApp, path: &str, compared: u64) -> Value {
    for _ in 0..200 {
        let (status, body) = app.get(path).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        if body["report"]["compared"].as_u64() == Some(compared) {
            return body;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the shadow report did not reach {compared} comparisons");
}

#[tokio::test]
async fn a_shadow_version_decides_beside_the_active_one_and_its_report_shows_where_it_differs() {
    let app = TestApp::spawn().await;
    app.deploy("buji", "urban-village", "buji_classifier").await;
    // Version 2 keeps the district's classification everywhere: it would not raise fire lanes.
    let shadow = deploy_shadow(&app, "buji", "urban-village", "fixture_noop_classifier", 5).await;
    assert_eq!(shadow["version"], 2);
    assert_eq!(shadow["active"], false);
    assert_eq!(shadow["shadow"]["events_left"], 5);
    assert_eq!(shadow["notes"], "试运行");

    let mut fire = Vec::new();
    for text in [FIRE_LANE, GARBAGE, FIRE_LANE, GARBAGE, GARBAGE] {
        let event = app.submit(appeal(text, "布吉", Some("木棉湾"))).await;
        // Never applied: version 1 decides.
        if text == FIRE_LANE {
            assert_eq!(event["classification"]["decided_by"], "urban-village@1");
            fire.push(event["id"].as_str().unwrap().to_string());
        }
    }
    let path = "/api/v1/streets/buji/plugins/urban-village/versions/2/report";
    let body = report_after(&app, path, 5).await;
    let report = &body["report"];
    assert_eq!(report["differing"], 2, "{report}");
    let examples: Vec<&str> = report["examples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_id"].as_str().unwrap())
        .collect();
    assert_eq!(examples, fire);
    let item = &report["items"][0];
    assert_eq!(item["item_code"], "14-001");
    assert_eq!(
        item["changes"][0],
        json!(["item 14-001 urgent → item 14-001 high", 2]),
        "{report}"
    );
    assert_eq!(report["items"][1]["differing"], 0);

    // Five events used up the run: a sixth is not compared, and the version says so.
    app.submit(appeal(FIRE_LANE, "布吉", Some("木棉湾"))).await;
    app.submit(appeal(FIRE_LANE, "布吉", Some("木棉湾"))).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let body = report_after(&app, path, 5).await;
    assert_eq!(body["version"]["shadow"], Value::Null, "{body}");

    // Promoting it makes it the active version.
    let (status, promoted) = post_admin(
        &app,
        "/api/v1/streets/buji/plugins/urban-village/versions/2/activate",
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{promoted}");
    // Version 2 now decides: it keeps the district's classification.
    let event = app.submit(appeal(FIRE_LANE, "布吉", Some("木棉湾"))).await;
    let step = event["trace"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == "plugin:classifier")
        .expect("the classifier ran");
    assert_eq!(step["decided_by"], "urban-village@2");
    assert_eq!(step["outcome"], "kept");
    assert_eq!(event["classification"]["priority"], "high");
}

#[tokio::test]
async fn a_replay_decides_stored_history_again_and_changes_nothing() {
    let app = TestApp::spawn().await;
    app.deploy("buji", "urban-village", "buji_classifier").await;
    let mut ids = Vec::new();
    for text in [FIRE_LANE, GARBAGE, FIRE_LANE, GARBAGE] {
        let event = app.submit(appeal(text, "布吉", Some("木棉湾"))).await;
        ids.push(event["id"].as_str().unwrap().to_string());
    }
    // Another street's history is not replayed.
    app.submit(appeal(FIRE_LANE, "平湖", Some("山厦"))).await;
    // Version 2, stored in shadow for zero events: it never runs on live traffic.
    deploy_shadow(&app, "buji", "urban-village", "fixture_noop_classifier", 0).await;
    let before = app.event(&ids[0]).await;

    let (status, replayed) = post_admin(
        &app,
        "/api/v1/streets/buji/plugins/urban-village/versions/2/replay",
        json!({"last": 3}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{replayed}");
    // The newest three of 布吉: garbage, fire lane, garbage.
    assert_eq!(replayed["events"], 3);
    assert_eq!(replayed["report"]["compared"], 3);
    assert_eq!(replayed["report"]["differing"], 1);
    assert_eq!(
        replayed["report"]["examples"][0]["event_id"],
        ids[2].as_str()
    );

    let (_, all) = post_admin(
        &app,
        "/api/v1/streets/buji/plugins/urban-village/versions/2/replay",
        json!({}),
    )
    .await;
    assert_eq!(all["events"], 4);
    assert_eq!(all["report"]["differing"], 2);
    // Nothing changed: the events are as they were, and no shadow decision was recorded.
    assert_eq!(app.event(&ids[0]).await, before);
    let (_, report) = app
        .get("/api/v1/streets/buji/plugins/urban-village/versions/2/report")
        .await;
    assert_eq!(report["report"]["compared"], 0);

    let (status, body) = post_admin(
        &app,
        "/api/v1/streets/buji/plugins/urban-village/versions/9/replay",
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, body) = post_admin(
        &app,
        "/api/v1/streets/buji/plugins/urban-village/versions/2/replay",
        json!({"last": 0}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

/// The unit each 坂田 router version sends a main-road stall to.
fn expected_unit(decided_by: &str) -> &'static str {
    match decided_by {
        // bantian_router: main roads go to the district bureau.
        "road-router@1" => "district.urban-management",
        // The invalid router's answer is refused: the responsibility list's default stands.
        "road-router@2" => "bantian.ws.003",
        other => panic!("decided by {other}"),
    }
}

#[tokio::test]
async fn activating_and_rolling_back_under_concurrent_intake_loses_and_misroutes_nothing() {
    // What is tested is the switch, not the time limit: on a loaded machine a 100 ms limit
    // would turn some router calls into timeouts routed by default, which proves nothing here.
    let mut settings = streetwise_tests::test_settings(&streetwise_tests::temp_dir("switch"));
    settings.plugins.plugin_timeout_ms = 2_000;
    let app = Arc::new(TestApp::spawn_with(settings).await);
    app.deploy("bantian", "road-router", "bantian_router").await;
    app.deploy("bantian", "road-router", "fixture_invalid_router")
        .await;

    const WORKERS: usize = 8;
    const EACH: usize = 25;
    let posted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    // Half of each worker's events wait for the first switch: however fast intake is, the
    // versions change while events are being decided.
    let switched = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut workers = tokio::task::JoinSet::new();
    for worker in 0..WORKERS {
        let app = app.clone();
        let posted = posted.clone();
        let switched = switched.clone();
        workers.spawn(async move {
            let mut answered = Vec::new();
            for n in 0..EACH {
                while n == EACH / 2 && switched.load(std::sync::atomic::Ordering::Relaxed) < 1 {
                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                }
                let mut body = appeal(MAIN_ROAD_STALL, "坂田", Some("新雪"));
                body["external_id"] = json!(format!("load-{worker}-{n}"));
                let (status, event) = app.post_event(body).await;
                assert_eq!(status, StatusCode::CREATED, "{event}");
                answered.push(event);
                posted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            answered
        });
    }
    // Meanwhile: back and forth between the versions, by activation and by rollback. Each
    // version surely decides some: version 2 (active) the first events, version 1 those
    // posted after the first rollback and before the next switch.
    let count =
        |n: &Arc<std::sync::atomic::AtomicUsize>| n.load(std::sync::atomic::Ordering::Relaxed);
    let wait_until_posted = |at_least: usize| {
        let posted = posted.clone();
        async move {
            while posted.load(std::sync::atomic::Ordering::Relaxed) < at_least {
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            }
        }
    };
    wait_until_posted(WORKERS).await;
    let mut switches = 0;
    loop {
        let path = if switches % 2 == 0 {
            "/api/v1/streets/bantian/plugins/road-router/rollback".to_string()
        } else {
            "/api/v1/streets/bantian/plugins/road-router/versions/2/activate".to_string()
        };
        let (status, body) = post_admin(&app, &path, json!({})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        switches += 1;
        switched.store(switches, std::sync::atomic::Ordering::Relaxed);
        if switches == 1 {
            wait_until_posted(WORKERS * EACH / 2 + WORKERS).await;
        }
        if switches >= 40 || (switches >= 2 && count(&posted) >= WORKERS * EACH) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    assert!(switches >= 2, "the versions switched during the load");
    let mut answered = Vec::new();
    while let Some(done) = workers.join_next().await {
        answered.extend(done.expect("a worker"));
    }
    assert_eq!(answered.len(), WORKERS * EACH);
    let mut by_version = std::collections::BTreeMap::new();
    for event in &answered {
        let stored = app.event(event["id"].as_str().unwrap()).await;
        let step = stored["trace"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["step"] == "plugin:router")
            .unwrap_or_else(|| panic!("every event met a router: {stored}"));
        let version = step["decided_by"].as_str().unwrap();
        assert_eq!(
            stored["dispatch"]["handling_unit"]["code"],
            expected_unit(version),
            "{stored}"
        );
        *by_version.entry(version.to_string()).or_insert(0) += 1;
    }
    let (_, page) = app.get("/api/v1/events?street=bantian&limit=500").await;
    assert_eq!(page["events"].as_array().unwrap().len(), WORKERS * EACH);
    assert_eq!(
        by_version.len(),
        2,
        "both versions decided some: {by_version:?}"
    );
}

#[tokio::test]
async fn a_street_admin_rolls_back_its_own_street_and_is_refused_on_another() {
    use streetwise::domain::Scope;
    let app = TestApp::spawn().await;
    app.deploy("bantian", "road-router", "bantian_router").await;
    app.deploy("bantian", "road-router", "fixture_invalid_router")
        .await;
    app.deploy("buji", "urban-village", "buji_classifier").await;
    app.deploy("buji", "urban-village", "fixture_noop_classifier")
        .await;
    let buji_admin = app
        .create_token(Scope::StreetAdmin, Some("布吉"), "布吉 team")
        .await;
    let as_buji = |path: &str| {
        app.client
            .post(format!("{}{path}", app.address))
            .bearer_auth(&buji_admin)
    };

    let (status, body) = send(as_buji(
        "/api/v1/streets/bantian/plugins/road-router/rollback",
    ))
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, _) = send(
        as_buji("/api/v1/streets/bantian/plugins/road-router/versions/1/replay").json(&json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, versions) = app
        .get("/api/v1/streets/bantian/plugins/road-router/versions")
        .await;
    assert_eq!(versions[0]["version"], 2);
    assert_eq!(versions[0]["active"], true, "nothing changed in 坂田");

    let (status, body) = send(as_buji(
        "/api/v1/streets/buji/plugins/urban-village/rollback",
    ))
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["version"], 1);

    let (_, audit) = send(
        app.client
            .get(format!(
                "{}/api/v1/audit?street=坂田&outcome=denied",
                app.address
            ))
            .bearer_auth(ADMIN_TOKEN),
    )
    .await;
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap_or_else(|| panic!("{audit}"))
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"rollback") && actions.contains(&"replay"),
        "{audit}"
    );
}

#[tokio::test]
async fn a_scenario_runs_in_shadow_after_storage_and_replays_against_the_actions_it_took() {
    let app = TestApp::spawn().await;
    app.deploy("pinghu", "flood-season", "pinghu_scenario")
        .await;
    // The same rules as version 2, in shadow: it must agree with version 1 on every event.
    deploy_shadow(&app, "pinghu", "flood-season", "pinghu_scenario", 10).await;
    let mut ids = Vec::new();
    for text in [
        "山厦路口积水很深",
        "山厦小学门口水浸",
        "山厦工业区内涝，车被淹",
    ] {
        let event = app.submit(appeal(text, "平湖", Some("山厦"))).await;
        let id = event["id"].as_str().unwrap().to_string();
        app.event_after_scenarios(&id).await;
        ids.push(id);
    }
    let path = "/api/v1/streets/pinghu/plugins/flood-season/versions/2/report";
    let body = report_after(&app, path, 3).await;
    assert_eq!(body["report"]["differing"], 0, "{body}");

    // The street team lowers the threshold to two reports: replayed over the same history,
    // version 2 would have warned at the second report, not the third.
    app.configure("pinghu", "flood-season", json!({"threshold": "2"}))
        .await;
    let (status, replayed) = post_admin(
        &app,
        "/api/v1/streets/pinghu/plugins/flood-season/versions/2/replay",
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{replayed}");
    let report = &replayed["report"];
    assert_eq!(
        report["compared"], 3,
        "follow-ups are not replayed: {replayed}"
    );
    let examples = report["examples"].as_array().unwrap();
    let second = examples
        .iter()
        .find(|e| e["event_id"] == ids[1].as_str())
        .unwrap_or_else(|| panic!("the second report differs: {report}"));
    assert_eq!(second["active"], "no actions");
    assert!(
        second["candidate"]
            .as_str()
            .unwrap()
            .contains("follow-up pinghu.flood-control"),
        "{second}"
    );
}
