//! An approved extension is bounded: an absurd one used to panic the handler (the connection
//! dropped) or set a deadline in year 5447, or at the moment of approval.

use reqwest::StatusCode;
use serde_json::{Value, json};
use streetwise_tests::{TestApp, appeal};

/// A case in progress with an extension requested.
async fn extension_requested(app: &TestApp) -> String {
    let event = app
        .submit(appeal("小区门口垃圾堆没人清", "布吉", Some("木棉湾")))
        .await;
    let id = event["id"].as_str().unwrap().to_string();
    app.step(&id, "sign", "handler", json!({})).await;
    app.step(&id, "start", "handler", json!({})).await;
    app.step(
        &id,
        "request_extension",
        "handler",
        json!({"reason": "需协调产权单位"}),
    )
    .await;
    id
}

fn approve(extension: Value) -> Value {
    json!({"action": "approve_extension", "actor": "中心-王", "role": "centre",
           "extension": extension})
}

#[tokio::test]
async fn an_absurd_extension_is_refused_with_its_bound_and_a_sane_one_is_applied() {
    let app = TestApp::spawn().await;
    let id = extension_requested(&app).await;
    let refused = [
        (json!({"value": u32::MAX, "unit": "working_hours"}), "1750"),
        (json!({"value": u32::MAX, "unit": "urgent_hours"}), "720"),
        (json!({"value": 1_000_000, "unit": "calendar_days"}), "366"),
        (json!({"value": 251, "unit": "working_days"}), "250"),
        (json!({"value": 0, "unit": "working_days"}), "250"),
    ];
    for (extension, bound) in refused {
        let (status, body) = app.act(&id, approve(extension.clone())).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{extension}: {body}"
        );
        assert_eq!(body["error"]["code"], "invalid_extension", "{body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(bound), "{extension}: {message}");
    }
    // Nothing was applied: the case still waits for the decision.
    assert_eq!(app.event(&id).await["status"], "extension_requested");

    let (status, body) = app
        .act(&id, approve(json!({"value": 250, "unit": "working_days"})))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let deadline: jiff::Timestamp = body["entry"]["deadline"].as_str().unwrap().parse().unwrap();
    let now = jiff::Timestamp::now();
    assert!(deadline > now, "{deadline}");
    assert!(
        deadline < now + jiff::SignedDuration::from_hours(24 * 400),
        "{deadline}"
    );
}
