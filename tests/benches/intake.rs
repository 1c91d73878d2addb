//! Intake throughput over HTTP: events posted at a fixed concurrency to the real server on
//! SQLite, each classified and routed by two plugins and durable before its answer.
//!
//! `cargo bench -p streetwise-tests --bench intake` (plugins built first).
//! `STREETWISE_BENCH_EVENTS` and `STREETWISE_BENCH_CONCURRENCY` change the load.

use std::time::{Duration, Instant};

use serde_json::json;
use streetwise_tests::TestApp;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let events: usize = env("STREETWISE_BENCH_EVENTS", 20_000);
    let concurrency: usize = env("STREETWISE_BENCH_CONCURRENCY", 64);
    // Channels that send an external id cost one more read per event (the idempotency check).
    let with_external_ids = env("STREETWISE_BENCH_EXTERNAL_IDS", 1) == 1;
    let app = TestApp::spawn().await;
    // 坂田: a classifier on every event, and a router wherever there are two candidates
    // (占道经营 has the community workstation and the district bureau).
    app.deploy("bantian", "classifier", "buji_classifier").await;
    app.deploy("bantian", "road-router", "bantian_router").await;
    let probe = app
        .submit(
            json!({"source": "hotline", "description": "巷子里有人摆摊占道经营",
                       "location": {"street": "坂田", "community": "新雪"}}),
        )
        .await;
    let steps: Vec<&str> = probe["trace"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    assert!(
        steps.contains(&"plugin:classifier") && steps.contains(&"plugin:router"),
        "{steps:?}"
    );

    println!(
        "intake: {events} events over HTTP, concurrency {concurrency}, SQLite (synchronous=full), 2 plugins per event"
    );
    let started = Instant::now();
    let per_worker = events / concurrency;
    let mut workers = Vec::new();
    for w in 0..concurrency {
        let client = app.client.clone();
        let url = format!("{}/api/v1/events", app.address);
        workers.push(tokio::spawn(async move {
            let with_external_ids = with_external_ids;
            let mut latencies = Vec::with_capacity(per_worker);
            for i in 0..per_worker {
                let mut body = json!({
                    "source": "hotline",
                    "description": format!("小区后面巷子里有人摆摊占道经营 #{i}"),
                    "location": {"street": "坂田", "community": "新雪"}
                });
                if with_external_ids {
                    body["external_id"] = json!(format!("bench-{w}-{i}"));
                }
                let sent = Instant::now();
                let response = client.post(&url).json(&body).send().await.expect("sent");
                assert_eq!(response.status(), 201);
                let _ = response.bytes().await;
                latencies.push(sent.elapsed());
            }
            latencies
        }));
    }
    let mut latencies = Vec::with_capacity(events);
    for w in workers {
        latencies.extend(w.await?);
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    println!(
        "  {} events in {:.2} s: {:.0} events/s   p50 {:.2} ms   p99 {:.2} ms",
        latencies.len(),
        elapsed.as_secs_f64(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        ms(at(0.5)),
        ms(at(0.99)),
    );
    // The figure counts only if every event really met both plugins: no fault, and no call
    // skipped by an open circuit breaker.
    let (_, health) = app
        .get_admin("/api/v1/streets/bantian/plugins/health")
        .await;
    for plugin in health["plugins"].as_array().expect("plugins' health") {
        let h = &plugin["health"];
        println!(
            "  {}@{}: {} calls, {} faults, {} skipped, p50 {} µs, p99 {} µs",
            plugin["name"].as_str().unwrap_or("?"),
            plugin["version"],
            h["calls"],
            h["faults"],
            h["skipped"],
            h["p50_micros"],
            h["p99_micros"]
        );
        assert_eq!(h["skipped"], 0, "{plugin}");
        assert_eq!(h["ok"], h["calls"], "{plugin}");
    }
    app.stop().await;
    Ok(())
}

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
