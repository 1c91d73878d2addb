//! The listing of `GET /api/v1/events`: its filters, one line per event, and pages newest
//! first with a cursor to the next.

use jiff::Timestamp;
use serde::Serialize;
use sqlx::AssertSqlSafe;
use sqlx::Row;

use super::rows::supervision_level;
use crate::domain::{Alert, Priority, Source, Status};
use crate::storage::{Db, from_millis, millis};

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

impl Db {
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
}
