//! A channel's webhook receiver, real HTTP on a port of its own: it checks each delivery's
//! signature with the secrets it was given, answers as its plan says (fail the first few,
//! fail all, answer slowly) and keeps what it was sent.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

/// One request the receiver got.
#[derive(Clone, Debug)]
pub struct Received {
    /// The delivery header: the notice's id.
    pub key: String,
    pub idempotency_key: String,
    pub change: String,
    pub body: Value,
    /// Which of the known secrets signed it (by index in the order they were given).
    pub signed_by: Vec<usize>,
    /// How many signatures the header carried.
    pub signatures: usize,
    /// What the receiver answered.
    pub answered: StatusCode,
}

#[derive(Default)]
struct Inner {
    secrets: Vec<String>,
    fail_first: usize,
    fail_all: bool,
    delay: Duration,
    requests: usize,
    received: Vec<Received>,
}

#[derive(Clone, Default)]
pub struct Receiver {
    inner: Arc<Mutex<Inner>>,
    pub url: String,
}

impl Receiver {
    /// Starts a receiver at `http://127.0.0.1:<port>/hook`.
    pub async fn start() -> Receiver {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let app = Router::new()
            .route("/hook", post(receive))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address: SocketAddr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Receiver {
            inner,
            url: format!("http://{address}/hook"),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        f(&mut self.inner.lock().unwrap())
    }

    /// A secret to check signatures with.
    pub fn trust(&self, secret: &str) {
        self.with(|i| i.secrets.push(secret.into()));
    }

    /// Answers 500 to the first `n` requests.
    pub fn fail_first(&self, n: usize) {
        self.with(|i| i.fail_first = n);
    }

    /// Answers 503 to every request while `on`.
    pub fn fail_all(&self, on: bool) {
        self.with(|i| i.fail_all = on);
    }

    /// Waits this long before answering.
    pub fn delay(&self, delay: Duration) {
        self.with(|i| i.delay = delay);
    }

    pub fn received(&self) -> Vec<Received> {
        self.with(|i| i.received.clone())
    }

    /// The notices answered with success, in the order they were first.
    pub fn accepted(&self) -> Vec<Received> {
        let mut seen = BTreeSet::new();
        self.received()
            .into_iter()
            .filter(|r| r.answered.is_success() && seen.insert(r.key.clone()))
            .collect()
    }

    /// Waits until `done` holds of what was received, for at most `within`.
    pub async fn wait_until(
        &self,
        within: Duration,
        what: &str,
        done: impl Fn(&[Received]) -> bool,
    ) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let received = self.received();
            if done(&received) {
                return received;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "waited {within:?} for {what}; received: {:#?}",
                received
                    .iter()
                    .map(|r| (&r.change, r.answered, &r.key))
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

async fn receive(
    State(inner): State<Arc<Mutex<Inner>>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let key = header("x-streetwise-delivery");
    let (delay, answer) = {
        let mut inner = inner.lock().unwrap();
        inner.requests += 1;
        let answer = if inner.requests <= inner.fail_first {
            StatusCode::INTERNAL_SERVER_ERROR
        } else if inner.fail_all {
            StatusCode::SERVICE_UNAVAILABLE
        } else {
            StatusCode::OK
        };
        (inner.delay, answer)
    };
    tokio::time::sleep(delay).await;
    let timestamp = header("x-streetwise-timestamp");
    let signatures: Vec<String> = header("x-streetwise-signature")
        .split(',')
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
    let mut inner = inner.lock().unwrap();
    let signed_by = inner
        .secrets
        .iter()
        .enumerate()
        .filter(|(_, secret)| {
            let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
            mac.update(format!("{timestamp}.").as_bytes());
            mac.update(&body);
            let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
            signatures.contains(&expected)
        })
        .map(|(i, _)| i)
        .collect();
    inner.received.push(Received {
        idempotency_key: header("idempotency-key"),
        change: header("x-streetwise-change"),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        signed_by,
        signatures: signatures.len(),
        answered: answer,
        key,
    });
    answer
}
