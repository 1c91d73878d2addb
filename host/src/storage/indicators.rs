//! Indicator queries: the counts of [`crate::domain::tally`] as three SQL aggregates, one
//! per population of a period (dispatched, due, handled), each an index range scan over a
//! covering index (`migrations/*/0005_indicators.sql`) grouped by street or unit. Also the
//! batch insert of generated closed cases (`streetwise generate cases`).

use std::collections::BTreeMap;

use sqlx::{AssertSqlSafe, Row};

use super::{Db, placeholders};
use crate::domain::{Counts, Level, Period};
use crate::lifecycle::Marks;

/// The grouping key of a level. Only these two strings are ever put into SQL.
///
/// The key is an expression (`|| ''`), not the bare column, on purpose: grouping by the bare
/// `street_code` lets SQLite prefer the `(street_code, received_at)` index to skip the sort,
/// and then read every wide event row for the aggregates (6-7 s over a year of a million
/// cases) instead of the covering index of the period (0.4 s). Grouping a few hundred keys
/// in a temporary b-tree costs nothing beside that.
fn key_column(level: Level) -> &'static str {
    match level {
        Level::Street => "street_code || ''",
        Level::Unit => "handling_unit || ''",
    }
}

/// The `set` fragment of what a transition marks, with the transition's time as `$n`.
pub(crate) fn marks_sql(marks: Marks, at_param: &str) -> String {
    let mut sql = String::new();
    let mut set = |assignment: String| {
        sql.push_str(", ");
        sql.push_str(&assignment);
    };
    if marks.handled {
        set(format!("handled_at = {at_param}"));
    }
    if marks.closed {
        set(format!("closed_at = {at_param}"));
    }
    for (marked, column) in [
        (marks.rework, "reworks"),
        (marks.reassigned, "reassignments"),
        (marks.extended, "extensions"),
        (marks.satisfied, "satisfied"),
        (marks.unsatisfied, "unsatisfied"),
    ] {
        if marked {
            set(format!("{column} = {column} + 1"));
        }
    }
    sql
}

fn count(row: &sqlx::any::AnyRow, column: &str) -> anyhow::Result<u64> {
    let n: Option<i64> = row.try_get(column)?;
    Ok(n.unwrap_or(0).max(0) as u64)
}

/// A closed case as `streetwise generate cases` writes it: an event row with its indicator
/// facts and no timeline.
#[derive(Clone, Debug)]
pub struct GeneratedCase {
    pub id: String,
    pub source: &'static str,
    pub description: String,
    pub received_at: i64,
    pub street_code: String,
    pub street_name: String,
    pub community_code: Option<String>,
    pub community_name: Option<String>,
    pub item_code: String,
    pub category_code: String,
    pub priority: &'static str,
    /// JSON of the classification and of the dispatch, as intake stores them.
    pub classification: String,
    pub owner_unit: String,
    pub handling_unit: String,
    pub deadline: i64,
    pub dispatch: String,
    pub handled_at: i64,
    pub closed_at: i64,
    pub reworks: i64,
    pub reassignments: i64,
    pub extensions: i64,
    pub satisfied: i64,
    pub unsatisfied: i64,
}

const GENERATED_COLUMNS: &str = "id, source, description, reported_at, received_at, \
    street_code, street_name, community_code, community_name, attributes, status, item_code, \
    category_code, priority, classification, owner_unit, handling_unit, deadline, dispatch, \
    trace, scenarios_done, handled_at, closed_at, reworks, reassignments, extensions, \
    satisfied, unsatisfied, clock_remaining";
const GENERATED_COLUMN_COUNT: usize = 29;
/// Rows per insert statement: 29 × 1,000 values stays under SQLite's 32,766 and PostgreSQL's
/// 65,535 parameters.
pub const GENERATED_ROWS_PER_STATEMENT: usize = 1000;

impl Db {
    /// The counts per street or unit over `period`; rows no case touched are left out.
    pub async fn indicator_counts(
        &self,
        level: Level,
        period: Period,
    ) -> anyhow::Result<BTreeMap<String, Counts>> {
        let key = key_column(level);
        // A case still waiting in 待分拨 has no unit yet, and a merged report is its main case's:
        // neither counts for the unit the responsibility list would have given it.
        let counted = "status not in ('accepted', 'merged')";
        // Sums are cast: PostgreSQL's sum(bigint) is numeric, which the Any driver cannot read.
        let dispatched = format!(
            "select {key} as k, count(*) as n, \
             cast(sum(case when handled_at < $2 then 1 else 0 end) as bigint) as handled, \
             cast(sum(case when reassignments = 0 then 1 else 0 end) as bigint) as once, \
             cast(sum(case when extensions > 0 then 1 else 0 end) as bigint) as extended \
             from events where received_at >= $1 and received_at < $2 and {counted} group by k"
        );
        let due = format!(
            "select {key} as k, count(*) as n, \
             cast(sum(case when closed_at < $2 then 1 else 0 end) as bigint) as closed, \
             cast(sum(case when closed_at <= deadline then 1 else 0 end) as bigint) as on_time \
             from events where deadline >= $1 and deadline < $2 and {counted} group by k"
        );
        let handled = format!(
            "select {key} as k, count(*) as n, \
             cast(sum(case when handled_at <= deadline then 1 else 0 end) as bigint) as on_time, \
             cast(sum(case when reworks > 0 then 1 else 0 end) as bigint) as reworked, \
             cast(sum(handled_at - received_at) as bigint) as millis, \
             cast(sum(case when satisfied + unsatisfied > 0 then 1 else 0 end) as bigint) \
                 as answered, \
             cast(sum(case when satisfied > 0 and unsatisfied = 0 then 1 else 0 end) as bigint) \
                 as satisfied \
             from events where handled_at >= $1 and handled_at < $2 group by k"
        );
        let run = move |sql: String| async move {
            sqlx::query(AssertSqlSafe(sql))
                .bind(period.from)
                .bind(period.to)
                .fetch_all(self.pool())
                .await
        };
        // Three independent scans: on a pool they run side by side.
        let (dispatched, due, handled) = tokio::try_join!(run(dispatched), run(due), run(handled))?;
        let mut rows: BTreeMap<String, Counts> = BTreeMap::new();
        for row in &dispatched {
            let c = rows.entry(row.try_get("k")?).or_default();
            c.dispatched = count(row, "n")?;
            c.dispatched_handled = count(row, "handled")?;
            c.dispatched_once = count(row, "once")?;
            c.dispatched_extended = count(row, "extended")?;
        }
        for row in &due {
            let c = rows.entry(row.try_get("k")?).or_default();
            c.due = count(row, "n")?;
            c.due_closed = count(row, "closed")?;
            c.due_closed_on_time = count(row, "on_time")?;
        }
        for row in &handled {
            let c = rows.entry(row.try_get("k")?).or_default();
            c.handled = count(row, "n")?;
            c.handled_on_time = count(row, "on_time")?;
            c.handled_reworked = count(row, "reworked")?;
            c.handling_millis = row.try_get::<Option<i64>, _>("millis")?.unwrap_or(0);
            c.answered = count(row, "answered")?;
            c.satisfied = count(row, "satisfied")?;
        }
        Ok(rows)
    }

    /// Refreshes the query planner's statistics of `events`, after a bulk load.
    pub async fn analyze_events(&self) -> anyhow::Result<()> {
        sqlx::query("analyze events").execute(self.pool()).await?;
        Ok(())
    }

    /// Inserts generated closed cases in one transaction, in multi-row statements.
    pub async fn insert_generated(&self, cases: &[GeneratedCase]) -> anyhow::Result<()> {
        let (_turn, mut tx) = self.begin_write().await?;
        for chunk in cases.chunks(GENERATED_ROWS_PER_STATEMENT) {
            let sql = format!(
                "insert into events ({GENERATED_COLUMNS}) values {}",
                placeholders(self.backend(), chunk.len(), GENERATED_COLUMN_COUNT)
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for c in chunk {
                q = q
                    .bind(&c.id)
                    .bind(c.source)
                    .bind(&c.description)
                    .bind(c.received_at)
                    .bind(c.received_at)
                    .bind(&c.street_code)
                    .bind(&c.street_name)
                    .bind(&c.community_code)
                    .bind(&c.community_name)
                    .bind("{}")
                    .bind("closed")
                    .bind(&c.item_code)
                    .bind(&c.category_code)
                    .bind(c.priority)
                    .bind(&c.classification)
                    .bind(&c.owner_unit)
                    .bind(&c.handling_unit)
                    .bind(c.deadline)
                    .bind(&c.dispatch)
                    .bind("[]")
                    .bind(1_i64)
                    .bind(c.handled_at)
                    .bind(c.closed_at)
                    .bind(c.reworks)
                    .bind(c.reassignments)
                    .bind(c.extensions)
                    .bind(c.satisfied)
                    .bind(c.unsatisfied)
                    // Closed: the clock is stopped with no time left.
                    .bind(0_i64);
            }
            q.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::tally_fixtures::{JANUARY, fixture};
    use crate::domain::{CaseFacts, tally};

    fn stored(i: usize, f: &CaseFacts) -> GeneratedCase {
        GeneratedCase {
            id: format!("case-{i}"),
            source: "hotline",
            description: "fixture".into(),
            received_at: f.dispatched_at,
            street_code: f.street.clone(),
            street_name: f.street.clone(),
            community_code: None,
            community_name: None,
            item_code: "14-001".into(),
            category_code: "14".into(),
            priority: "normal",
            classification: "{}".into(),
            owner_unit: f.unit.clone(),
            handling_unit: f.unit.clone(),
            deadline: f.deadline,
            dispatch: "{}".into(),
            handled_at: 0,
            closed_at: 0,
            reworks: f.reworks.into(),
            reassignments: f.reassignments.into(),
            extensions: f.extensions.into(),
            satisfied: f.satisfied.into(),
            unsatisfied: f.unsatisfied.into(),
        }
    }

    #[tokio::test]
    async fn the_sql_aggregates_count_exactly_what_the_definitions_say() {
        let (db, dir) = Db::scratch("indicators").await;
        let cases = fixture();
        let rows: Vec<GeneratedCase> = cases
            .iter()
            .enumerate()
            .map(|(i, f)| stored(i, f))
            .collect();
        db.insert_generated(&rows).await.unwrap();
        // Generated cases are always handled and closed; the fixture's open ones are not.
        for (i, f) in cases.iter().enumerate() {
            sqlx::query("update events set handled_at = $1, closed_at = $2 where id = $3")
                .bind(f.handled_at)
                .bind(f.closed_at)
                .bind(format!("case-{i}"))
                .execute(db.pool())
                .await
                .unwrap();
        }
        for level in [Level::Unit, Level::Street] {
            assert_eq!(
                db.indicator_counts(level, JANUARY).await.unwrap(),
                tally(&cases, level, JANUARY),
                "{level:?}"
            );
        }
        db.close().await;
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn marks_become_assignments_of_the_transition_time_and_counter_increments() {
        let finish_to_closed = Marks {
            handled: true,
            closed: true,
            ..Marks::default()
        };
        assert_eq!(
            marks_sql(finish_to_closed, "$4"),
            ", handled_at = $4, closed_at = $4"
        );
        let rework = Marks {
            rework: true,
            ..Marks::default()
        };
        assert_eq!(marks_sql(rework, "$4"), ", reworks = reworks + 1");
        assert_eq!(marks_sql(Marks::default(), "$4"), "");
    }
}
