//! Telling channels (issue 11): each change a citizen cares about reaches the channel's
//! webhook, signed, in order, retried until it is taken or given up as a dead letter; two
//! hosts never send the same notice; a killed host loses nothing.

mod crash;
mod receiver;

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use streetwise::Settings;
use streetwise_tests::{ADMIN_TOKEN, TestApp, appeal, send, temp_dir, test_settings};

use receiver::Receiver;

const GARBAGE: &str = "小区门口有一个垃圾堆好几天没人清了，很臭";
const WAIT: Duration = Duration::from_secs(30);

/// Settings that retry within milliseconds instead of seconds.
pub(crate) fn fast(settings: &mut Settings) {
    settings.outbox.outbox_poll_ms = 20;
    settings.outbox.outbox_backoff_ms = 50;
    settings.outbox.outbox_backoff_cap_ms = 200;
    settings.outbox.outbox_timeout_secs = 2;
}

async fn fast_app() -> TestApp {
    let dir = temp_dir("outbox");
    let mut settings = test_settings(&dir);
    fast(&mut settings);
    TestApp::spawn_with(settings).await
}

pub(crate) async fn call(
    app: &TestApp,
    token: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = app
        .client
        .request(method, format!("{}{path}", app.address))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    send(request).await
}

/// Registers a webhook for `source` at `receiver` and tells the receiver its secret.
pub(crate) async fn register(
    app: &TestApp,
    token: &str,
    source: &str,
    receiver: &Receiver,
) -> Value {
    let body = json!({"source": source, "url": receiver.url});
    let (status, hook) = call(app, token, "POST", "/api/v1/webhooks", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{hook}");
    receiver.trust(hook["secret"].as_str().unwrap());
    hook
}

fn changes(received: &[receiver::Received]) -> Vec<&str> {
    received.iter().map(|r| r.change.as_str()).collect()
}

/// `GET /api/v1/deliveries{query}` once it lists `n` deliveries (or after [`WAIT`], as it is
/// then): a delivery is recorded after its receiver answered.
async fn deliveries_once(app: &TestApp, token: &str, query: &str, n: usize) -> Value {
    let path = format!("/api/v1/deliveries{query}");
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let (status, page) = call(app, token, "GET", &path, None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let listed = page["deliveries"].as_array().map_or(0, Vec::len);
        if listed == n || tokio::time::Instant::now() > deadline {
            return page;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_channel_hears_of_each_step_of_its_case_signed_and_in_order_through_failures() {
    let app = fast_app().await;
    let receiver = Receiver::start().await;
    receiver.fail_first(2);
    let channel = app.channel_token(&["hotline"]).await;
    register(&app, &channel, "hotline", &receiver).await;

    // Another channel's event is nobody's notice here.
    let mut web = appeal(GARBAGE, "布吉", Some("木棉湾"));
    web["source"] = json!("web");
    let web = app.submit(web).await;
    let mut body = appeal(GARBAGE, "布吉", Some("木棉湾"));
    body["external_id"] = json!("12345-20261206-0001");
    let (status, event) = call(&app, &channel, "POST", "/api/v1/events", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{event}");
    let id = event["id"].as_str().unwrap();
    app.step(id, "sign", "handler", json!({})).await;
    app.step(id, "start", "handler", json!({})).await;
    app.step(id, "finish", "handler", json!({"note": "已清运"}))
        .await;
    app.step(id, "verify_pass", "inspector", json!({})).await;
    app.step(id, "follow_up_satisfied", "centre", json!({}))
        .await;

    receiver
        .wait_until(WAIT, "five notices taken", |r| {
            r.iter().filter(|r| r.answered.is_success()).count() == 5
        })
        .await;
    let accepted = receiver.accepted();
    assert_eq!(
        changes(&accepted),
        ["accepted", "dispatched", "signed", "handled", "closed"],
        "in the case's order, though the first notice failed twice"
    );
    let all = receiver.received();
    assert_eq!(all.len(), 7, "two failed attempts, then one each");
    assert!(
        all[..3].iter().all(|r| r.key == accepted[0].key),
        "retried with the same key"
    );
    let unit = event["dispatch"]["handling_unit"]["name"].as_str().unwrap();
    for notice in &all {
        assert_eq!(notice.signed_by, [0], "signed with the webhook's secret");
        assert_eq!(notice.signatures, 1);
        assert_eq!(notice.key, notice.idempotency_key);
        assert_eq!(notice.body["id"], notice.key.as_str());
        assert_eq!(notice.body["event_id"], id);
        assert_eq!(notice.body["external_id"], "12345-20261206-0001");
        assert_eq!(notice.body["source"], "hotline");
        assert_eq!(notice.body["change"], notice.change.as_str());
        assert!(notice.body["at"].as_str().unwrap().ends_with("+08:00"));
    }
    assert_eq!(accepted[1].body["unit"], unit);
    assert_eq!(
        accepted[1].body["message"],
        format!("您反映的问题已派至{unit}办理。")
    );
    assert_eq!(accepted[4].body["status"], "closed");
    assert!(all.iter().all(|r| r.body["event_id"] != web["id"]));

    // The channel sees its deliveries; the first took three attempts.
    // (The receiver answers before the host records its answer: wait for the record.)
    let page = deliveries_once(&app, &channel, "?state=delivered", 5).await;
    let deliveries = page["deliveries"].as_array().unwrap();
    assert_eq!(deliveries.len(), 5, "{page}");
    let first = deliveries.last().unwrap();
    assert_eq!(
        (first["change"].as_str(), first["attempts"].as_i64()),
        (Some("accepted"), Some(3))
    );
    let (_, pending) = call(
        &app,
        ADMIN_TOKEN,
        "GET",
        "/api/v1/deliveries?state=pending",
        None,
    )
    .await;
    assert_eq!(
        pending["deliveries"],
        json!([]),
        "nothing written for the web event"
    );
}

#[tokio::test]
async fn webhooks_are_their_channels_and_district_its_to_manage() {
    let app = fast_app().await;
    let receiver = Receiver::start().await;
    let hotline = app.channel_token(&["hotline"]).await;
    let web = app.channel_token(&["web"]).await;
    let hook = register(&app, &hotline, "hotline", &receiver).await;
    let path = format!("/api/v1/webhooks/{}", hook["id"].as_str().unwrap());
    assert_eq!(hook["active"], true);
    assert!(hook["secret"].as_str().unwrap().starts_with("whsec_"));

    let (status, list) = call(&app, &web, "GET", "/api/v1/webhooks", None).await;
    assert_eq!((status, &list["webhooks"]), (StatusCode::OK, &json!([])));
    let (status, list) = call(&app, ADMIN_TOKEN, "GET", "/api/v1/webhooks", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["webhooks"][0]["id"], hook["id"]);
    assert!(
        list["webhooks"][0].get("secret").is_none(),
        "a secret is shown once"
    );
    for (method, body) in [
        ("GET", None),
        ("PATCH", Some(json!({"active": false}))),
        ("DELETE", None),
    ] {
        let (status, refused) = call(&app, &web, method, &path, body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method}: {refused}");
    }
    let (status, _) = call(&app, &web, "POST", &format!("{path}/rotate"), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let other = json!({"source": "hotline", "url": receiver.url});
    let (status, _) = call(&app, &web, "POST", "/api/v1/webhooks", Some(other)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "not its channel");
    let handler = app.staff_token("buji.office.902").await;
    let (status, _) = call(&app, &handler, "GET", "/api/v1/webhooks", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app.get_anonymous("/api/v1/webhooks").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    for (body, code) in [
        (
            json!({"source": "hotline", "url": "ftp://example.org/x"}),
            "invalid_url",
        ),
        (
            json!({"source": "hotline", "url": "/relative"}),
            "invalid_url",
        ),
        (
            json!({"source": "pigeon", "url": receiver.url}),
            "unknown_source",
        ),
    ] {
        let (status, refused) = call(&app, &hotline, "POST", "/api/v1/webhooks", Some(body)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert_eq!(refused["error"]["code"], code, "{refused}");
    }

    let (status, audit) = app.get("/api/v1/audit?limit=50").await;
    assert_eq!(status, StatusCode::OK);
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"register_webhook"), "{actions:?}");

    let (status, _) = call(&app, &hotline, "DELETE", &path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = call(&app, &hotline, "GET", &path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_notice_never_taken_is_a_dead_letter_until_sent_again_and_a_rotated_secret_signs_beside_the_new()
 {
    let dir = temp_dir("outbox");
    let mut settings = test_settings(&dir);
    fast(&mut settings);
    settings.outbox.outbox_max_attempts = 3;
    let app = TestApp::spawn_with(settings).await;
    let receiver = Receiver::start().await;
    receiver.fail_all(true);
    let hook = register(&app, ADMIN_TOKEN, "hotline", &receiver).await;
    let path = format!("/api/v1/webhooks/{}", hook["id"].as_str().unwrap());
    let event = app.submit(appeal(GARBAGE, "布吉", Some("木棉湾"))).await;
    let id = event["id"].as_str().unwrap();

    // Accepted fails three times and is given up; then dispatched, its successor, the same.
    receiver
        .wait_until(WAIT, "six attempts", |r| r.len() == 6)
        .await;
    let dead = deliveries_once(&app, ADMIN_TOKEN, "", 2).await;
    let letters = dead["deliveries"].as_array().expect("dead letters");
    assert_eq!(letters.len(), 2, "{dead}");
    for letter in letters {
        assert_eq!(letter["state"], "dead");
        assert_eq!(letter["attempts"], 3);
        assert_eq!(letter["last_error"], "HTTP 503 Service Unavailable");
    }
    assert_eq!(receiver.received().len(), 6, "no attempt after the last");

    // District IT sends them again once the channel is back.
    receiver.fail_all(false);
    for letter in letters.iter().rev() {
        let retry = format!("/api/v1/deliveries/{}/retry", letter["id"]);
        let (status, again) = call(&app, ADMIN_TOKEN, "POST", &retry, None).await;
        assert_eq!(status, StatusCode::OK, "{again}");
        assert_eq!(again["state"], "pending");
    }
    receiver
        .wait_until(WAIT, "both taken", |_| receiver.accepted().len() == 2)
        .await;
    assert_eq!(changes(&receiver.accepted()), ["accepted", "dispatched"]);
    let retry = format!("/api/v1/deliveries/{}/retry", letters[0]["id"]);
    let (status, refused) = call(&app, ADMIN_TOKEN, "POST", &retry, None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");

    // After a rotation both secrets sign, the new one first.
    let (status, rotated) = call(&app, ADMIN_TOKEN, "POST", &format!("{path}/rotate"), None).await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    assert_ne!(rotated["secret"], hook["secret"]);
    assert!(rotated["previous_secret_until"].is_string());
    receiver.trust(rotated["secret"].as_str().unwrap());
    app.step(id, "sign", "handler", json!({})).await;
    receiver
        .wait_until(WAIT, "signed", |_| receiver.accepted().len() == 3)
        .await;
    let signed = &receiver.accepted()[2];
    assert_eq!((signed.change.as_str(), signed.signatures), ("signed", 2));
    assert_eq!(signed.signed_by, [0, 1]);

    // A disabled webhook keeps its notices until it is enabled again.
    let (status, off) = call(
        &app,
        ADMIN_TOKEN,
        "PATCH",
        &path,
        Some(json!({"active": false})),
    )
    .await;
    assert_eq!((status, &off["active"]), (StatusCode::OK, &json!(false)));
    app.step(id, "start", "handler", json!({})).await;
    app.step(id, "finish", "handler", json!({"note": "已清运"}))
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.accepted().len(), 3, "nothing sent while disabled");
    let (_, pending) = call(
        &app,
        ADMIN_TOKEN,
        "GET",
        "/api/v1/deliveries?state=pending",
        None,
    )
    .await;
    assert_eq!(pending["deliveries"][0]["change"], "handled", "{pending}");
    call(
        &app,
        ADMIN_TOKEN,
        "PATCH",
        &path,
        Some(json!({"active": true})),
    )
    .await;
    receiver
        .wait_until(WAIT, "handled", |_| receiver.accepted().len() == 4)
        .await;
}

#[tokio::test]
async fn two_hosts_on_one_postgres_send_each_notice_once() {
    let Some(url) = streetwise_tests::fresh_postgres().await else {
        return;
    };
    let host = |label: &str| {
        let mut settings = test_settings(&temp_dir(label));
        settings.database_url = Some(url.clone());
        fast(&mut settings);
        settings.outbox.outbox_batch = 4;
        settings
    };
    let a = TestApp::spawn_with(host("outbox-a")).await;
    let b = TestApp::spawn_with(host("outbox-b")).await;
    let receiver = Receiver::start().await;
    receiver.delay(Duration::from_millis(5));
    register(&a, ADMIN_TOKEN, "hotline", &receiver).await;
    let submissions = (0..30).map(|n| {
        let app = if n % 2 == 0 { &a } else { &b };
        app.submit(appeal(
            &format!("{GARBAGE}（第{n}次）"),
            "布吉",
            Some("木棉湾"),
        ))
    });
    futures::future::join_all(submissions).await;

    receiver
        .wait_until(WAIT, "60 notices", |_| receiver.accepted().len() == 60)
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.received().len(), 60, "no notice sent twice");
}

#[tokio::test]
async fn a_merged_reports_channel_hears_when_the_case_it_joined_is_closed() {
    let app = fast_app().await;
    let receiver = Receiver::start().await;
    register(&app, ADMIN_TOKEN, "hotline", &receiver).await;
    let mut web = appeal(GARBAGE, "布吉", Some("木棉湾"));
    web["source"] = json!("web");
    let main = app.submit(web).await;
    let main = main["id"].as_str().unwrap();
    let mut again = appeal(GARBAGE, "布吉", Some("木棉湾"));
    again["external_id"] = json!("12345-20261206-0002");
    let report = app.submit(again).await;
    let report = report["id"].as_str().unwrap();
    app.step(report, "merge", "centre", json!({"into": main}))
        .await;
    app.step(main, "sign", "handler", json!({})).await;
    app.step(main, "start", "handler", json!({})).await;
    app.step(main, "finish", "handler", json!({"note": "已清运"}))
        .await;
    app.step(main, "verify_pass", "inspector", json!({})).await;
    app.step(main, "follow_up_satisfied", "centre", json!({}))
        .await;

    receiver
        .wait_until(WAIT, "four notices", |_| receiver.accepted().len() == 4)
        .await;
    let told = receiver.accepted();
    assert_eq!(
        changes(&told),
        ["accepted", "dispatched", "merged", "closed"]
    );
    assert!(
        told.iter().all(|r| r.body["event_id"] == report),
        "only the hotline report's channel"
    );
    let closed = &told[3].body;
    assert_eq!(closed["merged_into"], main);
    assert_eq!(closed["external_id"], "12345-20261206-0002");
    assert_eq!(
        closed["message"],
        "您反映的问题已与同一问题合并办理，现已办结，感谢您的反映。"
    );
}
