//! Surges and hot spots (预警监测) with a driven clock: a place's history at the same hours of
//! the week, then a burst; the warning raised or not, updated by the next scan instead of
//! duplicated, and acknowledged and closed by the centre through the API.
//!
//! Every scan stands on Tuesday 1 December 2026 (China time). At 10:30 the 60-minute window is
//! 09:30-10:30, half of Tuesday's 09:00 hour and half of its 10:00 hour; the history is the four
//! weeks before 09:00 that day, which hold four Tuesdays: 3, 10, 17 and 24 November.

use jiff::Timestamp;
use reqwest::StatusCode;
use serde_json::{Value, json};
use streetwise::Settings;
use streetwise::clock::Clock;
use streetwise::surge::Scanned;
use streetwise_tests::{ADMIN_TOKEN, Backend, TestApp, appeal, fresh_postgres, send, temp_dir};

/// 暴露垃圾 (01-001, category 01 市容环卫).
const GARBAGE: &str = "小区门口有一个垃圾堆好几天没人清了，很臭";
/// 垃圾桶满溢破损 (01-005), the same category.
const BIN: &str = "路边的垃圾桶满了溢出来，好几天没人来收";
const SHANXIA: &str = "440307003007";
const PINGHU: &str = "440307003";
const TUESDAYS: [&str; 4] = ["2026-11-03", "2026-11-10", "2026-11-17", "2026-11-24"];
const TODAY: &str = "2026-12-01";
const CENTRE: &str = "district.command-centre.001";
const LEADER: &str = "district.command-centre.004";
const DISTRICT_IT: &str = "district.command-centre.005";

fn at(day: &str, time: &str) -> Timestamp {
    format!("{day}T{time}:00+08:00").parse().unwrap()
}

/// An app on `backend` whose clock stands still until told, with no background scan: each test
/// scans itself, so it knows what each scan did.
async fn spawn(backend: Backend, tweak: impl FnOnce(&mut Settings)) -> Option<(TestApp, Clock)> {
    let clock = Clock::driven(at(TODAY, "08:00"));
    let mut settings = streetwise_tests::test_settings(&temp_dir("surges"));
    if backend == Backend::Postgres {
        settings.database_url = Some(fresh_postgres().await?);
    }
    settings.clock = clock.clone();
    settings.surges.run_surges = false;
    settings.run_timers = false;
    tweak(&mut settings);
    Some((TestApp::spawn_with(settings).await, clock))
}

/// An appeal received at `time` on `day` in a community of 平湖, classified as `item`.
async fn report(
    app: &TestApp,
    clock: &Clock,
    (day, time): (&str, &str),
    what: (&str, &str),
    community: &str,
) -> String {
    clock.set(at(day, time));
    let event = app.submit(appeal(what.0, "平湖", Some(community))).await;
    assert_eq!(event["classification"]["item_code"], what.1, "{event}");
    event["id"].as_str().unwrap().to_string()
}

const G: (&str, &str) = (GARBAGE, "01-001");
const B: (&str, &str) = (BIN, "01-005");

/// Today's burst of 暴露垃圾 in 山厦: `n` appeals, one every 4 minutes from 10:00.
async fn burst(app: &TestApp, clock: &Clock, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        let time = format!("10:{:02}", i * 4);
        ids.push(report(app, clock, (TODAY, &time), G, "山厦").await);
    }
    ids
}

async fn scan(app: &TestApp, clock: &Clock, time: &str) -> Scanned {
    clock.set(at(TODAY, time));
    app.platform.scan_surges().await.expect("the scan runs")
}

fn scanned(raised: u64, updated: u64) -> Scanned {
    Scanned { raised, updated }
}

async fn surges(app: &TestApp, query: &str) -> Vec<Value> {
    let (status, body) = app.get(&format!("/api/v1/surges{query}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["surges"].as_array().unwrap().clone()
}

fn of_kind<'a>(surges: &'a [Value], kind: &str) -> Vec<&'a Value> {
    surges.iter().filter(|s| s["kind"] == kind).collect()
}

fn close_to(value: &Value, want: f64, relative: f64) {
    let got = value.as_f64().unwrap();
    assert!(
        ((got - want) / want).abs() < relative,
        "got {got}, want {want}"
    );
}

async fn a_burst_at_one_community_raises_exactly_one_warning(backend: Backend) {
    let Some((app, clock)) = spawn(backend, |_| {}).await else {
        return;
    };
    for day in TUESDAYS {
        // 山厦's usual garbage: one at 09:40 and one at 10:10 every Tuesday, so the window
        // expects ½ × 1 + ½ × 1 = 1. The 15:00 ones and Wednesday's fall in other hours of
        // the week and must not count.
        for time in ["09:40", "10:10", "15:00"] {
            report(&app, &clock, (day, time), G, "山厦").await;
        }
        let wednesday = at(day, "10:00")
            .checked_add(jiff::SignedDuration::from_hours(24))
            .unwrap();
        clock.set(wednesday);
        app.submit(appeal(GARBAGE, "平湖", Some("山厦"))).await;
        // 新南's bins, the same category: 平湖's 市容环卫 expects ½ × 2 + ½ × 2 = 2, so 7
        // (P = 0.0045) is no surge of the street's category.
        for time in ["09:50", "10:20"] {
            report(&app, &clock, (day, time), B, "新南").await;
        }
    }
    burst(&app, &clock, 7).await;

    assert_eq!(scan(&app, &clock, "10:30").await, scanned(1, 0));
    let all = surges(&app, "").await;
    assert_eq!(all.len(), 1, "{all:?}");
    let warning = &all[0];
    assert_eq!(warning["kind"], "item");
    assert_eq!(warning["code"], "01-001");
    assert_eq!(warning["name"], "暴露垃圾");
    assert_eq!(warning["area"], SHANXIA);
    assert_eq!(warning["area_name"], "山厦社区");
    assert_eq!(warning["street_code"], PINGHU);
    assert_eq!(warning["count"], 7);
    close_to(&warning["expected"], 1.0, 1e-9);
    // P(X ≥ 7 | 1) = 1 − e⁻¹ Σ_{i<7} 1/i! = 8.324115e-5.
    close_to(&warning["p"], 8.324115e-5, 1e-6);
    assert_eq!(warning["window_minutes"], 60);
    assert_eq!(warning["since"], "2026-12-01T10:00:00+08:00");
    assert_eq!(warning["raised_at"], "2026-12-01T10:30:00+08:00");
    assert_eq!(warning["status"], "open");
}

#[tokio::test]
async fn a_burst_at_one_community_raises_exactly_one_warning_with_its_count_and_expected() {
    a_burst_at_one_community_raises_exactly_one_warning(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_burst_at_one_community_raises_exactly_one_warning_on_postgres() {
    a_burst_at_one_community_raises_exactly_one_warning(Backend::Postgres).await;
}

#[tokio::test]
async fn the_same_burst_where_the_history_is_that_busy_raises_none() {
    let (app, clock) = spawn(Backend::Sqlite, |_| {}).await.unwrap();
    // Five every Tuesday in each of the two hours: the window expects 5, and 7 is common
    // (P(X ≥ 7 | 5) = 0.24), for the item in 山厦 and for the category in 平湖 alike.
    for day in TUESDAYS {
        for time in [
            "09:32", "09:40", "09:45", "09:50", "09:55", "10:05", "10:10", "10:15", "10:20",
            "10:25",
        ] {
            report(&app, &clock, (day, time), G, "山厦").await;
        }
    }
    burst(&app, &clock, 7).await;
    assert_eq!(scan(&app, &clock, "10:30").await, scanned(0, 0));
    assert!(surges(&app, "").await.is_empty());
}

#[tokio::test]
async fn fewer_events_than_the_minimum_raise_none_however_unlikely() {
    // A floor of 0.1: four events are already far too many by chance (P = 3.8e-6).
    let (app, clock) = spawn(Backend::Sqlite, |s| s.surges.surge_baseline_floor = 0.1)
        .await
        .unwrap();
    burst(&app, &clock, 4).await;
    assert_eq!(scan(&app, &clock, "10:30").await, scanned(0, 0));
    // The fifth makes the minimum: the item in 山厦 and the category in 平湖.
    report(&app, &clock, (TODAY, "10:20"), G, "山厦").await;
    assert_eq!(scan(&app, &clock, "10:30").await, scanned(2, 0));
    let all = surges(&app, "").await;
    assert_eq!(of_kind(&all, "item")[0]["count"], 5);
    assert_eq!(of_kind(&all, "category")[0]["code"], "01");
    assert_eq!(of_kind(&all, "category")[0]["area"], PINGHU);
    close_to(&of_kind(&all, "category")[0]["expected"], 0.1, 1e-9);
}

async fn a_second_scan_updates_instead_of_duplicating(backend: Backend) {
    let Some((app, clock)) = spawn(backend, |_| {}).await else {
        return;
    };
    burst(&app, &clock, 5).await;
    // No history: against the floor of 0.5, P(X ≥ 5 | 0.5) = 1.7e-4.
    assert_eq!(scan(&app, &clock, "10:17").await, scanned(2, 0));
    assert_eq!(scan(&app, &clock, "10:17").await, scanned(0, 2));
    report(&app, &clock, (TODAY, "10:20"), G, "山厦").await;
    report(&app, &clock, (TODAY, "10:24"), G, "山厦").await;
    assert_eq!(scan(&app, &clock, "10:30").await, scanned(0, 2));
    let all = surges(&app, "").await;
    assert_eq!(all.len(), 2, "{all:?}");
    let item = of_kind(&all, "item")[0].clone();
    assert_eq!(item["count"], 7);
    close_to(&item["p"], 1.002380e-6, 1e-6);
    assert_eq!(item["since"], "2026-12-01T10:00:00+08:00");
    assert_eq!(item["raised_at"], "2026-12-01T10:17:00+08:00");
    assert_eq!(item["last_seen"], "2026-12-01T10:30:00+08:00");

    // Acknowledged, it is still the one the scan updates.
    let centre = app.staff_token(CENTRE).await;
    let id = item["id"].as_i64().unwrap();
    assert_eq!(
        change(&app, &centre, id, "acknowledge").await.0,
        StatusCode::OK
    );
    assert_eq!(scan(&app, &clock, "10:31").await, scanned(0, 2));
    let item = surges(&app, "?status=acknowledged").await;
    assert_eq!(item.len(), 1);
    assert_eq!(item[0]["last_seen"], "2026-12-01T10:31:00+08:00");

    // Closed, the surge still under way raises a new warning.
    assert_eq!(change(&app, &centre, id, "close").await.0, StatusCode::OK);
    assert_eq!(scan(&app, &clock, "10:32").await, scanned(1, 1));
    assert_eq!(
        of_kind(&surges(&app, "?status=open").await, "item").len(),
        1
    );
    assert_eq!(surges(&app, "?status=closed").await[0]["id"], id);
}

#[tokio::test]
async fn a_second_scan_updates_the_open_warning_instead_of_raising_another() {
    a_second_scan_updates_instead_of_duplicating(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_second_scan_updates_instead_of_duplicating_on_postgres() {
    a_second_scan_updates_instead_of_duplicating(Backend::Postgres).await;
}

async fn change(app: &TestApp, token: &str, id: i64, change: &str) -> (StatusCode, Value) {
    send(
        app.client
            .post(format!("{}/api/v1/surges/{id}/{change}", app.address))
            .bearer_auth(token)
            .json(&json!({})),
    )
    .await
}

#[tokio::test]
async fn only_the_centre_acknowledges_and_closes_and_only_district_callers_read() {
    let (app, clock) = spawn(Backend::Sqlite, |_| {}).await.unwrap();
    let ids = burst(&app, &clock, 5).await;
    assert_eq!(scan(&app, &clock, "10:30").await, scanned(2, 0));
    let id = of_kind(&surges(&app, "").await, "item")[0]["id"]
        .as_i64()
        .unwrap();

    let handler = app.person_for(&ids[0], "handler").await;
    let centre = app.staff_token(CENTRE).await;
    let leader = app.staff_token(LEADER).await;
    let it = app.staff_token(DISTRICT_IT).await;
    let handler = app.staff_token(&handler).await;
    let street_admin = app.staff_token("buji.office.902").await;
    let read_only = app
        .create_token(streetwise::domain::Scope::ReadOnly, None, "ro")
        .await;
    for (token, status) in [
        (&centre, 200),
        (&leader, 200),
        (&it, 200),
        (&read_only, 200),
        (&handler, 403),
        (&street_admin, 403),
    ] {
        assert_eq!(app.get_as(token, "/api/v1/surges").await.0.as_u16(), status);
    }
    let (status, body) = app.get("/api/v1/surges?status=pending").await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("invalid_status"))
    );

    for token in [
        &leader,
        &it,
        &read_only,
        &handler,
        &street_admin,
        &ADMIN_TOKEN.to_string(),
    ] {
        assert_eq!(
            change(&app, token, id, "acknowledge").await.0,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            change(&app, token, id, "close").await.0,
            StatusCode::FORBIDDEN
        );
    }
    assert_eq!(
        surges(&app, "?status=open").await.len(),
        2,
        "refusals changed nothing"
    );

    let (status, body) = change(&app, &centre, id, "acknowledge").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "acknowledged");
    assert_eq!(body["acknowledged_by"], CENTRE);
    assert_eq!(body["acknowledged_at"], "2026-12-01T10:30:00+08:00");
    let (status, body) = change(&app, &centre, id, "acknowledge").await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["current"], "acknowledged");
    assert_eq!(body["error"]["allowed"], json!(["close"]));
    let (status, body) = change(&app, &centre, id, "close").await;
    assert_eq!(
        (status, &body["status"]),
        (StatusCode::OK, &json!("closed"))
    );
    assert_eq!(
        change(&app, &centre, id, "close").await.0,
        StatusCode::CONFLICT
    );
    assert_eq!(
        change(&app, &centre, 999_999, "close").await.0,
        StatusCode::NOT_FOUND
    );

    // Each change is in the audit log with who and which street, and so is each refusal.
    let (_, audit) = app.get("/api/v1/audit?limit=1000").await;
    let entries = audit["entries"].as_array().unwrap();
    let find = |action: &str, outcome: &str| {
        entries
            .iter()
            .filter(|e| e["action"] == action && e["outcome"] == outcome)
            .cloned()
            .collect::<Vec<_>>()
    };
    let acknowledged = find("acknowledge_surge", "ok");
    assert_eq!(acknowledged.len(), 1, "{entries:?}");
    assert_eq!(acknowledged[0]["staff_id"], CENTRE);
    assert_eq!(acknowledged[0]["street_code"], PINGHU);
    assert_eq!(acknowledged[0]["target"], format!("surge {id}"));
    assert_eq!(find("close_surge", "ok").len(), 1);
    assert_eq!(find("acknowledge_surge", "denied").len(), 6);
}

#[tokio::test]
async fn the_centre_sees_the_warning_on_its_page_and_acknowledges_it_with_the_button() {
    use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION};
    let (app, clock) = spawn(Backend::Sqlite, |_| {}).await.unwrap();
    burst(&app, &clock, 5).await;
    assert_eq!(scan(&app, &clock, "10:30").await, scanned(2, 0));
    let id = of_kind(&surges(&app, "").await, "item")[0]["id"]
        .as_i64()
        .unwrap();
    let centre = super::authz_console::sign_in(&app, CENTRE).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = |client: reqwest::Client| {
        let request = client
            .get(format!("{}/surges", app.address))
            .header(COOKIE, &centre.cookie);
        async move { request.send().await.unwrap().text().await.unwrap() }
    };
    let html = page(client.clone()).await;
    assert!(
        html.contains(r#"href="/surges" aria-current="page">预警监测"#),
        "{html}"
    );
    assert!(
        html.contains("暴露垃圾") && html.contains("山厦社区"),
        "{html}"
    );
    let form = format!(r#"action="/surges/{id}/acknowledge""#);
    assert!(html.contains(&form), "{html}");

    let response = client
        .post(format!("{}/surges/{id}/acknowledge", app.address))
        .header(COOKIE, &centre.cookie)
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(format!("_csrf={}", centre.csrf))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[LOCATION], "/surges?done=acknowledge");
    let html = page(client).await;
    assert!(!html.contains(&form), "acknowledged: only 关闭 is left");
    assert!(html.contains("确认：刘晓敏"), "{html}");
}
