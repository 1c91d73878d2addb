//! `/readyz`: open to anyone, `200` while the database answers with this build's migrations,
//! `503` naming the check that failed otherwise.

use std::time::Duration;

use serde_json::Value;
use sqlx::Connection;
use streetwise_tests::TestApp;

/// Past the second an answer is reused for.
const FRESH: Duration = Duration::from_millis(1100);

async fn readyz(app: &TestApp) -> (u16, Value) {
    let response = app
        .client
        .get(format!("{}/readyz", app.address))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn a_host_is_ready_only_while_its_database_answers_with_this_builds_migrations() {
    let app = TestApp::spawn().await;
    let (status, body) = readyz(&app).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["ready"], true);
    assert_eq!(body["checks"]["database"], "ok");
    assert_eq!(body["checks"]["migrations"], "ok");
    assert_eq!(body["checks"]["plugins"], "ok");

    // The newest migration undone, as if an older host had the database: not ready.
    sqlx::any::install_default_drivers();
    let mut db = sqlx::AnyConnection::connect(&app.settings.database_url())
        .await
        .unwrap();
    let latest: i64 = sqlx::Row::get(
        &sqlx::query("select max(version) from _sqlx_migrations")
            .fetch_one(&mut db)
            .await
            .unwrap(),
        0,
    );
    sqlx::query("update _sqlx_migrations set success = false where version = $1")
        .bind(latest)
        .execute(&mut db)
        .await
        .unwrap();
    tokio::time::sleep(FRESH).await;
    let (status, body) = readyz(&app).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["ready"], false);
    assert_eq!(body["failed"], serde_json::json!(["migrations"]));
    assert_eq!(body["checks"]["database"], "ok");

    sqlx::query("update _sqlx_migrations set success = true where version = $1")
        .bind(latest)
        .execute(&mut db)
        .await
        .unwrap();
    db.close().await.unwrap();
    tokio::time::sleep(FRESH).await;
    assert_eq!(readyz(&app).await.0, 200);

    // The database gone: not ready, and the body says which check failed and nothing more.
    app.platform.db().close().await;
    tokio::time::sleep(FRESH).await;
    let (status, body) = readyz(&app).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(
        body["failed"],
        serde_json::json!(["database", "migrations"])
    );
    assert_eq!(body["checks"]["database"], "failed");
    assert_eq!(body["checks"]["migrations"], "skipped");
    assert!(!body.to_string().contains("sqlite"), "{body}");
}
