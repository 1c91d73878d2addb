//! `streetwise:plugin/directory`: the caller's own street's units plus district-wide ones.

use super::super::bindings::{directory, types};
use super::super::state::HostState;
use super::wit_unit;

impl directory::Host for HostState {
    async fn units(&mut self) -> wasmtime::Result<Vec<types::Unit>> {
        self.charge("directory.units")?;
        let street = &self.ctx.street_code;
        Ok(self
            .ctx
            .reference
            .directory(street)
            .into_iter()
            .map(wit_unit)
            .collect())
    }

    async fn get_unit(
        &mut self,
        code: String,
    ) -> wasmtime::Result<Result<types::Unit, types::Error>> {
        self.charge("directory.get-unit")?;
        let street = &self.ctx.street_code;
        Ok(match self.ctx.reference.unit(&code) {
            Some(unit) if unit.visible_to(street) => Ok(wit_unit(unit)),
            Some(_) => Err(types::Error::AccessDenied(format!(
                "unit {code} belongs to another street"
            ))),
            None => Err(types::Error::NotFound(format!("no unit {code}"))),
        })
    }
}
