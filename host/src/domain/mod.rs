//! The domain: events, the catalog, areas, units with their sections and staff, the
//! decisions taken about an event and the surge warnings raised over many, the counts behind
//! the indicators, the district's base data, and street plugins with what they decide, as
//! plain Rust types. Nothing here knows about HTTP, SQL or WebAssembly; the adapters depend
//! on these types, never the reverse.

mod access;
mod area;
mod base_data;
mod case_clock;
mod catalog;
mod comparison;
mod decision;
mod duplicate;
mod event;
mod hour_of_week;
mod notice;
mod plugin;
mod scenario;
mod staff;
mod surge;
mod tally;
mod time_limit;
mod unit;
mod webhook;

pub use access::{CaseScope, Person, Principal, Reach, Scope};
pub use area::{Bounds, Community, District, LatLon, Street};
pub use base_data::{Building, BuildingUse, EntityKind, Grant, LegalEntity};
pub use case_clock::{Alert, CaseClock};
pub use catalog::{Catalog, Category, HandlingRef, Item, Responsibility};
pub use comparison::Comparison;
pub use decision::{
    Action, ActionRecord, Classification, DecidedBy, Dispatch, EventRecord, ItemSuggestion, Status,
    TraceStep, UnitRef,
};
pub use duplicate::{DuplicateLink, OpenReport};
pub use event::{Event, Location, Priority, Reporter, Source};
pub use hour_of_week::{HOUR_MS, HOURS_PER_WEEK, hour_of_week};
pub use notice::{Change, Notice, NoticeFacts};
pub use plugin::{DeployMode, PluginKind, PluginVersion, Replaced, ShadowRun};
pub use scenario::ScenarioAction;
pub use staff::{Assignee, Section, SectionRef, Staff, StaffRole, covers};
pub use surge::{
    MINUTE_MS, SurgeChange, SurgeKey, SurgeKind, SurgeStatus, SurgeWarning, WindowCount, minute_of,
};
pub use tally::{CaseFacts, Counts, Level, Period, tally};
pub use time_limit::{Measure, TimeLimit, TimeUnit};
pub use unit::{Unit, UnitKind};
pub use webhook::{Delivery, DeliveryState, Webhook};

/// Hand-checked cases, for the indicator and storage tests too.
#[cfg(test)]
pub(crate) use tally::tests as tally_fixtures;
