//! The CSV export of cases: the listing's filters and reach, every matching case across
//! pages, a header and a byte-order mark for spreadsheets, no reporter data.

use reqwest::StatusCode;
use streetwise_tests::{ADMIN_TOKEN, TestApp, appeal};

/// The export's status and body for `token`.
async fn export(app: &TestApp, token: &str, query: &str) -> (StatusCode, String) {
    let response = app
        .client
        .get(format!("{}/api/v1/events.csv{query}", app.address))
        .bearer_auth(token)
        .send()
        .await
        .expect("sent");
    let status = response.status();
    (status, response.text().await.unwrap_or_default())
}

/// The data rows (without the header) as fields.
fn rows(csv: &str) -> Vec<Vec<String>> {
    let body = csv.strip_prefix('\u{feff}').expect("a byte-order mark");
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let header = reader.headers().expect("a header").clone();
    assert_eq!(&header[0], "编号");
    assert_eq!(header.len(), 16);
    reader
        .records()
        .map(|r| r.expect("a row").iter().map(String::from).collect())
        .collect()
}

#[tokio::test]
async fn the_export_has_every_matching_case_across_pages_and_nothing_personal() {
    let app = TestApp::spawn().await;
    // More than one page (500) of 布吉 cases, and one of 坂田.
    for chunk in 0..11 {
        let submitted = (0..50).map(|i| {
            let n = chunk * 50 + i;
            app.submit(appeal(
                &format!("小区门口垃圾堆了好几天，第{n}次反映，臭气熏天"),
                "布吉",
                None,
            ))
        });
        futures::future::join_all(submitted).await;
    }
    let bantian = app
        .submit(appeal("路口积水很深，车辆无法通行", "坂田", None))
        .await;

    let (status, csv) = export(&app, ADMIN_TOKEN, "?street=buji").await;
    assert_eq!(status, StatusCode::OK);
    let rows = rows(&csv);
    assert_eq!(rows.len(), 550, "every 布吉 case, across two pages");
    let mut ids: Vec<&String> = rows.iter().map(|r| &r[0]).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 550, "no case twice");
    assert!(rows.iter().all(|r| r[3] == "布吉街道"));
    assert!(!rows.iter().any(|r| r[0] == bantian["id"].as_str().unwrap()));
    assert!(
        !csv.contains("13800138000") && !csv.contains("张先生"),
        "no reporter data"
    );
    let first = &rows[0];
    assert_eq!(first[14], "1", "one report each");
    assert!(first[15].contains("垃圾"), "{first:?}");
}

#[tokio::test]
async fn a_handler_exports_only_their_units_cases_and_bad_queries_are_refused() {
    let app = TestApp::spawn().await;
    let buji = app
        .submit(appeal("小区门口垃圾堆了好几天没人清", "布吉", None))
        .await;
    app.submit(appeal("路口积水很深，车辆无法通行", "坂田", None))
        .await;
    let id = buji["id"].as_str().unwrap();
    let unit = buji["dispatch"]["handling_unit"]["code"].as_str().unwrap();
    let handler = app.staff_token(&app.person_for(id, "handler").await).await;

    let (status, csv) = export(&app, &handler, "").await;
    assert_eq!(status, StatusCode::OK, "{csv}");
    let rows = rows(&csv);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0][8], unit);

    let (status, _) = export(&app, &handler, "?unit=district.traffic-police").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "another unit");
    let (status, body) = export(&app, ADMIN_TOKEN, "?limit=10").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, _) = export(&app, ADMIN_TOKEN, "?unit=no-such-unit").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}
