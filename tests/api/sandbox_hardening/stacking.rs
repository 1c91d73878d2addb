//! Finding G: a deploy says what it took out of the path, and a street runs several
//! classifiers in the order it sets, each with its own health and breaker.

use reqwest::StatusCode;
use serde_json::{Value, json};
use streetwise_tests::{ADMIN_TOKEN, TestApp, appeal, plugin_bytes, send};

async fn deploy(app: &TestApp, street: &str, name: &str, component: &str, order: &str) -> Value {
    let url = format!(
        "{}/api/v1/streets/{street}/plugins?name={name}{order}",
        app.address
    );
    let request = app
        .client
        .post(url)
        .bearer_auth(ADMIN_TOKEN)
        .header("content-type", "application/wasm")
        .body(plugin_bytes(component));
    let (status, body) = send(request).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

fn classifier_steps(event: &Value) -> Vec<(String, String)> {
    event["trace"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["step"] == "plugin:classifier")
        .map(|s| {
            let by = s["decided_by"].as_str().unwrap();
            let name = by.split('@').next().unwrap().to_string();
            (name, s["outcome"].as_str().unwrap().to_string())
        })
        .collect()
}

fn health_of(plugins: &Value, name: &str) -> Value {
    plugins["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name && p["active"] == true)
        .unwrap_or_else(|| panic!("{name} is not active: {plugins}"))["health"]
        .clone()
}

#[tokio::test]
async fn a_street_stacks_classifiers_in_its_order_each_with_its_own_health() {
    let app = TestApp::spawn().await;
    let first = deploy(&app, "buji", "urban-village", "buji_classifier", "").await;
    assert!(first.get("replaced").is_none(), "{first}");
    let noop = deploy(&app, "buji", "noop", "fixture_noop_classifier", "&order=5").await;
    assert!(
        noop.get("replaced").is_none(),
        "another name replaces nothing: {noop}"
    );
    // Order 0 like urban-village, and "trap" sorts first by name.
    deploy(&app, "buji", "trap", "fixture_trap", "").await;

    let event = app
        .submit(appeal(
            "木棉湾村里的消防通道被电动车和杂物堵住了",
            "布吉",
            Some("木棉湾"),
        ))
        .await;
    let steps = classifier_steps(&event);
    let expected = [
        ("trap", "fault:trap"),
        ("urban-village", "applied"),
        ("noop", "kept"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(n, o)| (n.to_string(), o.to_string()))
        .collect();
    assert_eq!(steps, expected, "{event}");
    // The trap did not stop the one after it: urban-village's answer stands.
    assert_eq!(event["classification"]["item_code"], "14-001", "{event}");
    assert!(
        event["classification"]["decided_by"]
            .as_str()
            .unwrap()
            .starts_with("urban-village@")
    );

    let plugins = app.plugins("buji").await;
    assert_eq!(health_of(&plugins, "trap")["faults"]["trap"], 1);
    assert_eq!(health_of(&plugins, "urban-village")["ok"], 1);
    assert_eq!(health_of(&plugins, "urban-village")["faults"], json!({}));
    assert_eq!(health_of(&plugins, "noop")["ok"], 1);

    // A new version of a name replaces that name's version, and says so; it keeps its place.
    let again = deploy(&app, "buji", "noop", "fixture_noop_classifier", "").await;
    assert_eq!(again["replaced"], json!([{ "name": "noop", "version": 1 }]));
    assert_eq!(again["run_order"], 5);
}

#[tokio::test]
async fn deploying_a_router_says_which_router_it_replaced() {
    let app = TestApp::spawn().await;
    deploy(&app, "bantian", "roads", "bantian_router", "").await;
    let second = deploy(&app, "bantian", "invented", "fixture_invalid_router", "").await;
    assert_eq!(
        second["replaced"],
        json!([{ "name": "roads", "version": 1 }])
    );
    let plugins = app.plugins("bantian").await;
    let active: Vec<&Value> = plugins["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["active"] == true)
        .collect();
    assert_eq!(active.len(), 1, "{plugins}");
    assert_eq!(active[0]["name"], "invented");
}
