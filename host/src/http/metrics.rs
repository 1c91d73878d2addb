//! The health of every active plugin version, two ways: `GET /metrics` in Prometheus' text
//! format for the operators' scraper, and `GET /api/v1/streets/{street}/plugins/health` as
//! JSON for the street's page. Both read the registry's counters. A district-wide scrape also
//! gets the host's series ([`host`]; counted by [`track`]), whose backlogs are a few index
//! counts in the database.

mod host;
mod track;

pub use track::track;

use std::fmt::Write;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use super::auth::Caller;
use super::error::{ApiError, ErrorBody};
use super::known_street;
use crate::domain::{PluginKind, PluginVersion};
use crate::platform::Platform;
use crate::runtime::{BreakerPolicy, FaultKind, HealthSnapshot, LoadedPlugin};

/// What the figures are, and what they are not.
const NOTES: [&str; 2] = [
    "p50/p99 are estimated from a fixed histogram (1-2-5 buckets from 10 µs to 10 s) and lie within their bucket; max is exact. \
     p50/p99 为按直方图分桶估算的近似值，max 为实测最大值。",
    "Fuel and instructions are not measured: the sandbox limits time with epoch interruption. \
     未统计燃料（fuel）或指令数：沙箱以 epoch 中断限制时长。",
];

pub fn router() -> Router<Arc<Platform>> {
    Router::new().route("/metrics", get(metrics)).route(
        "/api/v1/streets/{street}/plugins/health",
        get(street_health),
    )
}

/// One active version with its health.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct VersionHealth {
    #[serde(flatten)]
    version: PluginVersion,
    health: HealthSnapshot,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct StreetHealth {
    street: String,
    /// When a version is taken out of the path and tried again.
    breaker_policy: BreakerPolicy,
    plugins: Vec<VersionHealth>,
    /// What the figures are, and what they are not.
    notes: [&'static str; 2],
}

/// `GET /api/v1/streets/{street}/plugins/health`: the street's active versions. Needs a token
/// that may read the street (a street admin reads only its own).
#[utoipa::path(
    get,
    path = "/api/v1/streets/{street}/plugins/health",
    tag = "plugins",
    summary = "The health of a street's active plugin versions (插件运行状况)",
    description = "Calls, faults by kind, time per call, memory and the circuit breaker of each.",
    params(("street" = String, Path, description = "The street: code, slug or name")),
    responses(
        (status = 200, description = "The street's active versions with their health", body = StreetHealth),
        (status = 403, description = "The caller does not reach this street", body = ErrorBody),
        (status = 404, description = "Unknown street", body = ErrorBody),
    )
)]
async fn street_health(
    caller: Caller,
    State(platform): State<Arc<Platform>>,
    Path(street): Path<String>,
) -> Result<Json<StreetHealth>, ApiError> {
    let street_code = known_street(&platform, &street)?;
    caller
        .require_read(Some(&street_code), "read_metrics", "plugins/health")
        .await?;
    let plugins = platform
        .registry()
        .active_in(&street_code)
        .into_iter()
        .map(|p| VersionHealth {
            version: p.meta.clone(),
            health: p.health.snapshot(),
        })
        .collect();
    Ok(Json(StreetHealth {
        street: street_code,
        breaker_policy: platform.plugin_limits().breaker,
        plugins,
        notes: NOTES,
    }))
}

/// `GET /metrics`, with a bearer token: every street's series for a district-wide token, only
/// its own street's for a street-scoped one.
async fn metrics(
    caller: Caller,
    State(platform): State<Arc<Platform>>,
) -> Result<impl IntoResponse, ApiError> {
    let only = caller.principal().own_street().map(String::from);
    caller
        .require_read(only.as_deref(), "read_metrics", "metrics")
        .await?;
    let active: Vec<(Arc<LoadedPlugin>, HealthSnapshot)> = platform
        .registry()
        .all()
        .into_iter()
        .filter(|p| {
            only.as_ref()
                .is_none_or(|street| *street == p.meta.street_code)
        })
        .map(|p| {
            let health = p.health.snapshot();
            (p, health)
        })
        .collect();
    let mut text = render(&active);
    // The host's series are the whole district's: a street's token does not see them.
    if only.is_none() {
        host::render(&mut text, &platform).await;
    }
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    ))
}

/// The Prometheus text exposition of these versions' health.
fn render(active: &[(Arc<LoadedPlugin>, HealthSnapshot)]) -> String {
    let mut out = String::with_capacity(4096 + active.len() * 4096);
    let o = &mut out;
    family(o, "streetwise_build_info", "gauge", "The running build.");
    line(
        o,
        "streetwise_build_info",
        &[("version", env!("CARGO_PKG_VERSION"))],
        1,
    );
    family(
        o,
        "streetwise_plugins_active",
        "gauge",
        "Active plugin versions, by kind.",
    );
    for kind in [
        PluginKind::Classifier,
        PluginKind::Router,
        PluginKind::Scenario,
    ] {
        let n = active.iter().filter(|(p, _)| p.kind() == kind).count();
        line(
            o,
            "streetwise_plugins_active",
            &[("kind", kind.as_str())],
            n,
        );
    }
    o.push_str(
        "# Fuel and instructions are not measured: time is limited by epoch interruption.\n",
    );

    let calls = "streetwise_plugin_calls_total";
    family(
        o,
        calls,
        "counter",
        "Plugin calls made, by outcome (ok or fault).",
    );
    for (p, h) in active {
        let faults = h.calls - h.ok;
        for (outcome, n) in [("ok", h.ok), ("fault", faults)] {
            line(o, calls, &labels(p, &[("outcome", outcome)]), n);
        }
    }
    let faults = "streetwise_plugin_faults_total";
    family(
        o,
        faults,
        "counter",
        "Plugin calls that faulted, by fault kind.",
    );
    for (p, h) in active {
        for kind in FaultKind::ALL {
            let n = h.faults_by_kind[kind.index()];
            line(o, faults, &labels(p, &[("kind", kind.as_str())]), n);
        }
    }
    let skipped = "streetwise_plugin_skipped_total";
    family(
        o,
        skipped,
        "counter",
        "Events that went without the plugin because its circuit breaker was open.",
    );
    for (p, h) in active {
        line(o, skipped, &labels(p, &[]), h.skipped);
    }

    let duration = "streetwise_plugin_call_duration_seconds";
    family(
        o,
        duration,
        "histogram",
        "Time per plugin call, host calls included.",
    );
    for (p, h) in active {
        let d = &h.durations;
        for (bound, below) in d.cumulative() {
            let le = (bound as f64 / 1e6).to_string();
            line(
                o,
                &format!("{duration}_bucket"),
                &labels(p, &[("le", &le)]),
                below,
            );
        }
        let count = d.count();
        line(
            o,
            &format!("{duration}_bucket"),
            &labels(p, &[("le", "+Inf")]),
            count,
        );
        line(
            o,
            &format!("{duration}_sum"),
            &labels(p, &[]),
            d.sum_micros as f64 / 1e6,
        );
        line(o, &format!("{duration}_count"), &labels(p, &[]), count);
    }

    let host_calls = "streetwise_plugin_host_calls_total";
    family(
        o,
        host_calls,
        "counter",
        "Host functions the plugin called.",
    );
    for (p, h) in active {
        line(o, host_calls, &labels(p, &[]), h.host_calls);
    }
    let reads = "streetwise_plugin_base_data_reads_total";
    family(
        o,
        reads,
        "counter",
        "Reads of the district's base data (buildings, legal entities).",
    );
    for (p, h) in active {
        line(o, reads, &labels(p, &[]), h.base_data_reads);
    }
    let memory = "streetwise_plugin_peak_memory_bytes";
    family(
        o,
        memory,
        "gauge",
        "The most linear memory one call grew to.",
    );
    for (p, h) in active {
        line(o, memory, &labels(p, &[]), h.peak_memory_bytes);
    }
    let open = "streetwise_plugin_breaker_open";
    family(
        o,
        open,
        "gauge",
        "1 while the circuit breaker keeps the plugin out of the path (open or half-open).",
    );
    for (p, h) in active {
        line(o, open, &labels(p, &[]), u8::from(h.breaker.is_open()));
    }
    let openings = "streetwise_plugin_breaker_openings_total";
    family(o, openings, "counter", "Times the circuit breaker opened.");
    for (p, h) in active {
        line(o, openings, &labels(p, &[]), h.breaker.openings);
    }
    out
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

/// A version's identifying labels (street code, plugin name, version) and `extra`.
fn labels<'a>(plugin: &'a LoadedPlugin, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, String)> {
    let mut all = vec![
        ("street", plugin.meta.street_code.clone()),
        ("plugin", plugin.meta.name.clone()),
        ("version", plugin.meta.version.to_string()),
    ];
    all.extend(extra.iter().map(|(k, v)| (*k, (*v).to_string())));
    all
}

fn line<V: std::fmt::Display, L: AsRef<str>>(
    out: &mut String,
    name: &str,
    labels: &[(&str, L)],
    value: V,
) {
    out.push_str(name);
    if !labels.is_empty() {
        out.push('{');
        for (i, (key, value)) in labels.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, "{key}=\"{}\"", escape(value.as_ref()));
        }
        out.push('}');
    }
    let _ = writeln!(out, " {value}");
}

/// A label value as the text format wants it: backslash, double quote and line feed escaped;
/// everything else, Chinese included, is UTF-8 as is.
fn escape(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            '"' => escaped.push_str("\\\""),
            '\n' => escaped.push_str("\\n"),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_escape_what_the_text_format_reserves_and_keep_chinese() {
        assert_eq!(escape(r#"布吉"街道"\新"#), r#"布吉\"街道\"\\新"#);
        assert_eq!(escape("第一行\n第二行"), "第一行\\n第二行");
        let mut out = String::new();
        line(&mut out, "m", &[("street", "布吉\"")], 2);
        assert_eq!(out, "m{street=\"布吉\\\"\"} 2\n");
    }

    #[test]
    fn an_empty_registry_still_renders_the_host_series() {
        let text = render(&[]);
        assert!(text.contains("streetwise_build_info{version=\""), "{text}");
        assert!(text.contains("streetwise_plugins_active{kind=\"classifier\"} 0"));
        assert!(text.contains("# TYPE streetwise_plugin_call_duration_seconds histogram"));
    }
}
