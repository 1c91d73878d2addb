//! A row the database refuses fails alone: on PostgreSQL one event with a NUL byte used to
//! fail its whole group commit (every other event in it answered 503). Validation now keeps
//! NUL out, so the bad row is handed to the writer directly, in one batch with good ones.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use streetwise::domain::EventRecord;
use streetwise::intake::{StoreError, Writer, Written};
use streetwise::telemetry::metrics::Metrics;
use streetwise_tests::{TestApp, appeal};

/// A copy of `template` as a new event.
fn copy(template: &EventRecord, description: &str) -> EventRecord {
    let mut record = template.clone();
    record.event.id = uuid::Uuid::now_v7().to_string();
    record.event.external_id = None;
    record.event.description = description.into();
    record
}

#[tokio::test]
async fn on_postgres_a_refused_row_fails_alone_and_the_rest_of_its_batch_is_stored() {
    let Some(app) = TestApp::spawn_postgres().await else {
        return;
    };
    let event = app
        .submit(appeal("路口积水很深", "平湖", Some("山厦")))
        .await;
    let db = app.platform.db().clone();
    let template = db
        .event(event["id"].as_str().unwrap())
        .await
        .unwrap()
        .expect("stored")
        .record;
    let records = [
        copy(&template, "第一件：积水"),
        copy(&template, "第二件：积水"),
        copy(&template, "第三件：积水\u{0}很深"),
        copy(&template, "第四件：积水"),
        copy(&template, "第五件：积水"),
    ];
    // A writer of its own: the five are queued before it runs (this test's runtime has one
    // thread), so they reach the database as one batch.
    let metrics = Arc::new(Metrics::default());
    let writer = Writer::start(db.clone(), 16, Default::default(), metrics.clone());
    let (a, b, bad, d, e) = tokio::join!(
        writer.store(records[0].clone()),
        writer.store(records[1].clone()),
        writer.store(records[2].clone()),
        writer.store(records[3].clone()),
        writer.store(records[4].clone()),
    );
    assert!(matches!(bad, Err(StoreError::Refused(_))), "{bad:?}");
    for (outcome, record) in [a, b, d, e].into_iter().zip([0, 1, 3, 4]) {
        assert!(
            matches!(outcome, Ok((Written::Stored { .. }, _))),
            "event {record}: {outcome:?}"
        );
        let stored = db.event(&records[record].event.id).await.unwrap();
        assert_eq!(
            stored.expect("stored").record.event.description,
            records[record].event.description
        );
    }
    assert!(db.event(&records[2].event.id).await.unwrap().is_none());
    // One commit of five, as `/metrics` counts it (its halves are retries, not commits).
    let (sizes, commits, events) = metrics.commits.batch_size.snapshot();
    assert_eq!((commits, events), (1, 5), "{sizes:?}");
    assert_eq!(metrics.commits.failed.load(Ordering::Relaxed), 0);

    // Storage that is really down is not a refusal: every event is told to retry later.
    db.close().await;
    let down = writer.store(copy(&template, "第六件：积水")).await;
    assert!(matches!(down, Err(StoreError::Unavailable(_))), "{down:?}");
    assert_eq!(metrics.commits.failed.load(Ordering::Relaxed), 1);
}
