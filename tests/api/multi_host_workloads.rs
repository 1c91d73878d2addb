//! Per-person workloads with several hosts on one PostgreSQL (issue 12): each host reads the
//! shared counters at most once a second and counts what it assigned since, so two hosts
//! assigning bursts at once still spread the cases evenly over a section's handlers.

use std::collections::BTreeMap;
use std::sync::Arc;

use streetwise::import::{ImportFile, ImportKind, ImportOptions, run};
use streetwise_tests::{TestApp, fresh_postgres, temp_dir, test_settings};

use crate::assignment::{assignee, first_squad, garbage_case, staff_file};

/// Cases each host assigns in one burst, all at once.
const BURST: usize = 12;

#[tokio::test]
async fn two_hosts_assigning_bursts_at_once_keep_the_handlers_workloads_even() {
    let Some(url) = fresh_postgres().await else {
        return;
    };
    let settings = |label: &str| {
        let mut settings = test_settings(&temp_dir(label));
        settings.database_url = Some(url.clone());
        settings
    };
    let staff = temp_dir("workloads-staff").join("staff.json");
    std::fs::write(&staff, staff_file(first_squad()).to_string()).unwrap();
    run(
        &settings("workloads-import"),
        &[ImportFile::new(ImportKind::Staff, &staff)],
        ImportOptions::default(),
    )
    .await
    .expect("the staff file imports");
    let a = Arc::new(TestApp::spawn_with(settings("workloads-a")).await);
    let b = Arc::new(TestApp::spawn_with(settings("workloads-b")).await);

    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for round in 0..3 {
        let mut requests = tokio::task::JoinSet::new();
        for host in [&a, &b] {
            for _ in 0..BURST {
                let host = Arc::clone(host);
                requests.spawn(async move { assignee(&garbage_case(&host).await).to_string() });
            }
        }
        for person in requests.join_all().await {
            *counts.entry(person).or_default() += 1;
        }
        // Three on-duty handlers; neither host sees the other's latest cases for up to a
        // second, but each spreads its own evenly, so the totals differ by at most one case
        // per host.
        let handed: usize = counts.values().sum();
        assert_eq!(handed, 2 * BURST * (round + 1), "{counts:?}");
        assert_eq!(
            counts.keys().map(String::as_str).collect::<Vec<_>>(),
            ["h1", "h2", "h3"],
            "only the on-duty handlers of the section: {counts:?}"
        );
        let (least, most) = (
            counts.values().min().copied().unwrap(),
            counts.values().max().copied().unwrap(),
        );
        assert!(
            most - least <= 2,
            "after round {round} the workloads are uneven: {counts:?}"
        );
    }
}
