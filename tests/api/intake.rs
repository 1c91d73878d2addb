//! Posting appeals: validation, classification, routing, storage, idempotency, listing.

use reqwest::StatusCode;
use serde_json::json;
use streetwise::settings::Settings;
use streetwise_tests::{ADMIN_TOKEN, TestApp, appeal, temp_dir, test_settings, trace_step};

#[tokio::test]
async fn an_appeal_is_classified_routed_and_stored_with_its_trace() {
    let app = TestApp::spawn().await;
    let event = app
        .submit(appeal(
            "小区门口有一个垃圾堆好几天没人清了，很臭",
            "布吉",
            Some("木棉湾"),
        ))
        .await;

    assert_eq!(event["street"]["code"], "440307014");
    assert_eq!(event["street"]["name"], "布吉街道");
    assert_eq!(event["community"]["name"], "木棉湾");
    assert_eq!(event["status"], "dispatched");
    assert_eq!(event["classification"]["item_code"], "01-001");
    assert_eq!(event["classification"]["item_name"], "暴露垃圾");
    assert_eq!(event["classification"]["category_name"], "市容环卫");
    assert_eq!(event["classification"]["decided_by"], "district");
    assert_eq!(
        event["dispatch"]["owner_unit"]["code"],
        "district.urban-management"
    );
    assert_eq!(
        event["dispatch"]["handling_unit"]["code"],
        "buji.law-enforcement"
    );
    assert_eq!(
        event["dispatch"]["time_limit"],
        json!({"value": 1, "unit": "working_days"})
    );
    assert!(
        event["dispatch"]["deadline"]
            .as_str()
            .unwrap()
            .ends_with("+08:00")
    );
    let steps: Vec<&str> = event["trace"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["classify", "responsibility", "deadline", "assign"]);
    // The reporter's personal data is stored but never shown.
    assert!(!event.to_string().contains("13800138000"));

    let stored = app.event(event["id"].as_str().unwrap()).await;
    assert_eq!(stored["classification"], event["classification"]);
    assert_eq!(stored["dispatch"], event["dispatch"]);
    assert_eq!(stored["trace"], event["trace"]);
}

#[tokio::test]
async fn the_street_can_be_named_by_code_slug_or_name_and_found_from_coordinates() {
    let app = TestApp::spawn().await;
    for street in ["440307013", "bantian", "坂田街道", "坂田"] {
        let event = app.submit(appeal("路边有人乱停车", street, None)).await;
        assert_eq!(event["street"]["code"], "440307013", "{street}");
    }
    let event = app
        .submit(json!({
            "source": "web",
            "description": "路灯不亮",
            "location": { "lat": 22.676, "lon": 114.126 }
        }))
        .await;
    assert_eq!(event["street"]["name"], "平湖街道");
    // A community name that only one street has is enough.
    let event = app
        .submit(json!({ "source": "grid", "description": "噪音太吵", "location": { "community": "山厦社区" } }))
        .await;
    assert_eq!(event["street"]["name"], "平湖街道");
    assert_eq!(event["community"]["name"], "山厦");
}

#[tokio::test]
async fn an_appeal_nothing_matches_is_not_guessed_into_the_fallback_item() {
    let mut settings = test_settings(&temp_dir("intake"));
    let threshold = Settings::defaults().classifier.manual_dispatch_below;
    settings.classifier.manual_dispatch_below = threshold;
    let app = TestApp::spawn_with(settings).await;
    let event = app
        .submit(appeal("我想反映一个情况请联系我", "龙城", None))
        .await;
    assert_eq!(event["status"], "accepted", "it waits in 待分拨: {event}");
    assert_ne!(event["classification"]["item_code"], "18-099");
    let queued = trace_step(&event, "queue").expect("a queue step");
    assert_eq!(queued["outcome"], "unclear", "{queued}");
    // It names no problem: it waits however sure the model is of some item.
    assert!(
        queued["detail"]
            .as_str()
            .unwrap()
            .starts_with("未说明具体问题"),
        "{queued}"
    );
}

#[tokio::test]
async fn bad_input_gets_a_4xx_that_says_what_to_fix_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let cases = [
        (
            json!({"source": "hotline", "location": {"street": "布吉"}}),
            422,
            "missing_description",
        ),
        (
            json!({"source": "hotline", "description": "   ", "location": {"street": "布吉"}}),
            422,
            "missing_description",
        ),
        (
            json!({"source": "fax", "description": "积水", "location": {"street": "布吉"}}),
            422,
            "invalid_source",
        ),
        (
            json!({"source": "hotline", "description": "积水", "location": {"street": "福田"}}),
            422,
            "unknown_street",
        ),
        (
            json!({"source": "hotline", "description": "积水", "location": {"street": "布吉", "community": "山厦"}}),
            422,
            "unknown_community",
        ),
        (
            json!({"source": "hotline", "description": "积水", "location": {"lat": 22.54, "lon": 114.05}}),
            422,
            "outside_district",
        ),
        (
            json!({"source": "hotline", "description": "积水", "location": {"lat": 22.6}}),
            422,
            "invalid_location",
        ),
        (
            json!({"source": "hotline", "description": "积水"}),
            422,
            "missing_location",
        ),
        (
            json!({"source": "hotline", "description": "积".repeat(2001), "location": {"street": "布吉"}}),
            422,
            "too_long",
        ),
        (
            json!({"source": "hotline", "description": "积水", "reported_at": "yesterday", "location": {"street": "布吉"}}),
            422,
            "invalid_time",
        ),
        (
            json!({"source": "hotline", "description": 42, "location": {"street": "布吉"}}),
            400,
            "invalid_field",
        ),
        (
            json!({"source": "hotline", "description": "积水", "colour": "red", "location": {"street": "布吉"}}),
            400,
            "invalid_field",
        ),
        (
            json!({"source": "hotline", "description": "积水", "location": {"street": "布吉"}, "attributes": {"depth": [1, 2]}}),
            422,
            "invalid_attribute",
        ),
        (
            json!({"source": "hotline", "description": "积水", "location": {"street": "布吉"}, "reporter": {"phone": "call me"}}),
            422,
            "invalid_phone",
        ),
    ];
    for (body, status, code) in cases {
        let (got, answer) = app.post_event(body.clone()).await;
        assert_eq!(got.as_u16(), status, "{body} -> {answer}");
        assert_eq!(answer["error"]["code"], code, "{body} -> {answer}");
        assert!(
            !answer["error"]["message"].as_str().unwrap().is_empty(),
            "{answer}"
        );
    }
    let (status, answer) = app
        .post_raw("{\"source\": \"hotline\",", "application/json")
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(answer["error"]["code"], "malformed_json");
    let (status, _) = app.post_raw("source=hotline", "text/plain").await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let (_, page) = app.get("/api/v1/events").await;
    assert_eq!(page["events"], json!([]), "nothing was half-written");
}

#[tokio::test]
async fn a_repeated_external_id_returns_the_original_event() {
    let app = TestApp::spawn().await;
    let mut body = appeal("路口积水很深", "平湖", Some("山厦"));
    body["external_id"] = json!("12345-20260701-0001");
    let first = app.submit(body.clone()).await;
    body["description"] = json!("a resend with other text");
    let (status, again) = app.post_event(body.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["id"], first["id"]);
    assert_eq!(again["description"], first["description"]);

    // Concurrent resends of a new id also yield one event.
    body["external_id"] = json!("12345-20260701-0002");
    let answers = futures_join(&app, body, 8).await;
    let ids: std::collections::HashSet<String> = answers
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 1, "{answers:?}");
    let (_, page) = app.get("/api/v1/events?limit=500").await;
    assert_eq!(page["events"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_channel_that_prefers_a_minimal_answer_gets_a_receipt_and_the_record_stays_whole() {
    let app = TestApp::spawn().await;
    let mut body = appeal(
        "小区门口有一个垃圾堆好几天没人清了，很臭",
        "布吉",
        Some("木棉湾"),
    );
    body["external_id"] = json!("12345-20260701-0100");
    let post = || {
        app.client
            .post(format!("{}/api/v1/events", app.address))
            .bearer_auth(ADMIN_TOKEN)
            .header("prefer", "return=minimal")
            .json(&body)
    };
    let response = post().send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers()["preference-applied"], "return=minimal");
    let receipt: serde_json::Value = response.json().await.unwrap();
    assert_eq!(receipt["status"], "dispatched");
    assert_eq!(receipt["street"], "440307014");
    assert_eq!(receipt["item_code"], "01-001");
    assert!(receipt["handling_unit"]["code"].is_string(), "{receipt}");
    assert!(receipt["deadline"].as_str().unwrap().ends_with("+08:00"));
    assert!(
        receipt.get("trace").is_none(),
        "no record in a receipt: {receipt}"
    );

    // The stored event is the whole record, and its receipt agrees with it.
    let stored = app.event(receipt["id"].as_str().unwrap()).await;
    assert_eq!(
        stored["dispatch"]["handling_unit"],
        receipt["handling_unit"]
    );
    assert_eq!(stored["dispatch"]["deadline"], receipt["deadline"]);
    assert!(!stored["trace"].as_array().unwrap().is_empty());

    // A resend gets the original's receipt.
    let again = post().send().await.unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    let again: serde_json::Value = again.json().await.unwrap();
    assert_eq!(again["id"], receipt["id"]);
    assert!(again.get("trace").is_none());
}

async fn futures_join(app: &TestApp, body: serde_json::Value, n: usize) -> Vec<serde_json::Value> {
    let mut handles = Vec::new();
    for _ in 0..n {
        let client = app.client.clone();
        let url = format!("{}/api/v1/events", app.address);
        let body = body.clone();
        handles.push(tokio::spawn(async move {
            let response = client
                .post(url)
                .bearer_auth(ADMIN_TOKEN)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert!(response.status().is_success());
            response.json::<serde_json::Value>().await.unwrap()
        }));
    }
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test]
async fn events_are_listed_newest_first_with_filters_and_pages() {
    let app = TestApp::spawn().await;
    let mut ids = Vec::new();
    for (text, street) in [
        ("垃圾堆没人清", "布吉"),
        ("路口积水", "平湖"),
        ("垃圾堆又出现了", "布吉"),
        ("乱停车", "布吉"),
    ] {
        ids.push(
            app.submit(appeal(text, street, None)).await["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let (_, page) = app.get("/api/v1/events?street=buji&item=01-001").await;
    let listed: Vec<&str> = page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [ids[2].as_str(), ids[0].as_str()]);

    let (_, first) = app.get("/api/v1/events?limit=3").await;
    assert_eq!(first["events"].as_array().unwrap().len(), 3);
    let cursor = first["next_cursor"].as_str().unwrap();
    let (_, second) = app
        .get(&format!("/api/v1/events?limit=3&cursor={cursor}"))
        .await;
    assert_eq!(second["events"].as_array().unwrap().len(), 1);
    assert_eq!(second["events"][0]["id"], ids[0].as_str());
    assert!(second["next_cursor"].is_null());

    let (_, none) = app
        .get("/api/v1/events?from=2099-01-01T00:00:00%2B08:00")
        .await;
    assert_eq!(none["events"], json!([]));
    let (status, bad) = app.get("/api/v1/events?street=nowhere").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad["error"]["code"], "unknown_street");
    let (status, _) = app.get("/api/v1/events/does-not-exist").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn under_overload_intake_refuses_at_once_with_retry_after_and_stores_what_it_accepted() {
    let dir = temp_dir("overload");
    let mut settings = test_settings(&dir);
    settings.http.max_in_flight_events = 2;
    settings.plugins.plugin_timeout_ms = 300;
    let app = TestApp::spawn_with(settings).await;
    // Every 布吉 event waits for its classifier's time limit: two at a time fill the host.
    app.deploy("buji", "loop", "fixture_loop_forever").await;
    let posts = (0..12).map(|i| {
        let request = app
            .client
            .post(format!("{}/api/v1/events", app.address))
            .bearer_auth(ADMIN_TOKEN)
            .json(&appeal(&format!("垃圾堆没人清 {i}"), "布吉", None));
        async move {
            let response = request.send().await.unwrap();
            let retry = response
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_string());
            (
                response.status(),
                retry,
                response.json::<serde_json::Value>().await.unwrap(),
            )
        }
    });
    let answers = futures::future::join_all(posts).await;
    let created = answers
        .iter()
        .filter(|(status, ..)| *status == StatusCode::CREATED)
        .count();
    let refused: Vec<_> = answers
        .iter()
        .filter(|(status, ..)| *status == StatusCode::SERVICE_UNAVAILABLE)
        .collect();
    assert_eq!(created + refused.len(), 12, "{answers:?}");
    assert!(!refused.is_empty() && created >= 2, "{answers:?}");
    for (_, retry, body) in refused {
        assert_eq!(retry.as_deref(), Some("1"));
        assert_eq!(body["error"]["code"], "overloaded", "{body}");
    }
    let (_, page) = app.get("/api/v1/events?street=buji&limit=50").await;
    assert_eq!(
        page["events"].as_array().unwrap().len(),
        created,
        "every 201 is stored"
    );
}
