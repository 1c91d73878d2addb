//! The console's authorisation matrix: every page and form × a person signed in at each post
//! (and nobody) → the status they must get. Forms carry the session's CSRF token, so what is
//! tested is the post's access, not the forgery check (tested in `console`).

use reqwest::header::{CONTENT_TYPE, COOKIE, SET_COOKIE};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use streetwise::auth::accounts;
use streetwise::domain::Principal;
use streetwise_tests::{TestApp, appeal};

const PEOPLE: [&str; 6] = [
    "anonymous",
    "handler of unit A (布吉)",
    "handler of unit B (坂田)",
    "street admin of 布吉",
    "centre dispatcher",
    "district IT",
];

/// A page (GET) or a form (POST, urlencoded, `_csrf` added).
pub struct Row {
    pub method: Method,
    /// With `{A}` and `{B}` for a 布吉 and a 坂田 case.
    pub path: &'static str,
    form: &'static str,
    expect: [u16; 6],
}

fn get(path: &'static str, expect: [u16; 6]) -> Row {
    Row {
        method: Method::GET,
        path,
        form: "",
        expect,
    }
}

fn post(path: &'static str, form: &'static str, expect: [u16; 6]) -> Row {
    Row {
        method: Method::POST,
        path,
        form,
        expect,
    }
}

pub fn rows() -> Vec<Row> {
    vec![
        get("/login", [200, 200, 200, 200, 200, 200]),
        get("/", [303, 303, 303, 303, 303, 303]),
        get("/password", [303, 200, 200, 200, 200, 200]),
        get("/board", [303, 403, 403, 403, 200, 403]),
        get("/console/board.json", [303, 403, 403, 403, 200, 403]),
        // Everyone's open cases within their reach (a unit's, a street's, the district's).
        get("/inbox", [303, 200, 200, 200, 200, 200]),
        // 待分拨: the events waiting for the centre to choose their item.
        get("/queue", [303, 403, 403, 403, 200, 403]),
        get("/cases/{A}", [303, 200, 403, 200, 200, 200]),
        get("/cases/{B}", [303, 403, 200, 403, 200, 200]),
        get("/warnings", [303, 200, 200, 200, 200, 200]),
        get("/rankings", [303, 200, 200, 200, 200, 200]),
        get("/surges", [303, 403, 403, 403, 200, 200]),
        get("/plugins", [303, 403, 403, 403, 200, 200]),
        get("/plugins/buji", [303, 403, 403, 200, 200, 200]),
        get("/plugins/bantian", [303, 403, 403, 403, 200, 200]),
        get("/admin", [303, 403, 403, 403, 403, 200]),
        get("/audit", [303, 403, 403, 200, 403, 200]),
        post(
            "/cases/{A}/act",
            "action=supervise&reason=x",
            [303, 403, 403, 403, 303, 403],
        ),
        post("/cases/{A}/reveal", "", [303, 200, 403, 403, 200, 403]),
        post(
            "/plugins/buji/none/activate",
            "version=1",
            [303, 403, 403, 404, 403, 404],
        ),
        post(
            "/plugins/buji/none/rollback",
            "",
            [303, 403, 403, 422, 403, 422],
        ),
        post(
            "/plugins/buji/none/replay",
            "version=1&last=5",
            [303, 403, 403, 404, 403, 404],
        ),
        post(
            "/admin/accounts",
            "staff_id=buji.safety.005",
            [303, 403, 403, 403, 403, 200],
        ),
        post(
            "/admin/accounts/nobody/reset",
            "",
            [303, 403, 403, 403, 403, 422],
        ),
        post(
            "/admin/tokens",
            "scope=read_only&label=matrix",
            [303, 403, 403, 403, 403, 200],
        ),
        post(
            "/admin/tokens/000000000000/revoke",
            "",
            [303, 403, 403, 403, 403, 404],
        ),
        post(
            "/surges/000000000000/acknowledge",
            "",
            [303, 403, 403, 403, 404, 403],
        ),
        post(
            "/surges/000000000000/close",
            "",
            [303, 403, 403, 403, 404, 403],
        ),
        post("/logout", "", [303, 303, 303, 303, 303, 303]),
    ]
}

/// A signed-in person's cookie and CSRF token.
pub struct Person {
    pub cookie: String,
    pub csrf: String,
}

/// Creates `staff_id`'s account and signs them in, their own password chosen.
pub async fn sign_in(app: &TestApp, staff_id: &str) -> Person {
    let db = app.platform.db();
    let one_time = accounts::create(
        db,
        &app.platform.reference(),
        staff_id,
        None,
        &Principal::bootstrap_admin(),
    )
    .await
    .expect("the account is created")
    .password;
    let response = app
        .client
        .post(format!("{}/api/v1/session", app.address))
        .json(&json!({ "username": staff_id, "password": one_time }))
        .send()
        .await
        .unwrap();
    let cookie = response.headers()[SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let body: Value = response.json().await.unwrap();
    let csrf = body["csrf"].as_str().unwrap().to_string();
    let changed = app
        .client
        .post(format!("{}/api/v1/session/password", app.address))
        .header(COOKIE, &cookie)
        .header("x-csrf-token", &csrf)
        .json(&json!({ "current": one_time, "new": "matrix-2026-pass" }))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::NO_CONTENT);
    Person { cookie, csrf }
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn every_console_page_and_form_answers_each_post_with_exactly_its_access() {
    let app = TestApp::spawn().await;
    let client = no_redirects();
    let mut failures = Vec::new();
    for row in rows() {
        // Fresh cases and fresh sign-ins for every row: a form may change either.
        let a = app
            .submit(appeal("布吉街道消防通道被杂物堵塞", "布吉", None))
            .await;
        let b = app
            .submit(appeal("坂田街道消防通道被杂物堵塞", "坂田", None))
            .await;
        let (a_id, b_id) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());
        let people = [
            None,
            Some(app.person_for(a_id, "handler").await),
            Some(app.person_for(b_id, "handler").await),
            Some("buji.office.902".to_string()),
            Some("district.command-centre.001".to_string()),
            Some("district.command-centre.005".to_string()),
        ];
        for (i, staff_id) in people.iter().enumerate() {
            let person = match staff_id {
                Some(id) if !signed_in_already(&app, id).await => Some(sign_in(&app, id).await),
                Some(id) => Some(sign_in_again(&app, id).await),
                None => None,
            };
            let path = row.path.replace("{A}", a_id).replace("{B}", b_id);
            let mut request = client.request(row.method.clone(), format!("{}{path}", app.address));
            if let Some(person) = &person {
                request = request.header(COOKIE, &person.cookie);
            }
            if row.method == Method::POST {
                let csrf = person.as_ref().map_or("", |p| p.csrf.as_str());
                let form = if row.form.is_empty() {
                    format!("_csrf={csrf}")
                } else {
                    format!("{}&_csrf={csrf}", row.form)
                };
                request = request
                    .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(form);
            }
            let status = request.send().await.unwrap().status();
            if status.as_u16() != row.expect[i] {
                failures.push(format!(
                    "{} {} as {}: expected {}, got {status}",
                    row.method, row.path, PEOPLE[i], row.expect[i]
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

async fn signed_in_already(app: &TestApp, staff_id: &str) -> bool {
    app.platform
        .db()
        .account_with_hash(staff_id)
        .await
        .unwrap()
        .is_some()
}

/// A new session for someone whose password the matrix already set.
async fn sign_in_again(app: &TestApp, staff_id: &str) -> Person {
    let response = app
        .client
        .post(format!("{}/api/v1/session", app.address))
        .json(&json!({ "username": staff_id, "password": "matrix-2026-pass" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{staff_id} signs in again"
    );
    let cookie = response.headers()[SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let body: Value = response.json().await.unwrap();
    Person {
        cookie,
        csrf: body["csrf"].as_str().unwrap().to_string(),
    }
}
