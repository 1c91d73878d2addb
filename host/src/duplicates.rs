//! Probable duplicates: whether a new report describes the same problem as an open case of
//! the same item or category, near it in place and time, in similar words. Pure: the caller
//! reads the open cases (see [`Rules::search_box`]) and decides what to do with a match.

use jiff::{SignedDuration, Timestamp};

use crate::domain::{DuplicateLink, LatLon, OpenReport};

/// When two reports count as one problem.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rules {
    /// Farthest apart, in metres, when both have coordinates.
    pub radius_m: f64,
    /// Longest time between them.
    pub window: SignedDuration,
    /// Least similarity of the descriptions (0 to 1) for the same item.
    pub min_similarity: f32,
    /// Least similarity for different items of one category: the words must say more.
    pub min_similarity_category: f32,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            radius_m: 300.0,
            window: SignedDuration::from_hours(48),
            min_similarity: 0.2,
            min_similarity_category: 0.4,
        }
    }
}

/// A new report, as compared.
#[derive(Clone, Copy, Debug)]
pub struct Report<'a> {
    pub item_code: &'a str,
    pub description: &'a str,
    pub community_code: Option<&'a str>,
    pub position: Option<LatLon>,
    pub received_at: Timestamp,
}

/// The south-west and north-east corners of the box around `at` that holds the radius.
pub fn search_box(at: LatLon, radius_m: f64) -> (LatLon, LatLon) {
    let dlat = radius_m / METRES_PER_DEGREE;
    let dlon = dlat / at.lat.to_radians().cos().max(0.01);
    (
        LatLon {
            lat: at.lat - dlat,
            lon: at.lon - dlon,
        },
        LatLon {
            lat: at.lat + dlat,
            lon: at.lon + dlon,
        },
    )
}

const EARTH_RADIUS_M: f64 = 6_371_000.0;
const METRES_PER_DEGREE: f64 = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;

/// Great-circle distance in metres (haversine).
pub fn distance_m(a: LatLon, b: LatLon) -> f64 {
    let (p1, p2) = (a.lat.to_radians(), b.lat.to_radians());
    let dp = p2 - p1;
    let dl = (b.lon - a.lon).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().asin()
}

/// How alike two descriptions are: the Dice coefficient of their character bigrams (letters,
/// digits and CJK characters only), 0 to 1. Chinese needs no segmenter for this: "水管爆了"
/// and "爆管了，水管" share 水管 and 爆.
pub fn similarity(a: &str, b: &str) -> f32 {
    let (a, b) = (bigrams(a), bigrams(b));
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let mut shared = 0;
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    2.0 * shared as f32 / (a.len() + b.len()) as f32
}

/// The sorted character bigrams of the text's words (a multiset).
fn bigrams(text: &str) -> Vec<(char, char)> {
    let chars: Vec<char> = text
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    let mut pairs: Vec<(char, char)> = chars.windows(2).map(|w| (w[0], w[1])).collect();
    pairs.sort_unstable();
    pairs
}

/// The open case `report` most probably duplicates, if any: the same item or category (the
/// caller reads only the category's cases), within the radius (or the same community when
/// either has no coordinates), within the window before it, with similar words. The most
/// similar wins; the earlier report breaks a tie.
pub fn probable(report: &Report<'_>, open: &[OpenReport], rules: &Rules) -> Option<DuplicateLink> {
    open.iter()
        .filter_map(|case| link(report, case, rules))
        .max_by(|a, b| {
            a.0.similarity
                .total_cmp(&b.0.similarity)
                .then(b.1.cmp(&a.1))
        })
        .map(|(link, _)| link)
}

fn link(
    report: &Report<'_>,
    case: &OpenReport,
    rules: &Rules,
) -> Option<(DuplicateLink, Timestamp)> {
    let apart = report.received_at.duration_since(case.received_at);
    if apart.is_negative() || apart > rules.window {
        return None;
    }
    let distance_m = match (report.position, case.position) {
        (Some(a), Some(b)) => {
            let d = distance_m(a, b);
            if d > rules.radius_m {
                return None;
            }
            Some(d.round() as u32)
        }
        _ => {
            let same = report.community_code.is_some()
                && report.community_code == case.community_code.as_deref();
            if !same {
                return None;
            }
            None
        }
    };
    let same_item = report.item_code == case.item_code;
    let similarity = similarity(report.description, &case.description);
    let least = if same_item {
        rules.min_similarity
    } else {
        rules.min_similarity_category
    };
    if similarity < least {
        return None;
    }
    Some((
        DuplicateLink {
            case_id: case.id.clone(),
            distance_m,
            minutes: apart.as_mins(),
            similarity,
            same_item,
        },
        case.received_at,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const AT: LatLon = LatLon {
        lat: 22.72,
        lon: 114.25,
    };

    fn at(minutes: i64) -> Timestamp {
        Timestamp::from_second(1_780_000_000).unwrap() + SignedDuration::from_mins(minutes)
    }

    /// A point `metres` north of `AT`.
    fn north(metres: f64) -> LatLon {
        LatLon {
            lat: AT.lat + metres / METRES_PER_DEGREE,
            lon: AT.lon,
        }
    }

    fn open(
        id: &str,
        item: &str,
        text: &str,
        position: Option<LatLon>,
        minutes: i64,
    ) -> OpenReport {
        OpenReport {
            id: id.into(),
            item_code: item.into(),
            description: text.into(),
            community_code: Some("C1".into()),
            position,
            received_at: at(minutes),
        }
    }

    fn report<'a>(item: &'a str, text: &'a str, position: Option<LatLon>) -> Report<'a> {
        Report {
            item_code: item,
            description: text,
            community_code: Some("C1"),
            position,
            received_at: at(60),
        }
    }

    #[test]
    fn distance_is_metres_on_the_ground() {
        let d = distance_m(AT, north(250.0));
        assert!((d - 250.0).abs() < 0.5, "{d}");
        let (sw, ne) = search_box(AT, 250.0);
        assert!(sw.lat < north(-249.0).lat && ne.lat > north(249.0).lat);
        assert!(
            ne.lon - AT.lon > ne.lat - AT.lat,
            "a degree of longitude is shorter here"
        );
    }

    #[test]
    fn similar_words_score_high_and_unrelated_ones_low() {
        let burst = similarity(
            "龙岗大道水管爆了，水喷得很高",
            "龙岗大道这边水管爆裂，路面全是水",
        );
        let other = similarity(
            "龙岗大道水管爆了，水喷得很高",
            "楼上邻居天天半夜装修，吵得睡不着",
        );
        assert!(burst > 0.25, "{burst}");
        assert!(other < 0.1, "{other}");
        assert_eq!(similarity("", "水管"), 0.0);
    }

    #[test]
    fn a_similar_report_nearby_within_the_window_is_linked_with_why() {
        let cases = [open(
            "E1",
            "06-005",
            "龙岗大道水管爆了，水喷得很高",
            Some(AT),
            0,
        )];
        let link = probable(
            &report(
                "06-005",
                "龙岗大道这边水管爆裂，路面全是水",
                Some(north(120.0)),
            ),
            &cases,
            &Rules::default(),
        )
        .expect("linked");
        assert_eq!(link.case_id, "E1");
        assert_eq!(link.distance_m, Some(120));
        assert_eq!(link.minutes, 60);
        assert!(link.same_item);
    }

    #[test]
    fn outside_the_radius_the_window_or_the_words_nothing_is_linked() {
        let rules = Rules::default();
        let text = "龙岗大道水管爆了，水喷得很高";
        let new = report("06-005", "龙岗大道这边水管爆裂，路面全是水", Some(AT));
        let far = [open("E1", "06-005", text, Some(north(400.0)), 0)];
        assert_eq!(probable(&new, &far, &rules), None, "400 m away");
        let old = [open("E1", "06-005", text, Some(AT), 60 - 49 * 60)];
        assert_eq!(probable(&new, &old, &rules), None, "49 hours before");
        let later = [open("E1", "06-005", text, Some(AT), 61)];
        assert_eq!(probable(&new, &later, &rules), None, "reported after it");
        let unrelated = [open(
            "E1",
            "06-005",
            "小区门口路灯不亮了好几天",
            Some(AT),
            0,
        )];
        assert_eq!(probable(&new, &unrelated, &rules), None, "different words");
    }

    #[test]
    fn another_item_of_the_category_needs_closer_words() {
        let rules = Rules::default();
        let new = report("06-004", "龙岗大道这边水管爆裂，路面全是水", Some(AT));
        let loose = [open("E1", "06-005", "龙岗大道有水漫出来", Some(AT), 0)];
        let s = similarity(new.description, &loose[0].description);
        assert!(
            s >= rules.min_similarity && s < rules.min_similarity_category,
            "{s}"
        );
        assert_eq!(probable(&new, &loose, &rules), None);
        let close = [open(
            "E1",
            "06-005",
            "龙岗大道水管爆裂，路面全是水",
            Some(AT),
            0,
        )];
        let link = probable(&new, &close, &rules).expect("linked");
        assert!(!link.same_item);
    }

    #[test]
    fn without_coordinates_the_community_decides() {
        let rules = Rules::default();
        let text = "龙岗大道水管爆了，水喷得很高";
        let new = report("06-005", "龙岗大道这边水管爆裂，路面全是水", None);
        let here = [open("E1", "06-005", text, Some(AT), 0)];
        let link = probable(&new, &here, &rules).expect("same community");
        assert_eq!(link.distance_m, None);
        let mut elsewhere = here.clone();
        elsewhere[0].community_code = Some("C2".into());
        assert_eq!(probable(&new, &elsewhere, &rules), None);
    }

    #[test]
    fn the_most_similar_open_case_wins() {
        let cases = [
            open("E1", "06-005", "龙岗大道有水管坏了", Some(AT), 0),
            open("E2", "06-005", "龙岗大道水管爆裂，路面全是水", Some(AT), 10),
        ];
        let new = report("06-005", "龙岗大道这边水管爆裂，路面全是水", Some(AT));
        assert_eq!(
            probable(&new, &cases, &Rules::default()).unwrap().case_id,
            "E2"
        );
    }
}
