//! The offline map of a case's place: an inline SVG of the district's box and its streets'
//! centres, from the reference data (`seed/areas.json`). No tiles, nothing from the internet;
//! it shows where in the district a case is, not the street it is on.

use maud::{Markup, html};

use crate::domain::District;

const WIDTH: f64 = 520.0;
const LABEL: &str = "案件位置示意图（离线）";
const POINT: &str = "案件位置";
const STREET_ONLY: &str = "无坐标，标示所在街道中心";

/// The district with its street centres labelled, and the case: its point when it has one,
/// otherwise its street's centre highlighted.
pub fn map(district: &District, street_code: &str, point: Option<(f64, f64)>) -> Markup {
    let b = &district.bounds;
    // Degrees of longitude are shorter than degrees of latitude at ~22.7°N.
    let aspect = (b.max_lon - b.min_lon) * 22.7_f64.to_radians().cos() / (b.max_lat - b.min_lat);
    let height = (WIDTH / aspect).round();
    let x = |lon: f64| (lon - b.min_lon) / (b.max_lon - b.min_lon) * WIDTH;
    let y = |lat: f64| (b.max_lat - lat) / (b.max_lat - b.min_lat) * height;
    let inside = point.filter(|(lat, lon)| {
        (b.min_lat..=b.max_lat).contains(lat) && (b.min_lon..=b.max_lon).contains(lon)
    });
    html! {
        svg.map role="img" aria-label=(LABEL) viewBox=(format!("0 0 {WIDTH} {height}")) xmlns="http://www.w3.org/2000/svg" {
            title { (LABEL) }
            rect x="1" y="1" width=(WIDTH - 2.0) height=(height - 2.0) fill="none" stroke="#9fb3c8" stroke-dasharray="4 3" {}
            text x="8" y="16" { (district.name) }
            @for street in &district.streets {
                @let (cx, cy) = (x(street.center.lon), y(street.center.lat));
                @if street.code == street_code && inside.is_none() {
                    circle.chosen cx=(cx) cy=(cy) r="14" fill-opacity="0.25" {}
                    circle.chosen cx=(cx) cy=(cy) r="6" {}
                } @else {
                    circle.street cx=(cx) cy=(cy) r="3.5" {}
                }
                text x=(cx + 7.0) y=(cy + 4.0) { (street.short_name()) }
            }
            @if let Some((lat, lon)) = inside {
                circle.here cx=(x(lon)) cy=(y(lat)) r="7" stroke="#fff" stroke-width="2" {}
            }
        }
        p.hint { (if inside.is_some() { POINT } else { STREET_ONLY }) }
    }
}
