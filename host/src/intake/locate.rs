//! Where an event happened: the street and community named in a request, or found from its
//! coordinates, resolved against the district's areas.

use super::fields::{bounded, plain};
use super::request::{InvalidEvent, LocationRequest, MAX_ADDRESS_CHARS, invalid};
use crate::domain::{LatLon, Location};
use crate::reference::Reference;

/// Resolves street and community: an explicit street wins, then a community name that is
/// unique in the district, then coordinates.
pub(super) fn locate(
    reference: &Reference,
    request: LocationRequest,
) -> Result<Location, InvalidEvent> {
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
    for (field, value) in [
        ("location.street", &request.street),
        ("location.community", &request.community),
    ] {
        if let Some(value) = value {
            plain(value, field)?;
        }
    }
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
