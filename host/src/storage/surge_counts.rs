//! The grouped counts the surge scan reads: the window's counts per key and minute, one slice
//! of the window at a time, and the history of the keys that might be abnormal, one hour of the week's
//! history at a time. Each read is short: none sorts a whole hour of events at once, and none
//! reads events one by one.

use jiff::Timestamp;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use super::{Db, chunks, from_millis, millis, parameter, placeholders_after};
use crate::domain::{MINUTE_MS, SurgeKey, SurgeKind, WindowCount};

/// The events columns a kind counts by: the code and the area.
fn columns(kind: SurgeKind) -> (&'static str, &'static str) {
    match kind {
        SurgeKind::Item => ("item_code", "community_code"),
        SurgeKind::Category => ("category_code", "street_code"),
    }
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// Keys per history statement: two parameters each, well under both databases' limits.
const KEYS_PER_STATEMENT: usize = 256;

impl Db {
    /// Per key of `kind` and minute (`domain::minute_of`), the events received in
    /// `(from, to]`: one slice of the window, every key in it (the scan adds the minutes up
    /// and applies its minimum).
    pub async fn surge_minute_counts(
        &self,
        kind: SurgeKind,
        (from, to): (Timestamp, Timestamp),
    ) -> anyhow::Result<Vec<(i64, WindowCount)>> {
        let (code, area) = columns(kind);
        let minute = format!("(received_at - 1) / {MINUTE_MS}");
        let sql = format!(
            "select {code} as code, {area} as area, {minute} as minute, \
             min(street_code) as street, count(*) as n, min(received_at) as first_at \
             from events where received_at > $1 and received_at <= $2 and {area} is not null \
             group by {code}, {area}, {minute}"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(millis(from))
            .bind(millis(to))
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|row| {
                let count = WindowCount {
                    key: key_of(kind, row)?,
                    street_code: row.try_get("street")?,
                    count: count(row.try_get("n")?),
                    first_at: from_millis(row.try_get("first_at")?),
                };
                Ok((row.try_get("minute")?, count))
            })
            .collect()
    }

    /// The events of each of `keys` (all of `kind`) received in `[from, to)`, one hour of the
    /// history; keys without any are absent.
    pub async fn surge_hour_counts(
        &self,
        kind: SurgeKind,
        keys: &[&SurgeKey],
        (from, to): (Timestamp, Timestamp),
    ) -> anyhow::Result<Vec<(SurgeKey, u64)>> {
        let (code, area) = columns(kind);
        let backend = self.backend();
        let mut counts = Vec::new();
        for chunk in chunks(keys, KEYS_PER_STATEMENT) {
            let sql = format!(
                "select {code} as code, {area} as area, count(*) as n from events \
                 where received_at >= {} and received_at < {} \
                 and ({code}, {area}) in (values {}) group by {code}, {area}",
                parameter(backend, 1),
                parameter(backend, 2),
                placeholders_after(backend, 2, chunk.len(), 2)
            );
            let mut query = sqlx::query(AssertSqlSafe(sql))
                .bind(millis(from))
                .bind(millis(to));
            for key in chunk {
                query = query.bind(&key.code).bind(&key.area);
            }
            for row in query.fetch_all(self.pool()).await? {
                counts.push((key_of(kind, &row)?, count(row.try_get("n")?)));
            }
        }
        Ok(counts)
    }
}

fn key_of(kind: SurgeKind, row: &AnyRow) -> anyhow::Result<SurgeKey> {
    Ok(SurgeKey {
        kind,
        code: row.try_get("code")?,
        area: row.try_get("area")?,
    })
}
