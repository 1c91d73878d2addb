//! Rates from counts, the combined score and the ranking.

use serde::Serialize;

use crate::domain::Counts;

/// The weights of the combined score (DOMAIN.md: 处置率×30% + 按期处置率×60% − 返工率×10%,
/// marked unverified, hence settings).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Weights {
    pub handling: f64,
    pub on_time_handling: f64,
    /// Subtracted.
    pub rework: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Self {
            handling: 0.3,
            on_time_handling: 0.6,
            rework: 0.1,
        }
    }
}

/// The indicators of one row: fractions in 0..=1, `None` when nothing was there to count.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Indicators {
    /// 结案率.
    pub closing_rate: Option<f64>,
    /// 按期结案率.
    pub on_time_closing_rate: Option<f64>,
    /// 处置率.
    pub handling_rate: Option<f64>,
    /// 按期处置率.
    pub on_time_handling_rate: Option<f64>,
    /// 返工率.
    pub rework_rate: Option<f64>,
    /// 准确派遣率.
    pub accurate_dispatch_rate: Option<f64>,
    /// 延期率.
    pub extension_rate: Option<f64>,
    /// 满意率.
    pub satisfaction_rate: Option<f64>,
    /// 平均处置时长, hours from dispatch to the latest handling report.
    pub avg_handling_hours: Option<f64>,
}

fn ratio(numerator: u64, denominator: u64) -> Option<f64> {
    (denominator > 0).then(|| numerator as f64 / denominator as f64)
}

impl Indicators {
    pub fn of(c: &Counts) -> Self {
        Self {
            closing_rate: ratio(c.due_closed, c.due),
            on_time_closing_rate: ratio(c.due_closed_on_time, c.due),
            handling_rate: ratio(c.dispatched_handled, c.dispatched),
            on_time_handling_rate: ratio(c.handled_on_time, c.handled),
            rework_rate: ratio(c.handled_reworked, c.handled),
            accurate_dispatch_rate: ratio(c.dispatched_once, c.dispatched),
            extension_rate: ratio(c.dispatched_extended, c.dispatched),
            satisfaction_rate: ratio(c.satisfied, c.answered),
            avg_handling_hours: (c.handled > 0)
                .then(|| c.handling_millis as f64 / 3_600_000.0 / c.handled as f64),
        }
    }

    /// The combined score in points, rounded to 0.01; a rate without cases counts as 0.
    pub fn score(&self, w: &Weights) -> f64 {
        let rate = |r: Option<f64>| r.unwrap_or(0.0);
        let raw = 100.0
            * (w.handling * rate(self.handling_rate)
                + w.on_time_handling * rate(self.on_time_handling_rate)
                - w.rework * rate(self.rework_rate));
        (raw * 100.0).round() / 100.0
    }
}

/// One ranked row.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Ranked {
    pub rank: u32,
    /// The street or unit code.
    pub code: String,
    pub name: String,
    pub score: f64,
    pub indicators: Indicators,
    pub counts: Counts,
}

/// Ranks `(code, name, counts)` rows by score, highest first, then by code. Equal scores share
/// a rank and the next one skips (1, 2, 2, 4).
pub fn rank(rows: Vec<(String, String, Counts)>, weights: &Weights) -> Vec<Ranked> {
    let mut ranked: Vec<Ranked> = rows
        .into_iter()
        .map(|(code, name, counts)| {
            let indicators = Indicators::of(&counts);
            Ranked {
                rank: 0,
                code,
                name,
                score: indicators.score(weights),
                indicators,
                counts,
            }
        })
        .collect();
    ranked.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.code.cmp(&b.code))
    });
    for i in 0..ranked.len() {
        ranked[i].rank = if i > 0 && ranked[i].score == ranked[i - 1].score {
            ranked[i - 1].rank
        } else {
            i as u32 + 1
        };
    }
    ranked
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::tally_fixtures::{JANUARY, fixture};
    use crate::domain::{Level, tally};

    #[test]
    fn rates_divide_the_hand_checked_counts() {
        let rows = tally(&fixture(), Level::Unit, JANUARY);
        let i = Indicators::of(&rows["u1"]);
        assert_eq!(i.closing_rate, Some(2.0 / 3.0));
        assert_eq!(i.on_time_closing_rate, Some(1.0 / 3.0));
        assert_eq!(i.handling_rate, Some(0.75));
        assert_eq!(i.on_time_handling_rate, Some(2.0 / 3.0));
        assert_eq!(i.rework_rate, Some(1.0 / 3.0));
        assert_eq!(i.accurate_dispatch_rate, Some(0.75));
        assert_eq!(i.extension_rate, Some(0.25));
        assert_eq!(i.satisfaction_rate, Some(0.5));
        assert_eq!(i.avg_handling_hours, Some(88.0));
        // 100 × (0.3 × 0.75 + 0.6 × 2/3 − 0.1 × 1/3) = 22.5 + 40 − 3.333… = 59.17
        assert_eq!(i.score(&Weights::default()), 59.17);
    }

    #[test]
    fn a_row_with_nothing_to_count_has_no_rates_and_scores_zero() {
        let i = Indicators::of(&Counts::default());
        assert_eq!(i.closing_rate, None);
        assert_eq!(i.avg_handling_hours, None);
        assert_eq!(i.score(&Weights::default()), 0.0);
    }

    #[test]
    fn the_weights_come_from_the_settings() {
        let rows = tally(&fixture(), Level::Unit, JANUARY);
        let i = Indicators::of(&rows["u1"]);
        let only_on_time = Weights {
            handling: 0.0,
            on_time_handling: 1.0,
            rework: 0.0,
        };
        assert_eq!(i.score(&only_on_time), 66.67);
    }

    #[test]
    fn rows_are_ranked_by_score_and_equal_scores_share_a_rank() {
        let perfect = Counts {
            dispatched: 1,
            dispatched_handled: 1,
            handled: 1,
            handled_on_time: 1,
            ..Counts::default()
        };
        let late = Counts {
            handled_on_time: 0,
            ..perfect.clone()
        };
        let ranked = rank(
            vec![
                ("c".into(), "丙".into(), late),
                ("b".into(), "乙".into(), perfect.clone()),
                ("a".into(), "甲".into(), perfect),
                ("d".into(), "丁".into(), Counts::default()),
            ],
            &Weights::default(),
        );
        let order: Vec<(&str, u32, f64)> = ranked
            .iter()
            .map(|r| (r.code.as_str(), r.rank, r.score))
            .collect();
        assert_eq!(
            order,
            [
                ("a", 1, 90.0),
                ("b", 1, 90.0),
                ("c", 3, 30.0),
                ("d", 4, 0.0)
            ]
        );
    }
}
