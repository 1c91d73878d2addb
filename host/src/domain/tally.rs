//! The counts behind the indicators (绩效评价) of a period: the facts a case accumulates,
//! which cases fall into which population, and what of them counts. A plain function over
//! plain facts, the specification the storage queries implement; the populations and
//! indicators are described in `crate::indicators`, which turns counts into rates and ranks.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What rankings group by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// By the street the case is in.
    Street,
    /// By the unit that holds the case.
    Unit,
}

impl Level {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "street" => Some(Level::Street),
            "unit" => Some(Level::Unit),
            _ => None,
        }
    }
}

/// A period [from, to), in milliseconds since the Unix epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub from: i64,
    pub to: i64,
}

impl Period {
    pub fn contains(&self, t: i64) -> bool {
        self.from <= t && t < self.to
    }
}

/// What one case contributes to the indicators (see the module docs). Times in milliseconds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CaseFacts {
    pub street: String,
    pub unit: String,
    pub dispatched_at: i64,
    pub deadline: i64,
    pub handled_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub reworks: u32,
    pub reassignments: u32,
    pub extensions: u32,
    pub satisfied: u32,
    pub unsatisfied: u32,
}

/// The numerators and denominators of one row (a street or a unit) over a period.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Counts {
    /// Cases dispatched in the period.
    pub dispatched: u64,
    /// Of those, handled before the period ended.
    pub dispatched_handled: u64,
    /// Of those, never reassigned.
    pub dispatched_once: u64,
    /// Of those, with an approved extension.
    pub dispatched_extended: u64,
    /// Cases whose deadline falls in the period.
    pub due: u64,
    /// Of those, closed before the period ended.
    pub due_closed: u64,
    /// Of those, closed at or before their deadline.
    pub due_closed_on_time: u64,
    /// Cases whose latest handling report falls in the period.
    pub handled: u64,
    /// Of those, handled at or before their deadline.
    pub handled_on_time: u64,
    /// Of those, reworked at least once.
    pub handled_reworked: u64,
    /// Of those, the total time from dispatch to handling, in milliseconds.
    pub handling_millis: i64,
    /// Of those, with a follow-up answer.
    pub answered: u64,
    /// Of the answered, never unsatisfied.
    pub satisfied: u64,
}

impl Counts {
    /// Adds what `case` contributes over `period`.
    pub fn add(&mut self, case: &CaseFacts, period: Period) {
        if period.contains(case.dispatched_at) {
            self.dispatched += 1;
            if case.handled_at.is_some_and(|t| t < period.to) {
                self.dispatched_handled += 1;
            }
            if case.reassignments == 0 {
                self.dispatched_once += 1;
            }
            if case.extensions > 0 {
                self.dispatched_extended += 1;
            }
        }
        if period.contains(case.deadline) {
            self.due += 1;
            if let Some(closed) = case.closed_at.filter(|t| *t < period.to) {
                self.due_closed += 1;
                if closed <= case.deadline {
                    self.due_closed_on_time += 1;
                }
            }
        }
        if let Some(handled) = case.handled_at.filter(|t| period.contains(*t)) {
            self.handled += 1;
            if handled <= case.deadline {
                self.handled_on_time += 1;
            }
            if case.reworks > 0 {
                self.handled_reworked += 1;
            }
            self.handling_millis += handled - case.dispatched_at;
            if case.satisfied + case.unsatisfied > 0 {
                self.answered += 1;
                if case.unsatisfied == 0 {
                    self.satisfied += 1;
                }
            }
        }
    }

    /// Whether no case of the period touched this row.
    pub fn is_empty(&self) -> bool {
        self.dispatched == 0 && self.due == 0 && self.handled == 0
    }
}

/// The counts per street or per unit of `cases` over `period`; rows no case touched are left
/// out.
pub fn tally<'a>(
    cases: impl IntoIterator<Item = &'a CaseFacts>,
    level: Level,
    period: Period,
) -> BTreeMap<String, Counts> {
    let mut rows: BTreeMap<String, Counts> = BTreeMap::new();
    for case in cases {
        let key = match level {
            Level::Street => &case.street,
            Level::Unit => &case.unit,
        };
        let mut counts = rows.remove(key).unwrap_or_default();
        counts.add(case, period);
        if !counts.is_empty() {
            rows.insert(key.clone(), counts);
        }
    }
    rows
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub const HOUR: i64 = 3_600_000;
    pub const DAY: i64 = 24 * HOUR;

    /// January of some year, in days from its start: [0, 31 days).
    pub const JANUARY: Period = Period {
        from: 0,
        to: 31 * DAY,
    };

    /// A case dispatched on `day` of January, due 5 days later, otherwise untouched.
    pub fn case(street: &str, unit: &str, day: i64) -> CaseFacts {
        CaseFacts {
            street: street.into(),
            unit: unit.into(),
            dispatched_at: day * DAY,
            deadline: (day + 5) * DAY,
            ..CaseFacts::default()
        }
    }

    /// Four hand-checked cases of one unit in 布吉 (see each comment), and one of another unit.
    pub fn fixture() -> Vec<CaseFacts> {
        vec![
            // 1: dispatched day 1, handled day 3 (48 h, on time), closed day 4, satisfied.
            CaseFacts {
                handled_at: Some(3 * DAY),
                closed_at: Some(4 * DAY),
                satisfied: 1,
                ..case("buji", "u1", 1)
            },
            // 2: dispatched day 2, extended, handled day 9 (168 h, 2 days late), reworked
            //    once, closed day 10 (late), unsatisfied then satisfied.
            CaseFacts {
                handled_at: Some(9 * DAY),
                closed_at: Some(10 * DAY),
                reworks: 1,
                extensions: 1,
                satisfied: 1,
                unsatisfied: 1,
                ..case("buji", "u1", 2)
            },
            // 3: dispatched day 10, reassigned, handled day 12 (48 h, on time), not closed.
            CaseFacts {
                handled_at: Some(12 * DAY),
                reassignments: 1,
                ..case("buji", "u1", 10)
            },
            // 4: dispatched day 28, due day 33 (next period), not handled.
            case("buji", "u1", 28),
            // 5: dispatched in December (day -10, due day -5): outside every population.
            case("buji", "u1", -10),
            // 6: another unit of 布吉, dispatched day 20, handled day 21 (24 h), closed day 21.
            CaseFacts {
                handled_at: Some(21 * DAY),
                closed_at: Some(21 * DAY),
                satisfied: 1,
                ..case("buji", "u2", 20)
            },
        ]
    }

    #[test]
    fn each_case_counts_in_the_populations_its_times_fall_in() {
        let rows = tally(&fixture(), Level::Unit, JANUARY);
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows["u1"],
            Counts {
                // cases 1, 2, 3, 4
                dispatched: 4,
                dispatched_handled: 3,
                dispatched_once: 3,
                dispatched_extended: 1,
                // deadlines day 6, 7, 15 (case 4's is day 33)
                due: 3,
                due_closed: 2,
                due_closed_on_time: 1,
                // handled days 3, 9, 12
                handled: 3,
                handled_on_time: 2,
                handled_reworked: 1,
                handling_millis: (48 + 168 + 48) * HOUR,
                answered: 2,
                satisfied: 1,
            }
        );
        assert_eq!(rows["u2"].dispatched, 1);
        assert_eq!(rows["u2"].handled_on_time, 1);
    }

    #[test]
    fn a_street_adds_up_the_cases_of_all_its_units() {
        let rows = tally(&fixture(), Level::Street, JANUARY);
        assert_eq!(rows.len(), 1);
        let buji = &rows["buji"];
        assert_eq!(buji.dispatched, 5);
        assert_eq!(buji.due, 4);
        assert_eq!(buji.due_closed, 3);
        assert_eq!(buji.handled, 4);
        assert_eq!(buji.satisfied, 2);
    }

    #[test]
    fn the_period_includes_its_start_and_excludes_its_end() {
        let period = Period {
            from: DAY,
            to: 2 * DAY,
        };
        let at_start = case("buji", "u1", 1);
        let at_end = case("buji", "u1", 2);
        let rows = tally([&at_start, &at_end], Level::Unit, period);
        assert_eq!(rows["u1"].dispatched, 1);
    }

    #[test]
    fn a_case_handled_or_closed_after_the_period_does_not_count_as_handled_or_closed_in_it() {
        let late = CaseFacts {
            handled_at: Some(40 * DAY),
            closed_at: Some(41 * DAY),
            ..case("buji", "u1", 20)
        };
        let rows = tally([&late], Level::Unit, JANUARY);
        let u1 = &rows["u1"];
        assert_eq!((u1.dispatched, u1.dispatched_handled), (1, 0));
        assert_eq!((u1.due, u1.due_closed), (1, 0));
        assert_eq!(u1.handled, 0);
    }
}
