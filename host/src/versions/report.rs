//! Where a candidate version would have decided differently from what production decided:
//! the same report for a shadow run on live traffic and for a replay of stored history.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::domain::Comparison;

/// Differences by item, faults, examples and time per call.
#[derive(Clone, Debug, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Report {
    pub compared: u64,
    pub differing: u64,
    /// Per item of the applied path, with the most frequent changes.
    pub items: Vec<ItemDifferences>,
    pub faults: BTreeMap<String, u64>,
    /// Up to [`EXAMPLES`] differing events, earliest first.
    pub examples: Vec<Example>,
    pub micros_p50: u64,
    pub micros_p99: u64,
    pub micros_max: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ItemDifferences {
    pub item_code: String,
    pub compared: u64,
    pub differing: u64,
    /// "applied → candidate" and how often, most frequent first (at most five).
    pub changes: Vec<(String, u64)>,
}

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Example {
    pub event_id: String,
    pub active: String,
    pub candidate: String,
}

/// Examples kept in a report.
pub const EXAMPLES: usize = 10;
/// Changes listed per item.
const CHANGES_PER_ITEM: usize = 5;

impl Report {
    pub fn build(comparisons: impl IntoIterator<Item = Comparison>) -> Self {
        let mut report = Report::default();
        let mut items: BTreeMap<String, (u64, u64, BTreeMap<String, u64>)> = BTreeMap::new();
        let mut micros = Vec::new();
        for c in comparisons {
            report.compared += 1;
            micros.push(c.micros);
            let item = items.entry(c.item_code.clone()).or_default();
            item.0 += 1;
            if let Some(kind) = &c.fault {
                *report.faults.entry(kind.clone()).or_default() += 1;
            }
            if c.differs() {
                report.differing += 1;
                item.1 += 1;
                *item
                    .2
                    .entry(format!("{} → {}", c.active, c.candidate))
                    .or_default() += 1;
                if report.examples.len() < EXAMPLES {
                    report.examples.push(Example {
                        event_id: c.event_id,
                        active: c.active,
                        candidate: c.candidate,
                    });
                }
            }
        }
        report.items = items
            .into_iter()
            .map(|(item_code, (compared, differing, changes))| {
                let mut changes: Vec<(String, u64)> = changes.into_iter().collect();
                changes.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                changes.truncate(CHANGES_PER_ITEM);
                ItemDifferences {
                    item_code,
                    compared,
                    differing,
                    changes,
                }
            })
            .collect();
        // Items with differences first, then by how many were compared.
        report.items.sort_by(|a, b| {
            b.differing
                .cmp(&a.differing)
                .then_with(|| b.compared.cmp(&a.compared))
                .then_with(|| a.item_code.cmp(&b.item_code))
        });
        micros.sort_unstable();
        report.micros_p50 = quantile(&micros, 0.50);
        report.micros_p99 = quantile(&micros, 0.99);
        report.micros_max = micros.last().copied().unwrap_or(0);
        report
    }
}

/// The `q` quantile of sorted values (nearest rank).
fn quantile(sorted: &[u64], q: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(id: &str, item: &str, active: &str, candidate: &str, micros: u64) -> Comparison {
        Comparison {
            event_id: id.into(),
            item_code: item.into(),
            active: active.into(),
            candidate: candidate.into(),
            fault: candidate.strip_prefix("fault:").map(str::to_string),
            micros,
        }
    }

    #[test]
    fn the_report_counts_differences_per_item_with_faults_examples_and_times() {
        let report = Report::build([
            c("e1", "14-001", "item 14-001 high", "item 14-001 high", 10),
            c("e2", "14-001", "item 14-001 high", "item 14-002 normal", 20),
            c("e3", "14-001", "item 14-001 high", "item 14-002 normal", 30),
            c(
                "e4",
                "01-001",
                "item 01-001 normal",
                "fault:timeout",
                100_000,
            ),
        ]);
        assert_eq!((report.compared, report.differing), (4, 3));
        assert_eq!(report.faults, BTreeMap::from([("timeout".to_string(), 1)]));
        assert_eq!(report.items[0].item_code, "14-001");
        assert_eq!(report.items[0].differing, 2);
        assert_eq!(
            report.items[0].changes,
            vec![("item 14-001 high → item 14-002 normal".to_string(), 2)]
        );
        assert_eq!(report.items[1].item_code, "01-001");
        assert_eq!(
            report
                .examples
                .iter()
                .map(|e| e.event_id.as_str())
                .collect::<Vec<_>>(),
            ["e2", "e3", "e4"]
        );
        assert_eq!(
            (report.micros_p50, report.micros_p99, report.micros_max),
            (20, 100_000, 100_000)
        );
    }

    #[test]
    fn an_empty_report_has_no_differences_and_zero_times() {
        let report = Report::build([]);
        assert_eq!(report, Report::default());
    }
}
