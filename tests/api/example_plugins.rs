//! The three example street plugins, through the HTTP API.

use serde_json::{Value, json};
use streetwise_tests::{TestApp, appeal};

fn actions_of<'a>(event: &'a Value, kind: &str) -> Vec<&'a Value> {
    event["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] == kind)
        .collect()
}

#[tokio::test]
async fn buji_sends_blocked_fire_lanes_in_urban_villages_to_fire_safety_with_urgency() {
    let app = TestApp::spawn().await;
    app.deploy("buji", "urban-village", "buji_classifier").await;

    let event = app
        .submit(appeal(
            "木棉湾村里的消防通道被电动车和杂物堵住了",
            "布吉",
            Some("木棉湾"),
        ))
        .await;
    let c = &event["classification"];
    assert_eq!(c["item_code"], "14-001", "{event}");
    assert_eq!(c["priority"], "urgent");
    assert_eq!(c["decided_by"], "urban-village@1");
    assert!(c["tags"].as_array().unwrap().contains(&json!("城中村")));
    assert_eq!(event["dispatch"]["handling_unit"]["code"], "buji.safety");

    let event = app
        .submit(appeal(
            "两栋握手楼之间电线乱拉，担心起火",
            "布吉",
            Some("南三"),
        ))
        .await;
    assert_eq!(event["classification"]["item_code"], "14-002", "{event}");
    assert_eq!(event["classification"]["priority"], "urgent");

    // Outside its rules the district's classification stands.
    let event = app
        .submit(appeal("垃圾堆没人清", "布吉", Some("木棉湾")))
        .await;
    assert_eq!(event["classification"]["item_code"], "01-001");
    assert_eq!(event["classification"]["decided_by"], "district");

    // Another street is not affected by 布吉's plugin.
    let event = app
        .submit(appeal("城中村消防通道被堵", "平湖", Some("山厦")))
        .await;
    assert_eq!(event["classification"]["decided_by"], "district");
}

#[tokio::test]
async fn bantian_routes_main_road_stalls_to_the_bureau_and_side_streets_to_the_community() {
    let app = TestApp::spawn().await;
    app.deploy("bantian", "road-router", "bantian_router").await;

    let event = app
        .submit(appeal(
            "五和大道天桥下有流动摊贩占道经营",
            "坂田",
            Some("新雪"),
        ))
        .await;
    assert_eq!(event["classification"]["item_code"], "01-002");
    assert_eq!(
        event["dispatch"]["handling_unit"]["code"],
        "district.urban-management"
    );
    assert_eq!(event["dispatch"]["decided_by"], "road-router@1");

    let event = app
        .submit(appeal(
            "小区后面巷子里有人摆摊占道经营",
            "坂田",
            Some("新雪"),
        ))
        .await;
    assert_eq!(event["dispatch"]["handling_unit"]["code"], "bantian.ws.003");
    assert_eq!(event["dispatch"]["decided_by"], "road-router@1");
    assert_eq!(
        event["dispatch"]["time_limit"],
        json!({"value": 2, "unit": "working_days"})
    );
}

#[tokio::test]
async fn pinghu_raises_a_flood_warning_and_a_follow_up_on_the_third_report_within_an_hour() {
    let app = TestApp::spawn().await;
    app.deploy("pinghu", "flood-season", "pinghu_scenario")
        .await;

    let mut events = Vec::new();
    for text in [
        "山厦路口积水很深",
        "山厦小学门口水浸",
        "山厦工业区内涝，车被淹",
    ] {
        let event = app.submit(appeal(text, "平湖", Some("山厦"))).await;
        events.push(
            app.event_after_scenarios(event["id"].as_str().unwrap())
                .await,
        );
    }
    assert!(events[0]["actions"].as_array().unwrap().is_empty());
    assert!(events[1]["actions"].as_array().unwrap().is_empty());
    let third = &events[2];
    let warnings = actions_of(third, "early_warning");
    assert_eq!(warnings.len(), 1, "{third}");
    assert!(warnings[0]["message"].as_str().unwrap().contains("山厦"));
    assert_eq!(warnings[0]["plugin"], "flood-season@1");
    let follow_ups = actions_of(third, "follow_up");
    assert_eq!(follow_ups.len(), 1);
    assert_eq!(follow_ups[0]["unit_code"], "pinghu.flood-control");

    let follow_up = app.event(follow_ups[0]["event_id"].as_str().unwrap()).await;
    assert_eq!(follow_up["source"], "scenario");
    assert_eq!(follow_up["parent_id"], third["id"]);
    assert_eq!(
        follow_up["dispatch"]["handling_unit"]["code"],
        "pinghu.flood-control"
    );
    assert_eq!(follow_up["classification"]["priority"], "urgent");

    // A fourth report in the same hour does not open another follow-up.
    let fourth = app
        .submit(appeal("山厦积水还没退", "平湖", Some("山厦")))
        .await;
    let fourth = app
        .event_after_scenarios(fourth["id"].as_str().unwrap())
        .await;
    assert!(actions_of(&fourth, "follow_up").is_empty());
    // Reports in another community count separately.
    let other = app
        .submit(appeal("新南路口积水", "平湖", Some("新南")))
        .await;
    let other = app
        .event_after_scenarios(other["id"].as_str().unwrap())
        .await;
    assert!(other["actions"].as_array().unwrap().is_empty());
}
