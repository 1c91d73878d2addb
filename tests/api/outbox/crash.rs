//! A host killed with SIGKILL while it delivers: every notice still reaches the channel, and
//! only the ones it had claimed but not recorded are sent again (with the same key, which the
//! receiver drops). The host is a real process: this test binary started again as
//! `host_process`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::json;
use sqlx::{Connection, Row};
use streetwise_tests::{ADMIN_TOKEN, TestApp, appeal, temp_dir, test_settings};

use super::receiver::Receiver;
use super::{GARBAGE, WAIT, fast};

const DIR: &str = "STREETWISE_CRASH_HOST_DIR";

/// Not a test by itself: the host process the crash test starts and kills. It runs until it
/// is killed, and says where it listens in `address` in its directory.
#[tokio::test]
#[ignore = "started by a_host_killed_while_delivering_loses_no_notice"]
async fn host_process() {
    let Ok(dir) = std::env::var(DIR) else {
        return;
    };
    let dir = PathBuf::from(dir);
    let mut settings = test_settings(&dir);
    fast(&mut settings);
    settings.outbox.outbox_timeout_secs = 1;
    settings.outbox.outbox_batch = 4;
    let app = TestApp::spawn_with(settings).await;
    std::fs::write(dir.join("address.part"), &app.address).unwrap();
    std::fs::rename(dir.join("address.part"), dir.join("address")).unwrap();
    std::future::pending::<()>().await;
}

/// The host process, killed when dropped.
struct Host(Child);

impl Drop for Host {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the host process on `dir`; its address once it listens.
async fn start(dir: &Path) -> (Host, String) {
    let _ = std::fs::remove_file(dir.join("address"));
    let log = std::fs::File::create(dir.join("host.log")).unwrap();
    let child = Command::new(std::env::current_exe().unwrap())
        .args([
            "outbox::crash::host_process",
            "--exact",
            "--ignored",
            "--nocapture",
        ])
        .env(DIR, dir)
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("the test binary starts again as a host");
    let host = Host(child);
    for _ in 0..1200 {
        if let Ok(address) = std::fs::read_to_string(dir.join("address")) {
            return (host, address);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "the host process did not start: {}",
        std::fs::read_to_string(dir.join("host.log")).unwrap_or_default()
    );
}

/// The notice ids of the outbox rows matching `condition`.
async fn notices(dir: &Path, condition: &str) -> BTreeSet<String> {
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}", dir.join("streetwise.db").display());
    let mut db = sqlx::AnyConnection::connect(&url).await.unwrap();
    let sql = format!("select notice_id from outbox where {condition}");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut db)
        .await
        .unwrap();
    rows.iter()
        .map(|r| r.get::<String, _>("notice_id"))
        .collect()
}

#[tokio::test]
async fn a_host_killed_while_delivering_loses_no_notice() {
    let dir = temp_dir("crash");
    let receiver = Receiver::start().await;
    receiver.delay(Duration::from_millis(150));
    let (host, address) = start(&dir).await;
    let client = reqwest::Client::new();
    let hook = client
        .post(format!("{address}/api/v1/webhooks"))
        .bearer_auth(ADMIN_TOKEN)
        .json(&json!({"source": "hotline", "url": receiver.url}))
        .send()
        .await
        .unwrap();
    assert_eq!(hook.status(), 201);
    let hook: serde_json::Value = hook.json().await.unwrap();
    receiver.trust(hook["secret"].as_str().unwrap());
    for n in 0..20 {
        let answer = client
            .post(format!("{address}/api/v1/events"))
            .bearer_auth(ADMIN_TOKEN)
            .json(&appeal(
                &format!("{GARBAGE}（第{n}次）"),
                "布吉",
                Some("木棉湾"),
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 201, "{}", answer.text().await.unwrap());
    }

    receiver
        .wait_until(WAIT, "some notices taken", |_| {
            receiver.accepted().len() >= 8
        })
        .await;
    drop(host); // SIGKILL
    let all = notices(&dir, "1 = 1").await;
    assert_eq!(all.len(), 40, "accepted and dispatched for each event");
    let delivered = notices(&dir, "state = 'delivered'").await;
    let unrecorded = notices(&dir, "state = 'pending' and claimed_by is not null").await;
    eprintln!(
        "killed with {} notices recorded delivered, {} claimed and not recorded",
        delivered.len(),
        unrecorded.len()
    );
    let taken_before: BTreeSet<String> = receiver.accepted().into_iter().map(|r| r.key).collect();
    assert!(
        delivered.is_subset(&taken_before),
        "recorded only once taken"
    );

    let (_host, _) = start(&dir).await;
    receiver
        .wait_until(WAIT, "every notice taken", |_| {
            receiver.accepted().len() == all.len()
        })
        .await;
    let taken: BTreeSet<String> = receiver.accepted().into_iter().map(|r| r.key).collect();
    assert_eq!(taken, all, "nothing lost");
    // What the killed host had claimed is sent again once its claim runs out, and then the
    // outbox is empty.
    for _ in 0..600 {
        if notices(&dir, "state <> 'delivered'").await.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(notices(&dir, "state <> 'delivered'").await, BTreeSet::new());
    let mut times = std::collections::BTreeMap::<String, usize>::new();
    for r in receiver
        .received()
        .iter()
        .filter(|r| r.answered.is_success())
    {
        *times.entry(r.key.clone()).or_default() += 1;
    }
    let twice: BTreeSet<String> = times
        .into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|(key, _)| key)
        .collect();
    assert!(
        twice.is_subset(&unrecorded),
        "only a notice the killed host had claimed and not recorded is sent again: {twice:?}"
    );
    assert!(twice.is_disjoint(&delivered));
}
