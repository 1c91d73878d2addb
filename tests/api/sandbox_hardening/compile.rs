//! Finding C: compiling at deploy is bounded. A function too large to compile cheaply is
//! refused before Cranelift sees it; a compile over its time limit is refused, saying why.

use reqwest::StatusCode;
use serde_json::json;
use streetwise_tests::{ADMIN_TOKEN, TestApp, plugin_bytes, temp_dir, test_settings};

/// A component whose one core module has one function of about `bytes` bytes of code.
fn huge_function_component(bytes: usize) -> Vec<u8> {
    // `i32.const 1` `drop` is three bytes of code.
    let body = "i32.const 1 drop ".repeat(bytes / 3);
    let text = format!("(component (core module (func (export \"f\") {body})) )",);
    wat::parse_str(text).expect("the component assembles")
}

#[tokio::test]
async fn a_component_with_a_function_over_the_cap_is_refused_before_compiling() {
    let dir = temp_dir("compile");
    let mut settings = test_settings(&dir);
    settings.plugins.plugin_max_function_kib = 64;
    let app = TestApp::spawn_with(settings).await;
    let (status, body) = app
        .deploy_as(
            Some(ADMIN_TOKEN),
            "buji",
            "huge",
            huge_function_component(100 << 10),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("at most 65536 bytes"), "{message}");
    assert!(message.contains("has a function of"), "{message}");
    // Ordinary plugins are far below the cap.
    app.deploy("buji", "urban-village", "buji_classifier").await;
}

#[tokio::test]
async fn a_compile_over_its_time_limit_is_refused_and_nothing_is_stored() {
    let dir = temp_dir("compile-timeout");
    let mut settings = test_settings(&dir);
    // No component compiles in a millisecond.
    settings.plugins.plugin_compile_timeout_ms = 1;
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
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("did not compile within 1 ms"), "{message}");
    assert_eq!(app.plugins("buji").await["plugins"], json!([]));
}
