//! The seed data shipped in `seed/` (see its README for the formats), compiled into the
//! binary so a fresh host needs no files, and the JSON formats shared with `streetwise import`.

use anyhow::Context;
use serde::Deserialize;

use crate::calendar::CalendarYear;
use crate::domain::{
    Bounds, Catalog, Community, District, LatLon, Responsibility, Section, Staff, Street, Unit,
};
use crate::reference::{Reference, ReferenceParts};

const AREAS: &str = include_str!("../../seed/areas.json");
const UNITS: &str = include_str!("../../seed/units.json");
const CATALOG: &str = include_str!("../../seed/catalog.json");
const RESPONSIBILITIES: &str = include_str!("../../seed/responsibilities.json");
const CALENDAR_2026: &str = include_str!("../../seed/calendar/2026.json");
const STAFF: &str = include_str!("../../seed/staff.json");

/// The database's reference data, seeded first when it has none; `true` when it was seeded.
pub async fn stored_or_seeded(db: &crate::storage::Db) -> anyhow::Result<(Reference, bool)> {
    let (parts, seeded) = match db.load_reference().await? {
        Some(parts) => (parts, false),
        None => {
            tracing::info!("empty database: loading the seed data");
            let parts = parts()?;
            db.save_reference(&parts, &|_| {}).await?;
            (parts, true)
        }
    };
    let reference = Reference::new(parts).map_err(|errors| {
        anyhow::anyhow!(
            "the {} reference data is inconsistent:\n{}",
            if seeded { "seed" } else { "stored" },
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    })?;
    Ok((reference, seeded))
}

/// The shipped seed data.
pub fn parts() -> anyhow::Result<ReferenceParts> {
    let (sections, staff) = staff(STAFF).context("seed/staff.json")?;
    Ok(ReferenceParts {
        district: areas(AREAS).context("seed/areas.json")?,
        units: units(UNITS).context("seed/units.json")?,
        catalog: catalog(CATALOG).context("seed/catalog.json")?,
        responsibilities: responsibilities(RESPONSIBILITIES)
            .context("seed/responsibilities.json")?,
        calendar: vec![calendar(CALENDAR_2026).context("seed/calendar/2026.json")?],
        sections,
        staff,
    })
}

#[derive(Deserialize)]
struct AreasFile {
    district: DistrictHeader,
    bounds: Bounds,
    streets: Vec<StreetEntry>,
}

#[derive(Deserialize)]
struct DistrictHeader {
    code: String,
    name: String,
}

#[derive(Deserialize)]
struct StreetEntry {
    code: String,
    slug: String,
    name: String,
    #[serde(default)]
    name_en: Option<String>,
    center: LatLon,
    communities: Vec<Community>,
}

pub fn areas(text: &str) -> anyhow::Result<District> {
    let file: AreasFile = serde_json::from_str(text)?;
    Ok(District {
        code: file.district.code,
        name: file.district.name,
        bounds: file.bounds,
        streets: file
            .streets
            .into_iter()
            .map(|s| Street {
                code: s.code,
                slug: s.slug,
                name: s.name,
                name_en: s.name_en,
                center: s.center,
                communities: s.communities,
            })
            .collect(),
    })
}

pub fn units(text: &str) -> anyhow::Result<Vec<Unit>> {
    #[derive(Deserialize)]
    struct File {
        units: Vec<Unit>,
    }
    Ok(serde_json::from_str::<File>(text)?.units)
}

pub fn catalog(text: &str) -> anyhow::Result<Catalog> {
    Ok(serde_json::from_str(text)?)
}

pub fn responsibilities(text: &str) -> anyhow::Result<Vec<Responsibility>> {
    #[derive(Deserialize)]
    struct File {
        entries: Vec<Responsibility>,
    }
    Ok(serde_json::from_str::<File>(text)?.entries)
}

/// The sections and staff of `staff.json`.
pub fn staff(text: &str) -> anyhow::Result<(Vec<Section>, Vec<Staff>)> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct File {
        sections: Vec<Section>,
        staff: Vec<Staff>,
    }
    let file: File = serde_json::from_str(text)?;
    Ok((file.sections, file.staff))
}

pub fn calendar(text: &str) -> anyhow::Result<CalendarYear> {
    let year: CalendarYear = serde_json::from_str(text)?;
    year.validate().map_err(anyhow::Error::msg)?;
    Ok(year)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::Reference;

    #[test]
    fn the_shipped_seed_data_is_consistent() {
        let parts = parts().unwrap();
        assert_eq!(parts.district.streets.len(), 11);
        assert_eq!(parts.catalog.categories.len(), 18);
        let reference = Reference::new(parts).unwrap();
        assert!(reference.item("06-003").is_some());
        assert!(reference.calendar.knows_year(2026));
    }

    #[test]
    fn every_seeded_unit_has_an_admin_and_an_on_duty_handler() {
        let reference = Reference::new(parts().unwrap()).unwrap();
        // The command centre dispatches cases; it is never given one to handle.
        for unit in reference
            .units()
            .filter(|u| u.code != "district.command-centre")
        {
            let staff: Vec<_> = reference.staff_of(&unit.code).collect();
            assert!(
                staff
                    .iter()
                    .any(|p| p.role == crate::domain::StaffRole::UnitAdmin),
                "{} has no admin",
                unit.code
            );
            assert!(
                staff
                    .iter()
                    .any(|p| p.role == crate::domain::StaffRole::Handler && p.on_duty),
                "{} has nobody on duty",
                unit.code
            );
        }
    }
}
