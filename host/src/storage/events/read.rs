//! Reading stored events back whole: one by id or by its channel's identifier, several by
//! id, a street's history, and the scenario actions stored for them.

use jiff::Timestamp;
use sqlx::AssertSqlSafe;
use sqlx::Row;

use super::rows::{EVENT_COLUMNS, StoredEvent, event_from_row};
use crate::domain::{ActionRecord, Source};
use crate::storage::{Db, from_millis, millis};

impl Db {
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
}
