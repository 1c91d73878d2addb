//! Dispatch to a person: after the unit is chosen, the case goes to an on-duty handler of the
//! section that covers it, balancing open cases; a supervisor can reassign it within the unit.

use std::collections::HashMap;

use reqwest::StatusCode;
use serde_json::{Value, json};
use streetwise::import::{ImportFile, ImportKind, ImportOptions, run};
use streetwise_tests::{TestApp, appeal, temp_dir, test_settings};

/// 暴露垃圾 (01-001) in 布吉 木棉湾: handled by 布吉街道综合行政执法队.
const GARBAGE: &str = "小区门口有一个垃圾堆好几天没人清了，很臭";
const UNIT: &str = "buji.law-enforcement";
const MUMIANWAN: &str = "440307014015";

pub(crate) fn handler(id: &str, section: &str, on_duty: bool) -> Value {
    json!({"id": id, "name": format!("承办人{id}"), "unit": UNIT, "section": section,
           "role": "handler", "on_duty": on_duty})
}

/// A staff file for 布吉's law-enforcement team: 一中队 (城市市容, 01) with three on-duty
/// handlers and one off-duty handler who would match best, 三中队 (违法建设, 02) with one
/// on-duty handler, a chief, an admin; and one person of another unit.
pub(crate) fn staff_file(le1: Vec<Value>) -> Value {
    let mut staff = vec![
        json!({"id": "admin", "name": "管理员老周", "unit": UNIT, "role": "unit_admin", "on_duty": true}),
        json!({"id": "chief", "name": "一中队长", "unit": UNIT, "section": "le.s1", "role": "section_chief", "on_duty": true}),
        handler("y1", "le.s3", true),
        json!({"id": "water.1", "name": "水务局承办人", "unit": "district.water", "section": "water.s1",
               "role": "handler", "on_duty": true}),
        // The centre and its inspector, who take the centre's and the inspector's steps.
        json!({"id": "district.command-centre.001", "name": "刘晓敏", "unit": "district.command-centre",
               "role": "dispatcher", "on_duty": true}),
        json!({"id": "district.command-centre.006", "name": "林海涛", "unit": "district.command-centre",
               "role": "inspector", "on_duty": true}),
    ];
    staff.extend(le1);
    json!({
        "sections": [
            {"code": "le.s1", "unit": UNIT, "name": "一中队", "skills": ["01"]},
            {"code": "le.s3", "unit": UNIT, "name": "三中队", "skills": ["02"]},
            {"code": "water.s1", "unit": "district.water", "name": "排水管理科", "skills": ["06"]}
        ],
        "staff": staff
    })
}

/// Three on-duty handlers of 一中队, and an off-duty one who knows 01-001 and covers 木棉湾.
pub(crate) fn first_squad() -> Vec<Value> {
    let mut expert = handler("h0", "le.s1", false);
    expert["skills"] = json!(["01-001"]);
    expert["areas"] = json!([MUMIANWAN]);
    vec![
        handler("h1", "le.s1", true),
        handler("h2", "le.s1", true),
        handler("h3", "le.s1", true),
        expert,
    ]
}

/// A fresh application whose sections and staff were imported from `staff`.
async fn app_with_staff(staff: Value) -> TestApp {
    let dir = temp_dir("assignment");
    let settings = test_settings(&dir);
    let file = dir.join("staff.json");
    std::fs::write(&file, staff.to_string()).unwrap();
    run(
        &settings,
        &[ImportFile::new(ImportKind::Staff, &file)],
        ImportOptions::default(),
    )
    .await
    .expect("the staff file imports");
    TestApp::spawn_with(settings).await
}

pub(crate) async fn garbage_case(app: &TestApp) -> Value {
    let event = app.submit(appeal(GARBAGE, "布吉", Some("木棉湾"))).await;
    assert_eq!(event["dispatch"]["handling_unit"]["code"], UNIT, "{event}");
    event
}

pub(crate) fn assignee(event: &Value) -> &str {
    event["dispatch"]["assignee"]["id"].as_str().unwrap_or("")
}

fn assign_step(event: &Value) -> &Value {
    event["trace"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == "assign")
        .expect("an assign step on the trace")
}

#[tokio::test]
async fn a_case_goes_to_an_on_duty_handler_of_the_section_whose_skills_cover_its_item() {
    let app = TestApp::spawn().await;
    let event = garbage_case(&app).await;
    let seed: Value = serde_json::from_str(include_str!("../../seed/staff.json")).unwrap();
    let id = assignee(&event);
    let person = seed["staff"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id)
        .unwrap_or_else(|| panic!("{id} is seeded staff: {event}"));
    assert_eq!(person["unit"], UNIT);
    assert_eq!(person["role"], "handler");
    assert_eq!(person["on_duty"], true);
    let section = seed["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == person["section"])
        .unwrap();
    let skills = section["skills"].as_array().unwrap();
    assert!(
        skills.contains(&json!("01")) || skills.contains(&json!("01-001")),
        "{section}"
    );
    let shown = &event["dispatch"]["assignee"];
    assert_eq!(shown["name"], person["name"]);
    assert_eq!(shown["section"]["code"], section["code"]);
    assert_eq!(shown["section"]["name"], section["name"]);
    let step = assign_step(&event);
    assert_eq!(step["outcome"], "ok");
    assert!(
        step["detail"]
            .as_str()
            .unwrap()
            .contains(person["name"].as_str().unwrap()),
        "{step}"
    );
    // Stored, not only answered.
    let stored = app.event(event["id"].as_str().unwrap()).await;
    assert_eq!(stored["dispatch"]["assignee"], *shown);
}

#[tokio::test]
async fn cases_are_spread_evenly_over_the_sections_on_duty_handlers_and_never_to_anyone_off_duty() {
    let app = app_with_staff(staff_file(first_squad())).await;
    let mut counts: HashMap<String, usize> = HashMap::new();
    for _ in 0..6 {
        let event = garbage_case(&app).await;
        *counts.entry(assignee(&event).to_string()).or_default() += 1;
    }
    let expected: HashMap<String, usize> = [("h1", 2), ("h2", 2), ("h3", 2)]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    // Not h0, who is off duty though the best match; not y1, whose section handles 02.
    assert_eq!(counts, expected);
}

#[tokio::test]
async fn a_burst_of_cases_stored_in_one_group_commit_is_spread_over_the_handlers() {
    let app = std::sync::Arc::new(app_with_staff(staff_file(first_squad())).await);
    let mut requests = tokio::task::JoinSet::new();
    for _ in 0..12 {
        let app = app.clone();
        requests.spawn(async move { assignee(&garbage_case(&app).await).to_string() });
    }
    let mut counts: HashMap<String, usize> = HashMap::new();
    for person in requests.join_all().await {
        *counts.entry(person).or_default() += 1;
    }
    let expected: HashMap<String, usize> = [("h1", 4), ("h2", 4), ("h3", 4)]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    assert_eq!(counts, expected);
}

#[tokio::test]
async fn workload_is_read_from_the_database_so_it_holds_across_a_restart() {
    let app = app_with_staff(staff_file(first_squad())).await;
    assert_eq!(assignee(&garbage_case(&app).await), "h1");
    assert_eq!(assignee(&garbage_case(&app).await), "h2");
    let settings = app.stop().await;
    let app = TestApp::spawn_with(settings).await;
    assert_eq!(assignee(&garbage_case(&app).await), "h3");
    assert_eq!(assignee(&garbage_case(&app).await), "h1");
}

#[tokio::test]
async fn a_closed_case_no_longer_counts_against_its_handler() {
    let app = app_with_staff(staff_file(vec![
        handler("h1", "le.s1", true),
        handler("h2", "le.s1", true),
    ]))
    .await;
    let first = garbage_case(&app).await;
    assert_eq!(assignee(&first), "h1");
    let id = first["id"].as_str().unwrap();
    app.step(id, "sign", "handler", json!({})).await;
    app.step(id, "start", "handler", json!({})).await;
    app.step(id, "finish", "handler", json!({"note": "已清理"}))
        .await;
    app.step(id, "verify_pass", "inspector", json!({})).await;
    assert_eq!(
        app.step(id, "follow_up_satisfied", "centre", json!({}))
            .await,
        "closed"
    );
    // h1's only case is closed: both have no open case, and the tie goes to h1 again.
    assert_eq!(assignee(&garbage_case(&app).await), "h1");
    assert_eq!(assignee(&garbage_case(&app).await), "h2");
}

#[tokio::test]
async fn with_nobody_on_duty_the_case_stays_unassigned_for_the_unit_admin() {
    let app = app_with_staff(staff_file(vec![handler("h1", "le.s1", false)])).await;
    // y1 of 三中队 is on duty: with nobody of 一中队, the whole unit is the pool.
    assert_eq!(assignee(&garbage_case(&app).await), "y1");

    let mut file = staff_file(vec![handler("h1", "le.s1", false)]);
    for person in file["staff"].as_array_mut().unwrap() {
        person["on_duty"] = json!(false);
    }
    let app = app_with_staff(file).await;
    let event = garbage_case(&app).await;
    assert_eq!(event["dispatch"]["assignee"], Value::Null, "{event}");
    let step = assign_step(&event);
    assert_eq!(step["outcome"], "unassigned");
    let detail = step["detail"].as_str().unwrap();
    assert!(
        detail.contains("暂无在岗承办人") && detail.contains("管理员老周"),
        "{detail}"
    );
}

#[tokio::test]
async fn a_section_chief_reassigns_the_case_without_moving_it_and_the_timeline_records_it() {
    let app = app_with_staff(staff_file(first_squad())).await;
    let event = garbage_case(&app).await;
    let id = event["id"].as_str().unwrap();
    assert_eq!(assignee(&event), "h1");

    let (status, applied) = app
        .act(
            id,
            json!({"action": "assign", "actor": "一中队长", "role": "section_chief",
                   "assignee": "h3", "reason": "h1 外出执法"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{applied}");
    assert_eq!(applied["status"], "dispatched");
    assert_eq!(applied["entry"]["action"], "assign");
    assert_eq!(applied["entry"]["assignee"], "h3");

    let stored = app.event(id).await;
    assert_eq!(stored["status"], "dispatched");
    assert_eq!(stored["dispatch"]["assignee"]["id"], "h3");
    assert_eq!(stored["dispatch"]["assignee"]["section"]["name"], "一中队");

    let timeline = app.timeline(id).await;
    assert_eq!(timeline["verified"], true, "{timeline}");
    let entries = timeline["entries"].as_array().unwrap();
    // The intake's entry names who intake chose; the reassignment names who has it now.
    assert_eq!(entries[0]["assignee"], "h1");
    let last = entries.last().unwrap();
    assert_eq!(
        (&last["action"], &last["from"], &last["to"], &last["actor"]),
        (
            &json!("assign"),
            &json!("dispatched"),
            &json!("dispatched"),
            &json!("chief")
        )
    );
    assert_eq!(last["assignee"], "h3");
    assert_eq!(last["reason"], "h1 外出执法");

    // The workload moved with the case: h1 has none again and gets the next one.
    assert_eq!(assignee(&garbage_case(&app).await), "h1");
    // A handler cannot reassign: the table gives the action to supervisors only.
    let h3 = app.staff_token("h3").await;
    let (status, body) = app
        .act_as(&h3, id, json!({"action": "assign", "assignee": "h2"}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
}

#[tokio::test]
async fn a_return_approved_to_another_unit_is_assigned_to_a_person_of_that_unit() {
    let app = app_with_staff(staff_file(first_squad())).await;
    let event = garbage_case(&app).await;
    let id = event["id"].as_str().unwrap();
    assert_eq!(assignee(&event), "h1");
    app.step(
        id,
        "request_return",
        "handler",
        json!({"reason": "职能交叉"}),
    )
    .await;
    app.step(
        id,
        "approve_return",
        "centre",
        json!({"unit": "district.water"}),
    )
    .await;
    let stored = app.event(id).await;
    assert_eq!(
        stored["dispatch"]["handling_unit"]["code"],
        "district.water"
    );
    // No 水务局 section covers 01-001: its one on-duty handler takes it.
    assert_eq!(assignee(&stored), "water.1");
    let timeline = app.timeline(id).await;
    assert_eq!(timeline["verified"], true, "{timeline}");
    assert_eq!(
        timeline["entries"].as_array().unwrap().last().unwrap()["assignee"],
        "water.1"
    );
    // h1's case left with it: h1 gets the next one of 布吉.
    assert_eq!(assignee(&garbage_case(&app).await), "h1");
}

#[tokio::test]
async fn reassigning_to_someone_outside_the_handling_unit_is_refused_and_changes_nothing() {
    let app = app_with_staff(staff_file(first_squad())).await;
    let event = garbage_case(&app).await;
    let id = event["id"].as_str().unwrap();

    for (assignee_id, code) in [
        ("water.1", "not_in_unit"),
        ("nobody", "unknown_staff"),
        ("h1", "same_assignee"),
    ] {
        let (status, body) = app
            .act(
                id,
                json!({"action": "assign", "actor": "管理员老周", "role": "unit_admin",
                       "assignee": assignee_id}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["error"]["code"], code, "{body}");
    }
    let (status, body) = app
        .act(
            id,
            json!({"action": "assign", "actor": "管理员老周", "role": "unit_admin"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "missing_assignee");

    assert_eq!(assignee(&app.event(id).await), "h1");
    assert_eq!(app.timeline(id).await["entries"], json!([]));
}
