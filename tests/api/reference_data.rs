//! The reference data a channel reads instead of `seed/`: streets with communities, the
//! catalog with time limits, units, the working calendar; nobody without a token.

use reqwest::StatusCode;
use streetwise_tests::TestApp;

#[tokio::test]
async fn a_channel_reads_the_streets_catalog_units_and_calendar_it_needs() {
    let app = TestApp::spawn().await;

    let (status, body) = app.get("/api/v1/reference/streets").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let streets = body["streets"].as_array().unwrap();
    assert_eq!(streets.len(), 11, "1 centre, 11 streets");
    let buji = streets.iter().find(|s| s["slug"] == "buji").expect("布吉");
    assert_eq!(buji["name"], "布吉街道");
    assert!(
        buji["communities"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "布吉"),
        "{buji}"
    );

    let (status, catalog) = app.get("/api/v1/reference/catalog").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(catalog["categories"].as_array().unwrap().len(), 18);
    let items = catalog["items"].as_array().unwrap();
    let ponding = items.iter().find(|i| i["code"] == "06-003").unwrap();
    assert_eq!(ponding["name"], "道路积水/内涝");
    assert!(
        ponding["time_limit"]["value"].as_u64().is_some(),
        "{ponding}"
    );
    assert_eq!(
        catalog["version"],
        app.platform.reference().catalog.version.as_str()
    );

    let (status, units) = app.get("/api/v1/reference/units").await;
    assert_eq!(status, StatusCode::OK);
    let units = units["units"].as_array().unwrap();
    assert_eq!(units.len(), app.platform.reference().units().count());
    assert!(
        units
            .iter()
            .all(|u| u["code"].is_string() && u["name"].is_string())
    );

    let (status, calendar) = app.get("/api/v1/reference/calendar?year=2026").await;
    assert_eq!(status, StatusCode::OK, "{calendar}");
    assert_eq!(calendar["time_zone"], "Asia/Shanghai");
    let year = &calendar["years"][0];
    assert_eq!(year["year"], 2026);
    assert!(
        year["holidays"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d == "2026-10-01"),
        "National Day: {year}"
    );
}

#[tokio::test]
async fn a_year_without_a_calendar_or_a_bad_query_says_so() {
    let app = TestApp::spawn().await;
    let (status, body) = app.get("/api/v1/reference/calendar?year=1999").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, body) = app.get("/api/v1/reference/calendar?month=3").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "invalid_query");
    let (status, _) = app.get_anonymous("/api/v1/reference/catalog").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
