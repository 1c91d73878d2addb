//! The host functions a plugin may import, one file per WIT interface. Each checks the
//! caller's capability (its street) first and counts against the call's host-call budget.
//! Expected failures (`not-found`, `access-denied`) are WIT errors the guest sees; breaking a
//! limit is a trap.

mod base_data;
mod catalog;
mod config;
mod directory;
mod log;
mod stats;

use wasmtime::component::{HasSelf, Linker};

use super::bindings::{Classifier, types};
use super::state::HostState;

impl types::Host for HostState {}

/// Adds WASI (granting nothing) and every `streetwise:plugin` import to a linker. The three
/// worlds import the same interfaces, so one linker serves them all.
pub(crate) fn add_to_linker(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    wasmtime_wasi::p2::add_to_linker_async(linker)?;
    Classifier::add_to_linker::<HostState, HasSelf<HostState>>(linker, |state| state)?;
    Ok(())
}

/// A directory unit as plugins see it.
pub fn wit_unit(unit: &crate::domain::Unit) -> types::Unit {
    use crate::domain::UnitKind;
    types::Unit {
        code: unit.code.clone(),
        name: unit.name.clone(),
        kind: match unit.kind {
            UnitKind::DistrictBureau => types::UnitKind::DistrictBureau,
            UnitKind::StreetOffice => types::UnitKind::StreetOffice,
            UnitKind::CommunityWorkstation => types::UnitKind::CommunityWorkstation,
            UnitKind::Enterprise => types::UnitKind::Enterprise,
        },
        community: unit.community.clone(),
    }
}
