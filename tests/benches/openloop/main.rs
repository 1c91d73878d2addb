//! Open-loop intake at a fixed rate (issue 12): the real host with the example plugins as
//! `serve --examples plugins/examples.toml` deploys them (布吉 classifier, 坂田 router, 平湖
//! flood-season scenario), on a SQLite file in WAL mode with synchronous=full, loaded by a
//! separate process (this binary re-executed, see `load.rs`) that sends `STREETWISE_BENCH_RATE`
//! events a second (default 1,000) at scheduled times for `STREETWISE_BENCH_SECS` (default
//! 600) over 布吉, 坂田, 平湖 (three in ten), 南湾 and 坪地. Latency runs from each request's
//! scheduled send. Every 5 s it prints the window's answers, latency and errors beside the
//! host's RSS and scenario backlog; at the end the percentiles, the backlog's maximum, how
//! long it took to drain after the load stopped, and RSS in the first minute against the last.
//!
//! `cargo bench -p streetwise-tests --bench openloop` (plugins built first);
//! `STREETWISE_BENCH_SECS=60` for a quick check.

mod load;
mod watch;

use std::io::BufRead;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use streetwise::Settings;
use streetwise_tests::{ADMIN_TOKEN, TestApp, temp_dir, test_settings, trace_step};
use watch::Sample;

/// The production binary's allocator, so the host here holds memory as it does there.
#[global_allocator]
static ALLOCATOR: streetwise::Allocator = streetwise::Allocator;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let rate = env("STREETWISE_BENCH_RATE", 1_000);
    let secs = env("STREETWISE_BENCH_SECS", 600);
    if let Ok(target) = std::env::var(load::TARGET_VAR) {
        return load::run(&target, rate, secs, ADMIN_TOKEN).await;
    }

    let dir = temp_dir("bench-openloop");
    let mut settings = test_settings(&dir);
    settings.examples =
        Some(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugins/examples.toml"));
    // The base data a production start seeds (坂田's router reads the buildings).
    settings.seed_buildings_per_community = Settings::defaults().seed_buildings_per_community;
    let app = TestApp::spawn_with(settings).await;
    check_durability(&dir).await?;
    check_mix(&app).await?;

    println!(
        "open loop: {rate} events/s for {secs} s from a separate process, {:.0}% to 平湖; \
         SQLite WAL, synchronous=full; load average {}",
        load::pinghu_share() * 100.0,
        watch::load_average()
    );
    let started = Instant::now();
    let mut child = Command::new(std::env::current_exe()?)
        .env(load::TARGET_VAR, &app.address)
        .env("STREETWISE_BENCH_RATE", rate.to_string())
        .env("STREETWISE_BENCH_SECS", secs.to_string())
        .stdout(Stdio::piped())
        .spawn()?;
    let (lines_tx, mut lines) = tokio::sync::mpsc::unbounded_channel::<Value>();
    let stdout = child.stdout.take().expect("piped");
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if let Ok(value) = serde_json::from_str(&line) {
                let _ = lines_tx.send(value);
            }
        }
    });

    println!(
        "{:>6} {:>8} {:>6} {:>8} {:>8} {:>8} {:>9} {:>8} {:>8} {:>9} {:>8}",
        "t (s)",
        "answers",
        "not2xx",
        "p50 ms",
        "p99 ms",
        "max ms",
        "in flight",
        "backlog",
        "RSS MiB",
        "anon MiB",
        "WAL MiB"
    );
    let mut samples = Vec::new();
    let mut ended_at = None;
    let mut summary = None;
    while let Some(line) = lines.recv().await {
        match line["kind"].as_str() {
            Some("window") => {
                let sample = Sample {
                    t: started.elapsed().as_secs_f64(),
                    rss_kib: watch::rss_kib(),
                    backlog: watch::scenario_backlog(&app).await?,
                };
                samples.push(sample);
                println!(
                    "{:>6} {:>8} {:>6} {:>8.1} {:>8.1} {:>8.1} {:>9} {:>8} {:>8.1} {:>9.1} {:>8.1}",
                    line["t"],
                    line["answered"],
                    line["errors"],
                    ms(&line["p50_us"]),
                    ms(&line["p99_us"]),
                    ms(&line["max_us"]),
                    line["in_flight"],
                    sample.backlog,
                    sample.rss_kib as f64 / 1024.0,
                    watch::anon_kib() as f64 / 1024.0,
                    watch::wal_mib(&dir)
                );
            }
            Some("ended") => ended_at = Some(Instant::now()),
            Some("summary") => summary = Some(line),
            _ => {}
        }
    }
    anyhow::ensure!(child.wait()?.success(), "the load generator failed");
    let summary = summary.ok_or_else(|| anyhow::anyhow!("no summary from the load generator"))?;
    let ended_at = ended_at.unwrap_or_else(Instant::now);

    // The load has stopped: how long until the scenarios have caught up.
    let backlog_at_end = watch::scenario_backlog(&app).await?;
    let drain_deadline = Duration::from_secs(900);
    let mut left = backlog_at_end;
    while left > 0 && ended_at.elapsed() < drain_deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
        left = watch::scenario_backlog(&app).await?;
    }
    let drained_in = ended_at.elapsed();
    let backlog_max = samples.iter().map(|s| s.backlog).max().unwrap_or(0);

    println!("summary ({secs} s at {rate}/s):");
    println!(
        "  {} sent, {} answered, {} not 2xx; latency from the scheduled send: p50 {:.1} ms, \
         p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms (the generator's latest send: {:.1} ms late)",
        summary["sent"],
        summary["answered"],
        summary["errors"],
        ms(&summary["p50_us"]),
        ms(&summary["p90_us"]),
        ms(&summary["p99_us"]),
        ms(&summary["max_us"]),
        ms(&summary["late_send_max_us"]),
    );
    let drained = if left == 0 {
        format!(
            "drained {:.1} s after the last answer",
            drained_in.as_secs_f64()
        )
    } else {
        format!("{left} still pending after {} s", drain_deadline.as_secs())
    };
    println!(
        "  scenario backlog: max {backlog_max} (sampled), {backlog_at_end} at the end; {drained}"
    );
    let last = samples.last().map_or(0.0, |s| s.t);
    println!(
        "  RSS: first minute {:.1} MiB, last minute {:.1} MiB, after the drain {:.1} MiB",
        watch::mean_rss_mib(&samples, 0.0, 60.0),
        watch::mean_rss_mib(&samples, last - 60.0, last + 1.0),
        watch::rss_kib() as f64 / 1024.0
    );
    let (scans, mean_ms) = watch::surge_scans(&app).await?;
    println!("  surge scans: {scans}, {mean_ms:.1} ms each on average");
    // The machine may be shared: its load says how much of it the run had.
    println!("  load average at the end: {}", watch::load_average());
    check_scenarios_ran(&app, &summary).await?;
    app.stop().await;
    // Ten minutes leave a database of a few GB behind.
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

/// The database is durable as in production: a file in WAL mode (synchronous=full is set on
/// every connection of the host's pool, `storage::Db::connect`).
async fn check_durability(dir: &std::path::Path) -> anyhow::Result<()> {
    use sqlx::Connection;
    let url = format!("sqlite://{}", dir.join("streetwise.db").display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await?;
    let mode: String = sqlx::query_scalar("pragma journal_mode")
        .fetch_one(&mut conn)
        .await?;
    anyhow::ensure!(mode == "wal", "journal mode {mode}, not wal");
    Ok(())
}

/// Each kind of request in the mix meets the plugin it is meant for.
async fn check_mix(app: &TestApp) -> anyhow::Result<()> {
    let mut met = Vec::new();
    for i in 0..10 {
        let event = app.submit(load::body(i)).await;
        let event = app
            .event_after_scenarios(event["id"].as_str().unwrap_or_default())
            .await;
        for step in ["plugin:classifier", "plugin:router", "plugin:scenario"] {
            if trace_step(&event, step).is_some() {
                met.push(step);
            }
        }
    }
    for step in ["plugin:classifier", "plugin:router", "plugin:scenario"] {
        anyhow::ensure!(met.contains(&step), "no event of the mix met {step}");
    }
    Ok(())
}

/// How 平湖's flood-season scenario fared: calls, faults and calls skipped by its breaker.
async fn check_scenarios_ran(app: &TestApp, summary: &Value) -> anyhow::Result<()> {
    let (_, health) = app.get_admin("/api/v1/streets/pinghu/plugins/health").await;
    let plugins = health["plugins"].as_array().cloned().unwrap_or_default();
    let scenario = plugins
        .iter()
        .find(|p| p["name"] == "pinghu-flood-season")
        .ok_or_else(|| anyhow::anyhow!("no flood-season scenario in 平湖: {health}"))?;
    let h = &scenario["health"];
    let sent = summary["sent"].as_f64().unwrap_or(0.0);
    println!(
        "  平湖 flood-season scenario: {} calls ({:.0} 平湖 events sent), {} ok, {} faults, \
         {} skipped, p50 {} µs, p99 {} µs",
        h["calls"],
        sent * load::pinghu_share(),
        h["ok"],
        h["faults"],
        h["skipped"],
        h["p50_micros"],
        h["p99_micros"]
    );
    // Reported, not fatal: a run whose scenarios timed out or were skipped by the circuit
    // breaker is a result too, but its backlog figures then stand partly for calls not made.
    if h["ok"] != h["calls"] || h["skipped"] != 0 {
        println!(
            "  NOTE: not every scenario call ran to its end (faults {}, skipped by the open \
             breaker {}); those events count as done without the scenario's actions",
            h["faults"], h["skipped"]
        );
    }
    Ok(())
}

fn ms(micros: &Value) -> f64 {
    micros.as_f64().unwrap_or(0.0) / 1e3
}

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
