//! The people inside a unit: its sections (科室/中队) and staff, and who a case is assigned to.

use serde::{Deserialize, Serialize};

use super::Item;

/// The post a person holds (岗位): what they do and, with their unit, how far they reach.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    /// 承办人: handles cases; the only post cases are assigned to automatically.
    Handler,
    /// 科室负责人/中队长: leads a section; may reassign.
    SectionChief,
    /// 单位管理员: picks up what nobody could be assigned; may reassign.
    UnitAdmin,
    /// 指挥中心调度员: dispatch, adjudication, follow-up calls, supervision, district-wide.
    Dispatcher,
    /// 核查员: checks a handled case on site.
    Inspector,
    /// 街道领导: supervises the cases of their street.
    StreetLeader,
    /// 区领导: supervises across the district.
    DistrictLeader,
    /// 街道系统管理员: the street's plugins (versions, shadow runs, replays, rollbacks).
    StreetAdmin,
    /// 区信息化管理员 (district IT): accounts, tokens, imports.
    DistrictIt,
}

impl StaffRole {
    pub const ALL: [StaffRole; 9] = [
        Self::Handler,
        Self::SectionChief,
        Self::UnitAdmin,
        Self::Dispatcher,
        Self::Inspector,
        Self::StreetLeader,
        Self::DistrictLeader,
        Self::StreetAdmin,
        Self::DistrictIt,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StaffRole::Handler => "handler",
            StaffRole::SectionChief => "section_chief",
            StaffRole::UnitAdmin => "unit_admin",
            StaffRole::Dispatcher => "dispatcher",
            StaffRole::Inspector => "inspector",
            StaffRole::StreetLeader => "street_leader",
            StaffRole::DistrictLeader => "district_leader",
            StaffRole::StreetAdmin => "street_admin",
            StaffRole::DistrictIt => "district_it",
        }
    }

    /// The post's Chinese name, as the console shows it.
    pub fn label(self) -> &'static str {
        match self {
            StaffRole::Handler => "承办人",
            StaffRole::SectionChief => "科室负责人",
            StaffRole::UnitAdmin => "单位管理员",
            StaffRole::Dispatcher => "指挥中心调度员",
            StaffRole::Inspector => "核查员",
            StaffRole::StreetLeader => "街道领导",
            StaffRole::DistrictLeader => "区领导",
            StaffRole::StreetAdmin => "街道系统管理员",
            StaffRole::DistrictIt => "区信息化管理员",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Whether the post works the cases of its own unit only (the unit's people), rather than
    /// a street's or the district's.
    pub fn is_unit_post(self) -> bool {
        matches!(self, Self::Handler | Self::SectionChief | Self::UnitAdmin)
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
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SectionRef {
    pub code: String,
    pub name: String,
}

/// The person a case is assigned to (承办人).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Assignee {
    /// The staff id.
    pub id: String,
    pub name: String,
    pub section: Option<SectionRef>,
}
