//! What a channel posts to `POST /api/v1/events`, and its validation into an [`Event`].
//! Every rejection names the field and says how to fix it.

use std::collections::BTreeMap;

use jiff::{Span, Timestamp};
use serde::Deserialize;

use crate::domain::{Event, LatLon, Location, Reporter, Source};
use crate::reference::Reference;

pub const MAX_DESCRIPTION_CHARS: usize = 2000;
const MAX_EXTERNAL_ID_CHARS: usize = 128;
const MAX_ADDRESS_CHARS: usize = 500;
const MAX_ATTRIBUTES: usize = 32;
const MAX_ATTRIBUTE_KEY_CHARS: usize = 64;
const MAX_ATTRIBUTE_VALUE_CHARS: usize = 500;

/// The JSON body of `POST /api/v1/events`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewEventRequest {
    pub source: String,
    #[serde(default)]
    pub external_id: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// RFC 3339 with offset; defaults to the time of receipt.
    #[serde(default)]
    pub reported_at: Option<String>,
    #[serde(default)]
    pub location: Option<LocationRequest>,
    #[serde(default)]
    pub reporter: Option<ReporterRequest>,
    #[serde(default)]
    pub attributes: Option<serde_json::Map<String, serde_json::Value>>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocationRequest {
    #[serde(default)]
    pub lat: Option<f64>,
    #[serde(default)]
    pub lon: Option<f64>,
    #[serde(default)]
    pub address: Option<String>,
    /// A street code ("440307014"), slug ("buji") or Chinese name ("布吉" / "布吉街道").
    #[serde(default)]
    pub street: Option<String>,
    /// A community code or name ("木棉湾" / "木棉湾社区").
    #[serde(default)]
    pub community: Option<String>,
    #[serde(default)]
    pub grid: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReporterRequest {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
}

/// A rejected event: a stable code, the field at fault and what to do.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct InvalidEvent {
    pub code: &'static str,
    pub field: &'static str,
    pub message: String,
}

fn invalid(code: &'static str, field: &'static str, message: impl Into<String>) -> InvalidEvent {
    InvalidEvent {
        code,
        field,
        message: message.into(),
    }
}

impl NewEventRequest {
    /// Checks every field and resolves the location against the district's areas.
    pub fn validate(
        self,
        reference: &Reference,
        id: String,
        now: Timestamp,
    ) -> Result<Event, InvalidEvent> {
        let source = Source::parse(self.source.trim())
            .filter(|s| *s != Source::Scenario)
            .ok_or_else(|| {
                invalid(
                    "invalid_source",
                    "source",
                    format!(
                        "unknown source {:?}: use one of hotline, letter, web, grid, sensor, referral, other",
                        self.source
                    ),
                )
            })?;
        let external_id = match self.external_id.map(|s| s.trim().to_string()) {
            Some(s) if s.is_empty() => None,
            Some(s) if s.chars().count() > MAX_EXTERNAL_ID_CHARS => {
                return Err(invalid(
                    "too_long",
                    "external_id",
                    format!("external_id is longer than {MAX_EXTERNAL_ID_CHARS} characters"),
                ));
            }
            other => other,
        };
        let description = self.description.unwrap_or_default().trim().to_string();
        if description.is_empty() {
            return Err(invalid(
                "missing_description",
                "description",
                "description is required: what happened, where, in the reporter's words",
            ));
        }
        let length = description.chars().count();
        if length > MAX_DESCRIPTION_CHARS {
            return Err(invalid(
                "too_long",
                "description",
                format!("description has {length} characters, at most {MAX_DESCRIPTION_CHARS}"),
            ));
        }
        let reported_at = match self.reported_at.as_deref().map(str::trim) {
            None | Some("") => now,
            Some(text) => {
                let at: Timestamp = text.parse().map_err(|_| {
                    invalid(
                        "invalid_time",
                        "reported_at",
                        format!(
                            "reported_at {text:?} is not RFC 3339 with an offset, e.g. 2026-07-01T09:30:00+08:00"
                        ),
                    )
                })?;
                if at > now + Span::new().minutes(5) {
                    return Err(invalid(
                        "invalid_time",
                        "reported_at",
                        "reported_at is in the future",
                    ));
                }
                at
            }
        };
        let location = locate(reference, self.location.unwrap_or_default())?;
        let reporter = self.reporter.unwrap_or_default();
        let reporter = Reporter {
            name: bounded(reporter.name, 100, "reporter.name")?,
            phone: match bounded(reporter.phone, 32, "reporter.phone")? {
                Some(phone)
                    if !phone
                        .chars()
                        .all(|c| c.is_ascii_digit() || "+- ()".contains(c)) =>
                {
                    return Err(invalid(
                        "invalid_phone",
                        "reporter.phone",
                        "reporter.phone may hold only digits, spaces and + - ( )",
                    ));
                }
                other => other,
            },
        };
        Ok(Event {
            id,
            source,
            external_id,
            description,
            reported_at,
            received_at: now,
            location,
            reporter,
            attributes: attributes(self.attributes.unwrap_or_default())?,
            parent_id: None,
        })
    }
}

/// Resolves street and community: an explicit street wins, then a community name that is
/// unique in the district, then coordinates.
fn locate(reference: &Reference, request: LocationRequest) -> Result<Location, InvalidEvent> {
    let district = &reference.district;
    let coordinates = match (request.lat, request.lon) {
        (Some(lat), Some(lon)) => {
            let at = LatLon { lat, lon };
            if !lat.is_finite() || !lon.is_finite() || !district.bounds.contains(at) {
                return Err(invalid(
                    "outside_district",
                    "location",
                    format!(
                        "coordinates {lat}, {lon} are outside {} (WGS84 latitude {}..{}, longitude {}..{})",
                        district.name,
                        district.bounds.min_lat,
                        district.bounds.max_lat,
                        district.bounds.min_lon,
                        district.bounds.max_lon
                    ),
                ));
            }
            Some(at)
        }
        (None, None) => None,
        _ => {
            return Err(invalid(
                "invalid_location",
                "location",
                "give both location.lat and location.lon, or neither",
            ));
        }
    };
    let street_key = request
        .street
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let community_key = request
        .community
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let street = match street_key {
        Some(key) => Some(district.street(key).ok_or_else(|| {
            invalid(
                "unknown_street",
                "location.street",
                format!(
                    "unknown street {key:?}: use a code, slug or name of one of {}",
                    district
                        .streets
                        .iter()
                        .map(|s| format!("{} ({})", s.short_name(), s.slug))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?),
        None => None,
    };
    let (street, community) = match (street, community_key) {
        (Some(street), Some(key)) => {
            let community = street.community(key).ok_or_else(|| {
                invalid(
                    "unknown_community",
                    "location.community",
                    format!("{} has no community {key:?}", street.name),
                )
            })?;
            (street, Some(community))
        }
        (Some(street), None) => (street, None),
        (None, Some(key)) => {
            let matches: Vec<_> = district
                .streets
                .iter()
                .filter_map(|s| s.community(key).map(|c| (s, c)))
                .collect();
            match matches.as_slice() {
                [(street, community)] => (*street, Some(*community)),
                [] => {
                    return Err(invalid(
                        "unknown_community",
                        "location.community",
                        format!("no community {key:?} in {}", district.name),
                    ));
                }
                _ => {
                    return Err(invalid(
                        "ambiguous_community",
                        "location.community",
                        format!(
                            "several streets have a community {key:?}: give location.street too"
                        ),
                    ));
                }
            }
        }
        (None, None) => match coordinates.and_then(|at| district.street_at(at)) {
            Some(street) => (street, None),
            None => {
                return Err(invalid(
                    "missing_location",
                    "location",
                    "say where: location.street, location.community, or lat and lon inside the district",
                ));
            }
        },
    };
    Ok(Location {
        street_code: street.code.clone(),
        street_name: street.name.clone(),
        community_code: community.map(|c| c.code.clone()),
        community_name: community.map(|c| c.name.clone()),
        grid: bounded(request.grid, 32, "location.grid")?,
        lat: coordinates.map(|c| c.lat),
        lon: coordinates.map(|c| c.lon),
        address: bounded(request.address, MAX_ADDRESS_CHARS, "location.address")?,
    })
}

fn bounded(
    value: Option<String>,
    max_chars: usize,
    field: &'static str,
) -> Result<Option<String>, InvalidEvent> {
    match value.map(|v| v.trim().to_string()) {
        Some(v) if v.is_empty() => Ok(None),
        Some(v) if v.chars().count() > max_chars => Err(invalid(
            "too_long",
            field,
            format!("{field} is longer than {max_chars} characters"),
        )),
        other => Ok(other),
    }
}

/// Channel attributes: a flat object of strings, numbers or booleans, kept as text.
fn attributes(
    map: serde_json::Map<String, serde_json::Value>,
) -> Result<BTreeMap<String, String>, InvalidEvent> {
    if map.len() > MAX_ATTRIBUTES {
        return Err(invalid(
            "too_many_attributes",
            "attributes",
            format!("at most {MAX_ATTRIBUTES} attributes"),
        ));
    }
    let mut out = BTreeMap::new();
    for (key, value) in map {
        if key.is_empty() || key.chars().count() > MAX_ATTRIBUTE_KEY_CHARS {
            return Err(invalid(
                "invalid_attribute",
                "attributes",
                format!("attribute names must be 1 to {MAX_ATTRIBUTE_KEY_CHARS} characters"),
            ));
        }
        let text = match value {
            serde_json::Value::String(s) => s,
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::Bool(b) => b.to_string(),
            serde_json::Value::Null => continue,
            _ => {
                return Err(invalid(
                    "invalid_attribute",
                    "attributes",
                    format!("attribute {key:?} must be a string, number or boolean"),
                ));
            }
        };
        if text.chars().count() > MAX_ATTRIBUTE_VALUE_CHARS {
            return Err(invalid(
                "invalid_attribute",
                "attributes",
                format!("attribute {key:?} is longer than {MAX_ATTRIBUTE_VALUE_CHARS} characters"),
            ));
        }
        out.insert(key, text);
    }
    Ok(out)
}
