//! The district's base data (基础数据) as plain types: buildings with their address, housing
//! use and population, the legal entities registered at them, and the data sets ([`Grant`]) a
//! plugin deployment may be granted to read. Storing them is `crate::storage`'s, generating a
//! data set `crate::base_data`'s.

use serde::{Deserialize, Serialize};

/// 房屋用途.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BuildingUse {
    /// 商品住宅.
    Residential,
    /// 出租屋 (a building let out room by room).
    Rental,
    /// 城中村 (urban-village self-built housing, mostly let out).
    UrbanVillage,
    /// 商业.
    Commercial,
    /// 工业厂房.
    Industrial,
    /// 公共设施 (schools, clinics, offices).
    Public,
}

impl BuildingUse {
    pub const ALL: [BuildingUse; 6] = [
        BuildingUse::Residential,
        BuildingUse::Rental,
        BuildingUse::UrbanVillage,
        BuildingUse::Commercial,
        BuildingUse::Industrial,
        BuildingUse::Public,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BuildingUse::Residential => "residential",
            BuildingUse::Rental => "rental",
            BuildingUse::UrbanVillage => "urban_village",
            BuildingUse::Commercial => "commercial",
            BuildingUse::Industrial => "industrial",
            BuildingUse::Public => "public",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|u| u.as_str() == s)
    }
}

/// What kind of legal entity (法人/个体工商户) is registered at a building.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    Shop,
    Restaurant,
    /// 三小场所: small shops, small restaurants, small entertainment venues under fire-safety
    /// supervision.
    SmallVenue,
    Company,
    Factory,
}

impl EntityKind {
    pub const ALL: [EntityKind; 5] = [
        EntityKind::Shop,
        EntityKind::Restaurant,
        EntityKind::SmallVenue,
        EntityKind::Company,
        EntityKind::Factory,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Shop => "shop",
            EntityKind::Restaurant => "restaurant",
            EntityKind::SmallVenue => "small_venue",
            EntityKind::Company => "company",
            EntityKind::Factory => "factory",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Building {
    pub id: String,
    pub street_code: String,
    pub community_code: String,
    pub grid: Option<String>,
    /// The full address, e.g. 布吉街道木棉湾社区木棉湾新村三巷5栋.
    pub address: String,
    pub name: Option<String>,
    pub lat: f64,
    pub lon: f64,
    pub use_kind: BuildingUse,
    pub floors: u32,
    pub rental_units: u32,
    pub households: u32,
    pub population: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LegalEntity {
    pub id: String,
    pub building_id: String,
    pub street_code: String,
    pub name: String,
    pub kind: EntityKind,
    pub small_venue: bool,
}

/// A data set a deployment may be granted.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Grant {
    /// Buildings, housing use and population counts.
    Buildings,
    /// Legal entities by building.
    Entities,
}

impl Grant {
    pub fn as_str(self) -> &'static str {
        match self {
            Grant::Buildings => "buildings",
            Grant::Entities => "entities",
        }
    }

    /// Parses a comma-separated list such as `buildings,entities`; an unknown name is an error
    /// naming it.
    pub fn parse_list(text: &str) -> Result<Vec<Grant>, String> {
        let mut grants = Vec::new();
        for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let grant = match name {
                "buildings" => Grant::Buildings,
                "entities" => Grant::Entities,
                other => {
                    return Err(format!("unknown data set {other:?}: buildings or entities"));
                }
            };
            if !grants.contains(&grant) {
                grants.push(grant);
            }
        }
        grants.sort();
        Ok(grants)
    }

    pub fn list_text(grants: &[Grant]) -> String {
        grants
            .iter()
            .map(|g| g.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grants_parse_from_a_list_and_refuse_unknown_data_sets() {
        assert_eq!(
            Grant::parse_list(" entities, buildings,entities"),
            Ok(vec![Grant::Buildings, Grant::Entities])
        );
        assert_eq!(Grant::parse_list(""), Ok(vec![]));
        assert!(
            Grant::parse_list("population")
                .unwrap_err()
                .contains("population")
        );
        assert_eq!(
            Grant::list_text(&[Grant::Buildings, Grant::Entities]),
            "buildings,entities"
        );
    }
}
