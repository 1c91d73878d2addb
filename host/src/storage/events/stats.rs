//! Plugins' statistics (`stats.count-events`): counting a street's events in a time window,
//! within the scope the calling plugin may see.

use jiff::Timestamp;
use sqlx::AssertSqlSafe;
use sqlx::Row;

use crate::storage::{Db, millis};

/// What a plugin's `stats.count-events` counts over: its street, a time window and, for
/// scenarios, only events stored up to the triggering one.
#[derive(Clone, Debug)]
pub struct StatsScope {
    pub street_code: String,
    pub window_end: Timestamp,
    pub up_to_seq: Option<i64>,
}

impl Db {
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
}
