//! One event decided twice, by the path that applied and by a candidate plugin version, as
//! short comparable verdicts. Summarising many of them is `crate::versions`'s.

/// One event decided twice: by the path that applied (the active version, or the district
/// when it has none) and by the candidate version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comparison {
    pub event_id: String,
    /// The catalog item the event was classified as on the applied path.
    pub item_code: String,
    /// Verdicts are short comparable texts: "item 14-001 high", "unit buji.ws.003",
    /// "fault:timeout".
    pub active: String,
    pub candidate: String,
    /// The candidate's fault kind, when it faulted.
    pub fault: Option<String>,
    /// Time of the candidate's call.
    pub micros: u64,
}

impl Comparison {
    pub fn differs(&self) -> bool {
        self.active != self.candidate
    }
}
