//! The grouped counts the surge scan reads: one query for the window's counts per key, one for
//! the history of the keys that might be abnormal, per hour of the week. Neither reads events
//! one by one.

use jiff::Timestamp;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use super::{Db, from_millis, millis};
use crate::domain::{HOUR_MS, HOUR_OF_WEEK_AT_EPOCH, HOURS_PER_WEEK, SurgeKey, SurgeKind};

/// The events of one key in the window.
#[derive(Clone, Debug, PartialEq)]
pub struct WindowCount {
    pub key: SurgeKey,
    pub street_code: String,
    pub count: u64,
    /// When the window's first event of this key came in.
    pub first_at: Timestamp,
}

/// The events of one key in one hour of the week, over the whole history.
#[derive(Clone, Debug, PartialEq)]
pub struct HourCount {
    pub key: SurgeKey,
    pub hour: u8,
    pub count: u64,
}

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

impl Db {
    /// Per key of `kind`, the events received in `(from, to]`, for the keys with at least
    /// `min_count` of them.
    pub async fn surge_window_counts(
        &self,
        kind: SurgeKind,
        (from, to): (Timestamp, Timestamp),
        min_count: u64,
    ) -> anyhow::Result<Vec<WindowCount>> {
        let (code, area) = columns(kind);
        let sql = format!(
            "select {code} as code, {area} as area, min(street_code) as street, \
             count(*) as n, min(received_at) as first_at from events \
             where received_at > $1 and received_at <= $2 and {area} is not null \
             group by {code}, {area} having count(*) >= $3"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(millis(from))
            .bind(millis(to))
            .bind(i64::try_from(min_count).unwrap_or(i64::MAX))
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|row| {
                Ok(WindowCount {
                    key: key_of(kind, row)?,
                    street_code: row.try_get("street")?,
                    count: count(row.try_get("n")?),
                    first_at: from_millis(row.try_get("first_at")?),
                })
            })
            .collect()
    }

    /// For the keys [`Db::surge_window_counts`] returns for the same window and minimum, their
    /// events received in `[history.0, history.1)` per hour of the week, only in `hours`.
    pub async fn surge_history_counts(
        &self,
        kind: SurgeKind,
        window: (Timestamp, Timestamp),
        min_count: u64,
        history: (Timestamp, Timestamp),
        hours: &[u8],
    ) -> anyhow::Result<Vec<HourCount>> {
        if hours.is_empty() {
            return Ok(Vec::new());
        }
        let (code, area) = columns(kind);
        // The same formula as `domain::hour_of_week` (times are positive, so the
        // integer division of both databases is a floor).
        let hour =
            format!("((e.received_at / {HOUR_MS}) + {HOUR_OF_WEEK_AT_EPOCH}) % {HOURS_PER_WEEK}");
        let hours = hours
            .iter()
            .map(u8::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "select e.{code} as code, e.{area} as area, {hour} as hour, count(*) as n \
             from events e join ( \
               select {code} as code, {area} as area from events \
               where received_at > $1 and received_at <= $2 and {area} is not null \
               group by {code}, {area} having count(*) >= $3 \
             ) c on c.code = e.{code} and c.area = e.{area} \
             where e.received_at >= $4 and e.received_at < $5 and {hour} in ({hours}) \
             group by e.{code}, e.{area}, {hour}"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(millis(window.0))
            .bind(millis(window.1))
            .bind(i64::try_from(min_count).unwrap_or(i64::MAX))
            .bind(millis(history.0))
            .bind(millis(history.1))
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|row| {
                Ok(HourCount {
                    key: key_of(kind, row)?,
                    hour: u8::try_from(row.try_get::<i64, _>("hour")?)?,
                    count: count(row.try_get("n")?),
                })
            })
            .collect()
    }
}

fn key_of(kind: SurgeKind, row: &AnyRow) -> anyhow::Result<SurgeKey> {
    Ok(SurgeKey {
        kind,
        code: row.try_get("code")?,
        area: row.try_get("area")?,
    })
}
