//! The health of plugin versions and their circuit breaker, proven with real components: a
//! plugin that keeps failing is taken out of the path (the district's decision stands and the
//! plugin is not called), tried again after the cool-down, and let back in when it works;
//! `/metrics` is valid Prometheus text with the right counts.

use std::collections::{BTreeMap, HashMap};

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use streetwise::clock::Clock;
use streetwise_tests::{ADMIN_TOKEN, TestApp, appeal, temp_dir, test_settings};

/// An app with a driven clock and a breaker that opens after 3 faults in a row and tries
/// again after 60 s.
async fn spawn_with_breaker() -> (TestApp, Clock) {
    let clock = Clock::driven("2026-11-30T01:00:00Z".parse::<Timestamp>().unwrap());
    let mut settings = test_settings(&temp_dir("health"));
    settings.clock = clock.clone();
    settings.run_timers = false;
    // Far away, so only the plugin's own misbehaviour faults it on a loaded machine.
    settings.plugins.plugin_timeout_ms = 10_000;
    settings.breaker.breaker_consecutive_faults = 3;
    settings.breaker.breaker_window_faults = 5;
    settings.breaker.breaker_window = 10;
    settings.breaker.breaker_cool_down_secs = 60;
    (TestApp::spawn_with(settings).await, clock)
}

async fn garbage_in_buji(app: &TestApp) -> Value {
    app.submit(appeal("垃圾堆没人清，臭气熏天", "布吉", Some("木棉湾")))
        .await
}

fn step<'a>(event: &'a Value, name: &str) -> &'a Value {
    event["trace"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == name)
        .unwrap_or_else(|| panic!("no {name} step in {event}"))
}

/// The one active version of `name` in a street's health.
async fn health_of(app: &TestApp, street: &str, name: &str) -> Value {
    let (status, body) = app
        .get_admin(&format!("/api/v1/streets/{street}/plugins/health"))
        .await;
    assert_eq!(status, 200, "{body}");
    let found: Vec<&Value> = body["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["name"] == name)
        .collect();
    assert_eq!(found.len(), 1, "{body}");
    found[0].clone()
}

#[tokio::test]
async fn a_trapping_classifier_is_taken_out_of_the_path_and_tried_again_after_the_cool_down() {
    let (app, clock) = spawn_with_breaker().await;
    app.deploy("buji", "flaky", "fixture_trap").await;

    for _ in 0..3 {
        let event = garbage_in_buji(&app).await;
        assert_eq!(step(&event, "plugin:classifier")["outcome"], "fault:trap");
    }
    let opened = health_of(&app, "buji", "flaky").await;
    let breaker = &opened["health"]["breaker"];
    assert_eq!(breaker["state"], "open", "{opened}");
    assert_eq!(breaker["openings"], 1);
    let reason = breaker["last_opening"]["reason"].as_str().unwrap();
    assert!(reason.contains("连续 3 次调用故障"), "{reason}");
    assert!(reason.contains("trap"), "{reason}");
    assert_eq!(breaker["last_opening"]["at"], "2026-11-30T09:00:00+08:00");
    assert_eq!(breaker["retry_at"], "2026-11-30T09:01:00+08:00");

    // Open: the plugin is not called, the district's classification stands, the trace says why.
    for _ in 0..2 {
        let event = garbage_in_buji(&app).await;
        assert_eq!(event["classification"]["item_code"], "01-001");
        assert_eq!(event["classification"]["decided_by"], "district");
        let skipped = step(&event, "plugin:classifier");
        assert_eq!(skipped["outcome"], "skipped:circuit_open", "{skipped}");
        let detail = skipped["detail"].as_str().unwrap();
        assert!(detail.contains("连续 3 次调用故障"), "{detail}");
        assert!(
            detail.contains("2026-11-30T09:01:00+08:00 后试探调用"),
            "{detail}"
        );
        assert!(detail.ends_with("沿用区级分类"), "{detail}");
    }
    let health = &health_of(&app, "buji", "flaky").await["health"];
    assert_eq!(health["calls"], 3, "no call while open: {health}");
    assert_eq!(health["faults"], json!({ "trap": 3 }));
    assert_eq!(health["skipped"], 2);
    let (p50, p99, max) = (
        health["p50_micros"].as_u64().unwrap(),
        health["p99_micros"].as_u64().unwrap(),
        health["max_micros"].as_u64().unwrap(),
    );
    assert!(0 < p50 && p50 <= p99 && p99 <= max, "{health}");

    let metrics = scrape(&app).await;
    let v1 = |name: &str, extra: &[(&str, &str)]| metrics.of_plugin(name, "flaky", 1, extra);
    assert_eq!(
        v1("streetwise_plugin_calls_total", &[("outcome", "fault")]),
        3.0
    );
    assert_eq!(
        v1("streetwise_plugin_calls_total", &[("outcome", "ok")]),
        0.0
    );
    assert_eq!(
        v1("streetwise_plugin_faults_total", &[("kind", "trap")]),
        3.0
    );
    assert_eq!(
        v1("streetwise_plugin_faults_total", &[("kind", "timeout")]),
        0.0
    );
    assert_eq!(v1("streetwise_plugin_skipped_total", &[]), 2.0);
    assert_eq!(v1("streetwise_plugin_breaker_open", &[]), 1.0);
    assert_eq!(v1("streetwise_plugin_breaker_openings_total", &[]), 1.0);
    let histogram = "streetwise_plugin_call_duration_seconds";
    assert_eq!(v1(&format!("{histogram}_count"), &[]), 3.0);
    assert_eq!(v1(&format!("{histogram}_bucket"), &[("le", "+Inf")]), 3.0);
    // Street labels are codes: 布吉 is 440307014.
    let buji = [("street", "440307014"), ("outcome", "fault")];
    assert_eq!(v1("streetwise_plugin_calls_total", &buji), 3.0);

    // Not yet: still skipped a second before the cool-down ends.
    clock.advance(SignedDuration::from_secs(59));
    let event = garbage_in_buji(&app).await;
    assert_eq!(
        step(&event, "plugin:classifier")["outcome"],
        "skipped:circuit_open"
    );

    // After the cool-down one trial call is made; it traps again, so the breaker reopens.
    clock.advance(SignedDuration::from_secs(1));
    let event = garbage_in_buji(&app).await;
    assert_eq!(step(&event, "plugin:classifier")["outcome"], "fault:trap");
    let reopened = &health_of(&app, "buji", "flaky").await["health"];
    assert_eq!(reopened["calls"], 4, "exactly one trial call: {reopened}");
    assert_eq!(reopened["breaker"]["state"], "open");
    assert_eq!(reopened["breaker"]["openings"], 2);
    let reason = reopened["breaker"]["last_opening"]["reason"]
        .as_str()
        .unwrap();
    assert!(reason.contains("试探调用仍然故障"), "{reason}");
    let event = garbage_in_buji(&app).await;
    assert_eq!(
        step(&event, "plugin:classifier")["outcome"],
        "skipped:circuit_open"
    );

    // A fixed version is a new version with a closed breaker: it is called at once.
    app.deploy("buji", "flaky", "fixture_noop_classifier").await;
    let event = garbage_in_buji(&app).await;
    assert_eq!(step(&event, "plugin:classifier")["outcome"], "kept");
    let fixed = health_of(&app, "buji", "flaky").await;
    assert_eq!(fixed["version"], 2);
    assert_eq!(fixed["health"]["calls"], 1);
    assert_eq!(fixed["health"]["breaker"]["state"], "closed");
    let metrics = scrape(&app).await;
    let v2 = |name: &str, extra: &[(&str, &str)]| metrics.of_plugin(name, "flaky", 2, extra);
    assert_eq!(
        v2("streetwise_plugin_calls_total", &[("outcome", "ok")]),
        1.0
    );
    assert_eq!(v2("streetwise_plugin_breaker_open", &[]), 0.0);
    // The replaced version's counters went with it.
    assert!(!metrics.has("streetwise_plugin_calls_total", &[("version", "1")]));
}

#[tokio::test]
async fn a_scenario_fixed_by_its_team_is_let_back_in_by_the_trial_call() {
    let (app, clock) = spawn_with_breaker().await;
    app.deploy("pinghu", "flood-season", "pinghu_scenario")
        .await;
    // Misconfigured: every waterlogging report opens a follow-up for another street's unit,
    // which the host refuses as invalid output.
    app.configure(
        "pinghu",
        "flood-season",
        json!({ "threshold": "1", "flood_unit": "buji.law-enforcement" }),
    )
    .await;
    let scenario_of = async |community: &str| {
        let event = app
            .submit(appeal("路口积水", "平湖", Some(community)))
            .await;
        let stored = app
            .event_after_scenarios(event["id"].as_str().unwrap())
            .await;
        step(&stored, "plugin:scenario").clone()
    };
    for community in ["山厦", "新南", "平湖"] {
        assert_eq!(
            scenario_of(community).await["outcome"],
            "fault:invalid-output"
        );
    }
    let skipped = scenario_of("白坭坑").await;
    assert_eq!(skipped["outcome"], "skipped:circuit_open", "{skipped}");
    assert!(
        skipped["detail"]
            .as_str()
            .unwrap()
            .ends_with("未执行任何动作")
    );

    // The street team fixes the configuration; after the cool-down the trial call succeeds.
    app.configure(
        "pinghu",
        "flood-season",
        json!({ "threshold": "1", "flood_unit": "pinghu.flood-control" }),
    )
    .await;
    clock.advance(SignedDuration::from_secs(61));
    assert_eq!(scenario_of("鹅公岭").await["outcome"], "applied");
    let health = &health_of(&app, "pinghu", "flood-season").await["health"];
    assert_eq!(health["breaker"]["state"], "closed", "{health}");
    assert_eq!(health["breaker"]["openings"], 1);
    assert_eq!(health["calls"], 4);
    assert_eq!(health["ok"], 1);
    assert_eq!(health["skipped"], 1);
    // Closed again, it runs on every event.
    assert_eq!(scenario_of("山厦").await["outcome"], "applied");
}

#[tokio::test]
async fn metrics_need_a_token_and_a_street_admin_sees_only_its_street() {
    use streetwise::domain::Scope;
    let app = TestApp::spawn().await;
    app.deploy("buji", "urban-village", "buji_classifier").await;
    app.deploy("bantian", "road-router", "bantian_router").await;
    let buji = app
        .create_token(Scope::StreetAdmin, Some("buji"), "布吉 team")
        .await;

    let (status, _) = app
        .get_anonymous("/api/v1/streets/buji/plugins/health")
        .await;
    assert_eq!(status, 401);
    let status = app
        .client
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 401);

    let get = |path: &str| {
        app.client
            .get(format!("{}{path}", app.address))
            .bearer_auth(&buji)
            .send()
    };
    assert_eq!(
        get("/api/v1/streets/buji/plugins/health")
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        get("/api/v1/streets/bantian/plugins/health")
            .await
            .unwrap()
            .status(),
        403
    );
    let text = get("/metrics").await.unwrap().text().await.unwrap();
    assert!(text.contains("plugin=\"urban-village\""), "{text}");
    assert!(
        !text.contains("road-router"),
        "坂田's series are not shown to 布吉: {text}"
    );
    let all = app
        .client
        .get(format!("{}/metrics", app.address))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        all.contains("road-router") && all.contains("urban-village"),
        "{all}"
    );
}

#[tokio::test]
async fn health_of_an_unknown_street_is_404() {
    let app = TestApp::spawn().await;
    let (status, body) = app
        .get_admin("/api/v1/streets/atlantis/plugins/health")
        .await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "not_found");
    let (status, body) = app.get_admin("/api/v1/streets/buji/plugins/health").await;
    assert_eq!(status, 200);
    assert_eq!(body["plugins"], json!([]));
    assert!(body["notes"].to_string().contains("not measured"), "{body}");
}

/// `/metrics`, parsed.
pub(crate) async fn scrape(app: &TestApp) -> Metrics {
    let response = app
        .client
        .get(format!("{}/metrics", app.address))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    Metrics::parse(&response.text().await.unwrap())
}

/// Samples of a Prometheus text exposition, checked as it is read.
pub(crate) struct Metrics {
    samples: Vec<(String, BTreeMap<String, String>, f64)>,
}

impl Metrics {
    /// Parses the text format strictly: every sample belongs to a family declared by `# TYPE`
    /// before it, names and labels are well formed, values are numbers, and every histogram's
    /// buckets are cumulative and end in `+Inf` equal to its `_count`.
    fn parse(text: &str) -> Metrics {
        let mut types: HashMap<String, String> = HashMap::new();
        let mut samples = Vec::new();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                let (name, kind) = rest.split_once(' ').expect("# TYPE name kind");
                assert!(valid_name(name), "{line}");
                assert!(["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind));
                assert!(
                    types.insert(name.into(), kind.into()).is_none(),
                    "TYPE twice: {line}"
                );
                continue;
            }
            if line.starts_with('#') || line.is_empty() {
                continue;
            }
            let (name, labels, value) = parse_sample(line);
            let family = ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|s| {
                    name.strip_suffix(s)
                        .filter(|f| types.get(*f).is_some_and(|k| k == "histogram"))
                })
                .unwrap_or(name.as_str());
            assert!(
                types.contains_key(family),
                "sample before its # TYPE: {line}"
            );
            if family.ends_with("_total") {
                assert_eq!(types[family], "counter", "{line}");
            }
            samples.push((name.clone(), labels, value));
        }
        let metrics = Metrics { samples };
        metrics.check_histograms(&types);
        metrics
    }

    fn check_histograms(&self, types: &HashMap<String, String>) {
        for (family, _) in types.iter().filter(|(_, k)| *k == "histogram") {
            let mut series: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
            for (name, labels, value) in &self.samples {
                if *name == format!("{family}_bucket") {
                    let mut key = labels.clone();
                    let le = key.remove("le").expect("a bucket has le");
                    let le = if le == "+Inf" {
                        f64::INFINITY
                    } else {
                        le.parse().unwrap()
                    };
                    series
                        .entry(format!("{key:?}"))
                        .or_default()
                        .push((le, *value));
                }
            }
            for (key, buckets) in series {
                assert!(
                    buckets
                        .windows(2)
                        .all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1),
                    "{key}: {buckets:?}"
                );
                let (last_le, total) = *buckets.last().unwrap();
                assert_eq!(last_le, f64::INFINITY, "{key}");
                let count = self
                    .samples
                    .iter()
                    .find(|(n, l, _)| *n == format!("{family}_count") && format!("{l:?}") == key)
                    .map(|(_, _, v)| *v);
                assert_eq!(count, Some(total), "{key}");
            }
        }
    }

    /// The value of the one sample of `name` for a plugin version, whose labels include `extra`.
    fn of_plugin(&self, name: &str, plugin: &str, version: u32, extra: &[(&str, &str)]) -> f64 {
        let version = version.to_string();
        let mut labels = vec![("plugin", plugin), ("version", version.as_str())];
        labels.extend_from_slice(extra);
        self.value(name, &labels)
    }

    pub(crate) fn has(&self, name: &str, labels: &[(&str, &str)]) -> bool {
        self.matching(name, labels).next().is_some()
    }

    fn matching<'a>(
        &'a self,
        name: &'a str,
        labels: &'a [(&'a str, &'a str)],
    ) -> impl Iterator<Item = f64> + 'a {
        self.samples
            .iter()
            .filter(move |(n, l, _)| {
                n == name
                    && labels
                        .iter()
                        .all(|(k, v)| l.get(*k).map(String::as_str) == Some(*v))
            })
            .map(|(_, _, v)| *v)
    }

    /// The value of the one sample of `name` whose labels include `labels`.
    pub(crate) fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        let found: Vec<f64> = self.matching(name, labels).collect();
        assert_eq!(found.len(), 1, "{name} {labels:?}: {found:?}");
        found[0]
    }
}

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// `name{key="value",...} value`, with `\\`, `\"` and `\n` escapes in label values.
fn parse_sample(line: &str) -> (String, BTreeMap<String, String>, f64) {
    let name_end = line.find(['{', ' ']).expect("a name");
    let name = &line[..name_end];
    assert!(valid_name(name), "{line}");
    let mut labels = BTreeMap::new();
    let mut rest = &line[name_end..];
    if let Some(after) = rest.strip_prefix('{') {
        let mut chars = after.char_indices();
        loop {
            let key: String = chars
                .by_ref()
                .take_while(|(_, c)| *c != '=')
                .map(|(_, c)| c)
                .collect();
            assert!(
                valid_name(&key) && !key.starts_with("__"),
                "label {key:?} in {line}"
            );
            assert_eq!(chars.next().map(|(_, c)| c), Some('"'), "{line}");
            let mut value = String::new();
            loop {
                match chars.next().map(|(_, c)| c) {
                    Some('\\') => match chars.next().map(|(_, c)| c) {
                        Some('\\') => value.push('\\'),
                        Some('"') => value.push('"'),
                        Some('n') => value.push('\n'),
                        other => panic!("bad escape {other:?} in {line}"),
                    },
                    Some('"') => break,
                    Some('\n') | None => panic!("unterminated label value in {line}"),
                    Some(c) => value.push(c),
                }
            }
            assert!(labels.insert(key, value).is_none(), "label twice in {line}");
            match chars.next() {
                Some((_, ',')) => continue,
                Some((i, '}')) => {
                    rest = &after[i + 1..];
                    break;
                }
                other => panic!("expected , or }} but got {other:?} in {line}"),
            }
        }
    }
    let value = rest
        .strip_prefix(' ')
        .unwrap_or_else(|| panic!("a space before the value: {line}"));
    let value = match value {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        v => v
            .parse()
            .unwrap_or_else(|_| panic!("value {v:?} in {line}")),
    };
    (name.to_string(), labels, value)
}
