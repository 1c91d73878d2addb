//! `serve --examples plugins/examples.toml` deploys an example only into a street with
//! nothing active in its place: a restart used to re-activate the example over the plugin a
//! street had activated itself.

use serde_json::Value;
use streetwise_tests::{TestApp, temp_dir, test_settings};

/// (name, version) of a street's active plugins.
async fn active(app: &TestApp, street: &str) -> Vec<(String, u64)> {
    let listed = app.plugins(street).await;
    let mut active: Vec<(String, u64)> = listed["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["active"] == Value::Bool(true))
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["version"].as_u64().unwrap(),
            )
        })
        .collect();
    active.sort();
    active
}

fn versions(app_plugins: &Value, name: &str) -> usize {
    app_plugins["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["name"] == name)
        .count()
}

#[tokio::test]
async fn a_restart_with_examples_keeps_the_plugins_a_street_activated_itself() {
    let mut settings = test_settings(&temp_dir("examples"));
    settings.examples =
        Some(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugins/examples.toml"));
    let app = TestApp::spawn_with(settings).await;
    let example = |name: &str| vec![(name.to_string(), 1)];
    assert_eq!(active(&app, "buji").await, example("buji-urban-village"));
    assert_eq!(
        active(&app, "bantian").await,
        example("bantian-road-router")
    );

    // 布吉 adds a classifier of its own (classifiers stack: the example stays beside it);
    // 坂田 deploys its own version of the example's name.
    app.deploy("buji", "buji-own", "fixture_noop_classifier")
        .await;
    app.deploy("bantian", "bantian-road-router", "fixture_invalid_router")
        .await;
    let settings = app.stop().await;

    let app = TestApp::spawn_with(settings).await;
    assert_eq!(
        active(&app, "buji").await,
        [
            ("buji-own".to_string(), 1),
            ("buji-urban-village".to_string(), 1)
        ],
        "布吉's classifiers are as it left them: its own and the example's first version"
    );
    assert_eq!(
        active(&app, "bantian").await,
        [("bantian-road-router".to_string(), 2)],
        "the example was re-deployed over 坂田's own version"
    );
    // An example nobody replaced stays as it was, not deployed again.
    assert_eq!(active(&app, "pinghu").await, example("pinghu-flood-season"));
    assert_eq!(
        versions(&app.plugins("buji").await, "buji-urban-village"),
        1
    );
    assert_eq!(
        versions(&app.plugins("pinghu").await, "pinghu-flood-season"),
        1
    );
    app.stop().await;
}
