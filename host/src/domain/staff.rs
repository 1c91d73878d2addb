//! The people inside a unit: its sections (科室/中队) and staff, and who a case is assigned to.

use serde::{Deserialize, Serialize};

use super::Item;

/// What a staff member does in a unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    /// 承办人: handles cases; the only role cases are assigned to automatically.
    Handler,
    /// 科室负责人/中队长: leads a section; may reassign.
    SectionChief,
    /// 单位管理员: picks up what nobody could be assigned; may reassign.
    UnitAdmin,
}

impl StaffRole {
    pub fn as_str(self) -> &'static str {
        match self {
            StaffRole::Handler => "handler",
            StaffRole::SectionChief => "section_chief",
            StaffRole::UnitAdmin => "unit_admin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Handler, Self::SectionChief, Self::UnitAdmin]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
}

/// A section of a unit (科室, 中队, 工作组).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Section {
    pub code: String,
    /// The unit's code.
    pub unit: String,
    pub name: String,
    /// Item families it handles: category codes (`01`) or item codes (`06-004`).
    #[serde(default)]
    pub skills: Vec<String>,
}

/// A person of a unit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Staff {
    pub id: String,
    pub name: String,
    /// The unit's code.
    pub unit: String,
    /// The section's code; a unit administrator may belong to none.
    #[serde(default)]
    pub section: Option<String>,
    pub role: StaffRole,
    /// What this person knows best: category codes or item codes.
    #[serde(default)]
    pub skills: Vec<String>,
    /// Community codes this person covers; empty for the unit's whole area.
    #[serde(default)]
    pub areas: Vec<String>,
    pub on_duty: bool,
}

/// Whether a list of skills covers `item`: by its code or by its category's.
pub fn covers(skills: &[String], item: &Item) -> bool {
    skills
        .iter()
        .any(|s| *s == item.code || *s == item.category)
}

/// A section named in a decision.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SectionRef {
    pub code: String,
    pub name: String,
}

/// The person a case is assigned to (承办人).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Assignee {
    /// The staff id.
    pub id: String,
    pub name: String,
    pub section: Option<SectionRef>,
}
