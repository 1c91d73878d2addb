//! Street-scoped access tokens: what each scope may do on the plugin endpoints, the audit log
//! of refusals and writes, revocation, hashed storage, and the `streetwise token` operations.
//! Every test runs on SQLite and, when it is reachable, on PostgreSQL.

use reqwest::StatusCode;
use serde_json::{Value, json};
use streetwise::auth::tokens::{self, NewToken};
use streetwise::domain::Scope;
use streetwise::storage::Db;
use streetwise_tests::{ADMIN_TOKEN, Backend, TestApp, plugin_bytes, send};

const BUJI: &str = "440307014";
const BANTIAN: &str = "440307013";

/// Runs an async test body on SQLite and on PostgreSQL.
macro_rules! on_both_backends {
    ($body:ident: $sqlite:ident, $postgres:ident) => {
        #[tokio::test]
        async fn $sqlite() {
            $body(Backend::Sqlite).await;
        }

        #[tokio::test]
        async fn $postgres() {
            $body(Backend::Postgres).await;
        }
    };
}

/// A token made the way `streetwise token create` makes it.
async fn create_token(app: &TestApp, scope: Scope, street: Option<&str>, label: &str) -> String {
    app.create_token(scope, street, label).await
}

async fn cli_db(app: &TestApp) -> Db {
    Db::connect(&app.settings.database_url())
        .await
        .expect("the CLI connects")
}

async fn configure_as(
    app: &TestApp,
    token: Option<&str>,
    street: &str,
    name: &str,
) -> (StatusCode, Value) {
    let mut request = app
        .client
        .put(format!(
            "{}/api/v1/streets/{street}/plugins/{name}/config",
            app.address
        ))
        .json(&json!({ "urban_village_communities": "木棉湾" }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    send(request).await
}

async fn get_as(app: &TestApp, token: Option<&str>, path: &str) -> (StatusCode, Value) {
    let mut request = app.client.get(format!("{}{path}", app.address));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    send(request).await
}

/// The public id of a `sw_<id>_<secret>` token.
fn id_of(token: &str) -> &str {
    token.split('_').nth(1).expect("an sw_<id>_<secret> token")
}

on_both_backends!(street_admin_scope:
    a_street_admin_deploys_in_its_street_and_is_refused_and_audited_in_another,
    on_postgres_a_street_admin_deploys_in_its_street_and_is_refused_and_audited_in_another);

async fn street_admin_scope(backend: Backend) {
    let Some(app) = TestApp::spawn_on(backend).await else {
        return;
    };
    let buji = create_token(&app, Scope::StreetAdmin, Some("布吉"), "布吉 team").await;
    let bytes = plugin_bytes("buji_classifier");

    let (status, deployed) = app
        .deploy_as(Some(&buji), "布吉", "urban-village", bytes.clone())
        .await;
    assert_eq!(status, StatusCode::CREATED, "{deployed}");
    assert_eq!(deployed["street_code"], BUJI);
    assert_eq!(deployed["deployed_by"], id_of(&buji));
    let (status, _) = configure_as(&app, Some(&buji), "buji", "urban-village").await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    let (status, refused) = app
        .deploy_as(Some(&buji), "坂田", "urban-village", bytes)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    assert_eq!(refused["error"]["code"], "forbidden");
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(message.contains("布吉街道"), "{message}");
    let (status, _) = configure_as(&app, Some(&buji), "bantian", "urban-village").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = get_as(&app, Some(&buji), "/api/v1/streets/bantian/plugins").await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "reads are limited to its street"
    );
    assert_eq!(
        app.plugins("bantian").await["plugins"],
        json!([]),
        "nothing reached 坂田"
    );

    // The district sees the refusals on 坂田, with who, what and why.
    let (status, audit) = get_as(
        &app,
        Some(ADMIN_TOKEN),
        "/api/v1/audit?street=坂田&outcome=denied",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{audit}");
    let denied = audit["entries"].as_array().unwrap();
    let actions: Vec<&str> = denied
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["list_plugins", "configure", "deploy"], "{audit}");
    let deploy = &denied[2];
    assert_eq!(deploy["token_id"], id_of(&buji));
    assert_eq!(deploy["scope"], "street_admin");
    assert_eq!(deploy["token_street"], BUJI);
    assert_eq!(deploy["street_code"], BANTIAN);
    assert_eq!(deploy["target"], "plugin urban-village");
    assert_eq!(deploy["outcome"], "denied");
    assert!(deploy["reason"].as_str().unwrap().contains("布吉街道"));

    // The street admin reads its own street's log (its writes and its refusals elsewhere),
    // and nobody else's.
    let (status, own) = get_as(&app, Some(&buji), "/api/v1/audit").await;
    assert_eq!(status, StatusCode::OK, "{own}");
    let outcomes: Vec<(&str, &str)> = own["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
                e["outcome"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            ("list_plugins", "denied"),
            ("configure", "denied"),
            ("deploy", "denied"),
            ("configure", "ok"),
            ("deploy", "ok"),
        ]
    );
    let (status, _) = get_as(&app, Some(&buji), "/api/v1/audit?street=bantian").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    app.stop().await;
}

on_both_backends!(read_only_scope:
    a_read_only_token_reads_but_cannot_deploy_configure_or_read_the_audit_log,
    on_postgres_a_read_only_token_reads_but_cannot_deploy_configure_or_read_the_audit_log);

async fn read_only_scope(backend: Backend) {
    let Some(app) = TestApp::spawn_on(backend).await else {
        return;
    };
    let reader = create_token(&app, Scope::ReadOnly, None, "dashboard").await;
    app.deploy("buji", "urban-village", "buji_classifier").await;

    let (status, listed) = get_as(&app, Some(&reader), "/api/v1/streets/buji/plugins").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed["plugins"][0]["deployed_by"], "admin");
    let (status, body) = app
        .deploy_as(
            Some(&reader),
            "buji",
            "urban-village",
            plugin_bytes("buji_classifier"),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["code"], "forbidden");
    let (status, _) = configure_as(&app, Some(&reader), "buji", "urban-village").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = get_as(&app, Some(&reader), "/api/v1/audit").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.plugins("buji").await["plugins"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Reading needs a caller too; a presented token must be a valid one.
    let (status, _) = get_as(&app, None, "/api/v1/streets/buji/plugins").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = get_as(
        &app,
        Some("sw_000000000000_00"),
        "/api/v1/streets/buji/plugins",
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let (status, _) = get_as(&app, None, "/api/v1/audit").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let (_, audit) = get_as(&app, Some(ADMIN_TOKEN), "/api/v1/audit").await;
    let entries = audit["entries"].as_array().unwrap();
    let reader_refusals = entries
        .iter()
        .filter(|e| e["token_id"] == id_of(&reader) && e["outcome"] == "denied")
        .count();
    assert_eq!(reader_refusals, 3, "{audit}");
    assert!(
        entries
            .iter()
            .any(|e| e["token_id"] == "admin" && e["action"] == "deploy" && e["outcome"] == "ok"),
        "the bootstrap admin's deploy is audited: {audit}"
    );
    app.stop().await;
}

on_both_backends!(revocation:
    a_revoked_token_is_refused_with_401_from_the_next_request_on,
    on_postgres_a_revoked_token_is_refused_with_401_from_the_next_request_on);

async fn revocation(backend: Backend) {
    let Some(app) = TestApp::spawn_on(backend).await else {
        return;
    };
    let district = create_token(&app, Scope::DistrictAdmin, None, "district IT").await;
    let (status, body) = app
        .deploy_as(
            Some(&district),
            "bantian",
            "router",
            plugin_bytes("bantian_router"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let db = cli_db(&app).await;
    let revoked = tokens::revoke(&db, id_of(&district)).await.unwrap();
    assert!(!revoked.already);
    assert!(revoked.record.revoked_at.is_some());
    assert!(tokens::revoke(&db, &district).await.unwrap().already);
    db.close().await;

    let (status, body) = app
        .deploy_as(
            Some(&district),
            "bantian",
            "router",
            plugin_bytes("bantian_router"),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"]["code"], "unauthorized");
    let (status, _) = get_as(&app, Some(&district), "/api/v1/streets/bantian/plugins").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.plugins("bantian").await["plugins"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    app.stop().await;
}

on_both_backends!(hashed_storage:
    tokens_are_stored_as_hashes_and_never_in_clear,
    on_postgres_tokens_are_stored_as_hashes_and_never_in_clear);

async fn hashed_storage(backend: Backend) {
    let Some(app) = TestApp::spawn_on(backend).await else {
        return;
    };
    let token = create_token(&app, Scope::StreetAdmin, Some("buji"), "布吉 team").await;
    let secret = token.rsplit('_').next().unwrap();
    assert_eq!(secret.len(), 64);

    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&app.settings.database_url())
        .await
        .unwrap();
    let rows: Vec<(String, String, String, String, String, String)> = sqlx::query_as(
        "select id, secret_sha256, scope, coalesce(street_code, ''), label, created_by \
         from access_tokens",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    assert_eq!(rows.len(), 1);
    let (id, hash, scope, street, label, created_by) = &rows[0];
    assert_eq!(
        (id.as_str(), scope.as_str(), street.as_str(), label.as_str()),
        (id_of(&token), "street_admin", BUJI, "布吉 team")
    );
    assert_eq!(created_by, "cli:test");
    assert_eq!(hash.len(), 64);
    for column in [id, hash, scope, street, label, created_by] {
        assert!(!column.contains(secret), "the secret is stored in clear");
    }
    if backend == Backend::Sqlite {
        // Nowhere in the database files either (the WAL holds the latest writes).
        for file in ["streetwise.db", "streetwise.db-wal"] {
            let bytes = std::fs::read(app.dir.join(file)).unwrap_or_default();
            let found = bytes.windows(secret.len()).any(|w| w == secret.as_bytes());
            assert!(!found, "the secret is in {file}");
        }
    }
    // And the stored form still lets the token in.
    let (status, _) = get_as(&app, Some(&token), "/api/v1/streets/buji/plugins").await;
    assert_eq!(status, StatusCode::OK);
    app.stop().await;
}

on_both_backends!(cli_operations:
    the_token_commands_refuse_unknown_streets_and_wrong_scopes_and_list_without_secrets,
    on_postgres_the_token_commands_refuse_unknown_streets_and_wrong_scopes_and_list_without_secrets);

async fn cli_operations(backend: Backend) {
    let Some(app) = TestApp::spawn_on(backend).await else {
        return;
    };
    let db = cli_db(&app).await;
    let request = |scope, street: Option<&str>| NewToken {
        scope,
        street: street.map(Into::into),
        label: "a team".into(),
        created_by: "cli:test".into(),
        staff_id: None,
        sources: Vec::new(),
    };
    let error = |e: anyhow::Error| format!("{e:#}");
    let unknown = tokens::create(&db, request(Scope::StreetAdmin, Some("atlantis")))
        .await
        .map_err(error)
        .unwrap_err();
    assert!(unknown.contains("unknown street \"atlantis\""), "{unknown}");
    assert!(unknown.contains("布吉街道 (buji, 440307014)"), "{unknown}");
    let missing = tokens::create(&db, request(Scope::StreetAdmin, None))
        .await
        .map_err(error)
        .unwrap_err();
    assert!(missing.contains("needs its street"), "{missing}");
    let extra = tokens::create(&db, request(Scope::DistrictAdmin, Some("布吉")))
        .await
        .map_err(error)
        .unwrap_err();
    assert!(extra.contains("leave out --street"), "{extra}");
    let nobody = tokens::revoke(&db, "0123456789ab")
        .await
        .map_err(error)
        .unwrap_err();
    assert!(nobody.contains("no token with id"), "{nobody}");
    assert!(
        tokens::list(&db).await.unwrap().is_empty(),
        "nothing was created"
    );

    // By code, slug or name: the same street.
    for key in ["440307013", "bantian", "坂田", "坂田街道"] {
        let issued = tokens::create(&db, request(Scope::StreetAdmin, Some(key)))
            .await
            .unwrap();
        assert_eq!(issued.record.street_code.as_deref(), Some(BANTIAN), "{key}");
        assert_eq!(issued.street_name.as_deref(), Some("坂田街道"));
    }
    let listed = tokens::list(&db).await.unwrap();
    assert_eq!(listed.len(), 4);
    assert!(listed.iter().all(|t| t.revoked_at.is_none()));
    db.close().await;
    app.stop().await;
}
