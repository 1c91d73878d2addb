//! Indicators (绩效评价) and rankings: per street and per unit over a period, from facts each
//! case accumulates as it moves through its lifecycle. Owns the rates, the combined score and
//! the ranking; does not own the counts they divide (which cases count in which numerator and
//! denominator: [`Counts`](crate::domain::Counts), [`tally`](crate::domain::tally)), the
//! storage queries (`crate::storage`, which computes the same counts with SQL aggregates) or
//! the lifecycle rules (`crate::lifecycle`).
//!
//! # Facts per case
//! Every case carries, besides its street (`events.street_code`) and the unit that holds it
//! (`events.handling_unit`, the unit it ends with after any reassignment), these facts, kept
//! up to date in the transaction that applies each action
//! ([`Marks`](crate::lifecycle::Marks)):
//! - dispatched at: when intake dispatched it (`received_at`: intake dispatches at once);
//! - deadline: the stored deadline (`deadline`);
//! - handled at: the time of its latest handling report (`finish`), if any;
//! - closed at: when it reached `closed`, if it did;
//! - reworks: how many times verification failed (`verify_fail`);
//! - reassignments: how many times a return was approved (`approve_return`);
//! - extensions: how many extensions were approved (`approve_extension`);
//! - satisfied / unsatisfied: how many follow-up answers of each kind it got.
//!
//! # Populations of a period [from, to)
//! - **dispatched in the period**: dispatched at ∈ [from, to);
//! - **due in the period**: deadline ∈ [from, to);
//! - **handled in the period**: handled at ∈ [from, to).
//!
//! # Indicators (each a fraction in 0..=1, or `None` when its denominator is 0)
//! | indicator | numerator | denominator |
//! |---|---|---|
//! | 结案率 `closing_rate` | due cases closed before `to` | due in the period |
//! | 按期结案率 `on_time_closing_rate` | due cases closed at or before their deadline | due in the period |
//! | 处置率 `handling_rate` | dispatched cases handled before `to` | dispatched in the period |
//! | 按期处置率 `on_time_handling_rate` | handled cases handled at or before their deadline | handled in the period |
//! | 返工率 `rework_rate` | handled cases with at least one rework | handled in the period |
//! | 准确派遣率 `accurate_dispatch_rate` | dispatched cases never reassigned | dispatched in the period |
//! | 延期率 `extension_rate` | dispatched cases with an approved extension | dispatched in the period |
//! | 满意率 `satisfaction_rate` | answered cases with no unsatisfied answer | handled cases with a follow-up answer |
//! | 平均处置时长 `avg_handling_hours` | Σ (handled at − dispatched at), hours | handled in the period |
//!
//! The combined score is `100 × (w₁·处置率 + w₂·按期处置率 − w₃·返工率)` with weights from
//! the settings (default 0.3, 0.6, 0.1; DOMAIN.md marks them unverified); a rate without
//! cases counts as 0 in the score. Rows are ranked by score, highest first; equal scores (to
//! 0.01) share a rank.

mod score;

pub use score::{Indicators, Ranked, Weights, rank};
