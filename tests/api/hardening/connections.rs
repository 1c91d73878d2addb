//! Connections that stall: headers that never finish, bodies that never arrive, more
//! connections than the host serves at once. Raw TCP, because an HTTP client always finishes
//! what it sends. Durations are generous bounds, never measurements.

use std::time::Duration;

use streetwise_tests::{TestApp, temp_dir, test_settings};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Far longer than any deadline these tests set: a connection still open after it was left
/// open by the server.
const GENEROUS: Duration = Duration::from_secs(20);

async fn connect(app: &TestApp) -> TcpStream {
    let address = app.address.trim_start_matches("http://");
    TcpStream::connect(address).await.expect("connects")
}

/// Everything the server sends until it closes the connection; `None` when it keeps the
/// connection open for `wait`.
async fn until_closed(stream: &mut TcpStream, wait: Duration) -> Option<String> {
    let mut received = Vec::new();
    match tokio::time::timeout(wait, stream.read_to_end(&mut received)).await {
        Ok(_) => Some(String::from_utf8_lossy(&received).into_owned()),
        Err(_) => None,
    }
}

/// The first bytes the server answers with, or `None` when it says nothing for `wait`.
async fn first_answer(stream: &mut TcpStream, wait: Duration) -> Option<String> {
    let mut buffer = [0u8; 512];
    match tokio::time::timeout(wait, stream.read(&mut buffer)).await {
        Ok(Ok(n)) if n > 0 => Some(String::from_utf8_lossy(&buffer[..n]).into_owned()),
        _ => None,
    }
}

/// What the server sends until `needle` appears, it closes, or `wait` passes.
async fn read_until(stream: &mut TcpStream, needle: &str, wait: Duration) -> String {
    let mut received = Vec::new();
    let _ = tokio::time::timeout(wait, async {
        let mut buffer = [0u8; 512];
        while !String::from_utf8_lossy(&received).contains(needle) {
            match stream.read(&mut buffer).await {
                Ok(n) if n > 0 => received.extend_from_slice(&buffer[..n]),
                _ => break,
            }
        }
    })
    .await;
    String::from_utf8_lossy(&received).into_owned()
}

async fn app_with(configure: impl FnOnce(&mut streetwise::Settings)) -> TestApp {
    let mut settings = test_settings(&temp_dir("limits"));
    configure(&mut settings);
    TestApp::spawn_with(settings).await
}

#[tokio::test]
async fn a_connection_that_never_finishes_its_headers_is_closed_after_the_header_deadline() {
    let app = app_with(|s| s.http.header_read_timeout_secs = 1).await;
    let mut slow = connect(&app).await;
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: streetwise\r\nX-Slow: ")
        .await
        .unwrap();
    assert!(
        until_closed(&mut slow, GENEROUS).await.is_some(),
        "the server kept a connection with unfinished headers open"
    );
    // A connection that sends nothing at all is closed the same way.
    let mut silent = connect(&app).await;
    assert!(until_closed(&mut silent, GENEROUS).await.is_some());
    // The server still answers.
    let (status, _) = app.get("/api/v1/events").await;
    assert_eq!(status, reqwest::StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn a_body_that_never_arrives_is_answered_408_and_nothing_is_stored() {
    let app = app_with(|s| s.http.body_read_timeout_secs = 1).await;
    let mut slow = connect(&app).await;
    slow.write_all(
        b"POST /api/v1/events HTTP/1.1\r\nHost: streetwise\r\n\
          Authorization: Bearer test-admin-token-0123456789\r\n\
          Content-Type: application/json\r\nContent-Length: 400\r\n\r\n{\"source\": \"hotline\",",
    )
    .await
    .unwrap();
    let answer = read_until(&mut slow, "body_timeout", GENEROUS).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer:?}");
    assert!(answer.contains("body_timeout"), "{answer}");
    let (_, page) = app.get("/api/v1/events").await;
    assert_eq!(page["events"], serde_json::json!([]));
    drop(slow);
    app.stop().await;
}

#[tokio::test]
async fn connections_beyond_the_bound_wait_until_a_held_one_closes() {
    let app = app_with(|s| {
        s.http.max_connections = 2;
        s.http.header_read_timeout_secs = 120;
    })
    .await;
    // Two clients hold both slots with unfinished headers.
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut stream = connect(&app).await;
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: streetwise\r\n")
            .await
            .unwrap();
        held.push(stream);
    }
    // A third, complete request is not served while they hold...
    let mut third = connect(&app).await;
    third
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: streetwise\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    assert_eq!(
        first_answer(&mut third, Duration::from_millis(500)).await,
        None,
        "a connection beyond the bound was served"
    );
    // ...and is served as soon as one of them goes away.
    drop(held.remove(0));
    let answer = until_closed(&mut third, GENEROUS)
        .await
        .expect("served once a slot is free");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    drop(held);
    app.stop().await;
}
