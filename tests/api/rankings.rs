//! Rankings: cases walked through the lifecycle API are counted in the right numerators and
//! denominators, and streets and units are ranked by the combined score.

use reqwest::StatusCode;
use serde_json::{Value, json};
use streetwise_tests::{TestApp, appeal};

const GARBAGE: &str = "小区门口有一个垃圾堆好几天没人清了，很臭";
const BUJI: &str = "440307014";
const PINGHU: &str = "440307003";
const DAY_MS: i64 = 86_400_000;

async fn garbage_case(app: &TestApp) -> String {
    let event = app.submit(appeal(GARBAGE, "布吉", Some("木棉湾"))).await;
    assert_eq!(
        event["dispatch"]["handling_unit"]["code"],
        "buji.law-enforcement"
    );
    event["id"].as_str().unwrap().to_string()
}

async fn finish(app: &TestApp, id: &str) {
    app.step(id, "finish", "handler", json!({"note": "已清运"}))
        .await;
}

/// Moves a case's deadline into the past, as if its time limit had run out.
async fn make_overdue(app: &TestApp, id: &str) {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}", app.dir.join("streetwise.db").display());
    let mut db = sqlx::AnyConnection::connect(&url).await.unwrap();
    sqlx::query("update events set deadline = $1 where id = $2")
        .bind(jiff::Timestamp::now().as_millisecond() - DAY_MS)
        .bind(id)
        .execute(&mut db)
        .await
        .unwrap();
    db.close().await.unwrap();
}

async fn rankings(app: &TestApp, level: &str) -> Value {
    let now = jiff::Timestamp::now();
    let from = now - jiff::SignedDuration::from_hours(48);
    let to = now + jiff::SignedDuration::from_hours(60 * 24);
    let (status, body) = app
        .get(&format!(
            "/api/v1/rankings?level={level}&from={from}&to={to}"
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

fn row<'a>(rankings: &'a Value, code: &str) -> &'a Value {
    rankings["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == code)
        .unwrap_or_else(|| panic!("no row {code} in {rankings}"))
}

#[tokio::test]
async fn cases_walked_through_the_lifecycle_are_counted_and_ranked_exactly() {
    let app = TestApp::spawn().await;

    // A: the normal path, the citizen satisfied.
    let a = garbage_case(&app).await;
    app.step(&a, "sign", "handler", json!({})).await;
    app.step(&a, "start", "handler", json!({})).await;
    finish(&app, &a).await;
    app.step(&a, "verify_pass", "inspector", json!({})).await;
    app.step(&a, "follow_up_satisfied", "centre", json!({}))
        .await;

    // B: reworked once, then unsatisfied and redone, then satisfied.
    let b = garbage_case(&app).await;
    app.step(&b, "sign", "handler", json!({})).await;
    app.step(&b, "start", "handler", json!({})).await;
    finish(&app, &b).await;
    app.step(
        &b,
        "verify_fail",
        "inspector",
        json!({"reason": "仍有垃圾"}),
    )
    .await;
    finish(&app, &b).await;
    app.step(&b, "verify_pass", "inspector", json!({})).await;
    app.step(
        &b,
        "follow_up_unsatisfied",
        "centre",
        json!({"reason": "又堆起来了"}),
    )
    .await;
    finish(&app, &b).await;
    app.step(&b, "verify_pass", "inspector", json!({})).await;
    app.step(&b, "follow_up_satisfied", "centre", json!({}))
        .await;

    // C: extended, then handled after its deadline and closed without an answer.
    let c = garbage_case(&app).await;
    app.step(&c, "sign", "handler", json!({})).await;
    app.step(&c, "start", "handler", json!({})).await;
    app.step(
        &c,
        "request_extension",
        "handler",
        json!({"reason": "需协调"}),
    )
    .await;
    app.step(&c, "approve_extension", "centre", json!({})).await;
    make_overdue(&app, &c).await;
    finish(&app, &c).await;
    app.step(&c, "verify_pass", "inspector", json!({})).await;
    app.step(&c, "close", "centre", json!({"reason": "无法联系市民"}))
        .await;

    // D: returned and reassigned to a district bureau, not handled yet.
    let d = garbage_case(&app).await;
    app.step(
        &d,
        "request_return",
        "handler",
        json!({"reason": "职能交叉"}),
    )
    .await;
    app.step(
        &d,
        "approve_return",
        "centre",
        json!({"unit": "district.urban-management"}),
    )
    .await;

    // E: a case in 平湖, just dispatched.
    app.submit(appeal(GARBAGE, "平湖", Some("山厦"))).await;

    let units = rankings(&app, "unit").await;
    assert_eq!(units["level"], "unit");
    assert_eq!(units["weights"]["on_time_handling"], 0.6);
    let law = row(&units, "buji.law-enforcement");
    assert_eq!(law["name"], "布吉街道综合行政执法队", "{law}");
    assert_eq!(
        law["counts"],
        json!({
            "dispatched": 3, "dispatched_handled": 3, "dispatched_once": 3,
            "dispatched_extended": 1,
            "due": 3, "due_closed": 3, "due_closed_on_time": 2,
            "handled": 3, "handled_on_time": 2, "handled_reworked": 1,
            "handling_millis": law["counts"]["handling_millis"],
            "answered": 2, "satisfied": 1,
        })
    );
    let i = &law["indicators"];
    assert_eq!(i["closing_rate"], 1.0);
    assert_eq!(i["on_time_closing_rate"], 2.0 / 3.0);
    assert_eq!(i["handling_rate"], 1.0);
    assert_eq!(i["on_time_handling_rate"], 2.0 / 3.0);
    assert_eq!(i["rework_rate"], 1.0 / 3.0);
    assert_eq!(i["accurate_dispatch_rate"], 1.0);
    assert_eq!(i["extension_rate"], 1.0 / 3.0);
    assert_eq!(i["satisfaction_rate"], 0.5);
    let hours = i["avg_handling_hours"].as_f64().unwrap();
    assert!(hours > 0.0 && hours < 0.1, "{hours}");
    // 100 × (0.3 × 1 + 0.6 × 2/3 − 0.1 × 1/3) = 66.67
    assert_eq!(law["score"], 66.67);
    assert_eq!(law["rank"], 1);

    let bureau = row(&units, "district.urban-management");
    assert_eq!(bureau["name"], "龙岗区城市管理和综合执法局");
    assert_eq!(bureau["counts"]["dispatched"], 1);
    assert_eq!(bureau["counts"]["dispatched_once"], 0);
    assert_eq!(bureau["counts"]["due"], 1);
    assert_eq!(bureau["counts"]["due_closed"], 0);
    assert_eq!(bureau["indicators"]["accurate_dispatch_rate"], 0.0);
    assert_eq!(bureau["indicators"]["rework_rate"], Value::Null);
    assert_eq!(bureau["score"], 0.0);
    assert_eq!(bureau["rank"], 2);

    let streets = rankings(&app, "street").await;
    let rows = streets["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 11, "every street is ranked");
    let buji = row(&streets, BUJI);
    assert_eq!(buji["name"], "布吉街道");
    assert_eq!(buji["rank"], 1);
    assert_eq!(buji["counts"]["dispatched"], 4);
    assert_eq!(buji["counts"]["dispatched_handled"], 3);
    assert_eq!(buji["counts"]["dispatched_once"], 3);
    assert_eq!(buji["counts"]["due"], 4);
    assert_eq!(buji["counts"]["due_closed"], 3);
    assert_eq!(buji["indicators"]["handling_rate"], 0.75);
    // 100 × (0.3 × 3/4 + 0.6 × 2/3 − 0.1 × 1/3) = 59.17
    assert_eq!(buji["score"], 59.17);
    let pinghu = row(&streets, PINGHU);
    assert_eq!(pinghu["counts"]["dispatched"], 1);
    assert_eq!(pinghu["counts"]["handled"], 0);
    assert_eq!(pinghu["rank"], 2, "streets scoring 0 share the next rank");
    assert!(
        rows[1..]
            .iter()
            .all(|r| r["rank"] == 2 && r["score"] == 0.0)
    );

    // The period is half-open: a period ending before the cases came in counts none of them.
    let (status, early) = app
        .get("/api/v1/rankings?level=street&from=2020-01-01T00:00:00%2B08:00&to=2020-02-01T00:00:00%2B08:00")
        .await;
    assert_eq!(status, StatusCode::OK, "{early}");
    assert_eq!(row(&early, BUJI)["counts"]["dispatched"], 0);
}

#[tokio::test]
async fn a_bad_level_or_period_is_refused_with_422() {
    let app = TestApp::spawn().await;
    for (query, code) in [
        (
            "level=district&from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z",
            "invalid_level",
        ),
        (
            "from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z",
            "invalid_level",
        ),
        ("level=street&to=2026-02-01T00:00:00Z", "invalid_period"),
        (
            "level=street&from=yesterday&to=2026-02-01T00:00:00Z",
            "invalid_period",
        ),
        (
            "level=unit&from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z",
            "invalid_period",
        ),
        (
            "level=unit&from=2026-02-01T00:00:00Z&to=2026-02-01T00:00:00Z",
            "invalid_period",
        ),
    ] {
        let (status, body) = app.get(&format!("/api/v1/rankings?{query}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
        assert_eq!(body["error"]["code"], code, "{query}");
    }
}
