//! Open311 GeoReport v2 at `/open311/v2` as a channel uses it: services, requests posted
//! form-encoded and read back, filters, the standard's errors, GCJ-02 coordinates, private
//! services, mySociety's updates, and a real client (the `georeport` package from PyPI).

use reqwest::StatusCode;
use serde_json::{Value, json};
use streetwise::domain::{Scope, Source};
use streetwise_tests::{ADMIN_TOKEN, TestApp, send, temp_dir, test_settings};

const V2: &str = "/open311/v2";

/// A channel token that may submit from `sources`.
async fn channel(app: &TestApp, sources: Vec<Source>) -> String {
    use streetwise::auth::tokens::{self, NewToken};
    tokens::create(
        app.platform.db(),
        NewToken {
            scope: Scope::Channel,
            street: None,
            label: "城市服务 App".into(),
            created_by: "test".into(),
            staff_id: None,
            sources,
        },
    )
    .await
    .expect("a channel token")
    .token
}

async fn get(app: &TestApp, path: &str) -> (StatusCode, Value) {
    send(app.client.get(format!("{}{path}", app.address))).await
}

async fn get_text(app: &TestApp, path: &str) -> (StatusCode, String) {
    let response = app
        .client
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .expect("sent");
    (response.status(), response.text().await.expect("a body"))
}

async fn post_form(app: &TestApp, file: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
    send(
        app.client
            .post(format!("{}{V2}/{file}", app.address))
            .form(form),
    )
    .await
}

/// Posts a request with `key` in 坪地 (WGS84) and returns its id.
async fn post_request(app: &TestApp, key: &str, description: &str) -> String {
    let (status, body) = post_form(
        app,
        "requests.json",
        &[
            ("api_key", key),
            ("service_code", "01-001"),
            ("lat", "22.78"),
            ("long", "114.315"),
            ("description", description),
            ("last_name", "张"),
            ("first_name", "三"),
            ("phone", "13800138000"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body[0]["service_request_id"].as_str().expect("an id");
    assert_eq!(body[0]["token"], id);
    id.to_string()
}

/// Every text of `<tag>` in an XML document, in order.
fn texts<'a>(xml: &'a str, tag: &str) -> Vec<&'a str> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    xml.split(&open)
        .skip(1)
        .filter_map(|rest| rest.split_once(&close).map(|(text, _)| text))
        .collect()
}

#[tokio::test]
async fn discovery_and_services_are_open_and_read_as_json_and_xml() {
    let app = TestApp::spawn().await;
    let (status, discovery) = get(&app, "/open311/discovery.json").await;
    assert_eq!(status, StatusCode::OK, "{discovery}");
    let url = discovery["endpoints"][0]["url"].as_str().unwrap();
    assert_eq!(url, format!("{}{V2}", app.address));
    let (status, xml) = get_text(&app, "/open311/discovery.xml").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(texts(&xml, "format"), ["application/json", "text/xml"]);

    let items = app.platform.reference().catalog.items.len();
    let (status, services) = get(&app, &format!("{V2}/services.json")).await;
    assert_eq!(status, StatusCode::OK, "{services}");
    let services = services.as_array().unwrap();
    assert_eq!(services.len(), items);
    let garbage = services
        .iter()
        .find(|s| s["service_code"] == "01-001")
        .unwrap();
    assert_eq!(garbage["service_name"], "暴露垃圾");
    assert_eq!(garbage["group"], "市容环卫");
    assert_eq!(garbage["metadata"], true);
    assert!(garbage["keywords"].as_str().unwrap().contains("垃圾堆"));
    let child = services
        .iter()
        .find(|s| s["service_code"] == "13-008")
        .unwrap();
    assert!(
        child["keywords"].as_str().unwrap().ends_with(",private"),
        "{child}"
    );

    let (status, xml) = get_text(&app, &format!("{V2}/services.xml")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?><services><service>"));
    assert_eq!(texts(&xml, "service").len(), items);
    assert!(texts(&xml, "service_name").contains(&"暴露垃圾"));

    let (status, definition) = get(&app, &format!("{V2}/services/01-001.json")).await;
    assert_eq!(status, StatusCode::OK, "{definition}");
    let requirement = &definition["attributes"][0];
    assert_eq!(requirement["variable"], false);
    assert!(
        requirement["description"]
            .as_str()
            .unwrap()
            .contains("处理前后照片")
    );
    let (_, xml) = get_text(&app, &format!("{V2}/services/01-001.xml")).await;
    assert_eq!(texts(&xml, "code"), ["handling_requirements", "time_limit"]);
}

#[tokio::test]
async fn a_request_posted_form_encoded_comes_back_with_its_status_and_agency() {
    let app = TestApp::spawn().await;
    let key = channel(&app, vec![Source::Hotline, Source::Web]).await;
    let id = post_request(
        &app,
        &key,
        "坪地街道路边有暴露垃圾，很多天没人清理 <&> 臭气熏天",
    )
    .await;
    let event = app.event(&id).await;
    assert_eq!(
        event["source"], "web",
        "a channel that may submit as web does"
    );
    assert_eq!(event["reporter"]["name"], "张*");

    let (status, body) = get(&app, &format!("{V2}/requests/{id}.json?api_key={key}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let request = &body[0];
    assert_eq!(request["service_request_id"], id.as_str());
    assert_eq!(request["status"], "open");
    assert_eq!(request["status_notes"], "待签收");
    assert_eq!(
        request["agency_responsible"],
        event["dispatch"]["handling_unit"]["name"]
    );
    assert_eq!(
        request["service_code"],
        event["classification"]["item_code"]
    );
    assert!(
        request["requested_datetime"]
            .as_str()
            .unwrap()
            .ends_with("+08:00")
    );
    assert_eq!(request["lat"], 22.78);

    // XML, with the key as a bearer token, and the description's markup escaped.
    let (status, xml) = send_text(
        app.client
            .get(format!("{}{V2}/requests/{id}.xml", app.address))
            .bearer_auth(&key),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{xml}");
    assert_eq!(texts(&xml, "status"), ["open"]);
    assert!(
        texts(&xml, "description")[0].ends_with("&lt;&amp;&gt; 臭气熏天"),
        "{xml}"
    );

    let (status, token) = get(&app, &format!("{V2}/tokens/{id}.json?api_key={key}")).await;
    assert_eq!(status, StatusCode::OK, "{token}");
    assert_eq!(token[0]["service_request_id"], id.as_str());
}

async fn send_text(request: reqwest::RequestBuilder) -> (StatusCode, String) {
    let response = request.send().await.expect("sent");
    (response.status(), response.text().await.expect("a body"))
}

#[tokio::test]
async fn requests_are_filtered_by_id_service_status_and_date_within_the_callers_reach() {
    let app = TestApp::spawn().await;
    let web = channel(&app, vec![Source::Web]).await;
    let a = post_request(&app, &web, "坪地街道路边有暴露垃圾，很多天没人清理").await;
    let b = post_request(&app, &web, "坪地街道垃圾桶满了溢出来，没人清运").await;
    // A hotline appeal the web channel must never see.
    let hotline = app
        .submit(streetwise_tests::appeal(
            "坪地街道路边有暴露垃圾",
            "坪地",
            None,
        ))
        .await;
    let ids = |body: &Value| -> Vec<String> {
        body.as_array()
            .unwrap()
            .iter()
            .map(|r| r["service_request_id"].as_str().unwrap().to_string())
            .collect()
    };
    let list = |query: String| {
        let app = &app;
        let web = web.clone();
        async move { get(app, &format!("{V2}/requests.json?api_key={web}&{query}")).await }
    };
    let (status, all) = list(String::new()).await;
    assert_eq!(status, StatusCode::OK, "{all}");
    assert_eq!(ids(&all), [b.clone(), a.clone()], "newest first, web only");
    let (_, admin_all) = get(&app, &format!("{V2}/requests.json?api_key={ADMIN_TOKEN}")).await;
    assert!(ids(&admin_all).contains(&hotline["id"].as_str().unwrap().to_string()));

    let (_, one) = list(format!("service_request_id={a}")).await;
    assert_eq!(ids(&one), std::slice::from_ref(&a));
    let item = app.event(&b).await["classification"]["item_code"].clone();
    let (_, by_item) = list(format!("service_code={}", item.as_str().unwrap())).await;
    assert!(ids(&by_item).contains(&b));
    let (_, open) = list("status=open".into()).await;
    assert_eq!(ids(&open).len(), 2);
    let (_, closed) = list("status=closed".into()).await;
    assert!(ids(&closed).is_empty());
    let (_, later) = list("start_date=2099-01-01T00:00:00%2B08:00".into()).await;
    assert!(ids(&later).is_empty());

    let (status, error) = list("start_date=yesterday".into()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error[0]["code"], 400, "{error}");
    let (status, _) =
        list("start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z".into()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "more than 90 days");
}

#[tokio::test]
async fn errors_are_the_standards_list_with_400_401_403_and_404() {
    let app = TestApp::spawn().await;
    let key = channel(&app, vec![Source::Web]).await;
    let (status, body) = post_form(
        &app,
        "requests.json",
        &[
            ("api_key", &key),
            ("lat", "22.78"),
            ("long", "114.315"),
            ("description", "垃圾"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body[0]["code"], 400);
    assert!(
        body[0]["description"]
            .as_str()
            .unwrap()
            .contains("service_code"),
        "{body}"
    );

    let response = app
        .client
        .post(format!("{}{V2}/requests.xml", app.address))
        .form(&[("api_key", key.as_str()), ("service_code", "01-001")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let xml = response.text().await.unwrap();
    assert!(
        xml.contains("<errors><error><code>400</code><description>"),
        "{xml}"
    );

    let (status, body) = post_form(
        &app,
        "requests.json",
        &[("api_key", "wrong"), ("service_code", "01-001")],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body[0]["code"], 403);
    let (status, body) = get(&app, &format!("{V2}/requests.json")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body[0]["code"], 401);
    let (status, body) = get(
        &app,
        &format!("{V2}/requests/nosuchcase.json?api_key={key}"),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body[0]["code"], 404);
    let (status, _) = get(&app, &format!("{V2}/services/99-999.json")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A staff member who takes no appeals may not post one.
    let handler = app
        .staff_token(
            &app.person_for(
                &post_request(&app, &key, "坪地街道路边有暴露垃圾").await,
                "handler",
            )
            .await,
        )
        .await;
    let (status, body) = post_form(
        &app,
        "requests.json",
        &[
            ("api_key", &handler),
            ("service_code", "01-001"),
            ("lat", "22.78"),
            ("long", "114.315"),
            ("description", "垃圾"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
}

#[tokio::test]
async fn gcj02_coordinates_from_a_chinese_map_app_are_stored_as_wgs84() {
    let app = TestApp::spawn().await;
    let key = channel(&app, vec![Source::Web]).await;
    let wgs = (22.78, 114.315);
    let gcj = geocoordinates::Wgs84::new(wgs.0, wgs.1)
        .try_to_gcj02()
        .unwrap();
    let (lat, long) = (gcj.lat.to_string(), gcj.lon.to_string());
    let (status, body) = post_form(
        &app,
        "requests.json",
        &[
            ("api_key", &key),
            ("service_code", "01-001"),
            ("lat", &lat),
            ("long", &long),
            ("coordinate_system", "gcj02"),
            ("description", "坪地街道路边有暴露垃圾，很多天没人清理"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let event = app
        .event(body[0]["service_request_id"].as_str().unwrap())
        .await;
    let stored = (
        event["location"]["lat"].as_f64().unwrap(),
        event["location"]["lon"].as_f64().unwrap(),
    );
    // Within a few centimetres (1e-6° is about 0.1 m), where GCJ-02 itself is hundreds of
    // metres off.
    assert!(
        (stored.0 - wgs.0).abs() < 1e-6 && (stored.1 - wgs.1).abs() < 1e-6,
        "{stored:?}"
    );
    assert!((gcj.lon - wgs.1).abs() > 1e-3, "the offset is real");
    assert_eq!(
        event["attributes"]["open311_coordinates"],
        format!("gcj02 {lat},{long}")
    );

    let (status, body) = post_form(
        &app,
        "requests.json",
        &[
            ("api_key", &key),
            ("service_code", "01-001"),
            ("lat", "22.78"),
            ("long", "114.315"),
            ("coordinate_system", "mercator"),
            ("description", "垃圾"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}

#[tokio::test]
async fn requests_of_private_services_are_never_listed_but_their_channel_reads_them_by_id() {
    let dir = temp_dir("open311-private");
    let mut settings = test_settings(&dir);
    settings.open311.open311_private_items = vec!["01-001".into()];
    let app = TestApp::spawn_with(settings).await;
    let key = channel(&app, vec![Source::Web]).await;
    let private = post_request(&app, &key, "坪地街道路边有暴露垃圾，很多天没人清理").await;
    assert_eq!(
        app.event(&private).await["classification"]["item_code"],
        "01-001"
    );
    let public = post_request(&app, &key, "坪地街道有个井盖丢失了，很危险").await;
    assert_ne!(
        app.event(&public).await["classification"]["item_code"],
        "01-001"
    );

    let (_, listed) = get(&app, &format!("{V2}/requests.json?api_key={ADMIN_TOKEN}")).await;
    let listed: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["service_request_id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [public.as_str()]);
    let (_, asked) = get(
        &app,
        &format!("{V2}/requests.json?api_key={key}&service_request_id={private}"),
    )
    .await;
    assert_eq!(asked, json!([]));
    let (status, _) = get(&app, &format!("{V2}/requests/{private}.json?api_key={key}")).await;
    assert_eq!(status, StatusCode::OK);
    let (_, services) = get(&app, &format!("{V2}/services.json")).await;
    let garbage = services
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["service_code"] == "01-001")
        .unwrap();
    assert!(garbage["keywords"].as_str().unwrap().ends_with(",private"));
}

#[tokio::test]
async fn a_lifecycle_action_is_an_update_and_a_citizens_update_is_stored_once() {
    let app = TestApp::spawn().await;
    let key = channel(&app, vec![Source::Web]).await;
    let id = post_request(&app, &key, "坪地街道路边有暴露垃圾，很多天没人清理").await;
    assert_eq!(app.step(&id, "sign", "handler", json!({})).await, "signed");

    let (status, updates) = get(
        &app,
        &format!("{V2}/servicerequestupdates.json?api_key={key}"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{updates}");
    let update = updates
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["service_request_id"] == id.as_str() && u["external_status_code"] == "sign")
        .expect("the sign-for is an update");
    let timeline = app.timeline(&id).await;
    let entries = timeline["entries"].as_array().expect("entries");
    let sign = entries
        .iter()
        .find(|e| e["action"] == "sign")
        .expect("signed");
    assert_eq!(update["update_id"], format!("{id}-{}", sign["seq"]));
    assert_eq!(
        updates
            .as_array()
            .unwrap()
            .iter()
            .filter(|u| u["service_request_id"] == id.as_str())
            .count(),
        entries.len(),
        "one update per timeline entry"
    );
    assert_eq!(update["status"], "action_scheduled");
    assert_eq!(update["description"], "签收");
    assert!(
        update["updated_datetime"]
            .as_str()
            .unwrap()
            .ends_with("+08:00")
    );
    let (_, xml) = get_text(
        &app,
        &format!("{V2}/servicerequestupdates.xml?api_key={key}"),
    )
    .await;
    assert!(
        xml.contains("<service_requests_updates><request_update>"),
        "{xml}"
    );
    let (_, request) = get(&app, &format!("{V2}/requests/{id}.json?api_key={key}")).await;
    assert_eq!(request[0]["status_notes"], "签收");
    // An empty window has none.
    let (_, none) = get(&app, &format!(
        "{V2}/servicerequestupdates.json?api_key={key}&start_date=2020-01-01T00:00:00Z&end_date=2020-02-01T00:00:00Z"
    )).await;
    assert_eq!(none, json!([]));

    let form = [
        ("api_key", key.as_str()),
        ("service_request_id", id.as_str()),
        ("update_id", "fms-7"),
        ("status", "OPEN"),
        ("updated_datetime", "2026-07-01T10:00:00+08:00"),
        ("description", "还是没有清理 <&>"),
        ("email", "citizen@example.com"),
    ];
    let (status, first) = post_form(&app, "servicerequestupdates.json", &form).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let (_, again) = post_form(&app, "servicerequestupdates.json", &form).await;
    assert_eq!(
        first[0]["update_id"], again[0]["update_id"],
        "sent twice, stored once"
    );
    let stored = app.platform.db().citizen_updates(&id).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].description, "还是没有清理 <&>");
    assert_eq!(stored[0].status, "open");

    // Another channel's case is not this channel's to update.
    let hotline = app
        .submit(streetwise_tests::appeal(
            "坪地街道路边有暴露垃圾",
            "坪地",
            None,
        ))
        .await;
    let other = hotline["id"].as_str().unwrap();
    let (status, _) = post_form(
        &app,
        "servicerequestupdates.json",
        &[
            ("api_key", &key),
            ("service_request_id", other),
            ("description", "催办"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// The `georeport` client from PyPI (0.3.1) against this host: services and requests in JSON
/// and XML, and a request posted form-encoded read back with its status. Skipped with a
/// notice when the package is not installed, unless `STREETWISE_REQUIRE_OPEN311_CLIENT=1`.
#[tokio::test]
async fn the_georeport_client_from_pypi_reads_services_and_requests() {
    let have = std::process::Command::new("python3")
        .args(["-c", "import georeport"])
        .status()
        .is_ok_and(|s| s.success());
    if !have {
        if std::env::var("STREETWISE_REQUIRE_OPEN311_CLIENT").is_ok_and(|v| v == "1") {
            panic!("the georeport package is required: pip install georeport==0.3.1");
        }
        eprintln!("python3 with georeport is not installed: skipping the Open311 client test");
        return;
    }
    let app = TestApp::spawn().await;
    let key = channel(&app, vec![Source::Web]).await;
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("open311/client.py");
    let address = app.address.clone();
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new("python3")
            .arg(script)
            .arg(format!("{address}{V2}"))
            .arg(key)
            .output()
            .expect("python3 runs")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the client failed:\n{stdout}\n{stderr}"
    );
    let report: Value =
        serde_json::from_str(stdout.lines().last().unwrap_or("")).expect("a JSON report");
    let id = report["service_request_id"].as_str().unwrap();
    let event = app.event(id).await;
    for format in ["json", "xml"] {
        let seen = &report[format];
        assert_eq!(
            seen["services"],
            app.platform.reference().catalog.items.len()
        );
        assert_eq!(seen["status"], "open");
        assert_eq!(
            seen["agency_responsible"],
            event["dispatch"]["handling_unit"]["name"]
        );
        assert_eq!(seen["listed"], true);
    }
}

#[tokio::test]
async fn on_postgres_requests_updates_and_citizen_updates_read_and_write_the_same() {
    let Some(app) = TestApp::spawn_postgres().await else {
        return;
    };
    let key = channel(&app, vec![Source::Web]).await;
    let id = post_request(&app, &key, "坪地街道路边有暴露垃圾，很多天没人清理").await;
    assert_eq!(app.step(&id, "sign", "handler", json!({})).await, "signed");
    let item = app.event(&id).await["classification"]["item_code"].clone();
    let (status, listed) = get(
        &app,
        &format!(
            "{V2}/requests.json?api_key={key}&status=open&service_code={}",
            item.as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    assert_eq!(listed[0]["service_request_id"], id.as_str());
    assert_eq!(listed[0]["status_notes"], "签收");
    let (_, updates) = get(
        &app,
        &format!("{V2}/servicerequestupdates.json?api_key={key}"),
    )
    .await;
    assert!(
        updates
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["service_request_id"] == id.as_str() && u["status"] == "action_scheduled"),
        "{updates}"
    );
    let form = [
        ("api_key", key.as_str()),
        ("service_request_id", id.as_str()),
        ("update_id", "fms-1"),
        ("description", "还是没有清理"),
    ];
    let (status, first) = post_form(&app, "servicerequestupdates.xml", &form).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let (_, again) = post_form(&app, "servicerequestupdates.json", &form).await;
    assert_eq!(
        app.platform.db().citizen_updates(&id).await.unwrap().len(),
        1
    );
    assert!(again[0]["update_id"].is_string());
}
