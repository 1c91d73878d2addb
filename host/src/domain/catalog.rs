//! The event catalog (事件清单) and the responsibility list (权责清单).

use serde::{Deserialize, Serialize};

use super::{Priority, TimeLimit};

/// A major category (大类).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Category {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub name_en: Option<String>,
}

/// A catalog item (事项).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Item {
    pub code: String,
    /// The category's code.
    pub category: String,
    pub name: String,
    #[serde(default)]
    pub name_en: Option<String>,
    #[serde(default)]
    pub keywords: Vec<String>,
    pub time_limit: TimeLimit,
    pub priority: Priority,
    #[serde(default)]
    pub requirements: String,
}

/// The catalog: categories, items and the item used when nothing matches.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Catalog {
    pub version: String,
    pub categories: Vec<Category>,
    pub items: Vec<Item>,
    pub fallback_item: String,
}

impl Catalog {
    pub fn item(&self, code: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.code == code)
    }

    pub fn category(&self, code: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.code == code)
    }
}

/// One candidate handling unit in a responsibility entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum HandlingRef {
    /// A unit by code.
    Unit(String),
    /// The event's street's unit with this role (`street:<role>`).
    StreetRole(String),
    /// The event's community workstation (`community`).
    Community,
}

impl From<HandlingRef> for String {
    fn from(r: HandlingRef) -> String {
        match r {
            HandlingRef::Unit(code) => code,
            HandlingRef::StreetRole(role) => format!("street:{role}"),
            HandlingRef::Community => "community".into(),
        }
    }
}

impl TryFrom<String> for HandlingRef {
    type Error = String;

    fn try_from(s: String) -> Result<Self, String> {
        let s = s.trim();
        if s == "community" {
            Ok(HandlingRef::Community)
        } else if let Some(role) = s.strip_prefix("street:") {
            if role.is_empty() {
                return Err("`street:` needs a role, e.g. `street:law-enforcement`".into());
            }
            Ok(HandlingRef::StreetRole(role.into()))
        } else if s.is_empty() {
            Err("empty handling unit".into())
        } else {
            Ok(HandlingRef::Unit(s.into()))
        }
    }
}

/// A responsibility entry: for an item in an area, who owns it, who may handle it, how fast.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Responsibility {
    pub item: String,
    /// `*` for the whole district, or a street code.
    pub area: String,
    pub owner_unit: String,
    /// Candidate handling units, in order of preference.
    pub handling: Vec<HandlingRef>,
    /// Overrides the item's time limit in this area.
    #[serde(default)]
    pub time_limit: Option<TimeLimit>,
}

impl Responsibility {
    pub const DISTRICT: &'static str = "*";
}
