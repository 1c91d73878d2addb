//! `streetwise import`: district IT replaces reference data; bad files change nothing.

use std::fmt::Write;

use streetwise::import::{CsvOptions, ImportKind, run};
use streetwise_tests::{TestApp, appeal, temp_dir, test_settings};

/// The shipped responsibility list as CSV, plus `extra` rows.
fn responsibilities_csv(extra: &str) -> String {
    let seed: serde_json::Value =
        serde_json::from_str(include_str!("../../seed/responsibilities.json")).unwrap();
    let mut csv = String::from("item,area,owner_unit,handling,time_limit_value,time_limit_unit\n");
    for e in seed["entries"].as_array().unwrap() {
        let handling: Vec<&str> = e["handling"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h.as_str().unwrap())
            .collect();
        let (value, unit) = match &e["time_limit"] {
            serde_json::Value::Null => (String::new(), String::new()),
            t => (
                t["value"].to_string(),
                t["unit"].as_str().unwrap().to_string(),
            ),
        };
        writeln!(
            csv,
            "{},{},{},{},{value},{unit}",
            e["item"].as_str().unwrap(),
            e["area"].as_str().unwrap(),
            e["owner_unit"].as_str().unwrap(),
            handling.join(";")
        )
        .unwrap();
    }
    csv.push_str(extra);
    csv
}

#[tokio::test]
async fn a_new_responsibility_list_from_csv_routes_events_after_a_restart() {
    let dir = temp_dir("import");
    let settings = test_settings(&dir);
    let app = TestApp::spawn_with(settings).await;
    let before = app
        .submit(appeal("垃圾堆没人清", "布吉", Some("木棉湾")))
        .await;
    assert_eq!(
        before["dispatch"]["handling_unit"]["code"],
        "buji.law-enforcement"
    );
    let settings = app.stop().await;

    // 布吉 now sends exposed garbage to the community workstation first.
    let file = dir.join("responsibilities.csv");
    std::fs::write(
        &file,
        responsibilities_csv(
            "01-001,440307014,district.urban-management,community;street:law-enforcement,4,working_hours\n",
        ),
    )
    .unwrap();
    run(
        &settings,
        ImportKind::Responsibilities,
        &file,
        CsvOptions::default(),
    )
    .await
    .unwrap();

    let app = TestApp::spawn_with(settings).await;
    let after = app
        .submit(appeal("垃圾堆没人清", "布吉", Some("木棉湾")))
        .await;
    let unit = after["dispatch"]["handling_unit"]["code"].as_str().unwrap();
    assert!(unit.starts_with("buji.ws."), "{after}");
    assert_eq!(after["dispatch"]["time_limit"]["unit"], "working_hours");
    // Elsewhere the district-wide entry still applies.
    let other = app
        .submit(appeal("垃圾堆没人清", "平湖", Some("山厦")))
        .await;
    assert_eq!(
        other["dispatch"]["handling_unit"]["code"],
        "pinghu.law-enforcement"
    );
}

#[tokio::test]
async fn a_running_host_routes_by_an_imported_list_without_a_restart() {
    let dir = temp_dir("import-live");
    let app = TestApp::spawn_with(test_settings(&dir)).await;
    let garbage = || appeal("垃圾堆没人清", "布吉", Some("木棉湾"));
    let before = app.submit(garbage()).await;
    assert_eq!(
        before["dispatch"]["handling_unit"]["code"],
        "buji.law-enforcement"
    );

    let file = dir.join("responsibilities.csv");
    std::fs::write(
        &file,
        responsibilities_csv(
            "01-001,440307014,district.urban-management,community;street:law-enforcement,4,working_hours\n",
        ),
    )
    .unwrap();
    // The command line's own connection, as `streetwise import` runs beside the server.
    run(
        &app.settings,
        ImportKind::Responsibilities,
        &file,
        CsvOptions::default(),
    )
    .await
    .unwrap();

    // The host reloads within seconds (every 2 s by default); a generous bound for a busy machine.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let after = loop {
        let after = app.submit(garbage()).await;
        let unit = after["dispatch"]["handling_unit"]["code"].as_str().unwrap();
        if unit.starts_with("buji.ws.") || std::time::Instant::now() > deadline {
            break after;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    let unit = after["dispatch"]["handling_unit"]["code"].as_str().unwrap();
    assert!(unit.starts_with("buji.ws."), "not reloaded: {after}");
    assert_eq!(after["dispatch"]["time_limit"]["unit"], "working_hours");
}

#[tokio::test]
async fn an_inconsistent_file_is_refused_whole_with_the_reasons() {
    let dir = temp_dir("import-bad");
    let settings = test_settings(&dir);
    TestApp::spawn_with(settings.clone()).await.stop().await;

    let file = dir.join("responsibilities.csv");
    std::fs::write(
        &file,
        responsibilities_csv(
            "01-001,440307014,district.nowhere,community,,\n\
             99-999,*,district.water,district.water,,\n\
             01-002,440307014,district.water,street:astronauts,1,fortnights\n",
        ),
    )
    .unwrap();
    let error = run(
        &settings,
        ImportKind::Responsibilities,
        &file,
        CsvOptions::default(),
    )
    .await
    .unwrap_err();
    let message = format!("{error:#}");
    assert!(
        message.contains("time_limit_unit \"fortnights\""),
        "{message}"
    );

    std::fs::write(
        &file,
        responsibilities_csv(
            "01-001,440307014,district.nowhere,community,,\n\
             99-999,*,district.water,district.water,,\n",
        ),
    )
    .unwrap();
    let error = run(
        &settings,
        ImportKind::Responsibilities,
        &file,
        CsvOptions::default(),
    )
    .await
    .unwrap_err();
    let message = format!("{error:#}");
    assert!(message.contains("nothing was written"), "{message}");
    assert!(
        message.contains("unknown owner unit district.nowhere"),
        "{message}"
    );
    assert!(
        message.contains("responsibility 99-999 @ *: unknown item"),
        "{message}"
    );

    let app = TestApp::spawn_with(settings).await;
    let event = app
        .submit(appeal("垃圾堆没人清", "布吉", Some("木棉湾")))
        .await;
    assert_eq!(
        event["dispatch"]["handling_unit"]["code"],
        "buji.law-enforcement"
    );
}

/// The example files of `seed/examples/` import as documented in `seed/README.md`, and say
/// what the seed says: the catalog, the responsibility list and the units as CSV.
#[tokio::test]
async fn the_documented_example_files_import_and_match_the_seed() {
    let dir = temp_dir("import-examples");
    let settings = test_settings(&dir);
    let app = TestApp::spawn_with(settings.clone()).await;
    let seed = app.platform.reference();
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../seed/examples");
    for (kind, file, options) in [
        (
            ImportKind::Catalog,
            "catalog.csv",
            CsvOptions {
                catalog_version: Some("2026.1".into()),
                fallback_item: Some("18-099".into()),
            },
        ),
        (
            ImportKind::Responsibilities,
            "responsibilities.csv",
            CsvOptions::default(),
        ),
        (ImportKind::Units, "units.csv", CsvOptions::default()),
    ] {
        run(&settings, kind, &examples.join(file), options)
            .await
            .unwrap_or_else(|e| panic!("{file}: {e:#}"));
    }
    let db = streetwise::storage::Db::connect(&settings.database_url())
        .await
        .unwrap();
    let parts = db.load_reference().await.unwrap().unwrap();
    assert_eq!(
        parts.catalog, seed.catalog,
        "the catalog CSV is the seed's catalog"
    );
    assert_eq!(parts.units.len(), seed.units().count());
    assert_eq!(
        parts.responsibilities.len(),
        seed.responsibilities().count()
    );
    db.close().await;
}
