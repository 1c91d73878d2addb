//! People: sign-in with a password (one-time, then one's own), lock-out after repeated
//! failures, sessions with CSRF protection that end on sign-out, the actor of a lifecycle
//! action taken from the caller, the masked reporter and its audited reveal, and the stored
//! timer that erases a closed case's personal data.

use jiff::{SignedDuration, Timestamp};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, SET_COOKIE};
use serde_json::{Value, json};
use streetwise::auth::accounts;
use streetwise::clock::Clock;
use streetwise::domain::Principal;
use streetwise_tests::{ADMIN_TOKEN, TestApp, appeal, send, temp_dir, test_settings};

/// A signed-in browser: the session cookie and the CSRF token.
struct Session {
    cookie: String,
    csrf: String,
}

async fn sign_in(
    app: &TestApp,
    username: &str,
    password: &str,
) -> (StatusCode, Value, Option<Session>) {
    let response = app
        .client
        .post(format!("{}/api/v1/session", app.address))
        .json(&json!({ "username": username, "password": password }))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let cookie = response
        .headers()
        .get(SET_COOKIE)
        .map(|v| v.to_str().unwrap().to_string());
    let body: Value = response.json().await.unwrap_or(Value::Null);
    let session = cookie.map(|c| Session {
        cookie: c.split(';').next().unwrap().to_string(),
        csrf: body["csrf"].as_str().unwrap_or_default().to_string(),
    });
    (status, body, session)
}

/// An account for `staff_id` made as district IT makes it; returns its one-time password.
async fn account(app: &TestApp, staff_id: &str) -> String {
    accounts::create(
        app.platform.db(),
        &app.platform.reference(),
        staff_id,
        None,
        &Principal::bootstrap_admin(),
    )
    .await
    .expect("the account is created")
    .password
}

async fn with_session(
    app: &TestApp,
    session: &Session,
    request: reqwest::RequestBuilder,
    csrf: bool,
) -> (StatusCode, Value) {
    let _ = app;
    let mut request = request.header(COOKIE, &session.cookie);
    if csrf {
        request = request.header("x-csrf-token", &session.csrf);
    }
    send(request).await
}

#[tokio::test]
async fn a_person_signs_in_with_a_one_time_password_must_change_it_and_then_works() {
    let app = TestApp::spawn().await;
    let one_time = account(&app, "district.command-centre.001").await;
    let (status, body, session) = sign_in(&app, "district.command-centre.001", &one_time).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let session = session.expect("a session cookie");
    assert_eq!(body["must_change_password"], true);
    assert_eq!(body["principal"]["person"]["name"], "刘晓敏");
    let cookie_header = {
        let response = app
            .client
            .post(format!("{}/api/v1/session", app.address))
            .json(&json!({ "username": "district.command-centre.001", "password": one_time }))
            .send()
            .await
            .unwrap();
        response.headers()[SET_COOKIE].to_str().unwrap().to_string()
    };
    assert!(cookie_header.contains("HttpOnly"), "{cookie_header}");
    assert!(cookie_header.contains("SameSite=Strict"), "{cookie_header}");

    // Nothing but the password change until it is done.
    let events = app.client.get(format!("{}/api/v1/events", app.address));
    let (status, body) = with_session(&app, &session, events, false).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let change = |current: &str, new: &str| {
        app.client
            .post(format!("{}/api/v1/session/password", app.address))
            .json(&json!({ "current": current, "new": new }))
    };
    let (status, body) = with_session(&app, &session, change(&one_time, "short"), true).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "weak_password");
    let (status, _) = with_session(&app, &session, change(&one_time, "指挥中心2026ok"), true).await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    let events = app.client.get(format!("{}/api/v1/events", app.address));
    let (status, body) = with_session(&app, &session, events, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _, _) = sign_in(&app, "district.command-centre.001", &one_time).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the one-time password is spent"
    );
}

#[tokio::test]
async fn a_state_changing_request_without_the_csrf_token_is_refused() {
    let app = TestApp::spawn().await;
    let password = account(&app, "district.command-centre.001").await;
    let (_, _, session) = sign_in(&app, "district.command-centre.001", &password).await;
    let session = session.unwrap();
    let change = app
        .client
        .post(format!("{}/api/v1/session/password", app.address))
        .json(&json!({ "current": password, "new": "指挥中心2026ok" }));
    let (status, body) = with_session(&app, &session, change, false).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("CSRF"));
}

#[tokio::test]
async fn repeated_wrong_passwords_lock_the_account_and_every_attempt_is_audited() {
    let app = TestApp::spawn().await;
    let password = account(&app, "buji.safety.004").await;
    let mut statuses = Vec::new();
    for _ in 0..accounts::MAX_FAILURES {
        let (status, body, session) = sign_in(&app, "buji.safety.004", "wrong-password-9").await;
        assert!(session.is_none());
        statuses.push((status.as_u16(), body["error"]["code"].clone()));
    }
    // Early failures are plain refusals; later ones back off, the last locks.
    assert_eq!(statuses[0], (401, json!("wrong_credentials")));
    let (status, body, _) = sign_in(&app, "buji.safety.004", &password).await;
    assert_eq!(
        status,
        StatusCode::LOCKED,
        "the right password is refused while locked: {body}"
    );
    assert!(body["error"]["message"].as_str().unwrap().contains("锁定"));

    let (_, audit) = app.get("/api/v1/audit?outcome=failed&limit=100").await;
    let failed: Vec<&Value> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "sign_in" && e["staff_id"] == "buji.safety.004")
        .collect();
    assert_eq!(failed.len() as i64, accounts::MAX_FAILURES + 1, "{audit}");
    assert!(
        failed
            .iter()
            .any(|e| e["reason"].as_str().unwrap().contains("locked"))
    );

    // District IT lifts it with a reset; the new one-time password works.
    let (status, reset) = send(
        app.client
            .post(format!(
                "{}/api/v1/accounts/buji.safety.004/reset",
                app.address
            ))
            .bearer_auth(ADMIN_TOKEN),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{reset}");
    let (status, _, _) = sign_in(
        &app,
        "buji.safety.004",
        reset["one_time_password"].as_str().unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn signing_out_ends_the_session_on_the_server_and_disabling_ends_them_all() {
    let app = TestApp::spawn().await;
    let password = account(&app, "district.command-centre.002").await;
    let (_, _, first) = sign_in(&app, "district.command-centre.002", &password).await;
    let (_, _, second) = sign_in(&app, "district.command-centre.002", &password).await;
    let (first, second) = (first.unwrap(), second.unwrap());
    let me = || app.client.get(format!("{}/api/v1/session", app.address));
    let out = app.client.delete(format!("{}/api/v1/session", app.address));
    let (status, _) = with_session(&app, &first, out, true).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = with_session(&app, &first, me(), false).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the old cookie is dead on the server"
    );
    let (status, _) = with_session(&app, &second, me(), false).await;
    assert_eq!(status, StatusCode::OK);

    let (status, _) = send(
        app.client
            .post(format!(
                "{}/api/v1/accounts/district.command-centre.002/disable",
                app.address
            ))
            .bearer_auth(ADMIN_TOKEN),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = with_session(&app, &second, me(), false).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body, _) = sign_in(&app, "district.command-centre.002", &password).await;
    assert_eq!(status, StatusCode::LOCKED, "{body}");
}

#[tokio::test]
async fn an_idle_session_expires() {
    let app = TestApp::spawn().await;
    let password = account(&app, "district.command-centre.003").await;
    let (_, _, session) = sign_in(&app, "district.command-centre.003", &password).await;
    let session = session.unwrap();
    // Thirty idle minutes pass: the session's idle deadline is now behind us.
    let past = Timestamp::now() - SignedDuration::from_secs(1);
    sqlx::any::install_default_drivers();
    let db = sqlx::AnyPool::connect(&app.settings.database_url())
        .await
        .unwrap();
    sqlx::query("update sessions set idle_expires_at = $1")
        .bind(past.as_millisecond())
        .execute(&db)
        .await
        .unwrap();
    db.close().await;
    let me = app.client.get(format!("{}/api/v1/session", app.address));
    let (status, _) = with_session(&app, &session, me, false).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_actor_comes_from_the_caller_and_lands_in_the_timeline_and_the_audit_log() {
    let app = TestApp::spawn().await;
    let case = app
        .submit(appeal("布吉街道消防通道被杂物堵塞", "布吉", None))
        .await;
    let id = case["id"].as_str().unwrap();
    // A body that claims an actor or a role is refused outright.
    let (status, body) = send(
        app.client
            .post(format!("{}/api/v1/events/{id}/actions", app.address))
            .bearer_auth(ADMIN_TOKEN)
            .json(&json!({ "action": "sign", "actor": "x", "role": "handler" })),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    // The admin token holds no case role.
    let (status, _) = app
        .act_as(ADMIN_TOKEN, id, json!({ "action": "sign" }))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let handler = app.person_for(id, "handler").await;
    let token = app.staff_token(&handler).await;
    let (status, body) = app.act_as(&token, id, json!({ "action": "sign" })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["entry"]["actor"], handler.as_str());
    assert_eq!(body["entry"]["role"], "handler");

    let (_, audit) = app.get(&format!("/api/v1/audit?event={id}")).await;
    let entries = audit["entries"].as_array().unwrap();
    assert!(
        entries.iter().any(|e| e["action"] == "sign"
            && e["outcome"] == "ok"
            && e["staff_id"] == handler.as_str()),
        "{audit}"
    );
    assert!(
        entries.iter().any(|e| e["outcome"] == "denied"),
        "the admin token's refusal is audited: {audit}"
    );
}

#[tokio::test]
async fn the_reporter_is_masked_and_only_the_centre_reveals_it_with_an_audit_entry() {
    let app = TestApp::spawn().await;
    let case = app
        .submit(appeal("布吉街道消防通道被杂物堵塞", "布吉", None))
        .await;
    let id = case["id"].as_str().unwrap();
    assert_eq!(case["reporter"]["name"], "张*");
    assert_eq!(case["reporter"]["phone"], "138****8000");
    assert!(!case.to_string().contains("13800138000"));

    let inspector = app.staff_token("district.command-centre.006").await;
    let reveal = |token: &str| {
        app.client
            .post(format!("{}/api/v1/events/{id}/reporter", app.address))
            .bearer_auth(token.to_string())
    };
    let (status, _) = send(reveal(&inspector)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = send(reveal(ADMIN_TOKEN)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "not even the admin token");

    let dispatcher = app.staff_token("district.command-centre.001").await;
    let (status, revealed) = send(reveal(&dispatcher)).await;
    assert_eq!(status, StatusCode::OK, "{revealed}");
    assert_eq!(revealed["phone"], "13800138000");
    assert_eq!(revealed["name"], "张先生");

    let (_, audit) = app.get(&format!("/api/v1/audit?event={id}")).await;
    let reveals: Vec<&Value> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "reveal_reporter")
        .collect();
    assert_eq!(reveals.len(), 3, "{audit}");
    let ok: Vec<_> = reveals.iter().filter(|e| e["outcome"] == "ok").collect();
    assert_eq!(ok.len(), 1);
    assert_eq!(ok[0]["staff_id"], "district.command-centre.001");
    assert!(ok[0]["at"].as_str().is_some());
}

#[tokio::test]
async fn a_closed_cases_personal_data_is_erased_when_its_retention_runs_out() {
    let clock = Clock::driven("2026-11-30T09:00:00+08:00".parse().unwrap());
    let mut settings = test_settings(&temp_dir("erase"));
    settings.clock = clock.clone();
    settings.run_timers = false;
    settings.people.personal_data_days = 180;
    let app = TestApp::spawn_with(settings).await;
    let case = app
        .submit(appeal("布吉街道消防通道被杂物堵塞", "布吉", None))
        .await;
    let id = case["id"].as_str().unwrap();
    for (action, role, extra) in [
        ("sign", "handler", json!({})),
        ("start", "handler", json!({})),
        ("finish", "handler", json!({ "note": "已清理" })),
        ("verify_pass", "inspector", json!({})),
        ("follow_up_satisfied", "centre", json!({})),
    ] {
        app.step(id, action, role, extra).await;
    }
    clock.advance(SignedDuration::from_hours(24 * 179));
    assert_eq!(app.platform.run_timers().await.unwrap().erased, 0);
    assert_eq!(app.event(id).await["reporter"]["phone"], "138****8000");
    clock.advance(SignedDuration::from_hours(48));
    assert_eq!(app.platform.run_timers().await.unwrap().erased, 1);
    let event = app.event(id).await;
    assert!(event["reporter"].is_null(), "{event}");
    let dispatcher = app.staff_token("district.command-centre.001").await;
    let (status, revealed) = send(
        app.client
            .post(format!("{}/api/v1/events/{id}/reporter", app.address))
            .bearer_auth(dispatcher),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        revealed["phone"].is_null() && revealed["erased_at"].is_string(),
        "{revealed}"
    );
}

#[tokio::test]
async fn the_run_command_makes_demo_accounts_with_generated_passwords_kept_in_the_data_directory() {
    let mut settings = test_settings(&temp_dir("demo"));
    settings.people.demo_accounts = true;
    let app = TestApp::spawn_with(settings).await;
    let file = app.dir.join(streetwise::auth::demo::FILE);
    let text = std::fs::read_to_string(&file).expect("the demo accounts are listed");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "readable by the server's user only");
    }
    let line = text
        .lines()
        .find(|l| l.starts_with("dispatcher "))
        .expect("a dispatcher");
    let password = line.split_whitespace().nth(1).unwrap();
    let (status, body, _) = sign_in(&app, "dispatcher", password).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["principal"]["person"]["post"], "dispatcher");
    // Generated, not fixed: another data directory gets other passwords.
    let mut other = test_settings(&temp_dir("demo"));
    other.people.demo_accounts = true;
    let second = TestApp::spawn_with(other).await;
    let again = std::fs::read_to_string(second.dir.join(streetwise::auth::demo::FILE)).unwrap();
    assert_ne!(text, again);
}
