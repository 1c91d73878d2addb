//! The API description: `/openapi.json` is a valid OpenAPI 3.1 document, describes exactly the
//! `/api/v1` operations and the Open311 resources the router serves, and what the API really
//! answers matches it; `/docs` shows it to a person.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use streetwise_tests::{ADMIN_TOKEN, TestApp, appeal, send};

/// The document, fetched without credentials as an integrator does before holding a token.
async fn document(app: &TestApp) -> Value {
    let response = app
        .client
        .get(format!("{}/openapi.json", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "application/json",
        "the document's media type"
    );
    response.json().await.unwrap()
}

/// Every documented `(METHOD, path template)`.
fn operations(doc: &Value) -> Vec<(Method, String)> {
    let mut found = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, _) in item.as_object().unwrap() {
            if let Ok(method) = method.to_uppercase().parse::<Method>() {
                found.push((method, path.clone()));
            }
        }
    }
    found
}

#[tokio::test]
async fn the_api_description_validates_as_openapi_3_1() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1."),
        "{}",
        doc["openapi"]
    );
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));

    let importable = std::process::Command::new("python3")
        .args(["-c", "import openapi_spec_validator"])
        .output()
        .is_ok_and(|out| out.status.success());
    if !importable {
        assert!(
            std::env::var("STREETWISE_REQUIRE_OPENAPI_VALIDATOR").as_deref() != Ok("1"),
            "openapi-spec-validator is required but python3 cannot import it: \
             pip install openapi-spec-validator==0.9.0"
        );
        eprintln!(
            "openapi-spec-validator is not installed (pip install openapi-spec-validator==0.9.0): \
             skipping the validation of the OpenAPI document"
        );
        return;
    }
    let file = streetwise_tests::temp_dir("openapi").join("openapi.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    let out = std::process::Command::new("python3")
        .args(["-m", "openapi_spec_validator"])
        .arg(&file)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "openapi-spec-validator refused the document:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// What the router answers an anonymous `method` on `path`: every `/api/v1` handler needs a
/// caller (or, signing in, a JSON body), so only a request the router cannot route is
/// answered `404` (no such path) or `405` (no such method on it).
async fn anonymous(app: &TestApp, method: &Method, path: &str) -> StatusCode {
    let path = path
        .split('/')
        .map(|part| if part.starts_with('{') { "1" } else { part })
        .collect::<Vec<_>>()
        .join("/");
    let request = app
        .client
        .request(method.clone(), format!("{}{path}", app.address));
    request.send().await.unwrap().status()
}

#[tokio::test]
async fn every_api_route_is_documented_and_every_documented_operation_is_served() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    // Open311's resources sit inside one path segment (`services.{format}`): its own test.
    let documented: Vec<(Method, String)> = operations(&doc)
        .into_iter()
        .filter(|(_, path)| path.starts_with("/api/v1/"))
        .collect();
    assert!(documented.len() > 40, "{documented:?}");

    let mut unserved = Vec::new();
    for (method, path) in &documented {
        let status = anonymous(&app, method, path).await;
        if matches!(
            status,
            StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED
        ) {
            unserved.push(format!("{method} {path}: {status}"));
        }
    }
    assert!(
        unserved.is_empty(),
        "documented but not served: {unserved:?}"
    );

    // The routes the host's source declares (the authorisation matrix's list), with each
    // method the router answers on them.
    let mut undocumented = Vec::new();
    let declared: Vec<String> = super::authz::declared_routes()
        .into_iter()
        .filter(|route| route.starts_with("/api/v1/"))
        .collect();
    assert!(declared.len() > 30, "{declared:?}");
    for path in &declared {
        for method in [
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ] {
            if anonymous(&app, &method, path).await == StatusCode::METHOD_NOT_ALLOWED {
                continue;
            }
            if !documented.contains(&(method.clone(), path.clone())) {
                undocumented.push(format!("{method} {path}"));
            }
        }
    }
    assert!(
        undocumented.is_empty(),
        "served but not in /openapi.json: {undocumented:?}"
    );
}

const OPEN311: &str = "/open311/";

/// A URL path for a documented Open311 path template: `{format}` is `format`, another
/// parameter its documented example, or `1`.
fn open311_path(doc: &Value, method: &Method, template: &str, format: &str) -> String {
    let operation = &doc["paths"][template][method.as_str().to_lowercase()];
    let mut path = template.to_string();
    for parameter in operation["parameters"].as_array().into_iter().flatten() {
        if parameter["in"] != "path" {
            continue;
        }
        let name = parameter["name"].as_str().unwrap();
        let value = match name {
            "format" => format,
            _ => parameter["example"].as_str().unwrap_or("1"),
        };
        path = path.replace(&format!("{{{name}}}"), value);
    }
    assert!(!path.contains('{'), "{template}: undocumented parameter");
    path
}

/// Why `method path` was not served, or `None` when it was. A request without a key or a
/// form reaches every Open311 resource (answered `200`, `400` or `401`); posts carry an empty
/// form so that they reach the resource and not just the form's check. Open311's own `404`
/// for a file it has no resource for is the standard's error list; the router's `404` and
/// `405` are not.
async fn open311_unserved(app: &TestApp, method: &Method, path: &str) -> Option<String> {
    let mut request = app
        .client
        .request(method.clone(), format!("{}{path}", app.address));
    if method == Method::POST {
        request = request.form(&[] as &[(&str, &str)]);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let body = response.text().await.unwrap();
    let open311_error = serde_json::from_str::<Value>(&body)
        .is_ok_and(|errors| errors[0]["code"] == 404)
        || body.contains("<errors><error><code>404</code>");
    let why = match status {
        StatusCode::METHOD_NOT_ALLOWED => "the router has no such method",
        StatusCode::NOT_FOUND if open311_error => "Open311 has no such resource",
        StatusCode::NOT_FOUND => "the router has no such path",
        _ => return None,
    };
    Some(format!("{method} {path}: {status}, {why}: {body}"))
}

/// Whether a documented path fits a route the router declares (`{file}` takes any segment).
fn fits(route: &str, documented: &str) -> bool {
    let (route, documented): (Vec<&str>, Vec<&str>) =
        (route.split('/').collect(), documented.split('/').collect());
    route.len() == documented.len()
        && route
            .iter()
            .zip(&documented)
            .all(|(r, d)| r.starts_with('{') || r == d)
}

#[tokio::test]
async fn every_open311_route_is_documented_and_every_documented_resource_is_served() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let documented: Vec<(Method, String)> = operations(&doc)
        .into_iter()
        .filter(|(_, path)| path.starts_with(OPEN311))
        .collect();
    assert!(documented.len() >= 10, "{documented:?}");

    let mut unserved = Vec::new();
    for (method, template) in &documented {
        let operation = &doc["paths"][template][method.as_str().to_lowercase()];
        assert_eq!(operation["tags"][0], "Open311", "{method} {template}");
        for format in ["json", "xml"] {
            let path = open311_path(&doc, method, template, format);
            unserved.extend(open311_unserved(&app, method, &path).await);
        }
    }
    assert!(
        unserved.is_empty(),
        "documented but not served: {unserved:#?}"
    );

    // Each route the host's source declares under /open311, with each method the router
    // answers on it, is reached by at least one documented resource.
    let declared: Vec<String> = super::authz::declared_routes()
        .into_iter()
        .filter(|route| route.starts_with(OPEN311))
        .collect();
    assert!(declared.len() >= 5, "{declared:?}");
    let mut undocumented = Vec::new();
    for route in &declared {
        for method in [
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ] {
            if anonymous(&app, &method, route).await == StatusCode::METHOD_NOT_ALLOWED {
                continue;
            }
            if !documented
                .iter()
                .any(|(m, path)| *m == method && fits(route, path))
            {
                undocumented.push(format!("{method} {route}"));
            }
        }
    }
    assert!(
        undocumented.is_empty(),
        "served but not in /openapi.json: {undocumented:?}"
    );
}

/// Checks that `body`, answered `status` to `method path` (a documented path template), is
/// what the document says that operation answers with that status.
fn assert_conforms(doc: &Value, method: &str, path: &str, status: StatusCode, body: &Value) {
    let operation = &doc["paths"][path][method];
    assert!(operation.is_object(), "{method} {path} is not documented");
    let response = &operation["responses"][status.as_str()];
    assert!(
        response.is_object(),
        "{method} {path} answered {status}, which its description does not list: {body}"
    );
    let schema = &response["content"]["application/json"]["schema"];
    assert!(schema.is_object(), "{method} {path} {status} has no schema");
    // The operation's schema, with the document's named schemas where its `$ref`s point.
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": doc["components"],
        "allOf": [schema],
    });
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&root)
        .unwrap_or_else(|e| panic!("the schema of {method} {path} {status}: {e}"));
    let errors: Vec<String> = validator
        .iter_errors(body)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{method} {path} {status} does not match its description:\n{}\nbody: {body:#}",
        errors.join("\n")
    );
}

#[tokio::test]
async fn what_the_api_answers_matches_its_description() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let conforms = |method: &str, path: &str, status: StatusCode, body: &Value| {
        assert_conforms(&doc, method, path, status, body)
    };

    // An appeal, created and read back, with its decisions, clock and trace.
    let mut request = appeal("布吉街道木棉湾路灯不亮，晚上很黑", "布吉", Some("木棉湾"));
    request["external_id"] = json!("12345-openapi-1");
    request["attributes"] = json!({"floor": 3, "night": true});
    let (status, created) = app.post_event(request.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    conforms("post", "/api/v1/events", status, &created);
    let (status, again) = app.post_event(request).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    conforms("post", "/api/v1/events", status, &again);
    let id = created["id"].as_str().unwrap();
    let (status, event) = app.get(&format!("/api/v1/events/{id}")).await;
    conforms("get", "/api/v1/events/{id}", status, &event);
    let (status, page) = app.get("/api/v1/events?street=buji&limit=5").await;
    conforms("get", "/api/v1/events", status, &page);

    // A lifecycle action, a refused one (409 with `current` and `allowed`), the timeline.
    let (status, applied) = app
        .act(id, json!({"action": "sign", "role": "handler"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{applied}");
    conforms("post", "/api/v1/events/{id}/actions", status, &applied);
    let (status, refused) = app
        .act(id, json!({"action": "sign", "role": "handler"}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert!(refused["error"]["allowed"].is_array(), "{refused}");
    conforms("post", "/api/v1/events/{id}/actions", status, &refused);
    let (status, timeline) = app.get(&format!("/api/v1/events/{id}/timeline")).await;
    conforms("get", "/api/v1/events/{id}/timeline", status, &timeline);
    let (status, revealed) = send(
        app.client
            .post(format!("{}/api/v1/events/{id}/reporter", app.address))
            .bearer_auth(ADMIN_TOKEN),
    )
    .await;
    conforms("post", "/api/v1/events/{id}/reporter", status, &revealed);

    // Errors: a missing event, refused content, no credentials.
    let (status, missing) = app.get("/api/v1/events/no-such-event").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    conforms("get", "/api/v1/events/{id}", status, &missing);
    let (status, invalid) = app.post_event(json!({"source": "carrier-pigeon"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{invalid}");
    conforms("post", "/api/v1/events", status, &invalid);
    let (status, anonymous) = app.get_anonymous("/api/v1/events").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    conforms("get", "/api/v1/events", status, &anonymous);

    // A webhook, shown with its secret once, and the reads of every other resource.
    let (status, webhook) = send(
        app.client
            .post(format!("{}/api/v1/webhooks", app.address))
            .bearer_auth(ADMIN_TOKEN)
            .json(&json!({"source": "hotline", "url": "https://12345.example.gov.cn/hook"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{webhook}");
    conforms("post", "/api/v1/webhooks", status, &webhook);
    for (path, template) in [
        ("/api/v1/session", "/api/v1/session"),
        ("/api/v1/reference/streets", "/api/v1/reference/streets"),
        ("/api/v1/reference/catalog", "/api/v1/reference/catalog"),
        ("/api/v1/reference/units", "/api/v1/reference/units"),
        (
            "/api/v1/reference/calendar?year=2026",
            "/api/v1/reference/calendar",
        ),
        ("/api/v1/webhooks", "/api/v1/webhooks"),
        ("/api/v1/deliveries?state=pending", "/api/v1/deliveries"),
        ("/api/v1/audit", "/api/v1/audit"),
        ("/api/v1/tokens", "/api/v1/tokens"),
        ("/api/v1/accounts", "/api/v1/accounts"),
        ("/api/v1/surges", "/api/v1/surges"),
        (
            "/api/v1/rankings?level=street&from=2026-01-01T00:00:00%2B08:00&to=2027-01-01T00:00:00%2B08:00",
            "/api/v1/rankings",
        ),
        (
            "/api/v1/streets/buji/plugins",
            "/api/v1/streets/{street}/plugins",
        ),
        (
            "/api/v1/streets/buji/plugins/health",
            "/api/v1/streets/{street}/plugins/health",
        ),
    ] {
        let (status, body) = app.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        conforms("get", template, status, &body);
    }
}

#[tokio::test]
async fn what_open311_answers_matches_its_description() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let conforms = |method: &str, path: &str, status: StatusCode, body: &Value| {
        assert_conforms(&doc, method, path, status, body)
    };
    let get = |path: String| {
        let url = format!("{}/open311/v2/{path}", app.address);
        async { send(app.client.get(url)).await }
    };
    let post = |file: &str, form: Vec<(&str, &str)>| {
        let request = app
            .client
            .post(format!("{}/open311/v2/{file}", app.address))
            .form(&form);
        async { send(request).await }
    };
    let key = ADMIN_TOKEN;

    // The open reads.
    for (path, template) in [
        ("/open311/discovery.json", "/open311/discovery.{format}"),
        (
            "/open311/v2/discovery.json",
            "/open311/v2/discovery.{format}",
        ),
        ("/open311/v2/services.json", "/open311/v2/services.{format}"),
        (
            "/open311/v2/services/01-001.json",
            "/open311/v2/services/{service_code}.{format}",
        ),
    ] {
        let (status, body) = send(app.client.get(format!("{}{path}", app.address))).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        conforms("get", template, status, &body);
    }

    // A request posted form-encoded, read back, listed, by its token, and updated.
    let (status, posted) = post(
        "requests.json",
        vec![
            ("api_key", key),
            ("service_code", "01-001"),
            ("lat", "22.613"),
            ("long", "114.125"),
            ("coordinate_system", "gcj02"),
            ("description", "布吉街道木棉湾垃圾堆放多日"),
            ("last_name", "张"),
            ("first_name", "三"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{posted}");
    conforms("post", "/open311/v2/requests.{format}", status, &posted);
    let id = posted[0]["service_request_id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, request) = get(format!("requests/{id}.json?api_key={key}")).await;
    assert_eq!(status, StatusCode::OK, "{request}");
    assert_eq!(request[0]["service_request_id"], id.as_str());
    conforms(
        "get",
        "/open311/v2/requests/{service_request_id}.{format}",
        status,
        &request,
    );
    let (status, listed) = get(format!("requests.json?api_key={key}&status=open")).await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    assert!(!listed.as_array().unwrap().is_empty(), "{listed}");
    conforms("get", "/open311/v2/requests.{format}", status, &listed);
    let (status, token) = get(format!("tokens/{id}.json?api_key={key}")).await;
    // A lifecycle action is an update (the case's first entries are not).
    assert_eq!(app.step(&id, "sign", "handler", json!({})).await, "signed");
    assert_eq!(status, StatusCode::OK, "{token}");
    conforms("get", "/open311/v2/tokens/{token}.{format}", status, &token);
    let (status, update) = post(
        "servicerequestupdates.json",
        vec![
            ("api_key", key),
            ("service_request_id", &id),
            ("description", "垃圾还在，气味很大"),
            ("update_id", "app-1"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{update}");
    conforms(
        "post",
        "/open311/v2/servicerequestupdates.{format}",
        status,
        &update,
    );
    let (status, updates) = get(format!("servicerequestupdates.json?api_key={key}")).await;
    assert_eq!(status, StatusCode::OK, "{updates}");
    assert!(!updates.as_array().unwrap().is_empty(), "{updates}");
    conforms(
        "get",
        "/open311/v2/servicerequestupdates.{format}",
        status,
        &updates,
    );

    // The standard's error list: no key, a wrong key, no service code, an unknown request.
    let (status, missing_key) = get("requests.json".into()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{missing_key}");
    conforms("get", "/open311/v2/requests.{format}", status, &missing_key);
    let (status, wrong_key) = get("requests.json?api_key=sw_no_such".into()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{wrong_key}");
    conforms("get", "/open311/v2/requests.{format}", status, &wrong_key);
    let (status, invalid) = post("requests.json", vec![("api_key", key)]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{invalid}");
    conforms("post", "/open311/v2/requests.{format}", status, &invalid);
    let (status, unknown) = get(format!("requests/no-such-request.json?api_key={key}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{unknown}");
    conforms(
        "get",
        "/open311/v2/requests/{service_request_id}.{format}",
        status,
        &unknown,
    );
}

#[tokio::test]
async fn the_docs_page_shows_every_tag_and_operation_with_nothing_from_elsewhere() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let response = app
        .client
        .get(format!("{}/docs", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"),
        "{:?}",
        response.headers()["content-type"]
    );
    let page = response.text().await.unwrap();
    assert!(
        doc["tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|tag| tag["name"] == "Open311"),
        "no Open311 tag in {}",
        doc["tags"]
    );
    // Open311 takes its own key, three ways, and no session.
    assert!(page.contains("api_key | api_key_bearer | api_key_basic"));
    for tag in doc["tags"].as_array().unwrap() {
        let name = tag["name"].as_str().unwrap();
        assert!(page.contains(&format!("id=\"tag-{name}\"")), "tag {name}");
    }
    for (method, path) in operations(&doc) {
        let summary = doc["paths"][&path][method.as_str().to_lowercase()]["summary"]
            .as_str()
            .unwrap();
        assert!(page.contains(&path), "{method} {path}");
        assert!(page.contains(summary), "the summary of {method} {path}");
    }
    // Schemas are expanded: the fields of an event and the error body are on the page.
    for field in ["classification", "dispatch", "deadline", "allowed"] {
        assert!(page.contains(&format!("<code>{field}</code>")), "{field}");
    }
    // Nothing is fetched from elsewhere and nothing runs.
    assert!(!page.contains("<script"), "a script on the page");
    assert!(!page.contains("<link"), "a linked asset on the page");
    assert!(!page.contains(" src="), "an embedded asset on the page");
}
