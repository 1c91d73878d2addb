//! Probable duplicates (合并): several reports of one problem, linked to the open case that
//! was reported first.

use serde::{Deserialize, Serialize};

/// Why a new report looks like a duplicate of an open case.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DuplicateLink {
    /// The open case it duplicates.
    pub case_id: String,
    /// Metres between the two reports, when both have coordinates (else they share a
    /// community).
    pub distance_m: Option<u32>,
    /// Minutes between the two reports.
    pub minutes: i64,
    /// How alike the two descriptions are, 0 to 1.
    pub similarity: f32,
    /// Whether both are the same catalog item (else the same category).
    pub same_item: bool,
}

/// An open case a new report may duplicate: what the comparison reads of it.
#[derive(Clone, Debug, PartialEq)]
pub struct OpenReport {
    pub id: String,
    pub item_code: String,
    pub description: String,
    pub community_code: Option<String>,
    pub position: Option<super::LatLon>,
    pub received_at: jiff::Timestamp,
}
