//! Shadow decisions: what a candidate version would have decided beside what applied.

use std::collections::HashMap;

use jiff::Timestamp;
use sqlx::{AssertSqlSafe, Row};

use super::{Db, chunks, millis, placeholders};
use crate::domain::{Comparison, PluginVersion};

const COLUMNS: &str = "street_code, name, version, event_id, item_code, active, candidate, differs, fault, micros, at";
const COLUMN_COUNT: usize = 11;
/// Rows per insert statement.
const ROWS: usize = 256;

impl Db {
    /// Stores comparisons, and counts them off the stored events left of their shadow runs
    /// (so a restarted host resumes a run where it stood).
    pub async fn insert_shadow_decisions(
        &self,
        rows: &[(PluginVersion, Comparison, Timestamp)],
    ) -> anyhow::Result<()> {
        let (_turn, mut tx) = self.begin_write().await?;
        for chunk in chunks(rows, ROWS) {
            let sql = format!(
                "insert into shadow_decisions ({COLUMNS}) values {}",
                placeholders(self.backend(), chunk.len(), COLUMN_COUNT)
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for (meta, c, at) in chunk {
                q = q
                    .bind(&meta.street_code)
                    .bind(&meta.name)
                    .bind(i64::from(meta.version))
                    .bind(&c.event_id)
                    .bind(&c.item_code)
                    .bind(&c.active)
                    .bind(&c.candidate)
                    .bind(i64::from(c.differs()))
                    .bind(&c.fault)
                    .bind(c.micros.min(i64::MAX as u64) as i64)
                    .bind(millis(*at));
            }
            q.execute(&mut *tx).await?;
        }
        let mut per_version: HashMap<(&str, &str, u32), i64> = HashMap::new();
        for (meta, _, _) in rows {
            *per_version
                .entry((&meta.street_code, &meta.name, meta.version))
                .or_default() += 1;
        }
        for ((street, name, version), n) in per_version {
            sqlx::query(
                "update plugins set shadow_left = case when shadow_left > $4 \
                 then shadow_left - $4 else 0 end \
                 where street_code = $1 and name = $2 and version = $3 and shadow_left is not null",
            )
            .bind(street)
            .bind(name)
            .bind(i64::from(version))
            .bind(n)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Every recorded comparison of a version, in the order they were made.
    pub async fn shadow_comparisons(
        &self,
        street_code: &str,
        name: &str,
        version: u32,
    ) -> anyhow::Result<Vec<Comparison>> {
        let rows = sqlx::query(
            "select event_id, item_code, active, candidate, fault, micros from shadow_decisions \
             where street_code = $1 and name = $2 and version = $3 order by id",
        )
        .bind(street_code)
        .bind(name)
        .bind(i64::from(version))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(Comparison {
                    event_id: row.try_get("event_id")?,
                    item_code: row.try_get("item_code")?,
                    active: row.try_get("active")?,
                    candidate: row.try_get("candidate")?,
                    fault: row.try_get("fault")?,
                    micros: row.try_get::<i64, _>("micros")?.max(0) as u64,
                })
            })
            .collect()
    }
}
