//! The events a street's scenarios still have to run on, and recording the scenarios'
//! outcomes (actions, follow-up events, traces) in one transaction.

use sqlx::AssertSqlSafe;

use super::rows::{EVENT_COLUMNS, StoredEvent, event_from_row};
use crate::domain::{ActionRecord, EventRecord, TraceStep};
use crate::storage::{Backend, Db, chunks, millis, placeholders};

impl Db {
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
        let (_turn, mut tx) = self.begin_write().await?;
        // First, and only from not done: the rows are locked against another host's
        // recording, and a run recorded already leaves everything unwritten. One statement
        // per chunk, not per event: the transaction holds the write lock for less.
        for chunk in chunks(done, 256) {
            let mut q = sqlx::query(AssertSqlSafe(finish_sql(self.backend(), chunk.len())));
            for (id, trace) in chunk {
                q = q.bind(id).bind(serde_json::to_string(trace)?);
            }
            let updated = q.execute(&mut *tx).await?.rows_affected();
            if updated != chunk.len() as u64 {
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

/// Marks `rows` events' scenarios done, each with its trace, where not done yet: the
/// parameters are each event's id and trace.
fn finish_sql(backend: Backend, rows: usize) -> String {
    format!(
        "with v (id, trace) as (values {}) \
         update events set scenarios_done = 1, trace = v.trace from v \
         where events.id = v.id and events.scenarios_done = 0",
        placeholders(backend, rows, 2)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_statement_pairs_each_event_with_its_trace() {
        assert_eq!(
            finish_sql(Backend::Postgres, 2),
            "with v (id, trace) as (values ($1, $2), ($3, $4)) \
             update events set scenarios_done = 1, trace = v.trace from v \
             where events.id = v.id and events.scenarios_done = 0"
        );
        assert_eq!(
            finish_sql(Backend::Sqlite, 1),
            "with v (id, trace) as (values (?, ?)) \
             update events set scenarios_done = 1, trace = v.trace from v \
             where events.id = v.id and events.scenarios_done = 0"
        );
    }
}
