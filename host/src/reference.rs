//! The district's reference data in memory: areas, units with their sections and staff,
//! catalog, responsibility list and working calendar, checked for consistency as a whole and swapped as a whole.
//!
//! It is small (thousands of rows), read on every event and changed rarely (an import), so the
//! host keeps one immutable snapshot behind an `Arc` and replaces it on import.

mod check;

use std::collections::{BTreeMap, HashMap};

pub use check::{Inconsistency, Place, check};

use crate::calendar::{CalendarYear, WorkingCalendar};
use crate::classify::{Baseline, KeywordClassifier};
use crate::domain::{
    Catalog, Category, District, HandlingRef, Item, Responsibility, Section, Staff, Street, Unit,
    UnitKind,
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
    /// Builds the snapshot, or lists every inconsistency found.
    pub fn new(parts: ReferenceParts) -> Result<Self, Vec<Inconsistency>> {
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
