//! Case clocks and timers with a driven clock: one case walked through every path of its
//! lifecycle with its deadline checked at each step, timers that survive restarts without
//! firing twice, and two hosts on one database firing each timer once.

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use streetwise::Settings;
use streetwise::cases::timers::Fired;
use streetwise::clock::Clock;
use streetwise_tests::{Backend, TestApp, appeal, fresh_postgres, temp_dir, test_settings};

/// Exposed garbage (暴露垃圾): 1 working day, i.e. 7 working hours (09:00-12:00, 14:00-18:00).
const GARBAGE: &str = "小区门口有一个垃圾堆好几天没人清了，很臭";

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// Settings on SQLite with a driven clock standing at `now` and no background timer scan:
/// the test fires the timers itself, so it knows exactly what each scan fired.
fn driven(now: &str) -> (Settings, Clock) {
    let clock = Clock::driven(at(now));
    let mut settings = test_settings(&temp_dir("timers"));
    settings.clock = clock.clone();
    settings.run_timers = false;
    (settings, clock)
}

async fn fire(app: &TestApp) -> Fired {
    app.platform
        .run_timers()
        .await
        .expect("the timer scan runs")
}

fn fired(warnings: u64, overdue: u64, escalations: u64) -> Fired {
    Fired {
        warnings,
        overdue,
        escalations,
        erased: 0,
    }
}

async fn clock_of(app: &TestApp, id: &str) -> Value {
    app.event(id).await["clock"].clone()
}

fn actions(timeline: &Value) -> Vec<String> {
    timeline["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn one_case_walks_every_path_with_its_deadline_recomputed_at_each_turn() {
    // Monday 30 November 2026, 09:00.
    let (settings, clock) = driven("2026-11-30T09:00:00+08:00");
    let app = TestApp::spawn_with(settings).await;
    let set = |t: &str| clock.set(at(t));

    let event = app.submit(appeal(GARBAGE, "布吉", Some("木棉湾"))).await;
    let id = event["id"].as_str().unwrap().to_string();
    // Not signed for yet: provisional, from receipt.
    assert_eq!(event["clock"]["started_at"], Value::Null);
    assert_eq!(event["clock"]["deadline"], "2026-11-30T18:00:00+08:00");

    // Returned (属地不符) and reassigned: the new unit gets the whole limit from the handover.
    set("2026-11-30T09:30:00+08:00");
    app.step(
        &id,
        "request_return",
        "handler",
        json!({"reason": "属地不符"}),
    )
    .await;
    set("2026-11-30T10:00:00+08:00");
    app.step(
        &id,
        "approve_return",
        "centre",
        json!({"unit": "district.urban-management"}),
    )
    .await;
    assert_eq!(
        clock_of(&app, &id).await["deadline"],
        "2026-12-01T10:00:00+08:00"
    );

    // Signed for at 11:00: the clock starts, 7 working hours → Tuesday 11:00.
    set("2026-11-30T11:00:00+08:00");
    let signed = app
        .act(
            &id,
            json!({"action": "sign", "actor": "城管-李", "role": "handler"}),
        )
        .await
        .1;
    assert_eq!(signed["entry"]["deadline"], "2026-12-01T11:00:00+08:00");
    let c = clock_of(&app, &id).await;
    assert_eq!(c["started_at"], "2026-11-30T11:00:00+08:00");
    assert_eq!(c["warn_at"], "2026-12-01T09:36:00+08:00");
    set("2026-11-30T11:30:00+08:00");
    app.step(&id, "start", "handler", json!({})).await;

    // Parked (挂账) at 14:00 with 6 working hours left; nothing fires while parked.
    set("2026-11-30T14:00:00+08:00");
    app.step(&id, "park", "centre", json!({"reason": "等待产权认定"}))
        .await;
    let c = clock_of(&app, &id).await;
    assert_eq!(c["remaining"], 6 * 3600);
    assert_eq!(c["timer_at"], Value::Null);
    set("2026-12-02T09:00:00+08:00");
    assert_eq!(fire(&app).await, fired(0, 0, 0));
    // Unparked Wednesday 09:00: the 6 hours left run to Wednesday 17:00.
    app.step(&id, "unpark", "centre", json!({})).await;
    let c = clock_of(&app, &id).await;
    assert_eq!(c["deadline"], "2026-12-02T17:00:00+08:00");
    assert_eq!(c["warn_at"], "2026-12-02T15:36:00+08:00");

    // 80% spent: yellow, on the handler's list of warnings.
    set("2026-12-02T15:40:00+08:00");
    assert_eq!(fire(&app).await, fired(1, 0, 0));
    assert_eq!(fire(&app).await, fired(0, 0, 0), "fires once");
    let assignee = app.event(&id).await["dispatch"]["assignee"]["id"]
        .as_str()
        .expect("the case has a person")
        .to_string();
    let (_, mine) = app
        .get(&format!("/api/v1/events?alert=yellow&assignee={assignee}"))
        .await;
    assert_eq!(mine["events"][0]["id"], id.as_str(), "{mine}");

    // Extended by one working day at 16:00 with one hour left: Thursday 16:00 + 1 h.
    set("2026-12-02T15:45:00+08:00");
    app.step(
        &id,
        "request_extension",
        "handler",
        json!({"reason": "需协调产权单位"}),
    )
    .await;
    set("2026-12-02T16:00:00+08:00");
    let extended = app
        .act(
            &id,
            json!({"action": "approve_extension", "actor": "中心-王", "role": "centre",
                   "extension": {"value": 1, "unit": "working_days"}}),
        )
        .await
        .1;
    assert_eq!(extended["entry"]["deadline"], "2026-12-03T17:00:00+08:00");
    assert_eq!(clock_of(&app, &id).await["alert"], "none");

    // Past the new deadline: warned again, red and supervised by the centre.
    set("2026-12-03T17:05:00+08:00");
    assert_eq!(fire(&app).await, fired(1, 1, 0));
    let c = clock_of(&app, &id).await;
    assert_eq!(
        (c["alert"].as_str(), c["supervision_level"].as_u64()),
        (Some("red"), Some(1))
    );
    // A day later the street's leaders, a day after that the district's; then nothing more.
    set("2026-12-04T17:05:00+08:00");
    assert_eq!(fire(&app).await, fired(0, 0, 1));
    set("2026-12-05T17:05:00+08:00");
    assert_eq!(fire(&app).await, fired(0, 0, 1));
    assert_eq!(clock_of(&app, &id).await["supervision_level"], 3);
    set("2026-12-09T17:05:00+08:00");
    assert_eq!(fire(&app).await, fired(0, 0, 0));

    // Finished, failed verification (返工): the clock restarts with what was left (nothing:
    // the case was already overdue), so the rework is due at once.
    app.step(&id, "finish", "handler", json!({"note": "已清运"}))
        .await;
    let rework = app
        .act(
            &id,
            json!({"action": "verify_fail", "actor": "核查员-陈", "role": "inspector",
                   "reason": "仍有垃圾残留"}),
        )
        .await
        .1;
    assert_eq!(rework["entry"]["deadline"], "2026-12-09T17:05:00+08:00");
    app.step(&id, "finish", "handler", json!({"note": "已彻底清理"}))
        .await;
    app.step(&id, "verify_pass", "inspector", json!({})).await;
    // Unsatisfied (不满意 → 重办), then redone and closed.
    app.step(
        &id,
        "follow_up_unsatisfied",
        "centre",
        json!({"reason": "市民反映仍有异味"}),
    )
    .await;
    app.step(&id, "finish", "handler", json!({"note": "已消杀"}))
        .await;
    app.step(&id, "verify_pass", "inspector", json!({})).await;
    assert_eq!(
        app.step(&id, "follow_up_satisfied", "centre", json!({}))
            .await,
        "closed"
    );
    assert_eq!(clock_of(&app, &id).await["timer_at"], Value::Null);
    clock.advance(SignedDuration::from_hours(24 * 30));
    assert_eq!(fire(&app).await, fired(0, 0, 0));

    let timeline = app.timeline(&id).await;
    assert_eq!(timeline["verified"], true, "{timeline}");
    assert_eq!(
        actions(&timeline),
        [
            "dispatch",
            "request_return",
            "approve_return",
            "sign",
            "start",
            "park",
            "unpark",
            "warn",
            "request_extension",
            "approve_extension",
            "warn",
            "supervise",
            "supervise",
            "supervise",
            "finish",
            "verify_fail",
            "finish",
            "verify_pass",
            "follow_up_unsatisfied",
            "finish",
            "verify_pass",
            "follow_up_satisfied",
        ]
    );
    let entries = timeline["entries"].as_array().unwrap();
    assert_eq!(entries[0]["deadline"], "2026-11-30T18:00:00+08:00");
    assert_eq!(entries[6]["deadline"], "2026-12-02T17:00:00+08:00");
    for (entry, level) in entries[11..14].iter().zip(["一级", "二级", "三级"]) {
        assert_eq!(entry["role"], "system");
        assert!(entry["note"].as_str().unwrap().contains(level), "{entry}");
    }
}

/// Three hotline cases taken in at `app`'s now; returns their ids.
async fn three_cases(app: &TestApp) -> Vec<String> {
    let mut ids = Vec::new();
    for community in ["木棉湾", "大芬", "长龙"] {
        let event = app.submit(appeal(GARBAGE, "布吉", Some(community))).await;
        ids.push(event["id"].as_str().unwrap().to_string());
    }
    ids
}

fn count(timeline: &Value, action: &str) -> usize {
    actions(timeline).iter().filter(|a| *a == action).count()
}

#[tokio::test]
async fn timers_that_came_due_while_the_host_was_down_fire_once_after_a_restart() {
    let (settings, clock) = driven("2026-11-30T09:00:00+08:00");
    let app = TestApp::spawn_with(settings).await;
    let ids = three_cases(&app).await;
    // Deadline Monday 18:00, warning at 16:36.
    clock.set(at("2026-11-30T16:40:00+08:00"));
    assert_eq!(fire(&app).await, fired(3, 0, 0));
    let settings = app.stop().await;

    // Down from Monday 16:40 to Wednesday 19:00: overdue Monday 18:00, escalated Tuesday and
    // Wednesday 18:00.
    clock.set(at("2026-12-02T19:00:00+08:00"));
    let app = TestApp::spawn_with(settings).await;
    assert_eq!(fire(&app).await, fired(0, 3, 6));
    assert_eq!(fire(&app).await, fired(0, 0, 0));
    let settings = app.stop().await;

    // Stopped and started again: nothing fires twice.
    let app = TestApp::spawn_with(settings).await;
    assert_eq!(fire(&app).await, fired(0, 0, 0));
    for id in &ids {
        let timeline = app.timeline(id).await;
        assert_eq!(timeline["verified"], true, "{timeline}");
        assert_eq!(count(&timeline, "warn"), 1, "{timeline}");
        assert_eq!(count(&timeline, "supervise"), 3, "{timeline}");
        assert_eq!(clock_of(&app, id).await["supervision_level"], 3);
    }
    app.stop().await;
}

/// Two hosts on one database scan at the same moment: every timer fires exactly once.
async fn two_hosts_fire_each_timer_once(backend: Backend) {
    let (mut settings, clock) = driven("2026-11-30T09:00:00+08:00");
    if backend == Backend::Postgres {
        let Some(url) = fresh_postgres().await else {
            return;
        };
        settings.database_url = Some(url);
    }
    let first = TestApp::spawn_with(settings.clone()).await;
    let second = TestApp::spawn_with(settings).await;
    let mut ids = Vec::new();
    for _ in 0..4 {
        ids.extend(three_cases(&first).await);
    }
    clock.set(at("2026-12-01T09:00:00+08:00"));
    let (a, b) = tokio::join!(fire(&first), fire(&second));
    let total = fired(
        a.warnings + b.warnings,
        a.overdue + b.overdue,
        a.escalations + b.escalations,
    );
    // Overdue at Monday 18:00; escalation not before Tuesday 18:00.
    assert_eq!(total, fired(12, 12, 0), "first {a:?}, second {b:?}");
    for id in &ids {
        let timeline = second.timeline(id).await;
        assert_eq!(timeline["verified"], true, "{timeline}");
        assert_eq!(actions(&timeline), ["dispatch", "warn", "supervise"]);
    }
    first.stop().await;
    second.stop().await;
}

#[tokio::test]
async fn two_hosts_on_one_sqlite_file_fire_each_timer_once() {
    two_hosts_fire_each_timer_once(Backend::Sqlite).await;
}

#[tokio::test]
async fn two_hosts_on_one_postgres_database_fire_each_timer_once() {
    two_hosts_fire_each_timer_once(Backend::Postgres).await;
}

#[tokio::test]
async fn a_sensor_alarm_runs_its_clock_from_receipt_and_a_bad_extension_is_refused() {
    let (settings, _clock) = driven("2026-11-30T09:00:00+08:00");
    let app = TestApp::spawn_with(settings).await;
    let mut alarm = appeal(GARBAGE, "布吉", Some("木棉湾"));
    alarm["source"] = json!("sensor");
    let event = app.submit(alarm).await;
    assert_eq!(event["status"], "signed");
    assert_eq!(event["clock"]["started_at"], "2026-11-30T09:00:00+08:00");
    let id = event["id"].as_str().unwrap();

    app.step(id, "start", "handler", json!({})).await;
    app.step(
        id,
        "request_extension",
        "handler",
        json!({"reason": "等待配件"}),
    )
    .await;
    let (status, body) = app
        .act(
            id,
            json!({"action": "approve_extension", "actor": "中心", "role": "centre",
                   "extension": {"value": 2, "unit": "fortnights"}}),
        )
        .await;
    assert_eq!(status.as_u16(), 400, "{body}");
    assert_eq!(body["error"]["code"], "invalid_field");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("extension.unit"),
        "{body}"
    );
}
