//! What a scan that keeps settled minutes reads and counts, against whole reads.

use std::convert::Infallible;

use super::*;

fn at(time: &str) -> Timestamp {
    format!("2026-12-01T{time}+08:00").parse().unwrap()
}

fn key(code: &str) -> SurgeKey {
    SurgeKey {
        kind: SurgeKind::Item,
        code: code.to_string(),
        area: "440307003007".to_string(),
    }
}

/// The events received so far, read as the database reads them: per key and minute.
#[derive(Default)]
struct Events {
    received: Vec<(Timestamp, &'static str, &'static str)>,
    /// Every `(from, to]` read, in order.
    reads: Vec<(Timestamp, Timestamp)>,
}

impl Events {
    fn read(&mut self, (from, to): (Timestamp, Timestamp)) -> Vec<(i64, WindowCount)> {
        self.reads.push((from, to));
        let mut grouped: BTreeMap<(i64, SurgeKey), WindowCount> = BTreeMap::new();
        for &(received, code, street) in &self.received {
            if received <= from || received > to {
                continue;
            }
            let one = WindowCount {
                key: key(code),
                street_code: street.to_string(),
                count: 1,
                first_at: received,
            };
            let minute = minute_of(received);
            match grouped.get_mut(&(minute, key(code))) {
                Some(total) => {
                    total.count += 1;
                    total.first_at = total.first_at.min(received);
                    total.street_code = total.street_code.clone().min(street.to_string());
                }
                None => {
                    grouped.insert((minute, key(code)), one);
                }
            }
        }
        grouped.into_iter().map(|((m, _), c)| (m, c)).collect()
    }

    async fn count(
        &mut self,
        kept: &mut MinuteCounts,
        window: (Timestamp, Timestamp),
    ) -> Vec<WindowCount> {
        let read = |slice| std::future::ready(Ok::<_, Infallible>(self.read(slice)));
        kept.count(SurgeKind::Item, window, 5, read).await.unwrap()
    }

    /// Minutes read by the reads since `since` (an index into `reads`).
    fn minutes_read(&self, since: usize) -> i64 {
        self.reads[since..]
            .iter()
            .map(|(from, to)| to.as_millisecond() - from.as_millisecond())
            .sum::<i64>()
            / MINUTE_MS
    }
}

fn hour_before(end: Timestamp) -> (Timestamp, Timestamp) {
    (end - SignedDuration::from_hours(1), end)
}

#[tokio::test]
async fn scans_that_keep_settled_minutes_count_what_whole_reads_count_and_read_a_few_minutes() {
    let mut events = Events::default();
    let mut kept = MinuteCounts::default();
    let start = at("08:00:00");
    // Three hours of events, one every 7 s, over three keys and two streets; a scan every
    // minute at a time that is not on a minute's boundary.
    let mut next_scan = start + SignedDuration::from_secs(30);
    let mut scans = 0;
    for i in 0..(3 * 3600 / 7) {
        let received = start + SignedDuration::from_secs(7 * i);
        let code = ["01-001", "01-005", "14-001"][(i % 3) as usize];
        let street = ["440307003", "440307014"][(i % 2) as usize];
        if received > next_scan {
            let window = hour_before(next_scan);
            let reads_before = events.reads.len();
            let keeping = events.count(&mut kept, window).await;
            let read_now = events.minutes_read(reads_before);
            let whole = events.count(&mut MinuteCounts::default(), window).await;
            assert_eq!(keeping, whole, "the scan at {next_scan}");
            if scans == 0 {
                assert_eq!(read_now, 60, "the first scan reads the whole window");
            } else {
                // Half a minute at the window's start, the minute that settled since the
                // last scan, the two settling and the half minute under way.
                assert_eq!(read_now, 4, "minutes read at {next_scan}");
            }
            scans += 1;
            next_scan += SignedDuration::from_mins(1);
        }
        events.received.push((received, code, street));
    }
    assert_eq!(scans, 180);
}

#[tokio::test]
async fn an_event_stored_after_its_minute_was_kept_is_missed_until_the_minute_leaves() {
    let mut events = Events::default();
    let mut kept = MinuteCounts::default();
    events
        .received
        .push((at("10:00:10"), "01-001", "440307003"));
    let window = hour_before(at("10:30:00"));
    assert_eq!(events.count(&mut kept, window).await[0].count, 1);
    // Stamped 10:00:20 but stored after the 10:30 scan: more than SETTLE late.
    events
        .received
        .push((at("10:00:20"), "01-001", "440307003"));
    let window = hour_before(at("10:31:00"));
    assert_eq!(events.count(&mut kept, window).await[0].count, 1);
    assert_eq!(
        events.count(&mut MinuteCounts::default(), window).await[0].count,
        2
    );
    // Within SETTLE of the scan, a late one is counted: the last minutes are read again.
    events
        .received
        .push((at("10:29:30"), "01-001", "440307003"));
    let window = hour_before(at("10:31:10"));
    assert_eq!(events.count(&mut kept, window).await[0].count, 2);
}

#[tokio::test]
async fn a_clock_that_goes_back_forgets_what_was_kept() {
    let mut events = Events::default();
    let mut kept = MinuteCounts::default();
    events.count(&mut kept, hour_before(at("11:00:00"))).await;
    events
        .received
        .push((at("10:10:00"), "01-001", "440307003"));
    let reads = events.reads.len();
    let counted = events.count(&mut kept, hour_before(at("10:40:00"))).await;
    assert_eq!(counted[0].count, 1);
    assert_eq!(
        events.minutes_read(reads),
        60,
        "the whole window is read again"
    );
}

#[test]
fn minutes_end_on_their_boundary_and_slices_cut_at_multiples_of_their_length() {
    assert_eq!(minute_of(at("10:00:00")) + 1, minute_of(at("10:00:00.001")));
    assert_eq!(minute_of(at("10:00:00")), minute_of(at("09:59:00.001")));
    let cut = slices(at("09:57:30"), at("10:11:00"), 5);
    let expected = [
        ("09:57:30", "10:00:00"),
        ("10:00:00", "10:05:00"),
        ("10:05:00", "10:10:00"),
        ("10:10:00", "10:11:00"),
    ]
    .map(|(a, b)| (at(a), at(b)));
    assert_eq!(cut, expected);
    assert!(slices(at("10:00:00"), at("10:00:00"), 5).is_empty());
}

#[test]
fn a_plan_reads_the_part_minute_and_the_unsettled_end_and_takes_the_rest_from_the_cache() {
    let mut kept = MinuteCounts::default();
    let window = (at("10:00:30"), at("11:00:30"));
    let plan = kept.plan(SurgeKind::Item, window);
    assert_eq!(plan.parts, vec![Part::Read(window.0, window.1)]);
    assert_eq!(
        plan.keepable,
        minute_of(at("10:02:00"))..minute_of(at("10:59:00"))
    );
    kept.keep(SurgeKind::Item, &plan.keepable, window, &[]);

    let plan = kept.plan(SurgeKind::Item, (at("10:01:30"), at("11:01:30")));
    let mut expected = vec![Part::Read(at("10:01:30"), at("10:02:00"))];
    expected.extend((minute_of(at("10:03:00"))..minute_of(at("10:59:00"))).map(Part::Kept));
    expected.push(Part::Read(at("10:58:00"), at("11:01:30")));
    assert_eq!(plan.parts, expected);
    let window = (at("10:01:30"), at("11:01:30"));
    let category = kept.plan(SurgeKind::Category, window).parts;
    assert_eq!(
        category,
        vec![Part::Read(window.0, window.1)],
        "kept per kind"
    );
}
