//! The plugin developer kit: `plugin new` writes a crate, `plugin test` runs real components
//! with the server's sandbox on sample events and on history exported from a running server,
//! `plugin deploy` uploads to one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use streetwise::devkit::{self, Decision, LocalTest, NewPlugin, Outcome, Report, Upload};
use streetwise::domain::ScenarioAction;
use streetwise::runtime::Limits;
use streetwise_tests::{ADMIN_TOKEN, TestApp, appeal, plugin_path, temp_dir};

fn write_events(dir: &Path, lines: &[serde_json::Value]) -> PathBuf {
    let file = dir.join("events.jsonl");
    let text: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    std::fs::write(&file, text.join("\n")).unwrap();
    file
}

async fn run(component: &str, events: PathBuf, street: Option<&str>, replay: bool) -> Report {
    devkit::run(&LocalTest {
        component: plugin_path(component),
        events,
        street: street.map(str::to_string),
        replay,
        config: BTreeMap::new(),
        grants: Vec::new(),
        limits: Limits::default(),
    })
    .await
    .expect("the run completes")
}

fn decision(report: &Report, index: usize) -> &Decision {
    match &report.events[index].outcome {
        Outcome::Called(call) => call.result.as_ref().expect("no fault"),
        other => panic!("event {index} was not called: {other:?}"),
    }
}

#[test]
fn plugin_new_writes_a_buildable_crate_for_the_street_into_the_plugins_workspace() {
    let dir = temp_dir("devkit-new");
    std::fs::write(
        dir.join("Cargo.toml"),
        std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugins/Cargo.toml"),
        )
        .unwrap(),
    )
    .unwrap();
    let district = streetwise::seed::parts().unwrap().district;
    let created = devkit::create(
        &district,
        &NewPlugin {
            street: "布吉".into(),
            kind: "classifier".into(),
            name: "school-manholes".into(),
            dir: dir.clone(),
        },
    )
    .unwrap();

    let root = dir.join("school-manholes");
    assert_eq!(created.path, root);
    for file in [
        "Cargo.toml",
        "src/lib.rs",
        "src/rules.rs",
        "events.jsonl",
        "wit/types.wit",
        "wit/imports.wit",
        "wit/worlds.wit",
    ] {
        assert!(root.join(file).is_file(), "{file} missing");
    }
    let read = |file: &str| std::fs::read_to_string(root.join(file)).unwrap();
    assert!(read("Cargo.toml").contains("name = \"school-manholes\""));
    assert!(
        read("src/lib.rs")
            .contains("wit_bindgen::generate!({ path: \"wit\", world: \"classifier\" })")
    );
    assert!(read("src/lib.rs").contains("布吉街道"));
    assert!(read("src/rules.rs").contains("fn a_manhole_problem_near_a_school_is_urgent()"));
    assert_eq!(
        read("wit/worlds.wit"),
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../wit/worlds.wit"))
            .unwrap(),
        "the crate carries the repository's contract"
    );
    let workspace = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    assert!(
        workspace.contains("    \"school-manholes\",\n]"),
        "{workspace}"
    );

    let again = devkit::create(
        &district,
        &NewPlugin {
            street: "buji".into(),
            kind: "classifier".into(),
            name: "school-manholes".into(),
            dir: dir.clone(),
        },
    )
    .unwrap_err();
    assert!(again.to_string().contains("already exists"), "{again}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn plugin_test_runs_the_buji_classifier_on_sample_events_and_reports_each_decision() {
    let dir = temp_dir("devkit-test");
    let events = write_events(
        &dir,
        &[
            appeal(
                "木棉湾村里的消防通道被电动车和杂物堵住了",
                "布吉",
                Some("木棉湾"),
            ),
            appeal("德兴社区路灯不亮", "布吉", Some("德兴")),
            appeal("五和大道路面塌陷", "坂田", None),
        ],
    );
    let report = run("buji-classifier", events, Some("buji"), false).await;

    assert_eq!(report.kind.as_str(), "classifier");
    let Decision::Classified {
        item_code,
        priority,
        tags,
        ..
    } = decision(&report, 0)
    else {
        panic!("the fire lane was not classified: {:?}", report.events[0]);
    };
    assert_eq!(item_code, "14-001");
    assert_eq!(priority.as_str(), "urgent");
    assert_eq!(tags, &["消防", "城中村"]);
    let Outcome::Called(call) = &report.events[0].outcome else {
        unreachable!()
    };
    assert_eq!(call.usage.by_function.get("catalog.get-item"), Some(&1));
    assert!(call.usage.peak_memory > 0, "memory is measured");
    assert!(call.elapsed.as_millis() < 100);
    assert_eq!(call.logs.len(), 1, "{:?}", call.logs);
    assert!(
        call.logs[0].starts_with("INFO rule matched (rule=fire-lane-blocked item=14-001"),
        "{:?}",
        call.logs
    );

    assert_eq!(decision(&report, 1), &Decision::Kept);
    assert!(
        matches!(&report.events[2].outcome, Outcome::NotCalled(why) if why.contains("坂田街道")),
        "{:?}",
        report.events[2]
    );
    assert!(report.passed());

    let printed = report.render();
    assert!(
        printed.contains("classified 14-001 消防通道堵塞, priority urgent"),
        "{printed}"
    );
    assert!(printed.contains("host calls 3/1000"), "{printed}");
    assert!(printed.contains("3 events: 2 calls"), "{printed}");
    assert!(printed.ends_with("PASS\n"), "{printed}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn plugin_test_fails_when_a_call_faults_or_a_line_is_not_an_event() {
    let dir = temp_dir("devkit-fault");
    let events = write_events(&dir, &[appeal("路灯不亮", "布吉", None)]);
    let report = run("fixture-trap", events, None, false).await;
    assert_eq!(report.faults(), 1);
    assert!(!report.passed());
    assert!(
        report.render().contains("FAULT      trap"),
        "{}",
        report.render()
    );

    let file = dir.join("broken.jsonl");
    std::fs::write(&file, "{\"source\": \"hotline\", \"colour\": \"red\"}\n").unwrap();
    let report = run("buji-classifier", file, None, false).await;
    assert_eq!(report.invalid(), 1);
    assert!(!report.passed());
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn plugin_test_stores_each_event_so_a_scenario_counts_the_ones_before_it() {
    let dir = temp_dir("devkit-scenario");
    let flood = |text: &str| appeal(text, "平湖", Some("山厦"));
    let events = write_events(
        &dir,
        &[
            flood("山厦社区路口积水很深"),
            flood("山厦社区菜市场门口积水"),
            flood("山厦社区地下车库入口水浸"),
        ],
    );
    let report = run("pinghu-scenario", events, Some("平湖"), false).await;
    assert_eq!(decision(&report, 0), &Decision::Actions(vec![]));
    assert_eq!(decision(&report, 1), &Decision::Actions(vec![]));
    let Decision::Actions(actions) = decision(&report, 2) else {
        unreachable!()
    };
    assert_eq!(actions.len(), 3, "{actions:?}");
    assert!(actions.contains(&ScenarioAction::Tag("汛期联动".into())));
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn plugin_test_replays_history_exported_from_a_server_beside_what_was_recorded() {
    let app = TestApp::spawn().await;
    let mut exported = Vec::new();
    for text in ["木棉湾村里的消防通道被杂物堵住了", "德兴社区路灯不亮"] {
        let event = app
            .submit(appeal(
                text,
                "布吉",
                Some(if text.contains("德兴") {
                    "德兴"
                } else {
                    "木棉湾"
                }),
            ))
            .await;
        let id = event["id"].as_str().unwrap().to_string();
        exported.push(app.event(&id).await);
    }
    // The list pages newest first: the replay puts it back in order of receipt.
    exported.reverse();
    let dir = temp_dir("devkit-replay");
    let report = run(
        "buji-classifier",
        write_events(&dir, &exported),
        Some("布吉"),
        true,
    )
    .await;

    assert!(report.events[0].description.contains("消防通道"));
    assert_eq!(
        report.events[0].recorded.as_deref(),
        Some("14-001 消防通道堵塞 (high, district) → buji.safety 布吉街道应急管理办公室")
    );
    assert!(matches!(
        decision(&report, 0),
        Decision::Classified { item_code, .. } if item_code == "14-001"
    ));
    assert_eq!(decision(&report, 1), &Decision::Kept);
    std::fs::remove_dir_all(dir).unwrap();
    app.stop().await;
}

#[tokio::test]
async fn plugin_deploy_uploads_a_component_and_reports_the_version_created() {
    let app = TestApp::spawn().await;
    let upload = |token: &str| Upload {
        component: plugin_path("buji-classifier"),
        server: app.address.clone(),
        street: "布吉".into(),
        name: "urban-village".into(),
        token: token.into(),
        shadow: false,
    };
    let first = devkit::deploy(&upload(ADMIN_TOKEN)).await.unwrap();
    assert_eq!(
        (first.version, first.kind.as_str(), first.active),
        (1, "classifier", true)
    );
    assert_eq!(first.street_code, "440307014");
    let second = devkit::deploy(&upload(ADMIN_TOKEN)).await.unwrap();
    assert_eq!(second.version, 2);
    assert!(
        second
            .describe(false)
            .contains("deployed 440307014 urban-village version 2")
    );

    let listed = app.plugins("buji").await;
    assert_eq!(listed["plugins"].as_array().unwrap().len(), 2, "{listed}");

    let refused = devkit::deploy(&upload("not-the-token-at-all"))
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("401"), "{refused}");
    assert!(refused.to_string().contains("check the token"), "{refused}");
    app.stop().await;
}

/// Runs cargo (the one running these tests) in `dir` with `args`, sharing the example
/// plugins' target directory so their compiled dependencies are reused.
fn cargo(dir: &Path, args: &[&str]) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugins/target");
    let output = std::process::Command::new(cargo)
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "cargo {args:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The guide's path from nothing to a deployed plugin: `plugin new` → its rule tests → a
/// wasm32-wasip2 build → `plugin test` on its sample events → `plugin deploy` to a server.
#[tokio::test]
async fn a_new_plugin_builds_passes_plugin_test_and_deploys() {
    let dir = temp_dir("devkit-e2e");
    let district = streetwise::seed::parts().unwrap().district;
    let created = devkit::create(
        &district,
        &NewPlugin {
            street: "布吉".into(),
            kind: "classifier".into(),
            name: "e2e-manholes".into(),
            dir: dir.clone(),
        },
    )
    .unwrap();
    let root = created.path.clone();
    cargo(&root, &["test", "--target", "x86_64-unknown-linux-gnu"]);
    cargo(&root, &["build", "--release", "--target", "wasm32-wasip2"]);
    let component = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../plugins/target/wasm32-wasip2/release/e2e_manholes.wasm");
    assert!(component.is_file(), "{} was built", component.display());

    let report = devkit::run(&LocalTest {
        component: component.clone(),
        events: root.join("events.jsonl"),
        street: Some("布吉".into()),
        replay: false,
        config: BTreeMap::new(),
        grants: Vec::new(),
        limits: Limits::default(),
    })
    .await
    .expect("plugin test runs");
    assert!(report.passed(), "{}", report.render());
    assert!(
        report
            .events
            .iter()
            .any(|e| matches!(&e.outcome, Outcome::Called(call) if matches!(call.result, Ok(Decision::Classified { .. })))),
        "the sample events exercise the example rule:\n{}",
        report.render()
    );

    let app = TestApp::spawn().await;
    let deployed = devkit::deploy(&Upload {
        component,
        server: app.address.clone(),
        street: "buji".into(),
        name: "e2e-manholes".into(),
        token: ADMIN_TOKEN.into(),
        shadow: false,
    })
    .await
    .unwrap();
    assert_eq!((deployed.version, deployed.active), (1, true));
    app.stop().await;
    std::fs::remove_dir_all(dir).unwrap();
}
