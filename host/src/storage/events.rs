//! Events: written in batches (one multi-row insert per group commit), read back whole.

use anyhow::Context;
use jiff::Timestamp;
use serde::Serialize;
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::{Db, chunks, from_millis, millis, placeholders};
use crate::domain::{
    ActionRecord, Alert, CaseClock, Event, EventRecord, Location, Measure, Priority, Reporter,
    Source, Status, TraceStep,
};

const EVENT_COLUMNS: &str = "id, source, external_id, description, reported_at, received_at, \
    street_code, street_name, community_code, community_name, grid, lat, lon, address, \
    reporter_name, reporter_phone, attributes, parent_id, status, item_code, category_code, \
    priority, classification, owner_unit, handling_unit, deadline, dispatch, trace, scenarios_done, \
    assignee, section, clock_measure, clock_budget, clock_started_at, clock_remaining, warn_at, \
    alert, supervision_level, timer_at, duplicate_of, merged_into";
const EVENT_COLUMN_COUNT: usize = 41;
/// Rows per insert statement: 41 × 256 values stays under SQLite's and PostgreSQL's limits.
pub const MAX_BATCH: usize = 256;

/// A stored event with its storage sequence number.
#[derive(Clone, Debug)]
pub struct StoredEvent {
    pub seq: i64,
    pub record: EventRecord,
}

/// The filters of `GET /api/v1/events`.
#[derive(Clone, Debug, Default)]
pub struct EventFilter {
    pub street_code: Option<String>,
    pub status: Option<Status>,
    pub item_code: Option<String>,
    pub alert: Option<Alert>,
    pub assignee: Option<String>,
    /// Only the cases this unit handles (the caller's reach, or a filter).
    pub handling_unit: Option<String>,
    /// Only events from these sources; empty for any.
    pub sources: Vec<Source>,
    /// Only cases under supervision (督办).
    pub supervised: bool,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    /// Only events stored before this sequence number (the page cursor).
    pub before_seq: Option<i64>,
    pub limit: u32,
}

/// One line of a listing.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct EventSummary {
    pub id: String,
    pub source: Source,
    pub description: String,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "crate::calendar::cst")]
    pub received_at: Timestamp,
    pub street_code: String,
    pub community: Option<String>,
    pub status: Status,
    pub item_code: String,
    pub priority: Priority,
    pub handling_unit: String,
    pub assignee: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "crate::calendar::cst")]
    pub deadline: Timestamp,
    pub alert: Alert,
    pub supervision_level: u8,
    /// How many reports the case has: its own and those merged into it (合并).
    pub reports: i64,
}

/// A page of a listing; `next_cursor` fetches the next (older) page.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct EventPage {
    pub events: Vec<EventSummary>,
    pub next_cursor: Option<String>,
}

/// What a plugin's `stats.count-events` counts over: its street, a time window and, for
/// scenarios, only events stored up to the triggering one.
#[derive(Clone, Debug)]
pub struct StatsScope {
    pub street_code: String,
    pub window_end: Timestamp,
    pub up_to_seq: Option<i64>,
}

impl Db {
    /// Inserts a batch in one statement inside `tx`. Events whose (source, external id) is
    /// already stored are skipped; returns the (id, seq) of those inserted.
    pub async fn insert_events(
        &self,
        tx: &mut Transaction<'_, Any>,
        records: &[&EventRecord],
    ) -> anyhow::Result<Vec<(String, i64)>> {
        let mut inserted = Vec::with_capacity(records.len());
        for chunk in chunks(records, MAX_BATCH) {
            let sql = format!(
                "insert into events ({EVENT_COLUMNS}) values {} \
                 on conflict (source, external_id) do nothing returning id, seq",
                placeholders(self.backend(), chunk.len(), EVENT_COLUMN_COUNT)
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for r in chunk {
                let e = &r.event;
                let l = &e.location;
                q = q
                    .bind(&e.id)
                    .bind(e.source.as_str())
                    .bind(&e.external_id)
                    .bind(&e.description)
                    .bind(millis(e.reported_at))
                    .bind(millis(e.received_at))
                    .bind(&l.street_code)
                    .bind(&l.street_name)
                    .bind(&l.community_code)
                    .bind(&l.community_name)
                    .bind(&l.grid)
                    .bind(l.lat)
                    .bind(l.lon)
                    .bind(&l.address)
                    .bind(&e.reporter.name)
                    .bind(&e.reporter.phone)
                    .bind(serde_json::to_string(&e.attributes)?)
                    .bind(&e.parent_id)
                    .bind(r.status.as_str())
                    .bind(&r.classification.item_code)
                    .bind(&r.classification.category_code)
                    .bind(r.classification.priority.as_str())
                    .bind(serde_json::to_string(&r.classification)?)
                    .bind(&r.dispatch.owner_unit.code)
                    .bind(&r.dispatch.handling_unit.code)
                    .bind(millis(r.clock.deadline))
                    .bind(serde_json::to_string(&r.dispatch)?)
                    .bind(serde_json::to_string(&r.trace)?)
                    .bind(i64::from(r.scenarios_done))
                    .bind(r.dispatch.assignee.as_ref().map(|a| a.id.clone()))
                    .bind(
                        r.dispatch
                            .assignee
                            .as_ref()
                            .and_then(|a| a.section.as_ref().map(|s| s.code.clone())),
                    );
                let c = &r.clock;
                q = q
                    .bind(c.measure.as_str())
                    .bind(c.budget)
                    .bind(c.started_at.map(millis))
                    .bind(c.remaining)
                    .bind(c.warn_at.map(millis))
                    .bind(c.alert.as_str())
                    .bind(i64::from(c.supervision_level))
                    .bind(c.timer_at.map(millis))
                    .bind(&r.duplicate_of)
                    .bind(&r.merged_into);
            }
            for row in q.fetch_all(&mut **tx).await? {
                inserted.push((row.try_get("id")?, row.try_get("seq")?));
            }
        }
        Ok(inserted)
    }

    pub async fn event(&self, id: &str) -> anyhow::Result<Option<StoredEvent>> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "select seq, {EVENT_COLUMNS} from events where id = $1"
        )))
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        match row {
            Some(row) => Ok(Some(self.with_actions(event_from_row(&row)?).await?)),
            None => Ok(None),
        }
    }

    /// The stored events of `ids` (without their scenario actions), in no particular order;
    /// unknown ids are left out. One statement per 500 ids.
    pub async fn events_by_id(&self, ids: &[&str]) -> anyhow::Result<Vec<StoredEvent>> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let list = (1..=chunk.len())
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", ");
            let mut q = sqlx::query(AssertSqlSafe(format!(
                "select seq, {EVENT_COLUMNS} from events where id in ({list})"
            )));
            for id in chunk {
                q = q.bind(*id);
            }
            for row in q.fetch_all(self.pool()).await? {
                out.push(event_from_row(&row)?);
            }
        }
        Ok(out)
    }

    /// A street's stored events newest first, `limit` at a time: those stored before
    /// `before_seq` (all when `None`) and received inside `[from, to)` when given.
    pub async fn street_history(
        &self,
        street_code: &str,
        window: (Option<Timestamp>, Option<Timestamp>),
        before_seq: Option<i64>,
        limit: u32,
    ) -> anyhow::Result<Vec<StoredEvent>> {
        let (from, to) = window;
        let sql = format!(
            "select seq, {EVENT_COLUMNS} from events where street_code = $1 and seq < $2 \
             and received_at >= $3 and received_at < $4 order by seq desc limit {}",
            limit.clamp(1, 10_000)
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(street_code)
            .bind(before_seq.unwrap_or(i64::MAX))
            .bind(from.map_or(i64::MIN, millis))
            .bind(to.map_or(i64::MAX, millis))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(event_from_row).collect()
    }

    /// The event already stored under this channel's identifier, if any.
    pub async fn event_by_external_id(
        &self,
        source: Source,
        external_id: &str,
    ) -> anyhow::Result<Option<StoredEvent>> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "select seq, {EVENT_COLUMNS} from events where source = $1 and external_id = $2"
        )))
        .bind(source.as_str())
        .bind(external_id)
        .fetch_optional(self.pool())
        .await?;
        match row {
            Some(row) => Ok(Some(self.with_actions(event_from_row(&row)?).await?)),
            None => Ok(None),
        }
    }

    /// The scenario actions stored for each of `events`, in the order they were stored.
    pub async fn actions_of(&self, events: &mut [StoredEvent]) -> anyhow::Result<()> {
        for chunk in events.chunks_mut(500) {
            let list = (1..=chunk.len())
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", ");
            let mut q = sqlx::query(AssertSqlSafe(format!(
                "select event_id, plugin, body, created_at from event_actions \
                 where event_id in ({list}) order by id"
            )));
            for stored in chunk.iter() {
                q = q.bind(&stored.record.event.id);
            }
            let mut by_event: std::collections::HashMap<String, Vec<ActionRecord>> =
                std::collections::HashMap::new();
            for row in q.fetch_all(self.pool()).await? {
                let body: String = row.try_get("body")?;
                let plugin: String = row.try_get("plugin")?;
                by_event
                    .entry(row.try_get("event_id")?)
                    .or_default()
                    .push(ActionRecord {
                        plugin: plugin.into(),
                        created_at: from_millis(row.try_get("created_at")?),
                        action: serde_json::from_str(&body)?,
                    });
            }
            for stored in chunk.iter_mut() {
                stored.record.actions =
                    by_event.remove(&stored.record.event.id).unwrap_or_default();
            }
        }
        Ok(())
    }

    async fn with_actions(&self, stored: StoredEvent) -> anyhow::Result<StoredEvent> {
        let mut one = [stored];
        self.actions_of(&mut one).await?;
        let [stored] = one;
        Ok(stored)
    }

    /// Events newest first, filtered, one page at a time.
    pub async fn list_events(&self, filter: &EventFilter) -> anyhow::Result<EventPage> {
        let mut clauses = Vec::new();
        let mut n = 0;
        let mut next = || {
            n += 1;
            format!("${n}")
        };
        if filter.street_code.is_some() {
            clauses.push(format!("street_code = {}", next()));
        }
        if filter.status.is_some() {
            clauses.push(format!("status = {}", next()));
        }
        if filter.item_code.is_some() {
            clauses.push(format!("item_code = {}", next()));
        }
        if filter.alert.is_some() {
            clauses.push(format!("alert = {}", next()));
        }
        if filter.assignee.is_some() {
            clauses.push(format!("assignee = {}", next()));
        }
        if filter.handling_unit.is_some() {
            clauses.push(format!("handling_unit = {}", next()));
        }
        if !filter.sources.is_empty() {
            let list: Vec<String> = filter.sources.iter().map(|_| next()).collect();
            clauses.push(format!("source in ({})", list.join(", ")));
        }
        if filter.supervised {
            clauses.push("supervision_level > 0".into());
        }
        if filter.from.is_some() {
            clauses.push(format!("received_at >= {}", next()));
        }
        if filter.to.is_some() {
            clauses.push(format!("received_at < {}", next()));
        }
        if filter.before_seq.is_some() {
            clauses.push(format!("seq < {}", next()));
        }
        let limit = filter.limit.clamp(1, 500);
        let sql = format!(
            "select seq, id, source, description, received_at, street_code, community_name, \
             status, item_code, priority, handling_unit, assignee, deadline, alert, \
             supervision_level, \
             (select count(*) from events m where m.merged_into = events.id) as merged \
             from events {} \
             order by seq desc limit {}",
            if clauses.is_empty() {
                String::new()
            } else {
                format!("where {}", clauses.join(" and "))
            },
            limit + 1
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        if let Some(v) = &filter.street_code {
            q = q.bind(v);
        }
        if let Some(v) = filter.status {
            q = q.bind(v.as_str());
        }
        if let Some(v) = &filter.item_code {
            q = q.bind(v);
        }
        if let Some(v) = filter.alert {
            q = q.bind(v.as_str());
        }
        if let Some(v) = &filter.assignee {
            q = q.bind(v);
        }
        if let Some(v) = &filter.handling_unit {
            q = q.bind(v);
        }
        for source in &filter.sources {
            q = q.bind(source.as_str());
        }
        if let Some(v) = filter.from {
            q = q.bind(millis(v));
        }
        if let Some(v) = filter.to {
            q = q.bind(millis(v));
        }
        if let Some(v) = filter.before_seq {
            q = q.bind(v);
        }
        let rows = q.fetch_all(self.pool()).await?;
        let more = rows.len() > limit as usize;
        let mut events = Vec::new();
        let mut last_seq = None;
        for row in rows.iter().take(limit as usize) {
            last_seq = Some(row.try_get::<i64, _>("seq")?);
            let source: String = row.try_get("source")?;
            let status: String = row.try_get("status")?;
            let priority: String = row.try_get("priority")?;
            let alert: String = row.try_get("alert")?;
            events.push(EventSummary {
                id: row.try_get("id")?,
                source: Source::parse(&source).unwrap_or(Source::Other),
                description: row.try_get("description")?,
                received_at: from_millis(row.try_get("received_at")?),
                street_code: row.try_get("street_code")?,
                community: row.try_get("community_name")?,
                status: Status::parse(&status).unwrap_or(Status::Dispatched),
                item_code: row.try_get("item_code")?,
                priority: Priority::parse(&priority).unwrap_or(Priority::Normal),
                handling_unit: row.try_get("handling_unit")?,
                assignee: row.try_get("assignee")?,
                deadline: from_millis(row.try_get("deadline")?),
                alert: Alert::parse(&alert).unwrap_or_default(),
                supervision_level: supervision_level(row)?,
                reports: 1 + row.try_get::<i64, _>("merged")?,
            });
        }
        Ok(EventPage {
            events,
            next_cursor: if more {
                last_seq.map(|s| s.to_string())
            } else {
                None
            },
        })
    }

    /// How many events match a plugin's count query inside its scope.
    pub async fn count_events(
        &self,
        scope: &StatsScope,
        item_code: Option<&str>,
        category_code: Option<&str>,
        community_name: Option<&str>,
        within_minutes: u32,
    ) -> anyhow::Result<u64> {
        let window_start = scope.window_end - jiff::Span::new().minutes(i64::from(within_minutes));
        let mut sql = String::from(
            "select count(*) as n from events where street_code = $1 \
             and received_at >= $2 and received_at <= $3",
        );
        let mut n = 3;
        let mut push = |clause: &str, sql: &mut String| {
            n += 1;
            sql.push_str(&format!(" and {clause} = ${n}"));
        };
        if item_code.is_some() {
            push("item_code", &mut sql);
        }
        if category_code.is_some() {
            push("category_code", &mut sql);
        }
        if community_name.is_some() {
            push("community_name", &mut sql);
        }
        if scope.up_to_seq.is_some() {
            n += 1;
            sql.push_str(&format!(" and seq <= ${n}"));
        }
        let mut q = sqlx::query(AssertSqlSafe(sql))
            .bind(&scope.street_code)
            .bind(millis(window_start))
            .bind(millis(scope.window_end));
        for v in [item_code, category_code, community_name]
            .into_iter()
            .flatten()
        {
            q = q.bind(v);
        }
        if let Some(seq) = scope.up_to_seq {
            q = q.bind(seq);
        }
        let row = q.fetch_one(self.pool()).await?;
        let count: i64 = row.try_get("n")?;
        Ok(count.max(0) as u64)
    }

    /// A street's events whose scenarios have not run yet, oldest first.
    pub async fn scenarios_pending(
        &self,
        street_code: &str,
        limit: u32,
    ) -> anyhow::Result<Vec<StoredEvent>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "select seq, {EVENT_COLUMNS} from events \
             where scenarios_done = 0 and street_code = $1 order by seq limit {limit}"
        )))
        .bind(street_code)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(event_from_row).collect()
    }

    /// Records scenario outcomes: the actions, any follow-up events, each event's trace with
    /// the scenario steps, and that its scenarios ran, all in one transaction; `None`, with
    /// nothing written, when another host recorded any of these events' runs first.
    pub async fn finish_scenarios(
        &self,
        done: &[(String, Vec<TraceStep>)],
        actions: &[(String, ActionRecord)],
        follow_ups: &[EventRecord],
    ) -> anyhow::Result<Option<Vec<(String, i64)>>> {
        let mut tx = self.pool().begin().await?;
        // First, and only from not done: the rows are locked against another host's
        // recording, and a run recorded already leaves everything unwritten.
        for (id, trace) in done {
            let updated = sqlx::query(
                "update events set scenarios_done = 1, trace = $1 \
                 where id = $2 and scenarios_done = 0",
            )
            .bind(serde_json::to_string(trace)?)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if updated == 0 {
                tx.rollback().await?;
                return Ok(None);
            }
        }
        let follow_ups: Vec<&EventRecord> = follow_ups.iter().collect();
        let inserted = self.insert_events(&mut tx, &follow_ups).await?;
        for chunk in chunks(actions, 256) {
            let sql = format!(
                "insert into event_actions (event_id, plugin, kind, body, created_at) values {}",
                placeholders(self.backend(), chunk.len(), 5)
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for (event_id, a) in chunk {
                let body = serde_json::to_value(&a.action)?;
                q = q
                    .bind(event_id)
                    .bind(a.plugin.to_string())
                    .bind(body["kind"].as_str().unwrap_or_default().to_string())
                    .bind(body.to_string())
                    .bind(millis(a.created_at));
            }
            q.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(Some(inserted))
    }
}

fn event_from_row(row: &AnyRow) -> anyhow::Result<StoredEvent> {
    let status: String = row.try_get("status")?;
    let attributes: String = row.try_get("attributes")?;
    let classification: String = row.try_get("classification")?;
    let dispatch: String = row.try_get("dispatch")?;
    let trace: String = row.try_get("trace")?;
    let done: i64 = row.try_get("scenarios_done")?;
    let event = Event {
        id: row.try_get("id")?,
        source: super::source_of(row)?,
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
pub(super) fn clock_from_row(row: &AnyRow) -> anyhow::Result<CaseClock> {
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
fn supervision_level(row: &AnyRow) -> anyhow::Result<u8> {
    let level: i64 = row.try_get("supervision_level")?;
    Ok(u8::try_from(level.clamp(0, 255)).unwrap_or(u8::MAX))
}
