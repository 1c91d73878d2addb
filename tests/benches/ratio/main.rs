//! Intake against the hardware's limit, side by side in one run: the real host (a 坂田 appeal
//! classified by the district's model and a street classifier plugin, routed by a street
//! router plugin, deadline, assignment, stored durably before its answer) and a bare axum +
//! SQLite group-commit server doing only the storing, each loaded by wrk (a separate process)
//! with the same requests. Prints the rates, the ratios and wrk's latency percentiles: the host
//! three times, answering the bootstrap admin with the whole record and (`Prefer:
//! return=minimal`) with a receipt, then a channel's token (checked against the database on
//! every request, as a hotline gateway's is) with a receipt.
//!
//! `cargo bench -p streetwise-tests --bench intake_ratio` (plugins built first; Debian's `wrk`
//! installed). `STREETWISE_BENCH_SECS` (default 20) and `STREETWISE_BENCH_CONNECTIONS`
//! (default 64) change the load; `STREETWISE_BENCH_ONLY=host` skips the baseline.

mod bare;

use std::process::Command;

use streetwise_tests::{ADMIN_TOKEN, TestApp, temp_dir, test_settings};

const BODY: &str = r#"{"source": "hotline", "description": "小区后面巷子里有人摆摊占道经营", "location": {"street": "坂田", "community": "新雪"}}"#;

/// The production binary's allocator, so the host here holds memory as it does there.
#[global_allocator]
static ALLOCATOR: streetwise::Allocator = streetwise::Allocator;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let secs = env("STREETWISE_BENCH_SECS", 20);
    let connections = env("STREETWISE_BENCH_CONNECTIONS", 64);
    let dir = temp_dir("bench-ratio");
    // The bootstrap admin's token (checked without a read): the whole record, and the same
    // request asking only for the receipt.
    let script = dir.join("post.lua");
    std::fs::write(&script, post_script(ADMIN_TOKEN, false))?;
    let minimal = dir.join("post-minimal.lua");
    std::fs::write(&minimal, post_script(ADMIN_TOKEN, true))?;

    let bare = bare::start(&dir).await?;
    let mut settings = test_settings(&dir);
    settings.http.max_in_flight_events = 1_000_000;
    let app = TestApp::spawn_with(settings).await;
    app.deploy("bantian", "classifier", "buji_classifier").await;
    app.deploy("bantian", "road-router", "bantian_router").await;
    // What a channel (the 12345 hotline's gateway) sends: its own token, a receipt wanted.
    let channel = dir.join("post-channel.lua");
    std::fs::write(
        &channel,
        post_script(&app.channel_token(&["hotline"]).await, true),
    )?;
    let probe = app.submit(serde_json::from_str(BODY)?).await;
    let steps: Vec<&str> = probe["trace"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    anyhow::ensure!(
        steps.contains(&"plugin:classifier") && steps.contains(&"plugin:router"),
        "the bench appeal must meet both plugins: {steps:?}"
    );

    println!("intake over HTTP, wrk -t2 -c{connections} -d{secs}s, SQLite synchronous=full");
    // `STREETWISE_BENCH_ONLY=host` loads only the host (to profile it alone).
    let only_host = std::env::var("STREETWISE_BENCH_ONLY").is_ok_and(|v| v == "host");
    let baseline = (!only_host)
        .then(|| wrk(&bare, &script, connections, secs))
        .transpose()?;
    if let Some(baseline) = &baseline {
        println!("  bare axum + SQLite group commit: {baseline}");
    }
    let host = wrk(&app.address, &script, connections, secs)?;
    println!("  streetwise (2 plugins per event), the whole record: {host}");
    let receipt = wrk(&app.address, &minimal, connections, secs)?;
    println!("  streetwise, Prefer: return=minimal (a receipt): {receipt}");
    let as_channel = wrk(&app.address, &channel, connections, secs)?;
    println!("  streetwise, a channel's token and a receipt: {as_channel}");
    if let Some(baseline) = &baseline {
        println!(
            "  ratio: {:.2} (whole record), {:.2} (receipt), {:.2} (a channel's token)",
            host.rate / baseline.rate,
            receipt.rate / baseline.rate,
            as_channel.rate / baseline.rate
        );
    }
    let (_, health) = app
        .get_admin("/api/v1/streets/bantian/plugins/health")
        .await;
    for plugin in health["plugins"].as_array().expect("plugins' health") {
        let h = &plugin["health"];
        anyhow::ensure!(
            h["skipped"] == 0 && h["ok"] == h["calls"],
            "a plugin faulted: {plugin}"
        );
    }
    app.stop().await;
    Ok(())
}

/// wrk's script for the bench appeal sent with `token`, asking for a receipt when `minimal`.
fn post_script(token: &str, minimal: bool) -> String {
    let prefer = if minimal {
        "wrk.headers[\"Prefer\"] = \"return=minimal\"\n"
    } else {
        ""
    };
    format!(
        "wrk.method = \"POST\"\nwrk.body = [[{BODY}]]\n\
         wrk.headers[\"Content-Type\"] = \"application/json\"\n\
         wrk.headers[\"Authorization\"] = \"Bearer {token}\"\n{prefer}"
    )
}

/// What wrk measured.
struct Measured {
    rate: f64,
    non_2xx: u64,
    p50: String,
    p99: String,
}

impl std::fmt::Display for Measured {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:.0} requests/s, p50 {}, p99 {}, {} not 2xx",
            self.rate, self.p50, self.p99, self.non_2xx
        )
    }
}

fn wrk(
    address: &str,
    script: &std::path::Path,
    connections: u64,
    secs: u64,
) -> anyhow::Result<Measured> {
    let url = format!("{address}/api/v1/events");
    let run = |secs: u64| {
        Command::new("wrk")
            .args([
                "-t2",
                &format!("-c{connections}"),
                &format!("-d{secs}s"),
                "--latency",
                "-s",
            ])
            .arg(script)
            .arg(&url)
            .output()
    };
    run(3)?; // warm-up
    let output = run(secs)?;
    anyhow::ensure!(
        output.status.success(),
        "wrk failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout)?;
    let field = |prefix: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(prefix).map(|r| r.trim().to_string()))
            .unwrap_or_default()
    };
    Ok(Measured {
        rate: field("Requests/sec:").parse()?,
        non_2xx: field("Non-2xx or 3xx responses:").parse().unwrap_or(0),
        p50: field("50%"),
        p99: field("99%"),
    })
}

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
