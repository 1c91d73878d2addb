//! The district's base data through plugins: the 坂田 router reads the building at the event's
//! address and the businesses in it, only when its deployment grants it, only in its own
//! street, and every read is metered in its health.

use reqwest::StatusCode;
use serde_json::{Value, json};
use streetwise::domain::{Building, BuildingUse, EntityKind, LegalEntity};
use streetwise::storage::Db;
use streetwise_tests::{ADMIN_TOKEN, TestApp, appeal, plugin_bytes};

const BANTIAN: &str = "440307013";
const BUJI: &str = "440307014";
/// A stall in front of a restaurant on a major road.
const STALL: &str = "五和大道天桥下有流动摊贩占道经营";
const RESTAURANT_ADDRESS: &str = "坂田街道新雪社区五和大道88号";

fn building(id: &str, street: &str, community: &str, address: &str, rental_units: u32) -> Building {
    Building {
        id: id.into(),
        street_code: street.into(),
        community_code: community.into(),
        grid: None,
        address: address.into(),
        name: None,
        lat: 22.63,
        lon: 114.06,
        use_kind: BuildingUse::Commercial,
        floors: 4,
        rental_units,
        households: 0,
        population: 0,
    }
}

/// A restaurant at 五和大道88号 in 坂田, and a building in 布吉 whose address 坂田's events
/// must never reach.
async fn seed_base_data(app: &TestApp) {
    let db = Db::connect(&app.settings.database_url()).await.unwrap();
    let restaurant = building(
        "b-bantian-88",
        BANTIAN,
        "440307013003",
        RESTAURANT_ADDRESS,
        0,
    );
    let buji = building(
        "b-buji-1",
        BUJI,
        "440307014015",
        "坂田街道新雪社区五和大道90号",
        80,
    );
    let entities = [LegalEntity {
        id: "b-bantian-88-e1".into(),
        building_id: restaurant.id.clone(),
        street_code: BANTIAN.into(),
        name: "老李湘菜馆".into(),
        kind: EntityKind::Restaurant,
        small_venue: false,
    }];
    db.save_base_data(&[restaurant, buji], &entities)
        .await
        .unwrap();
    db.close().await;
}

/// Deploys the 坂田 router with these grants; returns the answer.
async fn deploy_router_with(app: &TestApp, grants: &str) -> (StatusCode, Value) {
    let response = app
        .client
        .post(format!(
            "{}/api/v1/streets/bantian/plugins?name=road-router&grants={grants}",
            app.address
        ))
        .bearer_auth(ADMIN_TOKEN)
        .header("content-type", "application/wasm")
        .body(plugin_bytes("bantian_router"))
        .send()
        .await
        .unwrap();
    (response.status(), response.json().await.unwrap())
}

async fn deploy_router(app: &TestApp, grants: &str) -> Value {
    let (status, body) = deploy_router_with(app, grants).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

async fn stall_at(app: &TestApp, address: &str) -> Value {
    let mut body = appeal(STALL, "坂田", Some("新雪"));
    body["location"]["address"] = json!(address);
    app.submit(body).await
}

async fn base_data_reads(app: &TestApp) -> u64 {
    let plugins = app.plugins("bantian").await;
    plugins["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["active"] == true)
        .and_then(|p| p["health"]["base_data_reads"].as_u64())
        .expect("the active router's health")
}

#[tokio::test]
async fn a_granted_router_sends_a_restaurants_stall_to_the_community_and_its_reads_are_metered() {
    let app = TestApp::spawn().await;
    seed_base_data(&app).await;
    let deployed = deploy_router(&app, "buildings,entities").await;
    assert_eq!(deployed["grants"], json!(["buildings", "entities"]));

    // At the restaurant (the report adds the floor): the community, though on a major road.
    let event = stall_at(&app, &format!("{RESTAURANT_ADDRESS}一楼门口")).await;
    assert_eq!(
        event["dispatch"]["handling_unit"]["code"], "bantian.ws.003",
        "{event}"
    );
    let step = event["trace"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == "plugin:router")
        .unwrap();
    assert!(
        step["detail"].as_str().unwrap().contains("老李湘菜馆"),
        "{step}"
    );
    assert_eq!(
        base_data_reads(&app).await,
        2,
        "the building and its entities"
    );

    // 五和大道90号 is a building of 布吉's records: 坂田's router does not see it, and the road
    // rule decides.
    let event = stall_at(&app, "坂田街道新雪社区五和大道90号").await;
    assert_eq!(
        event["dispatch"]["handling_unit"]["code"],
        "district.urban-management"
    );
    assert_eq!(
        base_data_reads(&app).await,
        3,
        "one read that found nothing"
    );
}

#[tokio::test]
async fn without_the_grant_the_router_cannot_read_base_data_and_routes_by_road() {
    let app = TestApp::spawn().await;
    seed_base_data(&app).await;
    let deployed = deploy_router(&app, "").await;
    assert_eq!(deployed["grants"], json!([]));
    let event = stall_at(&app, RESTAURANT_ADDRESS).await;
    assert_eq!(
        event["dispatch"]["handling_unit"]["code"],
        "district.urban-management"
    );
    assert_eq!(base_data_reads(&app).await, 0);

    // Only buildings granted: the building is read, the businesses in it are not.
    deploy_router(&app, "buildings").await;
    let event = stall_at(&app, RESTAURANT_ADDRESS).await;
    assert_eq!(
        event["dispatch"]["handling_unit"]["code"],
        "district.urban-management"
    );
    assert_eq!(base_data_reads(&app).await, 1);

    let (status, body) = deploy_router_with(&app, "population").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "invalid_grants");
}
