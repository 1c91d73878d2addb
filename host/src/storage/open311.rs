//! What Open311 reads and writes beyond events: requests chosen by its filters, the latest
//! timeline entry of each (its `status_notes`), the timeline as a feed of updates across
//! cases, and the updates citizens post to their own requests (`citizen_updates`).

use std::collections::HashMap;

use jiff::Timestamp;
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, AssertSqlSafe, Row};

use super::{Db, from_millis, millis};
use crate::domain::{Source, Status};

/// How far a caller reaches, as clauses on `events`: each `Some` (or non-empty list) narrows.
#[derive(Clone, Debug, Default)]
pub struct CaseReach {
    pub street_code: Option<String>,
    pub handling_unit: Option<String>,
    pub sources: Vec<Source>,
}

/// The filters of `GET requests`.
#[derive(Clone, Debug, Default)]
pub struct RequestFilter {
    pub reach: CaseReach,
    /// Only these events (empty: any).
    pub ids: Vec<String>,
    /// Only these items (empty: any).
    pub items: Vec<String>,
    /// Only these statuses (empty: any).
    pub statuses: Vec<Status>,
    /// Reported at or after / before.
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    /// Never these items (the private services).
    pub hidden_items: Vec<String>,
    pub limit: u32,
}

/// A timeline entry as the updates feed shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct TimelineUpdate {
    pub event_id: String,
    pub seq: i64,
    pub action: String,
    pub to_state: String,
    pub reason: Option<String>,
    pub note: Option<String>,
    pub at: Timestamp,
}

/// A citizen's update to their request, as a channel posted it.
#[derive(Clone, Debug, PartialEq)]
pub struct CitizenUpdate {
    pub event_id: String,
    /// The token that posted it.
    pub submitted_by: String,
    /// The channel's own id for it, when it sent one.
    pub channel_update_id: Option<String>,
    pub status: String,
    pub description: String,
    pub media_url: Option<String>,
    pub updated_at: Timestamp,
    pub received_at: Timestamp,
}

enum Bind {
    Text(String),
    Int(i64),
}

/// `where` clauses with their numbered parameters, in order.
#[derive(Default)]
struct Clauses {
    sql: Vec<String>,
    binds: Vec<Bind>,
}

impl Clauses {
    fn param(&mut self, value: Bind) -> String {
        self.binds.push(value);
        format!("${}", self.binds.len())
    }

    fn equals(&mut self, column: &str, value: Option<&str>) {
        if let Some(value) = value {
            let p = self.param(Bind::Text(value.into()));
            self.sql.push(format!("{column} = {p}"));
        }
    }

    fn within(&mut self, column: &str, values: &[String], negate: bool) {
        if values.is_empty() {
            return;
        }
        let list: Vec<String> = values
            .iter()
            .map(|v| self.param(Bind::Text(v.clone())))
            .collect();
        let not = if negate { "not " } else { "" };
        self.sql
            .push(format!("{column} {not}in ({})", list.join(", ")));
    }

    fn reach(&mut self, reach: &CaseReach) {
        self.equals("e.street_code", reach.street_code.as_deref());
        self.equals("e.handling_unit", reach.handling_unit.as_deref());
        let sources: Vec<String> = reach.sources.iter().map(|s| s.as_str().into()).collect();
        self.within("e.source", &sources, false);
    }

    fn time(&mut self, column: &str, op: &str, at: Option<Timestamp>) {
        if let Some(at) = at {
            let p = self.param(Bind::Int(millis(at)));
            self.sql.push(format!("{column} {op} {p}"));
        }
    }

    fn where_sql(&self) -> String {
        if self.sql.is_empty() {
            String::new()
        } else {
            format!("where {}", self.sql.join(" and "))
        }
    }

    fn bind<'q>(&self, mut q: Query<'q, Any, AnyArguments>) -> Query<'q, Any, AnyArguments> {
        for value in &self.binds {
            q = match value {
                Bind::Text(v) => q.bind(v.clone()),
                Bind::Int(v) => q.bind(*v),
            };
        }
        q
    }
}

impl Db {
    /// The ids of the events a `GET requests` asks for, newest first.
    pub async fn open311_request_ids(&self, f: &RequestFilter) -> anyhow::Result<Vec<String>> {
        let mut c = Clauses::default();
        c.reach(&f.reach);
        c.within("e.id", &f.ids, false);
        c.within("e.item_code", &f.items, false);
        let statuses: Vec<String> = f.statuses.iter().map(|s| s.as_str().into()).collect();
        c.within("e.status", &statuses, false);
        c.time("e.reported_at", ">=", f.from);
        c.time("e.reported_at", "<", f.to);
        c.within("e.item_code", &f.hidden_items, true);
        let sql = format!(
            "select e.id from events e {} order by e.seq desc limit {}",
            c.where_sql(),
            f.limit.max(1)
        );
        let rows = c
            .bind(sqlx::query(AssertSqlSafe(sql)))
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| r.try_get::<String, _>("id").map_err(Into::into))
            .collect()
    }

    /// The latest timeline entry of each of these cases that has one.
    pub async fn latest_entries(
        &self,
        ids: &[&str],
    ) -> anyhow::Result<HashMap<String, TimelineUpdate>> {
        let mut latest: HashMap<String, TimelineUpdate> = HashMap::new();
        for chunk in ids.chunks(500) {
            let mut c = Clauses::default();
            let ids: Vec<String> = chunk.iter().map(|s| s.to_string()).collect();
            c.within("t.event_id", &ids, false);
            let sql = format!(
                "select t.event_id, t.seq, t.action, t.to_state, t.reason, t.note, t.at \
                 from case_timeline t {} \
                 and t.seq = (select max(l.seq) from case_timeline l where l.event_id = t.event_id)",
                c.where_sql()
            );
            for row in c
                .bind(sqlx::query(AssertSqlSafe(sql)))
                .fetch_all(self.pool())
                .await?
            {
                let update = update_from_row(&row)?;
                latest.insert(update.event_id.clone(), update);
            }
        }
        Ok(latest)
    }

    /// Timeline entries appended in `[from, to)` on cases within `reach`, oldest first, at
    /// most `limit`.
    pub async fn timeline_updates(
        &self,
        reach: &CaseReach,
        from: Timestamp,
        to: Timestamp,
        limit: u32,
    ) -> anyhow::Result<Vec<TimelineUpdate>> {
        let mut c = Clauses::default();
        c.time("t.at", ">=", Some(from));
        c.time("t.at", "<", Some(to));
        c.reach(reach);
        let sql = format!(
            "select t.event_id, t.seq, t.action, t.to_state, t.reason, t.note, t.at \
             from case_timeline t join events e on e.id = t.event_id {} \
             order by t.at, t.event_id, t.seq limit {}",
            c.where_sql(),
            limit.max(1)
        );
        let rows = c
            .bind(sqlx::query(AssertSqlSafe(sql)))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(update_from_row).collect()
    }

    /// Stores a citizen's update and returns its id; when the same token sent the same
    /// channel update id before, nothing is written and the first one's id comes back.
    pub async fn add_citizen_update(&self, u: &CitizenUpdate) -> anyhow::Result<String> {
        let id = uuid::Uuid::now_v7().simple().to_string();
        let written = sqlx::query(
            "insert into citizen_updates (id, event_id, submitted_by, channel_update_id, status, \
             description, media_url, updated_at, received_at) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             on conflict (submitted_by, channel_update_id) do nothing",
        )
        .bind(&id)
        .bind(&u.event_id)
        .bind(&u.submitted_by)
        .bind(u.channel_update_id.clone())
        .bind(&u.status)
        .bind(&u.description)
        .bind(u.media_url.clone())
        .bind(millis(u.updated_at))
        .bind(millis(u.received_at))
        .execute(self.pool())
        .await?
        .rows_affected();
        if written == 1 {
            return Ok(id);
        }
        let row = sqlx::query(
            "select id from citizen_updates where submitted_by = $1 and channel_update_id = $2",
        )
        .bind(&u.submitted_by)
        .bind(u.channel_update_id.clone())
        .fetch_one(self.pool())
        .await?;
        Ok(row.try_get("id")?)
    }

    /// A case's citizen updates, oldest first.
    pub async fn citizen_updates(&self, event_id: &str) -> anyhow::Result<Vec<CitizenUpdate>> {
        let rows = sqlx::query(
            "select event_id, submitted_by, channel_update_id, status, description, media_url, \
             updated_at, received_at from citizen_updates where event_id = $1 \
             order by received_at, id",
        )
        .bind(event_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(CitizenUpdate {
                    event_id: r.try_get("event_id")?,
                    submitted_by: r.try_get("submitted_by")?,
                    channel_update_id: r.try_get("channel_update_id")?,
                    status: r.try_get("status")?,
                    description: r.try_get("description")?,
                    media_url: r.try_get("media_url")?,
                    updated_at: from_millis(r.try_get("updated_at")?),
                    received_at: from_millis(r.try_get("received_at")?),
                })
            })
            .collect()
    }
}

fn update_from_row(row: &sqlx::any::AnyRow) -> anyhow::Result<TimelineUpdate> {
    Ok(TimelineUpdate {
        event_id: row.try_get("event_id")?,
        seq: row.try_get("seq")?,
        action: row.try_get("action")?,
        to_state: row.try_get("to_state")?,
        reason: row.try_get("reason")?,
        note: row.try_get("note")?,
        at: from_millis(row.try_get("at")?),
    })
}
