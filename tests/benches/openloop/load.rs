//! The load generator, run as its own process (the bench re-executes itself with
//! [`TARGET_VAR`] set): requests are scheduled at fixed times, `rate` a second, each sent on
//! its own task so that a slow answer never delays the next send (the connection pool opens
//! as many connections as are in flight). A request's latency runs from its *scheduled* send
//! time to its answer, so a stall anywhere (host, network, this process) is counted in full.
//!
//! It reports to the parent on stdout, one JSON object a line: a `window` every few seconds
//! (answers in that window by completion time), `ended` when the last answer came, then the
//! `summary` of the whole run.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::json;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// Set to the host's address, this process is the load generator.
pub const TARGET_VAR: &str = "STREETWISE_BENCH_LOAD_TARGET";
/// How often a window line is printed.
pub const WINDOW: Duration = Duration::from_secs(5);

/// The mix, one entry per request in turn: (street, community, description). 平湖 gets three
/// in ten, one of them a waterlogging report (积水, the item its flood-season scenario counts);
/// its communities rotate over `PINGHU`, so the scenario counts real bursts.
const MIX: [(&str, &str, &str); 10] = [
    ("布吉", "木棉湾", "木棉湾村里的消防通道被电动车和杂物堵住了"),
    ("坂田", "新雪", "五和大道天桥下有流动摊贩占道经营"),
    ("平湖", "", "路口积水很深，车过不去"),
    ("南湾", "康乐", "垃圾堆没人清"),
    ("布吉", "南三", "两栋握手楼之间电线乱拉，担心起火"),
    ("坂田", "新雪", "小区后面巷子里有人摆摊占道经营"),
    ("平湖", "", "垃圾堆没人清"),
    ("坪地", "坪西", "垃圾堆没人清"),
    ("布吉", "大芬", "垃圾堆没人清"),
    ("平湖", "", "城中村消防通道被堵"),
];
/// 平湖's communities.
const PINGHU: [&str; 6] = ["山厦", "新南", "力昌", "禾花", "鹅公岭", "白坭坑"];

/// The body of request `i`.
pub fn body(i: u64) -> serde_json::Value {
    let (street, community, text) = MIX[(i % MIX.len() as u64) as usize];
    let community = if community.is_empty() {
        PINGHU[((i / MIX.len() as u64) % PINGHU.len() as u64) as usize]
    } else {
        community
    };
    json!({"source": "hotline", "description": text,
           "location": {"street": street, "community": community}})
}

/// The share of requests that go to 平湖.
pub fn pinghu_share() -> f64 {
    MIX.iter().filter(|m| m.0 == "平湖").count() as f64 / MIX.len() as f64
}

/// Latencies in microseconds, sorted: (p50, p90, p99, max).
pub fn percentiles(sorted: &[u64]) -> (u64, u64, u64, u64) {
    if sorted.is_empty() {
        return (0, 0, 0, 0);
    }
    let at = |q: f64| sorted[((sorted.len() as f64 * q) as usize).min(sorted.len() - 1)];
    (at(0.5), at(0.9), at(0.99), sorted[sorted.len() - 1])
}

/// One answer: microseconds from the scheduled send, and whether it was a 2xx.
type Answer = (u64, bool);

pub async fn run(target: &str, rate: u64, secs: u64, token: &str) -> anyhow::Result<()> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()?;
    let url = format!("{target}/api/v1/events");
    let auth = format!("Bearer {token}");
    let total = rate * secs;
    let (answers, mut answered) = mpsc::unbounded_channel::<Answer>();
    let in_flight = Arc::new(AtomicU64::new(0));
    // The furthest a send went out after its scheduled time (this process's own health).
    let late_max = Arc::new(AtomicU64::new(0));
    let start = Instant::now() + Duration::from_millis(100);
    let sender = {
        let (in_flight, late_max) = (in_flight.clone(), late_max.clone());
        tokio::spawn(async move {
            for i in 0..total {
                let due = start + Duration::from_nanos(i * 1_000_000_000 / rate);
                tokio::time::sleep_until(due).await;
                let late = due.elapsed().as_micros() as u64;
                late_max.fetch_max(late, Ordering::Relaxed);
                let request = client
                    .post(&url)
                    .header("Authorization", &auth)
                    .json(&body(i));
                let (answers, in_flight) = (answers.clone(), in_flight.clone());
                in_flight.fetch_add(1, Ordering::Relaxed);
                tokio::spawn(async move {
                    let ok = match request.send().await {
                        Ok(response) => {
                            let ok = response.status().is_success();
                            ok && response.bytes().await.is_ok()
                        }
                        Err(_) => false,
                    };
                    in_flight.fetch_sub(1, Ordering::Relaxed);
                    let _ = answers.send((due.elapsed().as_micros() as u64, ok));
                });
            }
        })
    };

    let mut all = Vec::with_capacity(total as usize);
    let mut errors = 0u64;
    let mut window = Vec::new();
    let mut window_errors = 0u64;
    let mut ticks = tokio::time::interval_at(start + WINDOW, WINDOW);
    while (all.len() as u64) < total {
        tokio::select! {
            answer = answered.recv() => {
                let Some((micros, ok)) = answer else { break };
                all.push(micros);
                window.push(micros);
                if !ok {
                    errors += 1;
                    window_errors += 1;
                }
            }
            _ = ticks.tick() => {
                window.sort_unstable();
                let (p50, _, p99, max) = percentiles(&window);
                let line = json!({"kind": "window", "t": start.elapsed().as_secs(),
                    "answered": window.len(), "errors": window_errors,
                    "p50_us": p50, "p99_us": p99, "max_us": max,
                    "in_flight": in_flight.load(Ordering::Relaxed)});
                println!("{line}");
                window.clear();
                window_errors = 0;
            }
        }
    }
    println!(
        "{}",
        json!({"kind": "ended", "t": start.elapsed().as_secs_f64()})
    );
    sender.await?;
    all.sort_unstable();
    let (p50, p90, p99, max) = percentiles(&all);
    let line = json!({"kind": "summary", "sent": total, "answered": all.len(),
        "errors": errors, "p50_us": p50, "p90_us": p90, "p99_us": p99, "max_us": max,
        "late_send_max_us": late_max.load(Ordering::Relaxed)});
    println!("{line}");
    Ok(())
}
