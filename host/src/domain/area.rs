//! The district's areas: streets (街道) and their communities (社区).

use serde::{Deserialize, Serialize};

/// A WGS84 coordinate.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LatLon {
    pub lat: f64,
    pub lon: f64,
}

/// The box a coordinate must fall in to count as inside the district.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bounds {
    pub min_lat: f64,
    pub max_lat: f64,
    pub min_lon: f64,
    pub max_lon: f64,
}

impl Bounds {
    pub fn contains(&self, at: LatLon) -> bool {
        (self.min_lat..=self.max_lat).contains(&at.lat)
            && (self.min_lon..=self.max_lon).contains(&at.lon)
    }
}

/// A community (社区) of a street.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Community {
    pub code: String,
    pub name: String,
}

/// A street (街道), the unit of plugin ownership.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Street {
    /// The 9-digit NBS code, e.g. "440307014".
    pub code: String,
    /// The short ASCII name used in URLs and unit codes, e.g. "buji".
    pub slug: String,
    /// The Chinese name, e.g. "布吉街道".
    pub name: String,
    #[serde(default)]
    pub name_en: Option<String>,
    pub center: LatLon,
    pub communities: Vec<Community>,
}

impl Street {
    /// The name without the "街道" suffix, e.g. "布吉".
    pub fn short_name(&self) -> &str {
        self.name.strip_suffix("街道").unwrap_or(&self.name)
    }

    /// Whether `key` names this street: its code, slug, full or short Chinese name.
    pub fn is_named(&self, key: &str) -> bool {
        key == self.code
            || key.eq_ignore_ascii_case(&self.slug)
            || key == self.name
            || key == self.short_name()
    }

    /// The community with this code or name ("木棉湾" or "木棉湾社区").
    pub fn community(&self, key: &str) -> Option<&Community> {
        let name = key.strip_suffix("社区").unwrap_or(key);
        self.communities
            .iter()
            .find(|c| c.code == key || c.name == name)
    }
}

/// The district with its streets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct District {
    pub code: String,
    pub name: String,
    pub bounds: Bounds,
    pub streets: Vec<Street>,
}

impl District {
    /// The street named by code, slug or Chinese name.
    pub fn street(&self, key: &str) -> Option<&Street> {
        let key = key.trim();
        self.streets.iter().find(|s| s.is_named(key))
    }

    /// The street whose centre is nearest to a coordinate inside the district, or `None` when
    /// the coordinate is outside the district's bounds. Street centres are approximate, so this
    /// is a fallback for reports that name no street.
    pub fn street_at(&self, at: LatLon) -> Option<&Street> {
        if !self.bounds.contains(at) {
            return None;
        }
        let distance = |s: &Street| {
            let dlat = s.center.lat - at.lat;
            // Longitude degrees are shorter by cos(latitude): about 0.92 at 22.7°N.
            let dlon = (s.center.lon - at.lon) * at.lat.to_radians().cos();
            dlat * dlat + dlon * dlon
        };
        self.streets
            .iter()
            .min_by(|a, b| distance(a).total_cmp(&distance(b)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn district() -> District {
        let street = |code: &str, slug: &str, name: &str, lat, lon| Street {
            code: code.into(),
            slug: slug.into(),
            name: name.into(),
            name_en: None,
            center: LatLon { lat, lon },
            communities: vec![Community {
                code: format!("{code}001"),
                name: "木棉湾".into(),
            }],
        };
        District {
            code: "440307".into(),
            name: "龙岗区".into(),
            bounds: Bounds {
                min_lat: 22.55,
                max_lat: 22.82,
                min_lon: 114.0,
                max_lon: 114.4,
            },
            streets: vec![
                street("440307014", "buji", "布吉街道", 22.605, 114.12),
                street("440307003", "pinghu", "平湖街道", 22.675, 114.125),
            ],
        }
    }

    #[test]
    fn a_street_is_found_by_code_slug_or_chinese_name() {
        let d = district();
        for key in ["440307014", "buji", "BUJI", "布吉街道", "布吉", " 布吉 "] {
            assert_eq!(
                d.street(key).map(|s| s.slug.as_str()),
                Some("buji"),
                "{key}"
            );
        }
        assert!(d.street("futian").is_none());
    }

    #[test]
    fn coordinates_resolve_to_the_nearest_street_and_outside_points_to_none() {
        let d = district();
        let near_pinghu = LatLon {
            lat: 22.67,
            lon: 114.13,
        };
        assert_eq!(d.street_at(near_pinghu).unwrap().slug, "pinghu");
        let futian = LatLon {
            lat: 22.54,
            lon: 114.05,
        };
        assert!(d.street_at(futian).is_none());
    }

    #[test]
    fn a_community_is_found_with_or_without_its_suffix() {
        let d = district();
        let buji = d.street("buji").unwrap();
        assert!(buji.community("木棉湾社区").is_some());
        assert!(buji.community("440307014001").is_some());
        assert!(buji.community("大芬").is_none());
    }
}
