//! The authorisation matrix: every endpoint × every kind of caller → the status it must get,
//! and no row of another street or unit in what comes back. The list of endpoints is checked
//! against the routes the host's source declares, so a new endpoint without a row here fails.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use streetwise_tests::{ADMIN_TOKEN, TestApp, appeal, send};

/// The callers, in the order of each row's expected statuses.
const CALLERS: [&str; 7] = [
    "anonymous",
    "channel (hotline)",
    "handler of unit A (布吉)",
    "handler of unit B (坂田)",
    "street admin of 布吉",
    "centre dispatcher",
    "district admin token",
];

const BUJI: &str = "440307014";

/// One endpoint: how to call it and what each caller gets.
struct Row {
    method: Method,
    /// With `{A}` and `{B}` for a case of 布吉 (unit A) and one of 坂田 (unit B).
    path: &'static str,
    body: Option<Value>,
    /// A fresh pair of cases for each caller: the call changes the case.
    fresh: bool,
    /// Send the body form-encoded (Open311) instead of as JSON.
    form: bool,
    expect: [u16; 7],
}

fn row(method: Method, path: &'static str, expect: [u16; 7]) -> Row {
    Row {
        method,
        path,
        body: None,
        fresh: false,
        form: false,
        expect,
    }
}

fn with(method: Method, path: &'static str, body: Value, expect: [u16; 7]) -> Row {
    Row {
        method,
        path,
        body: Some(body),
        fresh: true,
        form: false,
        expect,
    }
}

/// A form-encoded post (Open311's writes).
fn form(method: Method, path: &'static str, body: Value, expect: [u16; 7]) -> Row {
    Row {
        form: true,
        ..with(method, path, body, expect)
    }
}

fn rows() -> Vec<Row> {
    use Method as M;
    vec![
        row(M::GET, "/healthz", [200, 200, 200, 200, 200, 200, 200]),
        // The API's description holds no data: open, like /healthz.
        row(M::GET, "/openapi.json", [200, 200, 200, 200, 200, 200, 200]),
        row(M::GET, "/docs", [200, 200, 200, 200, 200, 200, 200]),
        row(M::GET, "/readyz", [200, 200, 200, 200, 200, 200, 200]),
        row(
            M::GET,
            "/api/v1/events",
            [401, 200, 200, 200, 200, 200, 200],
        ),
        row(
            M::GET,
            "/api/v1/events?street=bantian",
            [401, 200, 200, 200, 403, 200, 200],
        ),
        with(
            M::POST,
            "/api/v1/events",
            appeal("布吉街道路灯不亮，晚上很黑", "布吉", None),
            [401, 201, 403, 403, 403, 201, 201],
        ),
        row(
            M::GET,
            "/api/v1/events/{A}",
            [401, 200, 200, 403, 200, 200, 200],
        ),
        row(
            M::GET,
            "/api/v1/events/{B}",
            [401, 200, 403, 200, 403, 200, 200],
        ),
        row(
            M::GET,
            "/api/v1/events/{A}/timeline",
            [401, 200, 200, 403, 200, 200, 200],
        ),
        with(
            M::POST,
            "/api/v1/events/{A}/actions",
            json!({ "action": "sign" }),
            [401, 403, 200, 403, 403, 403, 403],
        ),
        with(
            M::POST,
            "/api/v1/events/{A}/actions",
            json!({ "action": "supervise", "reason": "群众反映强烈" }),
            [401, 403, 403, 403, 403, 200, 403],
        ),
        with(
            M::POST,
            "/api/v1/events/{A}/reporter",
            json!({}),
            [401, 403, 200, 403, 403, 200, 403],
        ),
        row(
            M::GET,
            "/api/v1/rankings?level=street&from=2026-01-01T00:00:00%2B08:00&to=2027-01-01T00:00:00%2B08:00",
            [401, 403, 200, 200, 200, 200, 200],
        ),
        row(M::GET, "/api/v1/audit", [401, 403, 403, 403, 200, 403, 200]),
        // Surge warnings: district-wide readers; only the centre handles them.
        row(
            M::GET,
            "/api/v1/surges",
            [401, 403, 403, 403, 403, 200, 200],
        ),
        with(
            M::POST,
            "/api/v1/surges/000000000000/acknowledge",
            json!({}),
            [401, 403, 403, 403, 403, 404, 403],
        ),
        with(
            M::POST,
            "/api/v1/surges/000000000000/close",
            json!({}),
            [401, 403, 403, 403, 403, 404, 403],
        ),
        // Webhooks: a channel's own, and district IT's; nobody else learns which exist.
        row(
            M::GET,
            "/api/v1/webhooks",
            [401, 200, 403, 403, 403, 403, 200],
        ),
        with(
            M::POST,
            "/api/v1/webhooks",
            json!({ "source": "hotline", "url": "http://127.0.0.1:9/hook" }),
            [401, 201, 403, 403, 403, 403, 201],
        ),
        row(
            M::GET,
            "/api/v1/webhooks/000000000000",
            [401, 404, 403, 403, 403, 403, 404],
        ),
        with(
            M::PATCH,
            "/api/v1/webhooks/000000000000",
            json!({ "active": false }),
            [401, 404, 403, 403, 403, 403, 404],
        ),
        with(
            M::POST,
            "/api/v1/webhooks/000000000000/rotate",
            json!({}),
            [401, 404, 403, 403, 403, 403, 404],
        ),
        row(
            M::DELETE,
            "/api/v1/webhooks/000000000000",
            [401, 404, 403, 403, 403, 403, 404],
        ),
        row(
            M::GET,
            "/api/v1/deliveries",
            [401, 200, 403, 403, 403, 403, 200],
        ),
        with(
            M::POST,
            "/api/v1/deliveries/000000000000/retry",
            json!({}),
            [401, 404, 403, 403, 403, 403, 404],
        ),
        // The CSV export: the listing's reach (its rows are checked in `export`).
        row(
            M::GET,
            "/api/v1/events.csv?street=buji",
            [401, 200, 200, 200, 200, 200, 200],
        ),
        // Reference data: whoever has a token or a session, channels first.
        row(
            M::GET,
            "/api/v1/reference/streets",
            [401, 200, 200, 200, 200, 200, 200],
        ),
        row(
            M::GET,
            "/api/v1/reference/catalog",
            [401, 200, 200, 200, 200, 200, 200],
        ),
        row(
            M::GET,
            "/api/v1/reference/units",
            [401, 200, 200, 200, 200, 200, 200],
        ),
        row(
            M::GET,
            "/api/v1/reference/calendar?year=2026",
            [401, 200, 200, 200, 200, 200, 200],
        ),
        row(M::GET, "/metrics", [401, 403, 403, 403, 200, 200, 200]),
        row(
            M::GET,
            "/api/v1/streets/buji/plugins",
            [401, 403, 403, 403, 200, 200, 200],
        ),
        row(
            M::GET,
            "/api/v1/streets/bantian/plugins",
            [401, 403, 403, 403, 403, 200, 200],
        ),
        row(
            M::GET,
            "/api/v1/streets/buji/plugins/health",
            [401, 403, 403, 403, 200, 200, 200],
        ),
        row(
            M::GET,
            "/api/v1/streets/buji/plugins/none/versions",
            [401, 403, 403, 403, 404, 404, 404],
        ),
        row(
            M::GET,
            "/api/v1/streets/buji/plugins/none/versions/1/report",
            [401, 403, 403, 403, 404, 404, 404],
        ),
        with(
            M::POST,
            "/api/v1/streets/buji/plugins/none/versions/1/replay",
            json!({ "last": 10 }),
            [401, 403, 403, 403, 404, 403, 404],
        ),
        with(
            M::POST,
            "/api/v1/streets/buji/plugins/none/versions/1/activate",
            json!({}),
            [401, 403, 403, 403, 404, 403, 404],
        ),
        with(
            M::POST,
            "/api/v1/streets/buji/plugins/none/versions/1/discard",
            json!({}),
            [401, 403, 403, 403, 422, 403, 422],
        ),
        with(
            M::POST,
            "/api/v1/streets/buji/plugins/none/rollback",
            json!({}),
            [401, 403, 403, 403, 422, 403, 422],
        ),
        with(
            M::PUT,
            "/api/v1/streets/buji/plugins/none/config",
            json!({ "k": "v" }),
            // A configuration may be set before its plugin is deployed.
            [401, 403, 403, 403, 204, 403, 204],
        ),
        with(
            M::POST,
            "/api/v1/streets/bantian/plugins?name=x",
            json!({}),
            [401, 403, 403, 403, 403, 403, 415],
        ),
        row(
            M::GET,
            "/api/v1/accounts",
            [401, 403, 403, 403, 403, 403, 200],
        ),
        with(
            M::POST,
            "/api/v1/accounts",
            json!({ "staff_id": "buji.safety.005" }),
            [401, 403, 403, 403, 403, 403, 201],
        ),
        with(
            M::POST,
            "/api/v1/accounts/nobody/reset",
            json!({}),
            [401, 403, 403, 403, 403, 403, 422],
        ),
        with(
            M::POST,
            "/api/v1/accounts/nobody/disable",
            json!({}),
            [401, 403, 403, 403, 403, 403, 422],
        ),
        with(
            M::POST,
            "/api/v1/accounts/nobody/enable",
            json!({}),
            [401, 403, 403, 403, 403, 403, 422],
        ),
        row(
            M::GET,
            "/api/v1/tokens",
            [401, 403, 403, 403, 403, 403, 200],
        ),
        with(
            M::POST,
            "/api/v1/tokens",
            json!({ "scope": "read_only", "label": "matrix" }),
            [401, 403, 403, 403, 403, 403, 201],
        ),
        with(
            M::POST,
            "/api/v1/tokens/000000000000/revoke",
            json!({}),
            [401, 403, 403, 403, 403, 403, 404],
        ),
        row(
            M::GET,
            "/api/v1/session",
            [401, 200, 200, 200, 200, 200, 200],
        ),
        // Signing in is open to all; these credentials are wrong for everyone.
        with(
            M::POST,
            "/api/v1/session",
            json!({ "username": "nobody", "password": "wrong-password-1" }),
            [401, 401, 401, 401, 401, 401, 401],
        ),
        // A token has no session to end or password to change.
        with(
            M::DELETE,
            "/api/v1/session",
            json!({}),
            [401, 422, 422, 422, 422, 422, 422],
        ),
        with(
            M::POST,
            "/api/v1/session/password",
            json!({ "current": "a", "new": "b" }),
            [401, 422, 422, 422, 422, 422, 422],
        ),
        // Open311: the catalog is open; case data needs an api_key (a bearer token here),
        // with the reach of `GET /api/v1/events`; posting needs intake from a source.
        row(
            M::GET,
            "/open311/discovery.json",
            [200, 200, 200, 200, 200, 200, 200],
        ),
        row(
            M::GET,
            "/open311/v2/services.xml",
            [200, 200, 200, 200, 200, 200, 200],
        ),
        row(
            M::GET,
            "/open311/v2/services/01-001.json",
            [200, 200, 200, 200, 200, 200, 200],
        ),
        row(
            M::GET,
            "/open311/v2/requests.json",
            [401, 200, 200, 200, 200, 200, 200],
        ),
        row(
            M::GET,
            "/open311/v2/requests/{A}.json",
            [401, 200, 200, 403, 200, 200, 200],
        ),
        row(
            M::GET,
            "/open311/v2/requests/{B}.xml",
            [401, 200, 403, 200, 403, 200, 200],
        ),
        row(
            M::GET,
            "/open311/v2/tokens/{A}.json",
            [401, 200, 200, 403, 200, 200, 200],
        ),
        row(
            M::GET,
            "/open311/v2/servicerequestupdates.json",
            [401, 200, 200, 200, 200, 200, 200],
        ),
        form(
            M::POST,
            "/open311/v2/requests.json",
            json!({ "service_code": "01-001", "lat": "22.605", "long": "114.12",
                    "description": "布吉街道路边有暴露垃圾，很多天没人清理" }),
            [401, 201, 403, 403, 403, 201, 201],
        ),
        form(
            M::POST,
            "/open311/v2/servicerequestupdates.json",
            json!({ "service_request_id": "{A}", "description": "还没有处理，请尽快" }),
            [401, 201, 403, 403, 403, 201, 201],
        ),
    ]
}

/// A 布吉 case and a 坂田 case, each handled by a unit of its street.
async fn cases(app: &TestApp) -> (Value, Value) {
    let a = app
        .submit(appeal("布吉街道消防通道被杂物堵塞", "布吉", None))
        .await;
    let b = app
        .submit(appeal("坂田街道消防通道被杂物堵塞", "坂田", None))
        .await;
    (a, b)
}

fn unit_of(case: &Value) -> &str {
    case["dispatch"]["handling_unit"]["code"].as_str().unwrap()
}

/// The seven callers' credentials: none, then bearer tokens.
async fn callers(app: &TestApp, a: &Value, b: &Value) -> Vec<Option<String>> {
    use streetwise::auth::tokens::{self, NewToken};
    use streetwise::domain::{Scope, Source};
    let channel = tokens::create(
        app.platform.db(),
        NewToken {
            scope: Scope::Channel,
            street: None,
            label: "12345 hotline".into(),
            created_by: "test".into(),
            staff_id: None,
            sources: vec![Source::Hotline],
        },
    )
    .await
    .unwrap()
    .token;
    let handler_a = app.person_for(a["id"].as_str().unwrap(), "handler").await;
    let handler_b = app.person_for(b["id"].as_str().unwrap(), "handler").await;
    assert_ne!(unit_of(a), unit_of(b));
    vec![
        None,
        Some(channel),
        Some(app.staff_token(&handler_a).await),
        Some(app.staff_token(&handler_b).await),
        Some(app.staff_token("buji.office.902").await),
        Some(app.staff_token("district.command-centre.001").await),
        Some(ADMIN_TOKEN.to_string()),
    ]
}

async fn call(
    app: &TestApp,
    row: &Row,
    path: &str,
    case_a: &str,
    token: Option<&str>,
) -> (StatusCode, Value) {
    let mut request = app
        .client
        .request(row.method.clone(), format!("{}{path}", app.address));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    // A form names the case it writes to as `{A}` (Open311's service_request_id).
    let body = row
        .body
        .as_ref()
        .map(|b| serde_json::from_str::<Value>(&b.to_string().replace("{A}", case_a)).unwrap());
    match &body {
        Some(body) if row.form => request = request.form(body),
        Some(body) => request = request.json(body),
        None => {}
    }
    send(request).await
}

/// Every event of a listing must be one the caller may see.
fn assert_within_reach(caller: usize, body: &Value, a: &Value, b: &Value) {
    let Some(events) = body["events"].as_array() else {
        return;
    };
    for event in events {
        let street = event["street_code"].as_str().unwrap();
        let unit = event["handling_unit"].as_str().unwrap();
        let ok = match caller {
            1 => event["source"] == "hotline",
            2 => unit == unit_of(a),
            3 => unit == unit_of(b),
            4 => street == BUJI,
            _ => true,
        };
        assert!(
            ok,
            "{} got a case outside their reach: {event}",
            CALLERS[caller]
        );
    }
}

#[tokio::test]
async fn every_endpoint_answers_each_caller_with_exactly_their_access() {
    let app = TestApp::spawn().await;
    let (a, b) = cases(&app).await;
    let callers = callers(&app, &a, &b).await;
    let mut failures = Vec::new();
    for row in rows() {
        for (i, token) in callers.iter().enumerate() {
            let (a, b) = if row.fresh {
                cases(&app).await
            } else {
                (a.clone(), b.clone())
            };
            // A fresh 布吉 case may land with another unit than the first: act as its handler.
            let token = match (row.fresh, i) {
                (true, 2) => Some(
                    app.staff_token(&app.person_for(a["id"].as_str().unwrap(), "handler").await)
                        .await,
                ),
                _ => token.clone(),
            };
            let path = row
                .path
                .replace("{A}", a["id"].as_str().unwrap())
                .replace("{B}", b["id"].as_str().unwrap());
            let (status, body) = call(
                &app,
                &row,
                &path,
                a["id"].as_str().unwrap(),
                token.as_deref(),
            )
            .await;
            if status.as_u16() != row.expect[i] {
                failures.push(format!(
                    "{} {} as {}: expected {}, got {status} {body}",
                    row.method, row.path, CALLERS[i], row.expect[i]
                ));
            }
            if status.is_success() {
                assert_within_reach(i, &body, &a, &b);
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn every_route_the_host_declares_has_a_row_in_the_matrix() {
    let declared = declared_routes();
    assert!(declared.len() > 20, "found only {declared:?}");
    let covered: Vec<String> = rows()
        .iter()
        .map(|r| template(r.path.split('?').next().unwrap()))
        .collect();
    let console: Vec<String> = super::authz_console::rows()
        .iter()
        .map(|r| template(r.path).replace("/{key}/reset", "/{key}/{change}"))
        .collect();
    let missing: Vec<&String> = declared
        .iter()
        .filter(|route| !route.starts_with("/assets"))
        .filter(|route| !covered.contains(route) && !console.contains(route))
        .collect();
    assert!(
        missing.is_empty(),
        "routes without a row in the authorisation matrix: {missing:?}"
    );
}

/// A path of the matrix with its concrete values replaced by the route's placeholders.
fn template(path: &str) -> String {
    path.split('/')
        .map(|part| match part {
            "{A}" | "{B}" => "{id}",
            "board.json" => "board.json",
            "openapi.json" => "openapi.json",
            // Open311's resources are named with their format: `services.json`, `{A}.xml`.
            p if p.ends_with(".json") || p.ends_with(".xml") => "{file}",
            "buji" | "bantian" => "{street}",
            "none" => "{name}",
            "1" => "{version}",
            "nobody" => "{key}",
            "000000000000" => "{id}",
            other => other,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Every path given to `.route(` in the host's source.
pub(crate) fn declared_routes() -> Vec<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../host/src");
    let mut routes = Vec::new();
    let mut dirs = vec![root];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                // Routers built inside a file's tests serve no one.
                let text = text.split("#[cfg(test)]").next().unwrap();
                for piece in text.split(".route(").skip(1) {
                    let piece = piece.trim_start();
                    if let Some(rest) = piece.strip_prefix('"')
                        && let Some(end) = rest.find('"')
                    {
                        routes.push(rest[..end].to_string());
                    }
                }
            }
        }
    }
    routes.sort();
    routes.dedup();
    routes
}
