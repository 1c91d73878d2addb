//! The settings of the district's classifier and of duplicate detection.

use clap::Args;

/// The district's learned classifier.
#[derive(Args, Clone, Debug)]
pub struct ClassifierSettings {
    /// Below this confidence (0 to 1) the learned classifier does not guess: the event waits
    /// in the centre's manual-dispatch queue (待分拨) with its three suggestions. 0 turns the
    /// queue off.
    #[arg(long, env = "STREETWISE_MANUAL_DISPATCH_BELOW", default_value_t = 0.5)]
    pub manual_dispatch_below: f32,

    /// Days between two trainings from the decided history (closed cases and the centre's
    /// corrections); counted from the newest stored model. 0 turns retraining off.
    #[arg(long, env = "STREETWISE_RETRAIN_DAYS", default_value_t = 7)]
    pub retrain_days: u32,

    /// Seconds between two checks for a model or override stored by another host (or the
    /// command line).
    #[arg(long, env = "STREETWISE_CLASSIFIER_REFRESH_SECS", default_value_t = 2)]
    pub classifier_refresh_secs: u64,

    /// A directory where the first model (trained from the catalog and the shipped corpus
    /// when a database has none) is kept, so that new databases on this machine skip its
    /// training. Unset: trained once per process.
    #[arg(long, env = "STREETWISE_MODEL_CACHE")]
    pub model_cache: Option<std::path::PathBuf>,
}

/// When a new report is held as a probable duplicate (合并) of an open case.
#[derive(Args, Clone, Debug)]
pub struct DuplicateSettings {
    /// Farthest apart two reports can be, in metres, when both have coordinates (without
    /// them, the same community counts). 0 turns duplicate detection off.
    #[arg(long, env = "STREETWISE_DUPLICATE_RADIUS_M", default_value_t = 300.0)]
    pub duplicate_radius_m: f64,

    /// Longest time, in hours, between a report and the open case it duplicates.
    #[arg(long, env = "STREETWISE_DUPLICATE_WINDOW_HOURS", default_value_t = 48)]
    pub duplicate_window_hours: u32,

    /// Least similarity (0 to 1, character bigrams) of the two descriptions for the same
    /// catalog item.
    #[arg(
        long,
        env = "STREETWISE_DUPLICATE_MIN_SIMILARITY",
        default_value_t = 0.2
    )]
    pub duplicate_min_similarity: f32,

    /// Least similarity for two items of one category.
    #[arg(
        long,
        env = "STREETWISE_DUPLICATE_MIN_SIMILARITY_CATEGORY",
        default_value_t = 0.4
    )]
    pub duplicate_min_similarity_category: f32,
}

impl DuplicateSettings {
    /// The rules, or `None` when detection is off.
    pub fn rules(&self) -> Option<crate::duplicates::Rules> {
        (self.duplicate_radius_m > 0.0).then(|| crate::duplicates::Rules {
            radius_m: self.duplicate_radius_m,
            window: jiff::SignedDuration::from_hours(i64::from(self.duplicate_window_hours)),
            min_similarity: self.duplicate_min_similarity,
            min_similarity_category: self.duplicate_min_similarity_category,
        })
    }
}
