//! A realistic, reproducible base data set for Longgang: `per_community` buildings in every
//! community, with addresses on the street's real roads or on village lanes, a housing use
//! drawn from the mix of the district (urban villages and rentals dominate), floors, rental
//! units, households and population, and the legal entities at each building.

use indicatif::{ProgressBar, ProgressStyle};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::domain::{Building, BuildingUse, Community, EntityKind, LegalEntity, Street};
use crate::settings::Settings;
use crate::storage::Db;

/// Main roads per street (by street code), as the addresses of buildings on them read.
fn roads(street_code: &str) -> &'static [&'static str] {
    match street_code {
        "440307003" => &["平湖大街", "平安大道", "良白路", "富民路", "新木大道"],
        "440307006" => &["龙岗大道", "坪西路", "深汕路", "教育北路"],
        "440307012" => &["丹竹头路", "南岭路", "宝岗路", "沙平北路"],
        "440307013" => &[
            "五和大道",
            "坂雪岗大道",
            "布龙路",
            "吉华路",
            "稼先路",
            "雪岗路",
        ],
        "440307014" => &["布吉路", "龙岗大道", "粤宝路", "翔鸽路", "吉华路"],
        "440307015" => &["龙城大道", "龙翔大道", "吉祥路", "黄阁路", "清林路"],
        "440307016" => &["龙岗大道", "龙河路", "南联路", "鹏达路"],
        "440307017" => &["横岗大道", "深惠路", "松柏路", "六约北路"],
        "440307018" => &["吉华路", "中环大道", "甘李路", "水径路"],
        "440307019" => &["宝龙大道", "宝荷路", "龙飞大道", "锦龙大道"],
        "440307020" => &["园山大道", "大康路", "保安路", "西坑路"],
        _ => &["龙岗大道"],
    }
}

const LANES: [&str; 8] = [
    "一巷", "二巷", "三巷", "四巷", "五巷", "六巷", "七巷", "八巷",
];
const SHOPS: [&str; 6] = ["便利店", "五金店", "水果店", "手机维修", "理发店", "药店"];
const RESTAURANTS: [&str; 6] = [
    "湘菜馆",
    "潮汕牛肉火锅",
    "沙县小吃",
    "烧烤店",
    "粥铺",
    "肠粉店",
];
const VENUES: [&str; 4] = ["网吧", "棋牌室", "小旅馆", "按摩店"];
const COMPANIES: [&str; 4] = [
    "科技有限公司",
    "贸易有限公司",
    "物业管理有限公司",
    "电子商务有限公司",
];
const FACTORIES: [&str; 3] = ["电子厂", "五金制品厂", "塑胶厂"];
const SURNAMES: [&str; 10] = ["陈", "李", "张", "黄", "林", "吴", "刘", "何", "钟", "罗"];

/// `streetwise generate buildings`: `per_community` buildings in every community of the
/// district, with their entities, one transaction per community, with a progress bar.
pub async fn run(settings: &Settings, per_community: u32, seed: u64) -> anyhow::Result<()> {
    let db = Db::connect(&settings.database_url()).await?;
    let (reference, _) = crate::seed::stored_or_seeded(&db).await?;
    let communities: Vec<_> = reference
        .district
        .streets
        .iter()
        .flat_map(|street| street.communities.iter().map(move |c| (street, c)))
        .collect();
    let bar = ProgressBar::new(communities.len() as u64 * u64::from(per_community));
    bar.set_style(
        ProgressStyle::with_template(
            "{msg} [{bar:40}] {human_pos}/{human_len} buildings ({per_sec}, eta {eta})",
        )
        .expect("a valid template")
        .progress_chars("=> "),
    );
    bar.set_message("writing base data");
    let started = std::time::Instant::now();
    let mut generator = Generator::new(seed);
    let mut entities = 0;
    for (street, community) in communities {
        let generated = generator.community(street, community, per_community);
        entities += generated.entities.len();
        db.save_base_data(&generated.buildings, &generated.entities)
            .await?;
        bar.inc(u64::from(per_community));
    }
    bar.finish_with_message("written");
    let (buildings, stored_entities) = db.base_data_counts().await?;
    println!(
        "{} buildings and {entities} legal entities generated in {:.1} s; the database holds {buildings} buildings and {stored_entities} entities.",
        bar.position(),
        started.elapsed().as_secs_f64()
    );
    db.close().await;
    Ok(())
}

/// Writes `per_community` generated buildings in every community (seed 1), without a
/// progress bar: the base data an empty database starts with. Returns what was written.
pub async fn seed(
    db: &Db,
    reference: &crate::reference::Reference,
    per_community: u32,
) -> anyhow::Result<(usize, usize)> {
    let mut generator = Generator::new(1);
    let (mut buildings, mut entities) = (Vec::new(), Vec::new());
    for street in &reference.district.streets {
        for community in &street.communities {
            let generated = generator.community(street, community, per_community);
            buildings.extend(generated.buildings);
            entities.extend(generated.entities);
        }
    }
    db.save_base_data(&buildings, &entities).await?;
    Ok((buildings.len(), entities.len()))
}

/// One community's buildings and the entities at them.
pub struct Generated {
    pub buildings: Vec<Building>,
    pub entities: Vec<LegalEntity>,
}

pub struct Generator {
    rng: StdRng,
}

impl Generator {
    pub fn new(seed: u64) -> Self {
        Self {
            rng: StdRng::seed_from_u64(seed),
        }
    }

    /// `count` buildings of `community` in `street`, numbered from 1.
    pub fn community(&mut self, street: &Street, community: &Community, count: u32) -> Generated {
        let mut out = Generated {
            buildings: Vec::with_capacity(count as usize),
            entities: Vec::new(),
        };
        let short = street.short_name();
        let roads = roads(&street.code);
        for n in 1..=count {
            let use_kind = self.use_kind();
            let id = format!("{}-{n:05}", community.code);
            let address = match use_kind {
                // Urban-village and rental buildings stand on the village's lanes.
                BuildingUse::UrbanVillage | BuildingUse::Rental => format!(
                    "{short}街道{0}社区{0}新村{1}{2}栋",
                    community.name,
                    LANES[self.rng.random_range(0..LANES.len())],
                    n
                ),
                _ => format!(
                    "{short}街道{}社区{}{}号",
                    community.name,
                    roads[self.rng.random_range(0..roads.len())],
                    n * 2 + self.rng.random_range(0..2)
                ),
            };
            let floors = match use_kind {
                BuildingUse::UrbanVillage => self.rng.random_range(5..=9),
                BuildingUse::Rental => self.rng.random_range(4..=8),
                BuildingUse::Residential => self.rng.random_range(18..=33),
                BuildingUse::Commercial => self.rng.random_range(3..=20),
                BuildingUse::Industrial => self.rng.random_range(3..=6),
                BuildingUse::Public => self.rng.random_range(2..=6),
            };
            let (rental_units, households) = match use_kind {
                BuildingUse::UrbanVillage => {
                    let units = floors * self.rng.random_range(4..=8);
                    (units, units)
                }
                BuildingUse::Rental => {
                    let units = floors * self.rng.random_range(2..=6);
                    (units, units)
                }
                BuildingUse::Residential => {
                    let households = floors * self.rng.random_range(4..=8);
                    (
                        households * self.rng.random_range(10..=30) / 100,
                        households,
                    )
                }
                _ => (0, 0),
            };
            // About 2.6 people per household; rooms let out in urban villages hold fewer.
            let population = match use_kind {
                BuildingUse::UrbanVillage | BuildingUse::Rental => {
                    households * self.rng.random_range(15..=22) / 10
                }
                _ => households * self.rng.random_range(22..=30) / 10,
            };
            let center = street.center;
            let building = Building {
                id: id.clone(),
                street_code: street.code.clone(),
                community_code: community.code.clone(),
                grid: Some(format!("{}{:03}", community.code, n.div_ceil(20))),
                address,
                name: match use_kind {
                    BuildingUse::Residential => Some(format!("{}花园{}栋", community.name, n)),
                    BuildingUse::Industrial => Some(format!("{}工业区{}栋", community.name, n)),
                    _ => None,
                },
                lat: center.lat + self.rng.random_range(-0.02..0.02),
                lon: center.lon + self.rng.random_range(-0.02..0.02),
                use_kind,
                floors,
                rental_units,
                households,
                population,
            };
            self.entities_at(&building, &mut out.entities);
            out.buildings.push(building);
        }
        out
    }

    fn use_kind(&mut self) -> BuildingUse {
        match self.rng.random_range(0..100) {
            0..35 => BuildingUse::UrbanVillage,
            35..50 => BuildingUse::Rental,
            50..80 => BuildingUse::Residential,
            80..92 => BuildingUse::Commercial,
            92..97 => BuildingUse::Industrial,
            _ => BuildingUse::Public,
        }
    }

    /// The entities registered at `building`: ground-floor shops and restaurants in villages,
    /// many tenants in commercial buildings, a few factories in industrial ones.
    fn entities_at(&mut self, building: &Building, entities: &mut Vec<LegalEntity>) {
        let count = match building.use_kind {
            BuildingUse::UrbanVillage | BuildingUse::Rental => self.rng.random_range(0..=3),
            BuildingUse::Residential => self.rng.random_range(0..=2),
            BuildingUse::Commercial => self.rng.random_range(3..=12),
            BuildingUse::Industrial => self.rng.random_range(1..=3),
            BuildingUse::Public => 0,
        };
        for i in 1..=count {
            let kind = match building.use_kind {
                BuildingUse::Industrial => EntityKind::Factory,
                BuildingUse::Commercial if self.rng.random_bool(0.4) => EntityKind::Company,
                _ => match self.rng.random_range(0..10) {
                    0..4 => EntityKind::Shop,
                    4..8 => EntityKind::Restaurant,
                    _ => EntityKind::SmallVenue,
                },
            };
            let surname = SURNAMES[self.rng.random_range(0..SURNAMES.len())];
            let pick =
                |rng: &mut StdRng, list: &[&str]| list[rng.random_range(0..list.len())].to_string();
            let name = match kind {
                EntityKind::Shop => format!("{surname}记{}", pick(&mut self.rng, &SHOPS)),
                EntityKind::Restaurant => {
                    format!("{surname}记{}", pick(&mut self.rng, &RESTAURANTS))
                }
                EntityKind::SmallVenue => format!("{surname}氏{}", pick(&mut self.rng, &VENUES)),
                EntityKind::Company => format!(
                    "深圳市{}{}",
                    pick(&mut self.rng, &["龙腾", "鹏程", "华创", "新兴", "佳和"]),
                    pick(&mut self.rng, &COMPANIES)
                ),
                EntityKind::Factory => format!("{surname}氏{}", pick(&mut self.rng, &FACTORIES)),
            };
            // Small shops and restaurants in villages are 三小场所 too.
            let small_venue = kind == EntityKind::SmallVenue
                || (matches!(kind, EntityKind::Shop | EntityKind::Restaurant)
                    && matches!(
                        building.use_kind,
                        BuildingUse::UrbanVillage | BuildingUse::Rental
                    ));
            entities.push(LegalEntity {
                id: format!("{}-e{i}", building.id),
                building_id: building.id.clone(),
                street_code: building.street_code.clone(),
                name,
                kind,
                small_venue,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::Reference;

    fn reference() -> Reference {
        Reference::new(crate::seed::parts().unwrap()).unwrap()
    }

    #[test]
    fn the_same_seed_generates_the_same_buildings_with_addresses_in_their_community() {
        let reference = reference();
        let street = reference.district.street("布吉").unwrap();
        let community = street.community("木棉湾").unwrap();
        let a = Generator::new(7).community(street, community, 50);
        let b = Generator::new(7).community(street, community, 50);
        assert_eq!(a.buildings, b.buildings);
        assert_eq!(a.buildings.len(), 50);
        for building in &a.buildings {
            assert!(
                building.address.starts_with("布吉街道木棉湾社区"),
                "{}",
                building.address
            );
            assert_eq!(building.street_code, street.code);
            if building.use_kind == BuildingUse::UrbanVillage {
                assert!(building.rental_units >= building.floors * 4);
            }
        }
        assert!(
            a.entities
                .iter()
                .all(|e| a.buildings.iter().any(|b| b.id == e.building_id))
        );
        let uses: std::collections::HashSet<_> = a.buildings.iter().map(|b| b.use_kind).collect();
        assert!(uses.len() >= 4, "a mix of uses: {uses:?}");
    }
}
