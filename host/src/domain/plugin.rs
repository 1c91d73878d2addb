//! Street plugins as stored versions: the three kinds, a deployed version with what it may read
//! and where it runs, how it is deployed (active or in shadow) and what a deploy replaced.
//! Storing them is `crate::storage`'s, compiling and running them `crate::runtime`'s.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::Grant;

/// The three kinds of plugin, one WIT world each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PluginKind {
    Classifier,
    Router,
    Scenario,
}

impl PluginKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PluginKind::Classifier => "classifier",
            PluginKind::Router => "router",
            PluginKind::Scenario => "scenario",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Classifier, Self::Router, Self::Scenario]
            .into_iter()
            .find(|k| k.as_str() == s)
    }

    /// A street has at most one active router; classifiers and scenarios stack, each name
    /// with its own active version, in the order the street sets.
    pub fn single_per_street(self) -> bool {
        matches!(self, PluginKind::Router)
    }
}

/// A stored plugin version, without its bytes.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PluginVersion {
    pub street_code: String,
    pub name: String,
    pub version: u32,
    pub kind: PluginKind,
    pub sha256: String,
    pub size: u64,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "crate::calendar::cst")]
    pub deployed_at: Timestamp,
    pub deployed_by: String,
    pub active: bool,
    /// A note from whoever deployed it.
    pub notes: Option<String>,
    /// Running in shadow: decisions recorded beside the active version's, never applied.
    pub shadow: Option<ShadowRun>,
    /// The base data sets this version may read.
    pub grants: Vec<Grant>,
    /// Where it runs among its street's classifiers (or scenarios): lowest first, then by name.
    pub run_order: u32,
    /// What its deploy or activation took out of the path (only in that answer).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub replaced: Vec<Replaced>,
}

/// An active version that a deploy or an activation deactivated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Replaced {
    pub name: String,
    pub version: u32,
}

/// How long a shadow version runs: until a time, for a number of events, or both (whichever
/// comes first).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ShadowRun {
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "crate::calendar::cst::option")]
    pub until: Option<Timestamp>,
    /// Events left to run on, as stored (the running host counts down in memory).
    pub events_left: Option<u64>,
}

/// How a new version is deployed.
#[derive(Clone, Debug, Default)]
pub enum DeployMode {
    /// Active at once (the previous active version stays stored and can be reactivated).
    #[default]
    Active,
    /// Beside the active version, decisions recorded only.
    Shadow(ShadowRun),
}
