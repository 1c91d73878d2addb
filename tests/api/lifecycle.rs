//! The case lifecycle: actions move a case through the transition table, every transition is
//! on a hash-chained timeline, and a tampered timeline is detected.

use reqwest::StatusCode;
use serde_json::{Value, json};
use streetwise_tests::{Backend, TestApp, appeal};

const GARBAGE: &str = "小区门口有一个垃圾堆好几天没人清了，很臭";

/// A hotline appeal in 布吉 木棉湾; returns its id.
async fn hotline_case(app: &TestApp) -> String {
    let event = app.submit(appeal(GARBAGE, "布吉", Some("木棉湾"))).await;
    assert_eq!(event["status"], "dispatched");
    event["id"].as_str().unwrap().to_string()
}

/// Signs for, starts and finishes a case as its unit.
async fn handle(app: &TestApp, id: &str) -> String {
    app.step(id, "sign", "handler", json!({})).await;
    app.step(id, "start", "handler", json!({})).await;
    app.step(
        id,
        "finish",
        "handler",
        json!({"note": "垃圾已清运，附处理前后照片"}),
    )
    .await
}

fn actions(timeline: &Value) -> Vec<&str> {
    timeline["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn a_hotline_appeal_walks_from_dispatch_to_closed_on_a_timeline_that_verifies() {
    let app = TestApp::spawn().await;
    let id = hotline_case(&app).await;

    assert_eq!(handle(&app, &id).await, "handled");
    assert_eq!(
        app.step(&id, "verify_pass", "inspector", json!({})).await,
        "follow_up"
    );
    assert_eq!(
        app.step(
            &id,
            "follow_up_satisfied",
            "centre",
            json!({"note": "市民表示满意"})
        )
        .await,
        "closed"
    );

    assert_eq!(app.event(&id).await["status"], "closed");
    let timeline = app.timeline(&id).await;
    assert_eq!(timeline["verified"], true, "{timeline}");
    assert_eq!(timeline["status"], "closed");
    assert_eq!(
        actions(&timeline),
        [
            "dispatch",
            "sign",
            "start",
            "finish",
            "verify_pass",
            "follow_up_satisfied"
        ]
    );
    let entries = timeline["entries"].as_array().unwrap();
    assert_eq!(entries[0]["from"], "accepted");
    assert_eq!(entries[0]["unit"], "buji.law-enforcement");
    // The actor is the signed-in handler of the case, not a name the request made up.
    assert_eq!(
        entries[3]["actor"],
        app.person_for(&id, "handler").await.as_str()
    );
    assert_eq!(entries[3]["role"], "handler");
    assert_eq!(entries[3]["note"], "垃圾已清运，附处理前后照片");
    assert_eq!(entries[5]["prev_hash"], entries[4]["hash"]);

    // Closed is final: nothing more is allowed, for anyone.
    let (status, body) = app
        .act(
            &id,
            json!({"action": "close", "actor": "李四", "role": "centre", "reason": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["allowed"], json!([]));

    let settings = app.stop().await;
    streetwise::cli::verify(&settings, &id)
        .await
        .expect("the command verifies an intact chain");
}

#[tokio::test]
async fn a_returned_case_is_reassigned_to_the_unit_the_centre_names() {
    let app = TestApp::spawn().await;
    let id = hotline_case(&app).await;

    let (status, body) = app
        .act(
            &id,
            json!({"action": "request_return", "actor": "王五", "role": "handler"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "missing_reason");

    assert_eq!(
        app.step(
            &id,
            "request_return",
            "handler",
            json!({"reason": "属地不符"})
        )
        .await,
        "return_requested"
    );
    let (status, body) = app
        .act(
            &id,
            json!({"action": "approve_return", "actor": "赵六", "role": "centre"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "missing_unit");
    let (status, body) = app
        .act(
            &id,
            json!({"action": "approve_return", "actor": "赵六", "role": "centre", "unit": "nowhere"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "unknown_unit");

    assert_eq!(
        app.step(
            &id,
            "approve_return",
            "centre",
            json!({"unit": "district.urban-management"})
        )
        .await,
        "dispatched"
    );
    let event = app.event(&id).await;
    assert_eq!(
        event["dispatch"]["handling_unit"]["code"],
        "district.urban-management"
    );
    assert_eq!(
        event["dispatch"]["handling_unit"]["name"],
        "龙岗区城市管理和综合执法局"
    );
    // The new unit signs for it afresh.
    assert_eq!(
        app.step(&id, "sign", "unit_admin", json!({})).await,
        "signed"
    );

    let timeline = app.timeline(&id).await;
    assert_eq!(timeline["verified"], true, "{timeline}");
    let entries = timeline["entries"].as_array().unwrap();
    assert_eq!(entries[1]["reason"], "属地不符");
    assert_eq!(entries[2]["action"], "approve_return");
    assert_eq!(entries[2]["unit"], "district.urban-management");
}

#[tokio::test]
async fn a_refused_return_leaves_the_case_with_its_unit_signed_for() {
    let app = TestApp::spawn().await;
    let id = hotline_case(&app).await;
    app.step(
        &id,
        "request_return",
        "handler",
        json!({"reason": "权属不清"}),
    )
    .await;
    assert_eq!(
        app.step(
            &id,
            "refuse_return",
            "centre",
            json!({"reason": "属本单位职责"})
        )
        .await,
        "signed"
    );
    assert_eq!(
        app.event(&id).await["dispatch"]["handling_unit"]["code"],
        "buji.law-enforcement"
    );
}

#[tokio::test]
async fn an_extension_request_is_approved_and_the_case_goes_on() {
    let app = TestApp::spawn().await;
    let id = hotline_case(&app).await;
    app.step(&id, "sign", "handler", json!({})).await;
    app.step(&id, "start", "handler", json!({})).await;

    let (status, body) = app
        .act(
            &id,
            json!({"action": "request_extension", "actor": "王五", "role": "handler", "reason": "  "}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "missing_reason");

    assert_eq!(
        app.step(
            &id,
            "request_extension",
            "handler",
            json!({"reason": "需协调业主委员会"})
        )
        .await,
        "extension_requested"
    );
    // Only the centre decides on an extension: the handler's role may not.
    let (status, body) = app
        .act(
            &id,
            json!({"action": "approve_extension", "role": "handler"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(
        app.step(&id, "approve_extension", "centre", json!({}))
            .await,
        "in_progress"
    );
    assert_eq!(
        actions(&app.timeline(&id).await),
        [
            "dispatch",
            "sign",
            "start",
            "request_extension",
            "approve_extension"
        ]
    );
}

#[tokio::test]
async fn a_failed_verification_sends_the_case_back_for_rework_until_it_is_handled_again() {
    let app = TestApp::spawn().await;
    let id = hotline_case(&app).await;
    handle(&app, &id).await;

    assert_eq!(
        app.step(
            &id,
            "verify_fail",
            "inspector",
            json!({"reason": "现场仍有垃圾"})
        )
        .await,
        "in_progress"
    );
    assert_eq!(
        app.step(&id, "finish", "handler", json!({"note": "已二次清运"}))
            .await,
        "handled"
    );
    assert_eq!(
        app.step(&id, "verify_pass", "inspector", json!({})).await,
        "follow_up"
    );
    let timeline = app.timeline(&id).await;
    assert_eq!(timeline["verified"], true);
    assert_eq!(
        actions(&timeline)[4..],
        ["verify_fail", "finish", "verify_pass"]
    );
}

#[tokio::test]
async fn an_unsatisfied_citizen_has_the_case_redone_before_it_closes() {
    let app = TestApp::spawn().await;
    let id = hotline_case(&app).await;
    handle(&app, &id).await;
    app.step(&id, "verify_pass", "inspector", json!({})).await;

    assert_eq!(
        app.step(
            &id,
            "follow_up_unsatisfied",
            "centre",
            json!({"reason": "垃圾又堆起来了"})
        )
        .await,
        "in_progress"
    );
    app.step(
        &id,
        "finish",
        "handler",
        json!({"note": "已清运并设置围挡"}),
    )
    .await;
    app.step(&id, "verify_pass", "inspector", json!({})).await;
    assert_eq!(
        app.step(&id, "follow_up_satisfied", "centre", json!({}))
            .await,
        "closed"
    );
    assert_eq!(app.timeline(&id).await["verified"], true);
}

#[tokio::test]
async fn channels_follow_their_own_flows() {
    let app = TestApp::spawn().await;
    // A sensor alarm is signed for automatically.
    let mut sensor = appeal("河道水位超过警戒线", "平湖", Some("山厦"));
    sensor["source"] = json!("sensor");
    let sensor = app.submit(sensor).await;
    assert_eq!(sensor["status"], "signed");
    let sensor_id = sensor["id"].as_str().unwrap();
    assert_eq!(
        app.step(sensor_id, "start", "handler", json!({})).await,
        "in_progress"
    );
    assert_eq!(app.timeline(sensor_id).await["entries"][0]["to"], "signed");

    // A grid inspector's report needs no verification and no follow-up call.
    let mut grid = appeal(GARBAGE, "布吉", Some("木棉湾"));
    grid["source"] = json!("grid");
    let grid = app.submit(grid).await;
    let grid_id = grid["id"].as_str().unwrap();
    assert_eq!(handle(&app, grid_id).await, "closed");
}

#[tokio::test]
async fn a_disallowed_action_answers_409_naming_the_current_state_and_the_allowed_actions() {
    let app = TestApp::spawn().await;
    let id = hotline_case(&app).await;

    let (status, body) = app
        .act(
            &id,
            json!({"action": "finish", "actor": "王五", "role": "handler", "note": "已处理"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "transition_not_allowed");
    assert_eq!(body["error"]["current"], "dispatched");
    assert_eq!(body["error"]["allowed"], json!(["sign", "request_return"]));
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("dispatched"),
        "{body}"
    );

    // Nothing was written: the case has no timeline yet.
    let timeline = app.timeline(&id).await;
    assert_eq!(timeline["entries"], json!([]));
    assert_eq!(app.event(&id).await["status"], "dispatched");

    let handler = app.staff_token(&app.person_for(&id, "handler").await).await;
    for (body, code) in [
        (json!({"action": "teleport"}), "unknown_action"),
        (json!({"note": "x"}), "missing_action"),
        // Who acts, and in which role, is the caller's sign-in: a body may not claim either.
        (
            json!({"action": "sign", "actor": "王五", "role": "centre"}),
            "actor_from_caller",
        ),
    ] {
        let (status, answer) = app.act_as(&handler, &id, body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        assert_eq!(answer["error"]["code"], code);
    }
    let (status, _) = app
        .act_as(&handler, "no-such-event", json!({"action": "sign"}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.get("/api/v1/events/no-such-event/timeline").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn of_concurrent_conflicting_actions_exactly_one_is_applied() {
    concurrent_conflicting_actions(Backend::Sqlite).await;
}

#[tokio::test]
async fn on_postgres_of_concurrent_conflicting_actions_exactly_one_is_applied() {
    concurrent_conflicting_actions(Backend::Postgres).await;
}

async fn concurrent_conflicting_actions(backend: Backend) {
    let Some(app) = TestApp::spawn_on(backend).await else {
        return;
    };
    let id = hotline_case(&app).await;
    app.step(&id, "sign", "handler", json!({})).await;
    app.step(&id, "start", "handler", json!({})).await;

    // Eight requests of the unit at once: half finish the case, half ask for more time.
    let token = app.staff_token(&app.person_for(&id, "handler").await).await;
    let mut requests = tokio::task::JoinSet::new();
    for i in 0..8 {
        let client = app.client.clone();
        let url = format!("{}/api/v1/events/{id}/actions", app.address);
        let token = token.clone();
        let body = if i % 2 == 0 {
            json!({"action": "finish", "note": "已处理"})
        } else {
            json!({"action": "request_extension", "reason": "需协调"})
        };
        requests.spawn(async move {
            let response = client
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = response.status();
            (status, response.json::<Value>().await.unwrap())
        });
    }
    let answers = requests.join_all().await;
    let applied: Vec<&Value> = answers
        .iter()
        .filter(|(status, _)| *status == StatusCode::OK)
        .map(|(_, body)| body)
        .collect();
    assert_eq!(applied.len(), 1, "{answers:?}");
    for (status, body) in &answers {
        if *status != StatusCode::OK {
            assert_eq!(*status, StatusCode::CONFLICT, "{body}");
        }
    }

    let timeline = app.timeline(&id).await;
    assert_eq!(timeline["verified"], true, "{timeline}");
    assert_eq!(timeline["entries"].as_array().unwrap().len(), 4);
    assert_eq!(timeline["status"], applied[0]["status"]);
}

#[tokio::test]
async fn a_timeline_row_altered_in_the_database_is_reported_as_a_broken_chain() {
    use sqlx::Connection;

    let app = TestApp::spawn().await;
    let id = hotline_case(&app).await;
    handle(&app, &id).await;
    assert_eq!(app.timeline(&id).await["verified"], true);

    // Someone with access to the database rewrites who handled the case.
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}", app.dir.join("streetwise.db").display());
    let mut db = sqlx::AnyConnection::connect(&url).await.unwrap();
    let altered = sqlx::query(
        "update case_timeline set actor = '李四' where event_id = $1 and action = 'finish'",
    )
    .bind(&id)
    .execute(&mut db)
    .await
    .unwrap()
    .rows_affected();
    assert_eq!(altered, 1);
    db.close().await.unwrap();

    let timeline = app.timeline(&id).await;
    assert_eq!(timeline["verified"], false, "{timeline}");
    assert_eq!(timeline["broken"]["index"], 3);

    let settings = app.stop().await;
    let err = streetwise::cli::verify(&settings, &id)
        .await
        .expect_err("the command refuses a broken chain");
    assert!(err.to_string().contains("breaks at entry 3"), "{err}");
}
