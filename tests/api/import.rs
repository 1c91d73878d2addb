//! `streetwise import`: district IT replaces reference data; bad files change nothing.

use std::fmt::Write;

use streetwise::import::{ImportFile, ImportKind, ImportOptions, Mode, run};
use streetwise_tests::{TestApp, appeal, temp_dir, test_settings};

/// Imports `files` in one transaction.
async fn import(
    settings: &streetwise::Settings,
    files: &[(ImportKind, &std::path::Path)],
    mode: Mode,
) -> anyhow::Result<String> {
    let files: Vec<ImportFile> = files.iter().map(|(k, f)| ImportFile::new(*k, f)).collect();
    let options = ImportOptions {
        mode,
        ..ImportOptions::default()
    };
    run(settings, &files, options).await
}

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
    import(
        &settings,
        &[(ImportKind::Responsibilities, &file)],
        Mode::Replace,
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
    import(
        &app.settings,
        &[(ImportKind::Responsibilities, &file)],
        Mode::Replace,
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
async fn every_problem_of_a_file_is_reported_at_once_with_its_line_and_column_and_nothing_is_written()
 {
    let dir = temp_dir("import-bad");
    let settings = test_settings(&dir);
    TestApp::spawn_with(settings.clone()).await.stop().await;

    let file = dir.join("responsibilities.csv");
    let good = responsibilities_csv("");
    let first = good.lines().count() + 1;
    std::fs::write(
        &file,
        responsibilities_csv(
            "01-001,440307014,district.nowhere,community,,\n\
             99-999,*,district.water,district.water,,\n\
             01-002,440307014,district.water,street:astronauts,1,fortnights\n",
        ),
    )
    .unwrap();
    let error = import(
        &settings,
        &[(ImportKind::Responsibilities, &file)],
        Mode::Replace,
    )
    .await
    .unwrap_err();
    let message = format!("{error:#}");
    let name = file.display();
    // A bad row, and the rows that do not fit the rest of the reference data: in one pass.
    for expected in [
        format!(
            "{name}:{}:3: responsibility 01-001 @ 440307014: unknown owner unit district.nowhere [owner_unit]",
            first
        ),
        format!(
            "{name}:{}:1: responsibility 99-999 @ *: unknown item [item]",
            first + 1
        ),
        format!("{name}:{}:6: time_limit_unit \"fortnights\"", first + 2),
    ] {
        assert!(message.contains(&expected), "{expected}\nnot in\n{message}");
    }
    assert!(
        message.starts_with("3 problem(s); nothing was written"),
        "{message}"
    );

    let app = TestApp::spawn_with(settings).await;
    let event = app
        .submit(appeal("垃圾堆没人清", "布吉", Some("木棉湾")))
        .await;
    assert_eq!(
        event["dispatch"]["handling_unit"]["code"], "buji.law-enforcement",
        "nothing was written"
    );
}

#[tokio::test]
async fn json_problems_are_placed_at_the_row_they_are_in() {
    let dir = temp_dir("import-json");
    let settings = test_settings(&dir);
    TestApp::spawn_with(settings.clone()).await.stop().await;
    let file = dir.join("units.json");
    let mut units: serde_json::Value =
        serde_json::from_str(include_str!("../../seed/units.json")).unwrap();
    units["units"][2]["street"] = serde_json::json!("440399999");
    std::fs::write(&file, serde_json::to_string_pretty(&units).unwrap()).unwrap();
    let error = import(&settings, &[(ImportKind::Units, &file)], Mode::Replace)
        .await
        .unwrap_err();
    let message = format!("{error:#}");
    let text = std::fs::read_to_string(&file).unwrap();
    // The third unit's opening brace.
    let line = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim() == "{")
        .nth(3)
        .map(|(i, _)| i + 1)
        .unwrap();
    assert!(
        message.contains(&format!(":{line}:5: unit "))
            && message.contains("unknown street 440399999 [street]"),
        "line {line}: {message}"
    );
}

#[tokio::test]
async fn add_or_update_changes_the_rows_a_file_names_and_keeps_the_rest() {
    let dir = temp_dir("import-merge");
    let settings = test_settings(&dir);
    let app = TestApp::spawn_with(settings.clone()).await;
    let before = app.platform.reference().units().count();
    let settings = app.stop().await;
    let file = dir.join("units.csv");
    std::fs::write(
        &file,
        "code,name,kind,street,role,community\n\
         district.water,龙岗区水务局（更名）,district_bureau,,,\n\
         district.new-bureau,龙岗区新设局,district_bureau,,,\n",
    )
    .unwrap();
    let summary = import(&settings, &[(ImportKind::Units, &file)], Mode::AddOrUpdate)
        .await
        .unwrap();
    assert!(
        summary.contains(&format!("{} units", before + 1)),
        "{summary}"
    );
    let app = TestApp::spawn_with(settings).await;
    let reference = app.platform.reference();
    assert_eq!(reference.units().count(), before + 1);
    assert_eq!(
        reference.unit("district.water").unwrap().name,
        "龙岗区水务局（更名）"
    );
    assert!(reference.unit("district.new-bureau").is_some());
    assert!(
        reference.unit("buji.law-enforcement").is_some(),
        "the rest is kept"
    );
}

#[tokio::test]
async fn renaming_an_item_is_one_import_of_the_catalog_the_responsibility_list_and_the_staff_together()
 {
    let dir = temp_dir("import-rename");
    let settings = test_settings(&dir);
    TestApp::spawn_with(settings.clone()).await.stop().await;
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../seed/examples");
    let rename = |file: &str| {
        let text = std::fs::read_to_string(examples.join(file)).unwrap();
        let path = dir.join(file);
        std::fs::write(&path, text.replace("01-001,", "01-101,")).unwrap();
        path
    };
    let (catalog, list) = (rename("catalog.csv"), rename("responsibilities.csv"));
    // Sections and staff name the items they know too.
    let staff = dir.join("staff.json");
    std::fs::write(
        &staff,
        include_str!("../../seed/staff.json").replace("\"01-001\"", "\"01-101\""),
    )
    .unwrap();
    let options = ImportOptions {
        mode: Mode::Replace,
        catalog_version: Some("2026.2".into()),
        fallback_item: None,
    };

    // The catalog alone leaves the stored list naming an item that is gone.
    let alone = run(
        &settings,
        &[ImportFile::new(ImportKind::Catalog, &catalog)],
        options.clone(),
    )
    .await
    .unwrap_err();
    let message = format!("{alone:#}");
    assert!(
        message.contains("(stored data) responsibility 01-001 @ *: unknown item"),
        "{message}"
    );
    assert!(
        message.contains("item 01-101: no district-wide (*) responsibility entry"),
        "{message}"
    );

    let files = [
        ImportFile::new(ImportKind::Catalog, &catalog),
        ImportFile::new(ImportKind::Responsibilities, &list),
        ImportFile::new(ImportKind::Staff, &staff),
    ];
    let summary = run(&settings, &files, options).await.unwrap();
    assert!(summary.contains("catalog 2026.2"), "{summary}");
    let app = TestApp::spawn_with(settings).await;
    let reference = app.platform.reference();
    assert!(reference.item("01-101").is_some() && reference.item("01-001").is_none());
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
            ImportOptions {
                catalog_version: Some("2026.1".into()),
                fallback_item: Some("18-099".into()),
                ..ImportOptions::default()
            },
        ),
        (
            ImportKind::Responsibilities,
            "responsibilities.csv",
            ImportOptions::default(),
        ),
        (ImportKind::Units, "units.csv", ImportOptions::default()),
    ] {
        run(
            &settings,
            &[ImportFile::new(kind, examples.join(file))],
            options,
        )
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
