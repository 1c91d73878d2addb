//! Coordinates as channels send them: WGS84 (GPS, what Streetwise stores), or the datums of
//! Chinese map apps, GCJ-02 (高德, 腾讯 and most others) and BD-09 (百度), converted to WGS84
//! on the way in. Pure functions over the `geocoordinates` crate; nothing here knows HTTP.
//!
//! GCJ-02 → WGS84 has no closed form: the crate inverts the published forward offset by
//! fixed-point iteration to within half a metre, far below what a citizen's pin is worth.

use geocoordinates::{Bd09, Gcj02};

/// The datum a pair of coordinates is given in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CoordinateSystem {
    Wgs84,
    Gcj02,
    Bd09,
}

impl CoordinateSystem {
    pub const ALL: [CoordinateSystem; 3] = [
        CoordinateSystem::Wgs84,
        CoordinateSystem::Gcj02,
        CoordinateSystem::Bd09,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CoordinateSystem::Wgs84 => "wgs84",
            CoordinateSystem::Gcj02 => "gcj02",
            CoordinateSystem::Bd09 => "bd09",
        }
    }

    /// `wgs84`, `gcj02` or `bd09`, in any case, with or without a dash (`GCJ-02`).
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim().to_ascii_lowercase().replace('-', "");
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// Coordinates out of range (latitude ±90, longitude ±180) or not finite.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("coordinates {lat}, {lon} are not a valid latitude and longitude")]
pub struct InvalidCoordinates {
    pub lat: f64,
    pub lon: f64,
}

/// `(lat, lon)` in WGS84 for a point given in `system`.
pub fn to_wgs84(
    system: CoordinateSystem,
    lat: f64,
    lon: f64,
) -> Result<(f64, f64), InvalidCoordinates> {
    let invalid = |_| InvalidCoordinates { lat, lon };
    let wgs = match system {
        CoordinateSystem::Wgs84 => {
            geocoordinates::Wgs84::new(lat, lon)
                .validate()
                .map_err(invalid)?;
            return Ok((lat, lon));
        }
        CoordinateSystem::Gcj02 => Gcj02::new(lat, lon)
            .try_to_wgs84_refined()
            .map_err(invalid)?,
        CoordinateSystem::Bd09 => Bd09::new(lat, lon)
            .try_to_wgs84_refined()
            .map_err(invalid)?,
    };
    let wgs = wgs.into_inner();
    Ok((wgs.lat, wgs.lon))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Metres between two nearby points (equirectangular; exact enough under a kilometre).
    fn metres(a: (f64, f64), b: (f64, f64)) -> f64 {
        let r = 6_371_000.0_f64;
        let dlat = (a.0 - b.0).to_radians();
        let dlon = (a.1 - b.1).to_radians() * a.0.to_radians().cos();
        r * (dlat * dlat + dlon * dlon).sqrt()
    }

    // Published vectors: wandergis/coordtransform (the reference JavaScript implementation
    // most Chinese map integrations copy), `test/app.js`, all for the input
    // (lon 116.404, lat 39.915):
    //   wgs84togcj02 → [116.41024449916938, 39.91640428150164]   (exact forward offset)
    //   gcj02tobd09  → [116.41036949371029, 39.92133699351021]   (exact forward offset)
    //   bd09togcj02  → [116.39762729119315, 39.90865673957631]   (its approximate inverse)
    //   gcj02towgs84 → [116.39775550083061, 39.91359571849836]   (its one-step inverse, ~1 m)
    const POINT: (f64, f64) = (39.915, 116.404);

    #[test]
    fn the_forward_offsets_we_invert_are_the_published_ones_exactly() {
        let gcj = geocoordinates::Wgs84::new(POINT.0, POINT.1)
            .try_to_gcj02()
            .unwrap();
        assert!((gcj.lat - 39.916_404_281_501_64).abs() < 1e-9, "{gcj:?}");
        assert!((gcj.lon - 116.410_244_499_169_38).abs() < 1e-9, "{gcj:?}");
        let bd = Gcj02::new(POINT.0, POINT.1).try_to_bd09().unwrap();
        assert!((bd.lat - 39.921_336_993_510_21).abs() < 1e-9, "{bd:?}");
        assert!((bd.lon - 116.410_369_493_710_29).abs() < 1e-9, "{bd:?}");
    }

    #[test]
    fn a_gcj02_point_converts_back_to_the_wgs84_point_it_was_published_from() {
        let wgs = to_wgs84(
            CoordinateSystem::Gcj02,
            39.916_404_281_501_64,
            116.410_244_499_169_38,
        )
        .unwrap();
        assert!(metres(wgs, POINT) < 0.5, "{wgs:?}");
    }

    #[test]
    fn a_bd09_point_converts_back_through_gcj02_to_wgs84() {
        // BD-09 (39.92133699351021, 116.41036949371029) is GCJ-02 POINT; POINT as GCJ-02 is
        // WGS84 (39.91359571849836, 116.39775550083061) to within the one-step inverse's metre.
        let wgs = to_wgs84(
            CoordinateSystem::Bd09,
            39.921_336_993_510_21,
            116.410_369_493_710_29,
        )
        .unwrap();
        let published = (39.913_595_718_498_36, 116.397_755_500_830_61);
        assert!(metres(wgs, published) < 2.0, "{wgs:?}");
    }

    #[test]
    fn the_published_approximate_inverses_agree_with_ours_within_a_metre_or_two() {
        let gcj_of_bd = (39.908_656_739_576_31, 116.397_627_291_193_15);
        let ours = to_wgs84(CoordinateSystem::Bd09, POINT.0, POINT.1).unwrap();
        let via_published = to_wgs84(CoordinateSystem::Gcj02, gcj_of_bd.0, gcj_of_bd.1).unwrap();
        assert!(
            metres(ours, via_published) < 2.0,
            "{ours:?} {via_published:?}"
        );
        let wgs = to_wgs84(CoordinateSystem::Gcj02, POINT.0, POINT.1).unwrap();
        let published = (39.913_595_718_498_36, 116.397_755_500_830_61);
        assert!(metres(wgs, published) < 2.0, "{wgs:?}");
        // And the offset is real: a GCJ-02 point is hundreds of metres from the same numbers
        // read as WGS84 in Beijing.
        assert!(metres(wgs, POINT) > 300.0);
    }

    #[test]
    fn wgs84_passes_through_and_nonsense_is_refused() {
        assert_eq!(
            to_wgs84(CoordinateSystem::Wgs84, 22.7, 114.2),
            Ok((22.7, 114.2))
        );
        assert!(to_wgs84(CoordinateSystem::Gcj02, 91.0, 114.2).is_err());
        assert!(to_wgs84(CoordinateSystem::Bd09, f64::NAN, 114.2).is_err());
        assert!(to_wgs84(CoordinateSystem::Wgs84, 22.7, 181.0).is_err());
    }

    #[test]
    fn systems_parse_as_map_apps_write_them() {
        assert_eq!(
            CoordinateSystem::parse("GCJ-02"),
            Some(CoordinateSystem::Gcj02)
        );
        assert_eq!(
            CoordinateSystem::parse("bd09"),
            Some(CoordinateSystem::Bd09)
        );
        assert_eq!(
            CoordinateSystem::parse("WGS84"),
            Some(CoordinateSystem::Wgs84)
        );
        assert_eq!(CoordinateSystem::parse("mercator"), None);
    }
}
