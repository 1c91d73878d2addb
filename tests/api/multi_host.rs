//! Several hosts on one PostgreSQL (issue 12): a version activated or rolled back through one
//! host, or a configuration or an import, reaches the other at once; once both run it, no
//! event is decided by the old version on either; a street's scenarios run once, however many
//! hosts run scenarios; a timer fires once.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use streetwise::clock::Clock;
use streetwise_tests::{
    ADMIN_TOKEN, TestApp, appeal, fresh_postgres, send, temp_dir, test_settings,
};

const MAIN_ROAD_STALL: &str = "五和大道天桥下有流动摊贩占道经营";

async fn post(app: &TestApp, path: &str, body: Value) -> (StatusCode, Value) {
    send(
        app.client
            .post(format!("{}{path}", app.address))
            .bearer_auth(ADMIN_TOKEN)
            .json(&body),
    )
    .await
}

/// The version of `name` this host runs in `street` (the one with health).
async fn running(app: &TestApp, street: &str, name: &str) -> Option<u64> {
    let (_, list) = app.get(&format!("/api/v1/streets/{street}/plugins")).await;
    list["plugins"]
        .as_array()?
        .iter()
        .find(|p| p["name"] == name && !p["health"].is_null())
        .and_then(|p| p["version"].as_u64())
}

/// Waits until every host runs `version`; how long it took.
async fn until_running(hosts: &[&TestApp], street: &str, name: &str, version: u64) -> Duration {
    let start = Instant::now();
    for host in hosts {
        while running(host, street, name).await != Some(version) {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "{} does not run {name}@{version}",
                host.address
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    start.elapsed()
}

/// Which router version decided an event.
fn router_of(event: &Value) -> String {
    event["trace"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == "plugin:router")
        .map(|s| s["decided_by"].as_str().unwrap().to_string())
        .unwrap_or_else(|| panic!("no router step: {event}"))
}

#[tokio::test]
async fn two_hosts_on_one_postgres_switch_versions_together_and_run_scenarios_and_timers_once() {
    let Some(url) = fresh_postgres().await else {
        return;
    };
    let clock = Clock::driven(jiff::Timestamp::now());
    let host = |label: &str| {
        let mut settings = test_settings(&temp_dir(label));
        settings.database_url = Some(url.clone());
        settings.plugins.plugin_timeout_ms = 2_000;
        settings.timer_interval_secs = 1;
        settings.clock = clock.clone();
        settings
    };
    let a = Arc::new(TestApp::spawn_with(host("multi-a")).await);
    let b = Arc::new(TestApp::spawn_with(host("multi-b")).await);
    a.deploy("bantian", "road-router", "bantian_router").await;
    a.deploy("bantian", "road-router", "fixture_invalid_router")
        .await;
    a.deploy("pinghu", "flood-season", "pinghu_scenario").await;
    let took = until_running(&[&a, &b], "bantian", "road-router", 2).await;
    eprintln!("a deploy through one host reached both in {took:?}");
    until_running(&[&a, &b], "pinghu", "flood-season", 1).await;

    // Intake goes on through both hosts all along.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut load = tokio::task::JoinSet::new();
    for (n, host) in [a.clone(), b.clone()].into_iter().enumerate() {
        let stop = stop.clone();
        load.spawn(async move {
            let mut ids = Vec::new();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let text = if ids.len() % 2 == 0 {
                    MAIN_ROAD_STALL
                } else {
                    "山厦路口积水很深"
                };
                let (street, community) = if ids.len() % 2 == 0 {
                    ("坂田", "新雪")
                } else {
                    ("平湖", "山厦")
                };
                let mut body = appeal(text, street, Some(community));
                body["external_id"] = json!(format!("load-{n}-{}", ids.len()));
                let (status, event) = host.post_event(body).await;
                assert_eq!(status, StatusCode::CREATED, "{event}");
                ids.push(event["id"].as_str().unwrap().to_string());
            }
            ids
        });
    }

    // Back and forth, through either host; once both run the new version, every event decided
    // on either is decided by it.
    let switches = [
        (
            &a,
            "/api/v1/streets/bantian/plugins/road-router/rollback",
            1,
        ),
        (
            &b,
            "/api/v1/streets/bantian/plugins/road-router/versions/2/activate",
            2,
        ),
        (
            &b,
            "/api/v1/streets/bantian/plugins/road-router/rollback",
            1,
        ),
    ];
    for (through, path, version) in switches {
        let (status, body) = post(through, path, json!({})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let took = until_running(&[&a, &b], "bantian", "road-router", version).await;
        eprintln!("road-router@{version} through one host ran on both after {took:?}");
        for host in [&a, &b, &a, &b] {
            let event = host
                .submit(appeal(MAIN_ROAD_STALL, "坂田", Some("新雪")))
                .await;
            assert_eq!(
                router_of(&event),
                format!("road-router@{version}"),
                "{event}"
            );
        }
    }
    // An import lands (through neither host): both route by it within seconds.
    let dir = temp_dir("multi-import");
    let list = dir.join("responsibilities.csv");
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../seed/examples");
    let mut text = std::fs::read_to_string(examples.join("responsibilities.csv")).unwrap();
    text.push_str(
        "01-001,440307014,district.urban-management,community;street:law-enforcement,,\n",
    );
    std::fs::write(&list, text).unwrap();
    let files = [streetwise::import::ImportFile::new(
        streetwise::import::ImportKind::Responsibilities,
        &list,
    )];
    streetwise::import::run(&a.settings, &files, Default::default())
        .await
        .unwrap();
    let start = Instant::now();
    for host in [&a, &b] {
        loop {
            let event = host
                .submit(appeal("垃圾堆没人清", "布吉", Some("木棉湾")))
                .await;
            let unit = event["dispatch"]["handling_unit"]["code"]
                .as_str()
                .unwrap()
                .to_string();
            if unit.starts_with("buji.ws.") {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "{} still routes to {unit}",
                host.address
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    eprintln!("an import reached both hosts in {:?}", start.elapsed());
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut ids = Vec::new();
    while let Some(done) = load.join_next().await {
        ids.extend(done.expect("a load task"));
    }
    assert!(ids.len() >= 6, "the load ran: {}", ids.len());

    // An intake-only host stores a burst whose scenarios both others find owed at once.
    let mut intake_only = host("multi-c");
    intake_only.run_scenarios = false;
    let c = TestApp::spawn_with(intake_only).await;
    for n in 0..30 {
        let mut body = appeal("山厦路口积水很深", "平湖", Some("山厦"));
        body["external_id"] = json!(format!("burst-{n}"));
        let event = c.submit(body).await;
        ids.push(event["id"].as_str().unwrap().to_string());
    }

    // Each event's scenarios ran once: a second run would have doubled its actions.
    for id in &ids {
        let event = a.event_after_scenarios(id).await;
        let actions: Vec<String> = event["actions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| {
                // A second run's follow-up would be another event: compare without its id.
                let mut x = x.clone();
                x.as_object_mut().unwrap().remove("event_id");
                x.to_string()
            })
            .collect();
        let unique: std::collections::BTreeSet<&String> = actions.iter().collect();
        assert_eq!(unique.len(), actions.len(), "an action twice: {event}");
    }

    // Three days on, both hosts' timers scan the same cases: each warning is written once.
    clock.advance(jiff::SignedDuration::from_hours(72));
    tokio::time::sleep(Duration::from_secs(4)).await;
    let mut warned = 0;
    for id in ids.iter().take(20) {
        let timeline = a.timeline(id).await;
        let warnings = timeline["entries"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "warn")
            .count();
        assert!(warnings <= 1, "warned {warnings} times: {timeline}");
        warned += warnings;
    }
    assert!(warned > 0, "the timers fired");
}
