//! `streetwise:plugin/base-data`: the building at the event's address and the legal entities
//! in it, inside the caller's street, for the data sets its deployment was granted. Each read
//! is counted (`Usage::base_data_reads`).

use super::super::bindings::{base_data, types};
use super::super::state::HostState;
use crate::domain::{BuildingUse, EntityKind, Grant};

impl HostState {
    fn require(&self, grant: Grant) -> Option<types::Error> {
        (!self.ctx.grants.contains(&grant)).then(|| {
            types::Error::AccessDenied(format!(
                "this deployment is not granted the {} data set (deploy with grants={})",
                grant.as_str(),
                grant.as_str()
            ))
        })
    }
}

impl base_data::Host for HostState {
    async fn building_of_event(
        &mut self,
    ) -> wasmtime::Result<Result<Option<base_data::Building>, types::Error>> {
        self.charge("base-data.building-of-event")?;
        if let Some(denied) = self.require(Grant::Buildings) {
            return Ok(Err(denied));
        }
        let Some(address) = self.ctx.event_address.clone() else {
            return Ok(Ok(None));
        };
        self.usage.base_data_reads += 1;
        let building = self
            .ctx
            .db
            .building_at(&self.ctx.street_code, &address)
            .await
            .map_err(|e| wasmtime::format_err!("reading buildings: {e:#}"))?;
        Ok(Ok(building.map(|b| base_data::Building {
            id: b.id,
            address: b.address,
            community_code: b.community_code,
            grid: b.grid,
            kind: match b.use_kind {
                BuildingUse::Residential => base_data::BuildingUse::Residential,
                BuildingUse::Rental => base_data::BuildingUse::Rental,
                BuildingUse::UrbanVillage => base_data::BuildingUse::UrbanVillage,
                BuildingUse::Commercial => base_data::BuildingUse::Commercial,
                BuildingUse::Industrial => base_data::BuildingUse::Industrial,
                BuildingUse::Public => base_data::BuildingUse::Public,
            },
            floors: b.floors,
            rental_units: b.rental_units,
            households: b.households,
            population: b.population,
        })))
    }

    async fn entities_at(
        &mut self,
        building_id: String,
    ) -> wasmtime::Result<Result<Vec<base_data::LegalEntity>, types::Error>> {
        self.charge("base-data.entities-at")?;
        if let Some(denied) = self.require(Grant::Entities) {
            return Ok(Err(denied));
        }
        let db = self.ctx.db.clone();
        let street = db
            .building_street(&building_id)
            .await
            .map_err(|e| wasmtime::format_err!("reading buildings: {e:#}"))?;
        match street {
            None => {
                return Ok(Err(types::Error::NotFound(format!(
                    "no building {building_id}"
                ))));
            }
            Some(street) if street != self.ctx.street_code => {
                return Ok(Err(types::Error::AccessDenied(format!(
                    "building {building_id} is in another street"
                ))));
            }
            Some(_) => {}
        }
        self.usage.base_data_reads += 1;
        let entities = db
            .entities_at(&building_id)
            .await
            .map_err(|e| wasmtime::format_err!("reading legal entities: {e:#}"))?;
        Ok(Ok(entities
            .into_iter()
            .map(|e| base_data::LegalEntity {
                name: e.name,
                kind: match e.kind {
                    EntityKind::Shop => base_data::EntityKind::Shop,
                    EntityKind::Restaurant => base_data::EntityKind::Restaurant,
                    EntityKind::SmallVenue => base_data::EntityKind::SmallVenue,
                    EntityKind::Company => base_data::EntityKind::Company,
                    EntityKind::Factory => base_data::EntityKind::Factory,
                },
                small_venue: e.small_venue,
            })
            .collect()))
    }
}
