//! Probable duplicates (合并): a second report of the same problem nearby is held in 待分拨
//! with why; the centre merges it into the case reported first (or splits it out again); the
//! case shows how many reports it has, and closing it ends its merged reports' retention
//! clock with its own.

use reqwest::StatusCode;
use serde_json::{Value, json};
use streetwise::settings::Settings;
use streetwise_tests::{TestApp, temp_dir, test_settings, trace_step};

/// 布吉's centre and a point 111 m north of it (0.001° of latitude).
const AT: (f64, f64) = (22.605, 114.12);
const NORTH_111_M: (f64, f64) = (22.606, 114.12);
/// 1.2 km north.
const FAR: (f64, f64) = (22.616, 114.12);

const BURST: &str = "布吉路口水管爆了，水一直往外喷，路面全是水";
const BURST_AGAIN: &str = "布吉路口那边水管爆裂，水往外喷，路上都淹了";

async fn spawn() -> TestApp {
    TestApp::spawn_with(detecting(test_settings(&temp_dir("duplicates")))).await
}

fn detecting(mut settings: Settings) -> Settings {
    settings.duplicates = Settings::defaults().duplicates;
    settings
}

fn report(description: &str, (lat, lon): (f64, f64)) -> Value {
    json!({
        "source": "hotline",
        "description": description,
        "location": { "street": "buji", "community": "布吉", "lat": lat, "lon": lon },
        "reporter": { "name": "李女士", "phone": "13900139000" }
    })
}

fn id(event: &Value) -> String {
    event["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_second_report_nearby_is_held_with_why_and_a_far_one_is_not() {
    held_nearby_not_far(spawn().await).await;
}

#[tokio::test]
async fn on_postgres_a_second_report_nearby_is_held_and_a_far_one_is_not() {
    let Some(url) = streetwise_tests::fresh_postgres().await else {
        return;
    };
    let mut settings = detecting(test_settings(&temp_dir("duplicates-pg")));
    settings.database_url = Some(url);
    held_nearby_not_far(TestApp::spawn_with(settings).await).await;
}

async fn held_nearby_not_far(app: TestApp) {
    let first = app.submit(report(BURST, AT)).await;
    assert_eq!(first["status"], "dispatched", "{first}");
    assert!(trace_step(&first, "duplicate").is_none(), "{first}");

    let second = app.submit(report(BURST_AGAIN, NORTH_111_M)).await;
    assert_eq!(
        second["status"], "accepted",
        "held for the centre: {second}"
    );
    assert_eq!(second["duplicate_of"], id(&first).as_str(), "{second}");
    let why = trace_step(&second, "duplicate").expect("a duplicate step");
    let detail = why["detail"].as_str().unwrap();
    assert!(detail.contains(&id(&first)), "{detail}");
    assert!(detail.contains("相距 111 米"), "{detail}");
    assert!(detail.contains("文本相似度"), "{detail}");
    assert_eq!(
        trace_step(&second, "queue").unwrap()["outcome"],
        "duplicate"
    );
    assert_eq!(
        second["dispatch"]["assignee"],
        Value::Null,
        "nobody has it yet"
    );

    let far = app.submit(report(BURST_AGAIN, FAR)).await;
    assert_eq!(far["status"], "dispatched", "1.2 km away: {far}");
    let other = app
        .submit(report("布吉路口的路灯坏了好几天，晚上黑漆漆的", AT))
        .await;
    assert!(other["duplicate_of"].is_null(), "another problem: {other}");
}

#[tokio::test]
async fn the_centre_merges_a_duplicate_and_the_case_counts_its_reports() {
    let app = spawn().await;
    let first = app.submit(report(BURST, AT)).await;
    let second = app.submit(report(BURST_AGAIN, NORTH_111_M)).await;
    let (main, dup) = (id(&first), id(&second));

    // The centre's 待分拨 page offers the merge, with why.
    let centre = super::authz_console::sign_in(&app, "district.command-centre.001").await;
    let queue = app
        .client
        .get(format!("{}/queue", app.address))
        .header(reqwest::header::COOKIE, &centre.cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(queue.contains(BURST_AGAIN), "{queue}");
    assert!(queue.contains("合并到先报案件"), "{queue}");
    assert!(queue.contains(&format!("疑似与 {main} 重复")), "{queue}");

    // Only the centre merges, into an open case other than itself.
    let (status, body) = app
        .act(&dup, json!({"action": "merge", "role": "centre"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "missing_case");
    let (status, body) = app
        .act(
            &dup,
            json!({"action": "merge", "role": "centre", "into": dup}),
        )
        .await;
    assert_eq!(body["error"]["code"], "same_case", "{status} {body}");
    let (status, body) = app
        .act(
            &dup,
            json!({"action": "merge", "role": "centre", "into": "no-such-case"}),
        )
        .await;
    assert_eq!(body["error"]["code"], "unknown_case", "{status} {body}");

    let (status, applied) = app
        .act(
            &dup,
            json!({"action": "merge", "role": "centre", "into": main}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{applied}");
    assert_eq!(applied["status"], "merged");
    let merged = app.event(&dup).await;
    assert_eq!(merged["merged_into"], main.as_str());
    assert_eq!(
        merged["reporter"]["phone"], "139****9000",
        "the reporter is kept"
    );

    let (_, listed) = app.get("/api/v1/events?street=buji").await;
    let row = |id: &str| {
        listed["events"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["id"] == id)
            .cloned()
            .unwrap()
    };
    assert_eq!(row(&main)["reports"], 2, "{listed}");
    assert_eq!(row(&dup)["reports"], 1);

    // A third report of the same burst is held against the open case, not the merged one.
    let third = app.submit(report("布吉路口水管爆了，水喷出来了", AT)).await;
    assert_eq!(third["duplicate_of"], main.as_str(), "{third}");

    // A merged report cannot take reports itself, and is split out with a reason.
    let (status, body) = app
        .act(
            &id(&third),
            json!({"action": "merge", "role": "centre", "into": dup}),
        )
        .await;
    assert_eq!(body["error"]["code"], "case_closed", "{status} {body}");
    let (status, body) = app
        .act(&dup, json!({"action": "unmerge", "role": "centre"}))
        .await;
    assert_eq!(body["error"]["code"], "missing_reason", "{status} {body}");
    let (status, body) = app
        .act(
            &dup,
            json!({"action": "unmerge", "role": "centre", "reason": "不是同一处爆管"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "accepted");
    let split = app.event(&dup).await;
    assert!(split["merged_into"].is_null(), "{split}");
    let (_, listed) = app.get("/api/v1/events?street=buji").await;
    let main_row = listed["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == main.as_str())
        .cloned()
        .unwrap();
    assert_eq!(main_row["reports"], 1, "{listed}");
}

#[tokio::test]
async fn a_dispatched_report_merges_off_its_handlers_workload() {
    let app = spawn().await;
    let first = app.submit(report(BURST, AT)).await;
    // Reported far enough away to be dispatched on its own, then found to be the same burst.
    let second = app.submit(report(BURST_AGAIN, FAR)).await;
    assert_eq!(second["status"], "dispatched", "{second}");
    let assignee = second["dispatch"]["assignee"]["id"]
        .as_str()
        .map(String::from);
    let (status, applied) = app
        .act(
            &id(&second),
            json!({"action": "merge", "role": "centre", "into": id(&first)}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{applied}");
    let merged = app.event(&id(&second)).await;
    assert_eq!(merged["status"], "merged");
    let person = assignee.expect("the far report was assigned");
    let loads = app
        .platform
        .db()
        .open_workloads(&[person.as_str()])
        .await
        .expect("workloads");
    let first_person = first["dispatch"]["assignee"]["id"]
        .as_str()
        .unwrap_or_default();
    let expected = u64::from(first_person == person);
    assert_eq!(
        loads.get(&person).copied().unwrap_or(0),
        expected,
        "{person} no longer has the merged report: {loads:?}"
    );

    // Nor does the merged report count against its unit in the rankings: only the main case.
    use streetwise::domain::{Level, Period};
    let unit = merged["dispatch"]["handling_unit"]["code"]
        .as_str()
        .unwrap();
    let now = app.platform.now().as_millisecond();
    let counts = app
        .platform
        .db()
        .indicator_counts(
            Level::Unit,
            Period {
                from: now - 86_400_000,
                to: now + 86_400_000,
            },
        )
        .await
        .expect("counts");
    assert_eq!(counts[unit].dispatched, 1, "{:?}", counts[unit]);
}
