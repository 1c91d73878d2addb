//! Deploying plugins: tokens, validation of components, persistence across restarts.

use reqwest::StatusCode;
use streetwise_tests::{ADMIN_TOKEN, TestApp, appeal, plugin_bytes};

#[tokio::test]
async fn deploying_needs_the_admin_token() {
    let app = TestApp::spawn().await;
    let bytes = plugin_bytes("buji_classifier");
    let (status, body) = app
        .deploy_as(None, "buji", "urban-village", bytes.clone())
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "unauthorized");
    let (status, _) = app
        .deploy_as(Some("not-the-token-at-all"), "buji", "urban-village", bytes)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.plugins("buji").await["plugins"], serde_json::json!([]));
}

#[tokio::test]
async fn anything_but_a_streetwise_component_is_refused_with_the_reason() {
    let app = TestApp::spawn().await;
    let token = Some(ADMIN_TOKEN);
    let cases: [(&str, Vec<u8>, &str); 4] = [
        ("empty", Vec::new(), "empty"),
        ("text", b"hello, world".to_vec(), "not WebAssembly"),
        (
            "core-module",
            b"\0asm\x01\0\0\0".to_vec(),
            "core WebAssembly module, not a component",
        ),
        (
            "garbage-component",
            b"\0asm\x0d\0\x01\0garbage".to_vec(),
            "does not compile",
        ),
    ];
    for (name, bytes, reason) in cases {
        let (status, body) = app.deploy_as(token, "buji", name, bytes).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {body}");
        assert_eq!(body["error"]["code"], "invalid_component");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(reason), "{name}: {message}");
    }
    let (status, body) = app
        .deploy_as(token, "atlantis", "x", plugin_bytes("buji_classifier"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, body) = app
        .deploy_as(token, "buji", "Bad_Name", plugin_bytes("buji_classifier"))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "invalid_name");
}

#[tokio::test]
async fn a_deployed_plugin_is_versioned_hashed_and_survives_a_restart() {
    let app = TestApp::spawn().await;
    let first = app.deploy("buji", "urban-village", "buji_classifier").await;
    assert_eq!(first["kind"], "classifier");
    assert_eq!(first["version"], 1);
    assert_eq!(first["sha256"].as_str().unwrap().len(), 64);
    let second = app.deploy("buji", "urban-village", "buji_classifier").await;
    assert_eq!(second["version"], 2);
    let listed = app.plugins("buji").await;
    let plugins = listed["plugins"].as_array().unwrap();
    assert_eq!(plugins.len(), 2);
    assert_eq!(plugins[0]["version"], 2);
    assert_eq!(plugins[0]["active"], true);
    assert_eq!(plugins[1]["active"], false);

    let settings = app.stop().await;
    let app = TestApp::spawn_with(settings).await;
    let listed = app.plugins("buji").await;
    assert_eq!(listed["plugins"][0]["active"], true);
    let event = app
        .submit(appeal(
            "城中村里消防通道被杂物堵死了",
            "布吉",
            Some("木棉湾"),
        ))
        .await;
    assert_eq!(event["classification"]["decided_by"], "urban-village@2");
}

#[tokio::test]
async fn a_component_above_the_configured_size_is_refused_before_it_is_compiled() {
    let dir = streetwise_tests::temp_dir("size");
    let mut settings = streetwise_tests::test_settings(&dir);
    // Smaller than any component: 0 MiB.
    settings.plugins.plugin_max_component_mib = 0;
    let app = TestApp::spawn_with(settings).await;
    let (status, body) = app
        .deploy_as(
            Some(ADMIN_TOKEN),
            "buji",
            "urban-village",
            plugin_bytes("buji_classifier"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "component_too_large");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("STREETWISE_PLUGIN_MAX_COMPONENT_MIB")
    );
    assert_eq!(app.plugins("buji").await["plugins"], serde_json::json!([]));
}
