//! Strict validation of `POST /api/v1/events`, and control characters in paths and filters:
//! each refusal is a 4xx that names the field and says why, never a 500.

use reqwest::StatusCode;
use serde_json::{Value, json};
use streetwise_tests::{ADMIN_TOKEN, TestApp, appeal};

fn with(field: &str, value: Value) -> Value {
    let mut body = appeal("路口积水很深", "平湖", Some("山厦"));
    let mut target = &mut body;
    let path: Vec<&str> = field.split('.').collect();
    for key in &path[..path.len() - 1] {
        if target.get(*key).is_none() {
            target[*key] = json!({});
        }
        target = &mut target[*key];
    }
    target[path[path.len() - 1]] = value;
    body
}

#[tokio::test]
async fn refused_content_gets_a_422_naming_the_field_and_why() {
    let app = TestApp::spawn().await;
    let cases = [
        // RFC 3339 only: a space for T, a year 0, an expanded or negative year, no seconds.
        (
            "reported_at",
            json!("2026-07-01 09:30:00+08:00"),
            "invalid_time",
            "space",
        ),
        (
            "reported_at",
            json!("0000-01-01T00:00:00Z"),
            "invalid_time",
            "2000",
        ),
        (
            "reported_at",
            json!("-0001-01-01T00:00:00Z"),
            "invalid_time",
            "RFC 3339",
        ),
        (
            "reported_at",
            json!("+002026-07-01T09:30:00+08:00"),
            "invalid_time",
            "RFC 3339",
        ),
        (
            "reported_at",
            json!("2026-07-01T09:30+08:00"),
            "invalid_time",
            "RFC 3339",
        ),
        (
            "reported_at",
            json!("2999-01-01T00:00:00+08:00"),
            "invalid_time",
            "future",
        ),
        // Nothing a reader can see.
        (
            "description",
            json!("\u{200B}\u{FEFF}\u{3000}\u{2060}"),
            "missing_description",
            "invisible",
        ),
        (
            "description",
            json!("\u{7}\u{7}"),
            "control_character",
            "description",
        ),
        (
            "description",
            json!("积水\u{0}很深"),
            "control_character",
            "U+0000",
        ),
        (
            "external_id",
            json!("12345\u{0}0001"),
            "control_character",
            "external_id",
        ),
        (
            "reporter.name",
            json!("张\u{1b}[31m先生"),
            "control_character",
            "reporter.name",
        ),
        (
            "location.address",
            json!("山厦路\u{0}"),
            "control_character",
            "location.address",
        ),
        (
            "location.grid",
            json!("G\u{7f}1"),
            "control_character",
            "location.grid",
        ),
        (
            "location.street",
            json!("平湖\u{0}"),
            "control_character",
            "location.street",
        ),
        (
            "attributes",
            json!({"depth": "30cm\u{0}"}),
            "control_character",
            "attributes",
        ),
        (
            "attributes",
            json!({"de\u{0}pth": "30cm"}),
            "control_character",
            "attributes",
        ),
        (
            "source",
            json!("hotline\u{0}"),
            "control_character",
            "source",
        ),
    ];
    for (field, value, code, says) in cases {
        let body = with(field, value);
        let (status, answer) = app.post_event(body.clone()).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body} -> {answer}"
        );
        assert_eq!(answer["error"]["code"], code, "{body} -> {answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.contains(says), "{field}: {message}");
    }
    let (_, page) = app.get("/api/v1/events").await;
    assert_eq!(page["events"], json!([]), "nothing was stored");

    // Line breaks and tabs shape a description; a Z offset and a fraction are RFC 3339.
    let mut body = with("description", json!("路口积水\n\t很深\r\n请处理"));
    body["reported_at"] = json!("2026-07-01T01:30:00.250Z");
    let event = app.submit(body).await;
    assert_eq!(event["description"], "路口积水\n\t很深\r\n请处理");
    assert_eq!(event["reported_at"], "2026-07-01T09:30:00+08:00");
}

#[tokio::test]
async fn only_application_json_is_read_and_any_other_json_type_gets_415() {
    let app = TestApp::spawn().await;
    let body = appeal("路口积水很深", "平湖", Some("山厦")).to_string();
    for content_type in [
        "application/merge-patch+json",
        "application/vnd.streetwise+json",
        "application/json; charset=latin1",
        "text/json",
    ] {
        let (status, answer) = app.post_raw(&body, content_type).await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{content_type}");
        assert_eq!(answer["error"]["code"], "unsupported_media_type");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.contains("application/json"), "{message}");
    }
    for content_type in ["application/json; charset=utf-8", "Application/JSON"] {
        let (status, answer) = app.post_raw(&body, content_type).await;
        assert_eq!(status, StatusCode::CREATED, "{content_type}: {answer}");
    }
}

/// Paths and filters with a control character, on the backend given.
async fn control_characters_in_paths_and_filters_get_a_4xx(app: &TestApp) {
    let event = app.submit(appeal("路口积水很深", "平湖", None)).await;
    let id = event["id"].as_str().unwrap();
    for path in [
        "/api/v1/events/%00".to_string(),
        format!("/api/v1/events/{id}%00"),
        "/api/v1/events/%00/timeline".to_string(),
        "/api/v1/events?item=%00".to_string(),
        "/api/v1/events?assignee=a%00b".to_string(),
        "/api/v1/events?street=%E5%B8%83%E5%90%89%0A".to_string(),
    ] {
        let (status, answer) = app.get(&path).await;
        assert!(status.is_client_error(), "{path}: {status} {answer}");
        if status == StatusCode::BAD_REQUEST {
            assert_eq!(answer["error"]["code"], "control_character", "{path}");
        }
    }
    let (status, answer) = app
        .act_as(ADMIN_TOKEN, "%00", json!({"action": "sign"}))
        .await;
    assert!(status.is_client_error(), "{status} {answer}");
}

#[tokio::test]
async fn control_characters_in_paths_and_filters_are_refused() {
    let app = TestApp::spawn().await;
    control_characters_in_paths_and_filters_get_a_4xx(&app).await;
    let (status, answer) = app.get("/api/v1/events?item=01-001%00").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("U+0000")
    );
}

#[tokio::test]
async fn on_postgres_a_nul_in_a_path_or_filter_is_a_4xx_never_a_500() {
    let Some(app) = TestApp::spawn_postgres().await else {
        return;
    };
    control_characters_in_paths_and_filters_get_a_4xx(&app).await;
    let (status, answer) = app
        .post_event(with("description", json!("积水\u{0}")))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
}
