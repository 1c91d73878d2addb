//! The domain: events, the catalog, areas, units with their sections and staff, the
//! decisions taken about an event and the surge warnings raised over many, as plain Rust
//! types. Nothing here knows about HTTP, SQL or WebAssembly; the adapters depend on these
//! types, never the reverse.

mod access;
mod area;
mod case_clock;
mod catalog;
mod decision;
mod duplicate;
mod event;
mod notice;
mod staff;
mod surge;
mod time_limit;
mod unit;
mod webhook;

pub use access::{CaseScope, Person, Principal, Reach, Scope};
pub use area::{Bounds, Community, District, LatLon, Street};
pub use case_clock::{Alert, CaseClock};
pub use catalog::{Catalog, Category, HandlingRef, Item, Responsibility};
pub use decision::{
    Action, ActionRecord, Classification, DecidedBy, Dispatch, EventRecord, ItemSuggestion, Status,
    TraceStep, UnitRef,
};
pub use duplicate::{DuplicateLink, OpenReport};
pub use event::{Event, Location, Priority, Reporter, Source};
pub use notice::{Change, Notice, NoticeFacts};
pub use staff::{Assignee, Section, SectionRef, Staff, StaffRole, covers};
pub use surge::{SurgeChange, SurgeKey, SurgeKind, SurgeStatus, SurgeWarning};
pub use time_limit::{Measure, TimeLimit, TimeUnit};
pub use unit::{Unit, UnitKind};
pub use webhook::{Delivery, DeliveryState, Webhook};
