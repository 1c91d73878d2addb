//! Helpers for the black-box tests: the real application on port 0 with its own fresh
//! database (a SQLite file in a temporary directory, or a fresh PostgreSQL database), real
//! plugins built from `plugins/`, and typed request helpers.

use std::path::PathBuf;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use streetwise::{Application, Platform, Settings};
use tokio::sync::oneshot;

pub const ADMIN_TOKEN: &str = "test-admin-token-0123456789";

/// The PostgreSQL server the tests use when it is reachable.
pub fn postgres_url() -> String {
    std::env::var("STREETWISE_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// Which database a test app gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A running application.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub platform: std::sync::Arc<Platform>,
    pub settings: Settings,
    pub dir: PathBuf,
    stop: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    /// Staff tokens made for `act`, by staff id.
    people: std::sync::Mutex<std::collections::HashMap<String, String>>,
}

/// A fresh, unique temporary directory.
pub fn temp_dir(label: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "streetwise-{label}-{}",
        uuid::Uuid::now_v7().simple()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Settings for a test app on SQLite in `dir`.
pub fn test_settings(dir: &std::path::Path) -> Settings {
    let mut settings = Settings::defaults();
    settings.bind = "127.0.0.1:0".into();
    settings.data_dir = dir.to_path_buf();
    settings.database_url = Some(format!("sqlite://{}", dir.join("streetwise.db").display()));
    settings.admin_token = Some(ADMIN_TOKEN.into());
    settings.examples = None;
    // Tests that need base data write exactly the buildings they reason about.
    settings.seed_buildings_per_community = 0;
    // Tests of the lifecycle, plugins and the rest decide their cases automatically; the
    // manual-dispatch queue's own tests (`understanding`) turn it on with the default.
    settings.classifier.manual_dispatch_below = 0.0;
    // The first model is trained once for the whole test run, not once per test binary.
    settings.classifier.model_cache = Some(std::env::temp_dir().join("streetwise-test-models"));
    // Likewise many tests report the same problem twice; `duplicates` turns detection on.
    settings.duplicates.duplicate_radius_m = 0.0;
    settings
}

/// A fresh PostgreSQL database, or `None` (with a notice) when the server is not reachable.
pub async fn fresh_postgres() -> Option<String> {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let url = postgres_url();
    let mut conn = match tokio::time::timeout(
        Duration::from_secs(5),
        sqlx::AnyConnection::connect(&url),
    )
    .await
    {
        Ok(Ok(conn)) => conn,
        _ => {
            if std::env::var_os("STREETWISE_REQUIRE_POSTGRES").is_some() {
                panic!("PostgreSQL at {url} is required but not reachable");
            }
            eprintln!("PostgreSQL at {url} is not reachable: skipping this PostgreSQL test");
            return None;
        }
    };
    let name = format!("streetwise_test_{}", uuid::Uuid::now_v7().simple());
    sqlx::query(sqlx::AssertSqlSafe(format!("create database {name}")))
        .execute(&mut conn)
        .await
        .expect("create a test database");
    let base = url.rsplit_once('/').map_or(url.as_str(), |(base, _)| base);
    Some(format!("{base}/{name}"))
}

impl TestApp {
    /// Starts the application on SQLite in a fresh directory.
    pub async fn spawn() -> TestApp {
        let dir = temp_dir("app");
        Self::spawn_with(test_settings(&dir)).await
    }

    /// Starts the application on a fresh PostgreSQL database, if the server is reachable.
    pub async fn spawn_postgres() -> Option<TestApp> {
        let url = fresh_postgres().await?;
        let dir = temp_dir("pg");
        let mut settings = test_settings(&dir);
        settings.database_url = Some(url);
        Some(Self::spawn_with(settings).await)
    }

    pub async fn spawn_on(backend: Backend) -> Option<TestApp> {
        match backend {
            Backend::Sqlite => Some(Self::spawn().await),
            Backend::Postgres => Self::spawn_postgres().await,
        }
    }

    /// Starts the application with these settings.
    pub async fn spawn_with(settings: Settings) -> TestApp {
        let app = Application::build(&settings)
            .await
            .expect("the application starts");
        let address = format!("http://{}", app.address());
        let platform = app.platform();
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(app.run(async {
            let _ = stopped.await;
        }));
        TestApp {
            address,
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("a client"),
            platform,
            dir: settings.data_dir.clone(),
            settings,
            stop: Some(stop),
            server: Some(server),
            people: Default::default(),
        }
    }

    /// Stops the server gracefully and waits for it.
    pub async fn stop(mut self) -> Settings {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("server task").expect("server ran");
        }
        self.settings.clone()
    }

    /// Posts an event with the admin token (a district-wide intake).
    pub async fn post_event(&self, body: Value) -> (StatusCode, Value) {
        send(
            self.client
                .post(format!("{}/api/v1/events", self.address))
                .bearer_auth(ADMIN_TOKEN)
                .json(&body),
        )
        .await
    }

    /// Posts an appeal that must be accepted; returns the created event.
    pub async fn submit(&self, body: Value) -> Value {
        let (status, event) = self.post_event(body).await;
        assert_eq!(status, StatusCode::CREATED, "{event}");
        event
    }

    pub async fn post_raw(&self, body: &str, content_type: &str) -> (StatusCode, Value) {
        send(
            self.client
                .post(format!("{}/api/v1/events", self.address))
                .bearer_auth(ADMIN_TOKEN)
                .header("content-type", content_type)
                .body(body.to_string()),
        )
        .await
    }

    /// A GET with the admin token, which sees the whole district.
    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.get_as(ADMIN_TOKEN, path).await
    }

    /// A GET with `token`.
    pub async fn get_as(&self, token: &str, path: &str) -> (StatusCode, Value) {
        send(
            self.client
                .get(format!("{}{path}", self.address))
                .bearer_auth(token),
        )
        .await
    }

    /// A GET with no credentials at all.
    pub async fn get_anonymous(&self, path: &str) -> (StatusCode, Value) {
        send(self.client.get(format!("{}{path}", self.address))).await
    }

    /// A token made the way `streetwise token create` makes it: its own connection to the
    /// database this app uses.
    pub async fn create_token(
        &self,
        scope: streetwise::domain::Scope,
        street: Option<&str>,
        label: &str,
    ) -> String {
        use streetwise::auth::tokens::{self, NewToken};
        let db = streetwise::storage::Db::connect(&self.settings.database_url())
            .await
            .expect("the CLI connects");
        let issued = tokens::create(
            &db,
            NewToken {
                scope,
                street: street.map(Into::into),
                label: label.into(),
                created_by: "cli:test".into(),
                staff_id: None,
                sources: Vec::new(),
            },
        )
        .await
        .expect("the token is created");
        db.close().await;
        issued.token
    }

    /// A `channel` token for `sources` (the 12345 hotline's gateway, say), made through the
    /// API as district IT makes one.
    pub async fn channel_token(&self, sources: &[&str]) -> String {
        let (status, token) = send(
            self.client
                .post(format!("{}/api/v1/tokens", self.address))
                .bearer_auth(ADMIN_TOKEN)
                .json(&json!({
                    "scope": "channel", "label": "12345 热线", "sources": sources
                })),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{token}");
        token["token"].as_str().expect("the new token").to_string()
    }

    /// A GET with the admin token (metrics and health need a token).
    pub async fn get_admin(&self, path: &str) -> (StatusCode, Value) {
        send(
            self.client
                .get(format!("{}{path}", self.address))
                .bearer_auth(ADMIN_TOKEN),
        )
        .await
    }

    pub async fn event(&self, id: &str) -> Value {
        let (status, event) = self.get(&format!("/api/v1/events/{id}")).await;
        assert_eq!(status, StatusCode::OK, "{event}");
        event
    }

    /// Waits until the event's scenarios have run (bounded), then returns it.
    pub async fn event_after_scenarios(&self, id: &str) -> Value {
        for _ in 0..300 {
            let event = self.event(id).await;
            if event["scenarios_done"] == json!(true) {
                return event;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("scenarios of {id} did not run within 15 s");
    }

    pub async fn deploy_as(
        &self,
        token: Option<&str>,
        street: &str,
        name: &str,
        bytes: Vec<u8>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .client
            .post(format!(
                "{}/api/v1/streets/{street}/plugins?name={name}",
                self.address
            ))
            .header("content-type", "application/wasm")
            .body(bytes);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        send(request).await
    }

    /// Deploys a plugin built in `plugins/` with the admin token; it must be accepted.
    pub async fn deploy(&self, street: &str, name: &str, component: &str) -> Value {
        let (status, body) = self
            .deploy_as(Some(ADMIN_TOKEN), street, name, plugin_bytes(component))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body
    }

    pub async fn configure(&self, street: &str, name: &str, config: Value) {
        let response = self
            .client
            .put(format!(
                "{}/api/v1/streets/{street}/plugins/{name}/config",
                self.address
            ))
            .bearer_auth(ADMIN_TOKEN)
            .json(&config)
            .send()
            .await
            .expect("request sent");
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
    }

    /// A token that acts as the staff member `staff_id` (made once per person).
    pub async fn staff_token(&self, staff_id: &str) -> String {
        if let Some(token) = self.people.lock().unwrap().get(staff_id) {
            return token.clone();
        }
        use streetwise::auth::tokens::{self, NewToken};
        let issued = tokens::create(
            self.platform.db(),
            NewToken {
                scope: streetwise::domain::Scope::Staff,
                street: None,
                label: format!("test: {staff_id}"),
                created_by: "cli:test".into(),
                staff_id: Some(staff_id.into()),
                sources: Vec::new(),
            },
        )
        .await
        .expect("a staff token is created");
        self.people
            .lock()
            .unwrap()
            .insert(staff_id.into(), issued.token.clone());
        issued.token
    }

    /// The person who takes an action as lifecycle `role` on the case `id`: the case's own
    /// handler (or another handler of its unit), a chief or admin of its unit, the centre's
    /// dispatcher, the district's inspector, or the district leader.
    pub async fn person_for(&self, id: &str, role: &str) -> String {
        let event = self.event(id).await;
        let unit = event["dispatch"]["handling_unit"]["code"]
            .as_str()
            .expect("a handling unit")
            .to_string();
        let reference = self.platform.reference();
        let of_unit = |post: &str| {
            reference
                .staff_of(&unit)
                .find(|p| p.role.as_str() == post)
                .map(|p| p.id.clone())
                .unwrap_or_else(|| panic!("{unit} has no {post}"))
        };
        // The centre's people work district-wide.
        let of_centre = |post: &str| {
            reference
                .staff_of("district.command-centre")
                .find(|p| p.role.as_str() == post)
                .map(|p| p.id.clone())
                .unwrap_or_else(|| panic!("the centre has no {post}"))
        };
        match role {
            "handler" => event["dispatch"]["assignee"]["id"]
                .as_str()
                .map(Into::into)
                .unwrap_or_else(|| of_unit("handler")),
            "unit_admin" | "section_chief" => of_unit(role),
            "centre" => of_centre("dispatcher"),
            "inspector" => of_centre("inspector"),
            "leader" => of_centre("district_leader"),
            other => panic!("no person acts as {other}"),
        }
    }

    /// Posts a lifecycle action on a case. `body` names the lifecycle `role` to act in (a
    /// test's shorthand): the request is sent by a person holding it, without `actor` and
    /// `role`, which the server takes from the caller.
    pub async fn act(&self, id: &str, mut body: Value) -> (StatusCode, Value) {
        let role = body
            .as_object_mut()
            .and_then(|b| {
                b.remove("actor");
                b.remove("role")
            })
            .and_then(|r| r.as_str().map(String::from))
            .unwrap_or_else(|| "handler".into());
        let person = self.person_for(id, &role).await;
        let token = self.staff_token(&person).await;
        self.act_as(&token, id, body).await
    }

    /// Posts a lifecycle action on a case with `token`.
    pub async fn act_as(&self, token: &str, id: &str, body: Value) -> (StatusCode, Value) {
        send(
            self.client
                .post(format!("{}/api/v1/events/{id}/actions", self.address))
                .bearer_auth(token)
                .json(&body),
        )
        .await
    }

    /// Takes `action` as `role` (with `extra` fields such as a reason); it must be applied.
    /// Returns the case's new status.
    pub async fn step(&self, id: &str, action: &str, role: &str, extra: Value) -> String {
        let mut body = json!({ "action": action, "role": role });
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            body.extend(extra.clone());
        }
        let (status, applied) = self.act(id, body).await;
        assert_eq!(status, StatusCode::OK, "{action} as {role}: {applied}");
        applied["status"].as_str().expect("a status").to_string()
    }

    /// A case's timeline with whether it verifies.
    pub async fn timeline(&self, id: &str) -> Value {
        let (status, timeline) = self.get(&format!("/api/v1/events/{id}/timeline")).await;
        assert_eq!(status, StatusCode::OK, "{timeline}");
        timeline
    }

    pub async fn plugins(&self, street: &str) -> Value {
        let (status, body) = self.get(&format!("/api/v1/streets/{street}/plugins")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }
}

/// Sends a request; returns its status and JSON body (`null` when the body is not JSON).
pub async fn send(request: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.expect("request sent");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The bytes of a component built by `cargo build --release` in `plugins/`.
pub fn plugin_bytes(crate_name: &str) -> Vec<u8> {
    let path = plugin_path(crate_name);
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}. Build the plugins first: cargo build --release --manifest-path plugins/Cargo.toml --target wasm32-wasip2",
            path.display()
        )
    })
}

pub fn plugin_path(crate_name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../plugins/target/wasm32-wasip2/release")
        .join(format!("{}.wasm", crate_name.replace('-', "_")))
}

/// The step `name` of an event's decision trace, if it has one.
pub fn trace_step<'a>(event: &'a Value, name: &str) -> Option<&'a Value> {
    event["trace"]
        .as_array()?
        .iter()
        .find(|s| s["step"] == name)
}

/// A hotline appeal in a street and community.
pub fn appeal(description: &str, street: &str, community: Option<&str>) -> Value {
    let mut location = json!({ "street": street });
    if let Some(community) = community {
        location["community"] = json!(community);
    }
    json!({
        "source": "hotline",
        "description": description,
        "location": location,
        "reporter": { "name": "张先生", "phone": "13800138000" }
    })
}
