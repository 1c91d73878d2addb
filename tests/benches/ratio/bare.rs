//! The baseline: a bare axum server that takes the same JSON appeal, gives it an id and stores
//! it durably in SQLite with the same group commit and the same durability as the host (WAL,
//! synchronous=FULL, answer after commit), and nothing else: no validation beyond JSON, no
//! classification, no plugins, no routing. What the hardware and the stack can do at best.

use std::path::Path;
use std::str::FromStr;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use serde_json::{Value, json};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use tokio::sync::{mpsc, oneshot};

type Job = (String, String, oneshot::Sender<()>);

/// Starts the bare server on a SQLite file in `dir`; its address.
pub async fn start(dir: &Path) -> anyhow::Result<String> {
    let options =
        SqliteConnectOptions::from_str(&format!("sqlite://{}", dir.join("bare.db").display()))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await?;
    sqlx::query("create table events (id text primary key, body text not null)")
        .execute(&pool)
        .await?;
    let (jobs, mut queue) = mpsc::channel::<Job>(4096);
    tokio::spawn(async move {
        let mut batch = Vec::with_capacity(256);
        while queue.recv_many(&mut batch, 256).await > 0 {
            let mut sql = String::from("insert into events (id, body) values ");
            for i in 0..batch.len() {
                if i > 0 {
                    sql.push(',');
                }
                sql.push_str(&format!("(${}, ${})", 2 * i + 1, 2 * i + 2));
            }
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (id, body, _) in &batch {
                query = query.bind(id).bind(body);
            }
            let mut tx = pool.begin().await.expect("a transaction");
            query.execute(&mut *tx).await.expect("the batch is stored");
            tx.commit().await.expect("committed");
            for (_, _, reply) in batch.drain(..) {
                let _ = reply.send(());
            }
        }
    });
    let app = axum::Router::new()
        .route("/api/v1/events", post(store))
        .with_state(jobs);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(address)
}

async fn store(
    State(jobs): State<mpsc::Sender<Job>>,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    let id = uuid::Uuid::now_v7().to_string();
    let (reply, stored) = oneshot::channel();
    let text = body.to_string();
    if jobs.send((id.clone(), text, reply)).await.is_err() || stored.await.is_err() {
        return (StatusCode::SERVICE_UNAVAILABLE, Json(json!({})));
    }
    (
        StatusCode::CREATED,
        Json(json!({ "id": id, "status": "accepted" })),
    )
}
