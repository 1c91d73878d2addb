//! Plugin invocation: a fresh instance of a pre-instantiated component plus one call, through
//! the same path the pipeline uses (slot, store, limits, epoch deadline, answer check).
//!
//! `cargo bench -p streetwise-tests --bench invoke` (plugins built first).
//! `STREETWISE_BENCH_COMPONENTS=fixture_noop_classifier STREETWISE_BENCH_CALLS=200000` runs one
//! component for longer, for a profiler.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use streetwise::domain::{Event, Location, Reporter, Source};
use streetwise::reference::Reference;
use streetwise::runtime::{CallContext, Limits, Runtime};
use streetwise::storage::{Db, StatsScope};
use streetwise_tests::{plugin_bytes, temp_dir};

const WARM_UP: usize = 2_000;
const CALLS: usize = 20_000;
const COMPONENTS: &str = "fixture_noop_classifier,buji_classifier";

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let dir = temp_dir("bench-invoke");
    let db = Db::connect(&format!("sqlite://{}", dir.join("bench.db").display())).await?;
    let reference =
        Arc::new(Reference::new(streetwise::seed::parts()?).map_err(|e| anyhow::anyhow!("{e:?}"))?);
    let runtime = Runtime::new(Limits::default())?;
    let event = Event {
        id: "bench".into(),
        source: Source::Hotline,
        external_id: None,
        description: "木棉湾村里的消防通道被电动车和杂物堵住了".into(),
        reported_at: jiff::Timestamp::now(),
        received_at: jiff::Timestamp::now(),
        location: Location {
            street_code: "440307014".into(),
            street_name: "布吉街道".into(),
            community_code: Some("440307014015".into()),
            community_name: Some("木棉湾".into()),
            grid: None,
            lat: None,
            lon: None,
            address: None,
        },
        reporter: Reporter::default(),
        attributes: BTreeMap::new(),
        parent_id: None,
    };
    let calls = std::env::var("STREETWISE_BENCH_CALLS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(CALLS);
    let components =
        std::env::var("STREETWISE_BENCH_COMPONENTS").unwrap_or_else(|_| COMPONENTS.into());
    println!("plugin invocation (fresh instance + call), {calls} calls each, one at a time");
    for component in components.split(',') {
        let started = Instant::now();
        let compiled = runtime.compile(&plugin_bytes(component))?;
        let compile = started.elapsed();
        let context = || CallContext {
            street_code: "440307014".into(),
            plugin: component.into(),
            version: 1,
            config: Arc::new(BTreeMap::new()),
            reference: reference.clone(),
            db: db.clone(),
            stats: StatsScope {
                street_code: "440307014".into(),
                window_end: jiff::Timestamp::now(),
                up_to_seq: None,
            },
            event_address: None,
            grants: Vec::new(),
        };
        for _ in 0..WARM_UP {
            runtime
                .classify(&compiled, context(), &event, None)
                .await
                .result?;
        }
        let mut samples = Vec::with_capacity(calls);
        for _ in 0..calls {
            let started = Instant::now();
            let report = runtime.classify(&compiled, context(), &event, None).await;
            samples.push(started.elapsed());
            report.result?;
        }
        samples.sort();
        let at = |q: f64| samples[((samples.len() as f64 * q) as usize).min(samples.len() - 1)];
        println!(
            "  {component:<26} compile {:>6.1} ms   p50 {:>6.2} µs   p90 {:>6.2} µs   p99 {:>7.2} µs",
            compile.as_secs_f64() * 1e3,
            micros(at(0.5)),
            micros(at(0.9)),
            micros(at(0.99)),
        );
    }
    db.close().await;
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}
