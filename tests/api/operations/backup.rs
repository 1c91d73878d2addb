//! `streetwise backup`: a copy of a running host's SQLite database holds the events stored
//! before it; an existing file is never overwritten; a PostgreSQL URL is refused with advice.

use std::path::Path;

use streetwise::storage::Db;
use streetwise_tests::{TestApp, appeal, temp_dir};

#[tokio::test]
async fn a_backup_of_a_running_host_holds_the_events_stored_before_it() {
    let app = TestApp::spawn().await;
    let mut ids = Vec::new();
    for description in ["路灯不亮，晚上很黑", "井盖缺失，有安全隐患", "垃圾堆没人清"]
    {
        let event = app.submit(appeal(description, "布吉", None)).await;
        ids.push(event["id"].as_str().unwrap().to_string());
    }
    let file = temp_dir("backup").join("copy.db");
    let backup = streetwise::storage::backup::sqlite(&app.settings.database_url(), &file, |_| {})
        .await
        .expect("the backup is written");
    assert_eq!(backup.events, 3);
    assert!(backup.bytes > 0 && backup.bytes == std::fs::metadata(&file).unwrap().len());

    // The host goes on taking events; the copy has the three stored before it, whole.
    app.submit(appeal("路面塌陷", "布吉", None)).await;
    let copy = Db::connect(&format!("sqlite://{}", file.display()))
        .await
        .expect("the copy opens as a database");
    for id in &ids {
        let stored = copy.event(id).await.unwrap().expect("in the copy");
        assert_eq!(stored.record.event.id, *id);
    }
    assert_eq!(
        streetwise::cases::timeline(&copy, &ids[0])
            .await
            .unwrap()
            .expect("its timeline")
            .broken,
        None
    );
    copy.close().await;

    // Never over a file that exists.
    let error = streetwise::storage::backup::sqlite(&app.settings.database_url(), &file, |_| {})
        .await
        .expect_err("an existing file is not overwritten");
    assert!(error.to_string().contains("exists"), "{error:#}");
}

#[tokio::test]
async fn a_postgresql_url_is_refused_with_the_operators_tools_named() {
    let to = temp_dir("backup-pg").join("copy.db");
    let error = streetwise::storage::backup::sqlite("postgres://app@db/streetwise", &to, |_| {})
        .await
        .expect_err("refused");
    let message = error.to_string();
    assert!(
        message.contains("pg_dump") && message.contains("pg_basebackup"),
        "{message}"
    );
    assert!(!Path::new(&to).exists());
}
