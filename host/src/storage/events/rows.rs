//! The events table's columns, and what a row of them decodes into: a [`StoredEvent`], its
//! case clock and supervision level.

use anyhow::Context;
use jiff::Timestamp;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::domain::{Alert, CaseClock, Event, EventRecord, Location, Measure, Reporter, Status};
use crate::storage::{from_millis, source_of};

pub(super) const EVENT_COLUMNS: &str = "id, source, external_id, description, reported_at, received_at, \
    street_code, street_name, community_code, community_name, grid, lat, lon, address, \
    reporter_name, reporter_phone, attributes, parent_id, status, item_code, category_code, \
    priority, classification, owner_unit, handling_unit, deadline, dispatch, trace, scenarios_done, \
    assignee, section, clock_measure, clock_budget, clock_started_at, clock_remaining, warn_at, \
    alert, supervision_level, timer_at, duplicate_of, merged_into";
pub(super) const EVENT_COLUMN_COUNT: usize = 41;

/// A stored event with its storage sequence number.
#[derive(Clone, Debug)]
pub struct StoredEvent {
    pub seq: i64,
    pub record: EventRecord,
}

pub(super) fn event_from_row(row: &AnyRow) -> anyhow::Result<StoredEvent> {
    let status: String = row.try_get("status")?;
    let attributes: String = row.try_get("attributes")?;
    let classification: String = row.try_get("classification")?;
    let dispatch: String = row.try_get("dispatch")?;
    let trace: String = row.try_get("trace")?;
    let done: i64 = row.try_get("scenarios_done")?;
    let event = Event {
        id: row.try_get("id")?,
        source: source_of(row)?,
        external_id: row.try_get("external_id")?,
        description: row.try_get("description")?,
        reported_at: from_millis(row.try_get("reported_at")?),
        received_at: from_millis(row.try_get("received_at")?),
        location: Location {
            street_code: row.try_get("street_code")?,
            street_name: row.try_get("street_name")?,
            community_code: row.try_get("community_code")?,
            community_name: row.try_get("community_name")?,
            grid: row.try_get("grid")?,
            lat: row.try_get("lat")?,
            lon: row.try_get("lon")?,
            address: row.try_get("address")?,
        },
        reporter: Reporter {
            name: row.try_get("reporter_name")?,
            phone: row.try_get("reporter_phone")?,
        },
        attributes: serde_json::from_str(&attributes)?,
        parent_id: row.try_get("parent_id")?,
    };
    let clock = clock_from_row(row)?;
    // The dispatch keeps the deadline set at intake; the clock has the current one.
    let mut dispatch: crate::domain::Dispatch = serde_json::from_str(&dispatch)?;
    dispatch.deadline = clock.deadline;
    Ok(StoredEvent {
        seq: row.try_get("seq")?,
        record: EventRecord {
            event,
            status: Status::parse(&status).with_context(|| format!("bad status {status:?}"))?,
            classification: serde_json::from_str(&classification)?,
            dispatch,
            clock,
            trace: serde_json::from_str(&trace)?,
            actions: Vec::new(),
            scenarios_done: done != 0,
            duplicate_of: row.try_get("duplicate_of")?,
            merged_into: row.try_get("merged_into")?,
        },
    })
}

/// A case's clock from the columns of its event row.
pub(in crate::storage) fn clock_from_row(row: &AnyRow) -> anyhow::Result<CaseClock> {
    let measure: String = row.try_get("clock_measure")?;
    let alert: String = row.try_get("alert")?;
    let optional = |column: &str| -> anyhow::Result<Option<Timestamp>> {
        Ok(row.try_get::<Option<i64>, _>(column)?.map(from_millis))
    };
    Ok(CaseClock {
        measure: Measure::parse(&measure).with_context(|| format!("bad measure {measure:?}"))?,
        budget: row.try_get("clock_budget")?,
        started_at: optional("clock_started_at")?,
        deadline: from_millis(row.try_get("deadline")?),
        remaining: row.try_get("clock_remaining")?,
        warn_at: optional("warn_at")?,
        alert: Alert::parse(&alert).with_context(|| format!("bad alert {alert:?}"))?,
        supervision_level: supervision_level(row)?,
        timer_at: optional("timer_at")?,
    })
}

/// A case's supervision level (督办级别) from its row.
pub(super) fn supervision_level(row: &AnyRow) -> anyhow::Result<u8> {
    let level: i64 = row.try_get("supervision_level")?;
    Ok(u8::try_from(level.clamp(0, 255)).unwrap_or(u8::MAX))
}
