//! The district's reference data in memory: areas, units with their sections and staff,
//! catalog, responsibility list and working calendar, checked for consistency as a whole and swapped as a whole.
//!
//! It is small (thousands of rows), read on every event and changed rarely (an import), so the
//! host keeps one immutable snapshot behind an `Arc` and replaces it on import.

use std::collections::{BTreeMap, HashMap};

use crate::calendar::{CalendarYear, WorkingCalendar};
use crate::classify::{Baseline, KeywordClassifier};
use crate::domain::{
    Catalog, Category, District, HandlingRef, Item, Responsibility, Section, Staff, StaffRole,
    Street, TimeLimit, Unit, UnitKind,
};

/// Everything the pipeline looks up, consistent with itself.
pub struct Reference {
    pub district: District,
    pub catalog: Catalog,
    units: BTreeMap<String, Unit>,
    responsibilities: HashMap<(String, String), Responsibility>,
    pub calendar: WorkingCalendar,
    classifier: KeywordClassifier,
    sections: BTreeMap<String, Section>,
    /// Staff by id, and each unit's staff ids in file order.
    staff: BTreeMap<String, Staff>,
    staff_of_unit: HashMap<String, Vec<String>>,
}

/// The raw parts, as stored or imported, before they are checked together.
#[derive(Clone, Debug)]
pub struct ReferenceParts {
    pub district: District,
    pub catalog: Catalog,
    pub units: Vec<Unit>,
    pub responsibilities: Vec<Responsibility>,
    pub calendar: Vec<CalendarYear>,
    pub sections: Vec<Section>,
    pub staff: Vec<Staff>,
}

impl Reference {
    /// Builds the snapshot, or lists every inconsistency found (one message each).
    pub fn new(parts: ReferenceParts) -> Result<Self, Vec<String>> {
        let errors = check(&parts);
        if !errors.is_empty() {
            return Err(errors);
        }
        let ReferenceParts {
            district,
            catalog,
            units,
            responsibilities,
            calendar,
            sections,
            staff,
        } = parts;
        let mut staff_of_unit: HashMap<String, Vec<String>> = HashMap::new();
        for person in &staff {
            staff_of_unit
                .entry(person.unit.clone())
                .or_default()
                .push(person.id.clone());
        }
        Ok(Self {
            classifier: KeywordClassifier::new(&catalog),
            district,
            catalog,
            units: units.into_iter().map(|u| (u.code.clone(), u)).collect(),
            responsibilities: responsibilities
                .into_iter()
                .map(|r| ((r.item.clone(), r.area.clone()), r))
                .collect(),
            calendar: WorkingCalendar::new(calendar),
            sections: sections.into_iter().map(|s| (s.code.clone(), s)).collect(),
            staff: staff.into_iter().map(|p| (p.id.clone(), p)).collect(),
            staff_of_unit,
        })
    }

    pub fn section(&self, code: &str) -> Option<&Section> {
        self.sections.get(code)
    }

    pub fn staff_member(&self, id: &str) -> Option<&Staff> {
        self.staff.get(id)
    }

    /// The staff of a unit, in the order they were listed.
    pub fn staff_of(&self, unit_code: &str) -> impl Iterator<Item = &Staff> {
        self.staff_of_unit
            .get(unit_code)
            .into_iter()
            .flatten()
            .filter_map(|id| self.staff.get(id))
    }

    pub fn classify(&self, description: &str) -> Option<Baseline> {
        self.classifier.classify(description)
    }

    /// The catalog's keywords, for the learned classifier's features.
    pub fn keywords(&self) -> &KeywordClassifier {
        &self.classifier
    }

    pub fn item(&self, code: &str) -> Option<&Item> {
        self.catalog.item(code)
    }

    pub fn category_of(&self, item: &Item) -> Option<&Category> {
        self.catalog.category(&item.category)
    }

    pub fn unit(&self, code: &str) -> Option<&Unit> {
        self.units.get(code)
    }

    pub fn units(&self) -> impl Iterator<Item = &Unit> {
        self.units.values()
    }

    pub fn responsibilities(&self) -> impl Iterator<Item = &Responsibility> {
        self.responsibilities.values()
    }

    /// The directory a plugin of `street` sees: its street's units, then district-wide ones.
    pub fn directory(&self, street_code: &str) -> Vec<&Unit> {
        let (mut own, district): (Vec<&Unit>, Vec<&Unit>) = self
            .units
            .values()
            .filter(|u| u.visible_to(street_code))
            .partition(|u| u.street.is_some());
        own.extend(district);
        own
    }

    /// The responsibility entry for an item in a street: the street's own, else the district's.
    pub fn responsibility(&self, item: &str, street_code: &str) -> Option<&Responsibility> {
        self.responsibilities
            .get(&(item.to_string(), street_code.to_string()))
            .or_else(|| {
                self.responsibilities
                    .get(&(item.to_string(), Responsibility::DISTRICT.to_string()))
            })
    }

    /// The candidate handling units of an entry for an event in `street` (and `community`, when
    /// known), in order, without duplicates. References that do not resolve are skipped.
    pub fn candidates(
        &self,
        entry: &Responsibility,
        street: &Street,
        community_code: Option<&str>,
    ) -> Vec<&Unit> {
        let mut found: Vec<&Unit> = Vec::new();
        for handling in &entry.handling {
            let unit = match handling {
                HandlingRef::Unit(code) => self.units.get(code),
                HandlingRef::StreetRole(role) => self.units.values().find(|u| {
                    u.kind == UnitKind::StreetOffice
                        && u.street.as_deref() == Some(street.code.as_str())
                        && u.role.as_deref() == Some(role.as_str())
                }),
                HandlingRef::Community => community_code.and_then(|community| {
                    self.units.values().find(|u| {
                        u.kind == UnitKind::CommunityWorkstation
                            && u.community.as_deref() == Some(community)
                    })
                }),
            };
            if let Some(unit) = unit
                && !found.iter().any(|u| u.code == unit.code)
            {
                found.push(unit);
            }
        }
        found
    }
}

/// Cross-checks the parts; each problem is one message naming the offending row.
fn check(parts: &ReferenceParts) -> Vec<String> {
    let mut errors = Vec::new();
    let district = &parts.district;
    if district.streets.is_empty() {
        errors.push("areas: no streets".into());
    }
    let street_codes: Vec<&str> = district.streets.iter().map(|s| s.code.as_str()).collect();
    let community_codes: Vec<&str> = district
        .streets
        .iter()
        .flat_map(|s| s.communities.iter().map(|c| c.code.as_str()))
        .collect();
    duplicates("street", street_codes.iter().copied(), &mut errors);
    duplicates("community", community_codes.iter().copied(), &mut errors);

    duplicates(
        "unit",
        parts.units.iter().map(|u| u.code.as_str()),
        &mut errors,
    );
    for unit in &parts.units {
        if let Some(street) = &unit.street
            && !street_codes.contains(&street.as_str())
        {
            errors.push(format!("unit {}: unknown street {street}", unit.code));
        }
        if let Some(community) = &unit.community
            && !community_codes.contains(&community.as_str())
        {
            errors.push(format!("unit {}: unknown community {community}", unit.code));
        }
        if unit.kind == UnitKind::StreetOffice && (unit.street.is_none() || unit.role.is_none()) {
            errors.push(format!(
                "unit {}: a street office needs a street and a role",
                unit.code
            ));
        }
    }

    let catalog = &parts.catalog;
    duplicates(
        "category",
        catalog.categories.iter().map(|c| c.code.as_str()),
        &mut errors,
    );
    duplicates(
        "item",
        catalog.items.iter().map(|i| i.code.as_str()),
        &mut errors,
    );
    for item in &catalog.items {
        if catalog.category(&item.category).is_none() {
            errors.push(format!(
                "item {}: unknown category {}",
                item.code, item.category
            ));
        }
        if let Err(why) = item.time_limit.check() {
            errors.push(format!("item {}: time limit {why}", item.code));
        }
    }
    if catalog.item(&catalog.fallback_item).is_none() {
        errors.push(format!(
            "catalog: fallback item {} is not in the catalog",
            catalog.fallback_item
        ));
    }

    let roles: Vec<&str> = parts
        .units
        .iter()
        .filter_map(|u| u.role.as_deref())
        .collect();
    let mut seen = std::collections::HashSet::new();
    for r in &parts.responsibilities {
        let row = format!("responsibility {} @ {}", r.item, r.area);
        if !seen.insert((r.item.as_str(), r.area.as_str())) {
            errors.push(format!("{row}: listed twice"));
        }
        if catalog.item(&r.item).is_none() {
            errors.push(format!("{row}: unknown item"));
        }
        if r.area != Responsibility::DISTRICT && !street_codes.contains(&r.area.as_str()) {
            errors.push(format!("{row}: unknown area (use * or a street code)"));
        }
        if !parts.units.iter().any(|u| u.code == r.owner_unit) {
            errors.push(format!("{row}: unknown owner unit {}", r.owner_unit));
        }
        if r.handling.is_empty() {
            errors.push(format!("{row}: no handling unit"));
        }
        if let Some(Err(why)) = r.time_limit.map(TimeLimit::check) {
            errors.push(format!("{row}: time limit {why}"));
        }
        for h in &r.handling {
            match h {
                HandlingRef::Unit(code) if !parts.units.iter().any(|u| &u.code == code) => {
                    errors.push(format!("{row}: unknown handling unit {code}"))
                }
                HandlingRef::StreetRole(role) if !roles.contains(&role.as_str()) => {
                    errors.push(format!("{row}: no street unit has the role {role}"))
                }
                _ => {}
            }
        }
    }
    for item in &catalog.items {
        if !seen.contains(&(item.code.as_str(), Responsibility::DISTRICT)) {
            errors.push(format!(
                "item {}: no district-wide (*) responsibility entry",
                item.code
            ));
        }
    }
    for year in &parts.calendar {
        if let Err(e) = year.validate() {
            errors.push(format!("calendar {}: {e}", year.year));
        }
    }
    check_staff(parts, &community_codes, &mut errors);
    errors
}

/// Sections and staff: known units, sections of the person's own unit, skills that name a
/// category or an item, areas that are communities.
fn check_staff(parts: &ReferenceParts, community_codes: &[&str], errors: &mut Vec<String>) {
    let catalog = &parts.catalog;
    let unit_known = |code: &str| parts.units.iter().any(|u| u.code == code);
    let skill_known =
        |skill: &str| catalog.category(skill).is_some() || catalog.item(skill).is_some();
    duplicates(
        "section",
        parts.sections.iter().map(|s| s.code.as_str()),
        errors,
    );
    for section in &parts.sections {
        if !unit_known(&section.unit) {
            errors.push(format!(
                "section {}: unknown unit {}",
                section.code, section.unit
            ));
        }
        for skill in section.skills.iter().filter(|s| !skill_known(s)) {
            errors.push(format!(
                "section {}: skill {skill} is neither a category nor an item",
                section.code
            ));
        }
    }
    duplicates("staff", parts.staff.iter().map(|p| p.id.as_str()), errors);
    for person in &parts.staff {
        let row = format!("staff {}", person.id);
        if person.name.trim().is_empty() {
            errors.push(format!("{row}: no name"));
        }
        if !unit_known(&person.unit) {
            errors.push(format!("{row}: unknown unit {}", person.unit));
        }
        match &person.section {
            Some(code) => match parts.sections.iter().find(|s| &s.code == code) {
                None => errors.push(format!("{row}: unknown section {code}")),
                Some(section) if section.unit != person.unit => errors.push(format!(
                    "{row}: section {code} belongs to {}, not {}",
                    section.unit, person.unit
                )),
                Some(_) => {}
            },
            None if person.role.is_unit_post() && person.role != StaffRole::UnitAdmin => {
                errors.push(format!("{row}: a {} needs a section", person.role.as_str()))
            }
            None => {}
        }
        for skill in person.skills.iter().filter(|s| !skill_known(s)) {
            errors.push(format!(
                "{row}: skill {skill} is neither a category nor an item"
            ));
        }
        for area in person
            .areas
            .iter()
            .filter(|a| !community_codes.contains(&a.as_str()))
        {
            errors.push(format!("{row}: unknown community {area}"));
        }
    }
}

fn duplicates<'a>(what: &str, codes: impl Iterator<Item = &'a str>, errors: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    for code in codes {
        if !seen.insert(code) {
            errors.push(format!("{what} {code}: listed twice"));
        }
    }
}

/// The current reference snapshot, replaced whole by an import.
pub struct SharedReference(std::sync::RwLock<std::sync::Arc<Reference>>);

impl SharedReference {
    pub fn new(reference: Reference) -> Self {
        Self(std::sync::RwLock::new(std::sync::Arc::new(reference)))
    }

    /// The snapshot to use for one whole event.
    pub fn get(&self) -> std::sync::Arc<Reference> {
        self.0
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    pub fn replace(&self, reference: Reference) {
        *self
            .0
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = std::sync::Arc::new(reference);
    }
}
