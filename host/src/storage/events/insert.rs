//! Writing events: a batch in one multi-row insert per statement, skipping those whose
//! (source, external id) is already stored.

use sqlx::AssertSqlSafe;
use sqlx::{Any, Row, Transaction};

use super::rows::{EVENT_COLUMN_COUNT, EVENT_COLUMNS};
use crate::domain::EventRecord;
use crate::storage::{Db, chunks, millis, placeholders};

/// Rows per insert statement: 41 × 256 values stays under SQLite's and PostgreSQL's limits.
pub const MAX_BATCH: usize = 256;

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
}
