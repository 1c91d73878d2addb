//! Units (单位): the bodies events are dispatched to.

use serde::{Deserialize, Serialize};

/// What kind of body a unit is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// 区直部门.
    DistrictBureau,
    /// A street office's department (街道办).
    StreetOffice,
    /// 社区工作站.
    CommunityWorkstation,
    /// A utility or other enterprise.
    Enterprise,
}

/// A unit of the directory.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Unit {
    pub code: String,
    pub name: String,
    pub kind: UnitKind,
    /// The street code, for street offices and community workstations.
    #[serde(default)]
    pub street: Option<String>,
    /// The role a street office plays (`law-enforcement`, `flood-control`, ...).
    #[serde(default)]
    pub role: Option<String>,
    /// The community code, for community workstations.
    #[serde(default)]
    pub community: Option<String>,
}

impl Unit {
    /// District-wide units (bureaus, enterprises) serve every street.
    pub fn is_district_wide(&self) -> bool {
        self.street.is_none()
    }

    /// Whether a plugin of `street` may see this unit.
    pub fn visible_to(&self, street: &str) -> bool {
        self.street.as_deref().is_none_or(|s| s == street)
    }
}
