//! The console's pages over HTTP: sign-in, redirects without a session, and CSRF on forms.
//! (The browser tests that click through the pages live elsewhere; these only pin the rules.)

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use streetwise::domain::Principal;
use streetwise_tests::{ADMIN_TOKEN, TestApp};

/// The command centre's dispatcher in the shipped staff directory.
const DISPATCHER: &str = "district.command-centre.001";

/// A client that shows redirects instead of following them.
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client")
}

fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn urlencode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn post_form(
    app: &TestApp,
    path: &str,
    cookie: Option<&str>,
    body: String,
) -> reqwest::Response {
    let mut request = client()
        .post(format!("{}{path}", app.address))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(body);
    if let Some(cookie) = cookie {
        request = request.header(COOKIE, cookie);
    }
    request.send().await.expect("request sent")
}

/// An account for `staff_id`: its username and one-time password.
async fn account(app: &TestApp, staff_id: &str) -> (String, String) {
    let reference = app.platform.reference();
    let created = streetwise::auth::accounts::create(
        app.platform.db(),
        &reference,
        staff_id,
        None,
        &Principal::bootstrap_admin(),
    )
    .await
    .expect("an account is created");
    (created.username, created.password)
}

/// Signs in through the form: the `name=value` of the session cookie and where it sent us.
async fn sign_in(app: &TestApp, username: &str, password: &str) -> (String, String) {
    let response = post_form(
        app,
        "/login",
        None,
        form(&[("username", username), ("password", password)]),
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let cookie = response.headers()[SET_COOKIE].to_str().unwrap();
    let pair = cookie.split(';').next().unwrap().to_string();
    let location = response.headers()[LOCATION].to_str().unwrap().to_string();
    (pair, location)
}

#[tokio::test]
async fn the_login_page_renders_its_labelled_form() {
    let app = TestApp::spawn().await;
    let response = client()
        .get(format!("{}/login", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(
        html.contains(r#"<label for="username">用户名</label>"#),
        "{html}"
    );
    assert!(
        html.contains(r#"<label for="password">密码</label>"#),
        "{html}"
    );
    assert!(
        html.contains(r#"<button class="primary" type="submit">登录</button>"#),
        "{html}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_wrong_password_shows_the_chinese_error() {
    let app = TestApp::spawn().await;
    let (username, _) = account(&app, DISPATCHER).await;
    let response = post_form(
        &app,
        "/login",
        None,
        form(&[("username", &username), ("password", "not-the-password")]),
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(response.headers().get(SET_COOKIE).is_none());
    let html = response.text().await.unwrap();
    assert!(html.contains("用户名或密码错误"), "{html}");
    app.stop().await;
}

#[tokio::test]
async fn a_page_without_a_session_redirects_to_login_and_a_token_is_no_sign_in() {
    let app = TestApp::spawn().await;
    for path in [
        "/",
        "/board",
        "/inbox",
        "/cases/x",
        "/admin",
        "/console/board.json",
    ] {
        let response = client()
            .get(format!("{}{path}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(response.headers()[LOCATION], "/login", "{path}");
    }
    let response = client()
        .get(format!("{}/board", app.address))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()[LOCATION], "/login");
    app.stop().await;
}

#[tokio::test]
async fn a_one_time_password_leads_to_the_password_page_then_to_the_board() {
    let app = TestApp::spawn().await;
    let (username, password) = account(&app, DISPATCHER).await;
    let (cookie, location) = sign_in(&app, &username, &password).await;
    assert_eq!(location, "/password");
    let board = client()
        .get(format!("{}/board", app.address))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(board.headers()[LOCATION], "/password");
    // The password form carries the session's CSRF token.
    let page = client()
        .get(format!("{}/password", app.address))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = page
        .split(r#"name="_csrf" value=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a _csrf field")
        .to_string();
    let new = "Longgang-2026-console!";
    let changed = post_form(
        &app,
        "/password",
        Some(&cookie),
        form(&[
            ("_csrf", &csrf),
            ("current", &password),
            ("new", new),
            ("confirm", new),
        ]),
    )
    .await;
    assert_eq!(changed.status(), StatusCode::SEE_OTHER);
    assert_eq!(changed.headers()[LOCATION], "/");
    let home = client()
        .get(format!("{}/", app.address))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(home.headers()[LOCATION], "/board");
    let board = client()
        .get(format!("{}/board", app.address))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(board.status(), StatusCode::OK);
    let html = board.text().await.unwrap();
    assert!(html.contains("各街道案件统计"), "{html}");
    assert!(html.contains("指挥中心调度员"), "{html}");
    app.stop().await;
}

#[tokio::test]
async fn a_form_post_without_its_csrf_field_is_refused() {
    let app = TestApp::spawn().await;
    let (username, password) = account(&app, DISPATCHER).await;
    let (cookie, _) = sign_in(&app, &username, &password).await;
    let response = post_form(&app, "/logout", Some(&cookie), String::new()).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = post_form(
        &app,
        "/password",
        Some(&cookie),
        form(&[
            ("_csrf", "wrong"),
            ("current", &password),
            ("new", "x"),
            ("confirm", "x"),
        ]),
    )
    .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response.text().await.unwrap().contains("请刷新页面后重试"));
    // The session still works: nothing was done.
    let page = client()
        .get(format!("{}/password", app.address))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    app.stop().await;
}
