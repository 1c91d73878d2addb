//! Cross-checking the reference data as a whole. Each problem names the row it is in (which
//! set, which position) and the field, so that an import can point at the line and column of
//! the file the row came from.

use std::collections::HashSet;
use std::fmt;

use super::ReferenceParts;
use crate::domain::{HandlingRef, Responsibility, StaffRole, TimeLimit, UnitKind};

/// A row of the reference data: its set and its position in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Place {
    /// The areas as a whole.
    Areas,
    Street(usize),
    Unit(usize),
    /// The catalog as a whole (its fallback item).
    Catalog,
    Category(usize),
    Item(usize),
    Responsibility(usize),
    /// A calendar year, by year.
    Calendar(i16),
    Section(usize),
    Staff(usize),
}

/// One problem: where, in which field, and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inconsistency {
    pub place: Place,
    /// The field at fault, as the JSON and CSV formats name it (`owner_unit`, `category`).
    pub field: &'static str,
    pub message: String,
}

impl fmt::Display for Inconsistency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

struct Found(Vec<Inconsistency>);

impl Found {
    fn push(&mut self, place: Place, field: &'static str, message: String) {
        self.0.push(Inconsistency {
            place,
            field,
            message,
        });
    }

    /// A problem for each code seen before, at the later row.
    fn duplicates<'a>(
        &mut self,
        what: &str,
        codes: impl Iterator<Item = &'a str>,
        place: impl Fn(usize) -> Place,
        field: &'static str,
    ) {
        let mut seen = HashSet::new();
        for (i, code) in codes.enumerate() {
            if !seen.insert(code) {
                self.push(place(i), field, format!("{what} {code}: listed twice"));
            }
        }
    }
}

/// Cross-checks the parts; each problem is one message naming the offending row.
pub fn check(parts: &ReferenceParts) -> Vec<Inconsistency> {
    let mut found = Found(Vec::new());
    let district = &parts.district;
    if district.streets.is_empty() {
        found.push(Place::Areas, "streets", "areas: no streets".into());
    }
    let street_codes: Vec<&str> = district.streets.iter().map(|s| s.code.as_str()).collect();
    let community_codes: Vec<&str> = district
        .streets
        .iter()
        .flat_map(|s| s.communities.iter().map(|c| c.code.as_str()))
        .collect();
    found.duplicates(
        "street",
        street_codes.iter().copied(),
        Place::Street,
        "code",
    );
    let community_streets = district
        .streets
        .iter()
        .enumerate()
        .flat_map(|(i, s)| s.communities.iter().map(move |_| i))
        .collect::<Vec<_>>();
    found.duplicates(
        "community",
        community_codes.iter().copied(),
        |n| Place::Street(community_streets[n]),
        "communities",
    );
    check_units(parts, &street_codes, &community_codes, &mut found);
    check_catalog(parts, &mut found);
    check_responsibilities(parts, &street_codes, &mut found);
    for year in &parts.calendar {
        if let Err(e) = year.validate() {
            found.push(
                Place::Calendar(year.year),
                "year",
                format!("calendar {}: {e}", year.year),
            );
        }
    }
    check_staff(parts, &community_codes, &mut found);
    found.0
}

fn check_units(
    parts: &ReferenceParts,
    street_codes: &[&str],
    community_codes: &[&str],
    found: &mut Found,
) {
    let codes = parts.units.iter().map(|u| u.code.as_str());
    found.duplicates("unit", codes, Place::Unit, "code");
    for (i, unit) in parts.units.iter().enumerate() {
        let at = Place::Unit(i);
        if let Some(street) = &unit.street
            && !street_codes.contains(&street.as_str())
        {
            let message = format!("unit {}: unknown street {street}", unit.code);
            found.push(at, "street", message);
        }
        if let Some(community) = &unit.community
            && !community_codes.contains(&community.as_str())
        {
            let message = format!("unit {}: unknown community {community}", unit.code);
            found.push(at, "community", message);
        }
        if unit.kind == UnitKind::StreetOffice && (unit.street.is_none() || unit.role.is_none()) {
            let message = format!(
                "unit {}: a street office needs a street and a role",
                unit.code
            );
            found.push(
                at,
                if unit.street.is_none() {
                    "street"
                } else {
                    "role"
                },
                message,
            );
        }
    }
}

fn check_catalog(parts: &ReferenceParts, found: &mut Found) {
    let catalog = &parts.catalog;
    let categories = catalog.categories.iter().map(|c| c.code.as_str());
    found.duplicates("category", categories, Place::Category, "code");
    let items = catalog.items.iter().map(|i| i.code.as_str());
    found.duplicates("item", items, Place::Item, "code");
    for (i, item) in catalog.items.iter().enumerate() {
        if catalog.category(&item.category).is_none() {
            let message = format!("item {}: unknown category {}", item.code, item.category);
            found.push(Place::Item(i), "category", message);
        }
        if let Err(why) = item.time_limit.check() {
            let message = format!("item {}: time limit {why}", item.code);
            found.push(Place::Item(i), "time_limit", message);
        }
    }
    if catalog.item(&catalog.fallback_item).is_none() {
        let message = format!(
            "catalog: fallback item {} is not in the catalog",
            catalog.fallback_item
        );
        found.push(Place::Catalog, "fallback_item", message);
    }
}

fn check_responsibilities(parts: &ReferenceParts, street_codes: &[&str], found: &mut Found) {
    let catalog = &parts.catalog;
    let unit_known = |code: &str| parts.units.iter().any(|u| u.code == code);
    let roles: Vec<&str> = parts
        .units
        .iter()
        .filter_map(|u| u.role.as_deref())
        .collect();
    let mut seen = HashSet::new();
    for (i, r) in parts.responsibilities.iter().enumerate() {
        let at = Place::Responsibility(i);
        let row = format!("responsibility {} @ {}", r.item, r.area);
        if !seen.insert((r.item.as_str(), r.area.as_str())) {
            found.push(at, "item", format!("{row}: listed twice"));
        }
        if catalog.item(&r.item).is_none() {
            found.push(at, "item", format!("{row}: unknown item"));
        }
        if r.area != Responsibility::DISTRICT && !street_codes.contains(&r.area.as_str()) {
            let message = format!("{row}: unknown area (use * or a street code)");
            found.push(at, "area", message);
        }
        if !unit_known(&r.owner_unit) {
            let message = format!("{row}: unknown owner unit {}", r.owner_unit);
            found.push(at, "owner_unit", message);
        }
        if r.handling.is_empty() {
            found.push(at, "handling", format!("{row}: no handling unit"));
        }
        if let Some(Err(why)) = r.time_limit.map(TimeLimit::check) {
            found.push(at, "time_limit", format!("{row}: time limit {why}"));
        }
        for h in &r.handling {
            match h {
                HandlingRef::Unit(code) if !unit_known(code) => {
                    let message = format!("{row}: unknown handling unit {code}");
                    found.push(at, "handling", message);
                }
                HandlingRef::StreetRole(role) if !roles.contains(&role.as_str()) => {
                    let message = format!("{row}: no street unit has the role {role}");
                    found.push(at, "handling", message);
                }
                _ => {}
            }
        }
    }
    for (i, item) in catalog.items.iter().enumerate() {
        if !seen.contains(&(item.code.as_str(), Responsibility::DISTRICT)) {
            let message = format!(
                "item {}: no district-wide (*) responsibility entry",
                item.code
            );
            found.push(Place::Item(i), "code", message);
        }
    }
}

/// Sections and staff: known units, sections of the person's own unit, skills that name a
/// category or an item, areas that are communities.
fn check_staff(parts: &ReferenceParts, community_codes: &[&str], found: &mut Found) {
    let catalog = &parts.catalog;
    let unit_known = |code: &str| parts.units.iter().any(|u| u.code == code);
    let skill_known =
        |skill: &str| catalog.category(skill).is_some() || catalog.item(skill).is_some();
    let sections = parts.sections.iter().map(|s| s.code.as_str());
    found.duplicates("section", sections, Place::Section, "code");
    for (i, section) in parts.sections.iter().enumerate() {
        let at = Place::Section(i);
        if !unit_known(&section.unit) {
            let message = format!("section {}: unknown unit {}", section.code, section.unit);
            found.push(at, "unit", message);
        }
        for skill in section.skills.iter().filter(|s| !skill_known(s)) {
            let message = format!(
                "section {}: skill {skill} is neither a category nor an item",
                section.code
            );
            found.push(at, "skills", message);
        }
    }
    let ids = parts.staff.iter().map(|p| p.id.as_str());
    found.duplicates("staff", ids, Place::Staff, "id");
    for (i, person) in parts.staff.iter().enumerate() {
        let at = Place::Staff(i);
        let row = format!("staff {}", person.id);
        if person.name.trim().is_empty() {
            found.push(at, "name", format!("{row}: no name"));
        }
        if !unit_known(&person.unit) {
            found.push(at, "unit", format!("{row}: unknown unit {}", person.unit));
        }
        match &person.section {
            Some(code) => match parts.sections.iter().find(|s| &s.code == code) {
                None => found.push(at, "section", format!("{row}: unknown section {code}")),
                Some(section) if section.unit != person.unit => found.push(
                    at,
                    "section",
                    format!(
                        "{row}: section {code} belongs to {}, not {}",
                        section.unit, person.unit
                    ),
                ),
                Some(_) => {}
            },
            None if person.role.is_unit_post() && person.role != StaffRole::UnitAdmin => {
                let message = format!("{row}: a {} needs a section", person.role.as_str());
                found.push(at, "section", message);
            }
            None => {}
        }
        for skill in person.skills.iter().filter(|s| !skill_known(s)) {
            let message = format!("{row}: skill {skill} is neither a category nor an item");
            found.push(at, "skills", message);
        }
        for area in person
            .areas
            .iter()
            .filter(|a| !community_codes.contains(&a.as_str()))
        {
            found.push(at, "areas", format!("{row}: unknown community {area}"));
        }
    }
}
