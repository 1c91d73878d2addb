//! The command centre's reads: what waits on it per street, and the early warnings street
//! scenarios raised. Both narrowed to a caller's reach.

use std::collections::BTreeMap;

use serde::Serialize;
use sqlx::Row;

use super::{Db, from_millis};
use crate::domain::{ActionRecord, Reach};

/// What waits on the centre in one street.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Counts {
    /// Received since midnight (China time).
    pub new: i64,
    /// Registered but not dispatched, or returned by the unit: the centre must decide by hand.
    pub awaiting: i64,
    /// Dispatched, not yet signed for.
    pub unsigned: i64,
    /// Open cases with a yellow warning (80% of the time limit spent).
    pub yellow: i64,
    /// Open cases past their deadline.
    pub red: i64,
    /// Open cases under supervision (督办).
    pub supervised: i64,
}

impl Counts {
    /// One count by its name in the board's JSON (`new`, `awaiting`, ...).
    pub fn get(&self, field: &str) -> i64 {
        match field {
            "new" => self.new,
            "awaiting" => self.awaiting,
            "unsigned" => self.unsigned,
            "yellow" => self.yellow,
            "red" => self.red,
            _ => self.supervised,
        }
    }

    /// Adds another street's counts (the total row).
    pub fn add(&mut self, o: &Counts) {
        self.new += o.new;
        self.awaiting += o.awaiting;
        self.unsigned += o.unsigned;
        self.yellow += o.yellow;
        self.red += o.red;
        self.supervised += o.supervised;
    }
}

/// An early warning a scenario raised on a case.
#[derive(Clone, Debug)]
pub struct ScenarioWarning {
    pub event_id: String,
    pub street_code: String,
    pub description: String,
    pub record: ActionRecord,
}

impl Db {
    /// Per street (code), the open cases waiting on the centre; `since` starts "new".
    pub async fn board_counts(
        &self,
        reach: &Reach,
        since: jiff::Timestamp,
    ) -> anyhow::Result<BTreeMap<String, Counts>> {
        let open = "status not in ('closed', 'rejected')";
        let (clause, bind) = match reach {
            Reach::District => ("", None),
            Reach::Street { street } => ("where street_code = $2", Some(street.clone())),
            Reach::Unit { unit, .. } => ("where handling_unit = $2", Some(unit.clone())),
            Reach::Sources { .. } => return Ok(BTreeMap::new()),
        };
        let sql = format!(
            "select street_code, \
         sum(case when received_at >= $1 then 1 else 0 end) as n_new, \
         sum(case when status in ('accepted', 'return_requested') then 1 else 0 end) as n_awaiting, \
         sum(case when status = 'dispatched' then 1 else 0 end) as n_unsigned, \
         sum(case when alert = 'yellow' and {open} then 1 else 0 end) as n_yellow, \
         sum(case when alert = 'red' and {open} then 1 else 0 end) as n_red, \
         sum(case when supervision_level > 0 and {open} then 1 else 0 end) as n_supervised \
         from events {clause} group by street_code"
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(since.as_millisecond());
        if let Some(value) = bind {
            query = query.bind(value);
        }
        let mut out = BTreeMap::new();
        for row in query.fetch_all(self.pool()).await? {
            let n = |name: &str| row.try_get::<i64, _>(name);
            out.insert(
                row.try_get::<String, _>("street_code")?,
                Counts {
                    new: n("n_new")?,
                    awaiting: n("n_awaiting")?,
                    unsigned: n("n_unsigned")?,
                    yellow: n("n_yellow")?,
                    red: n("n_red")?,
                    supervised: n("n_supervised")?,
                },
            );
        }
        Ok(out)
    }

    /// The newest early warnings scenarios raised on cases in the caller's reach. Scenario actions
    /// are stored as JSON beside the events; no listing reads them.
    pub async fn scenario_warnings(&self, reach: &Reach) -> anyhow::Result<Vec<ScenarioWarning>> {
        let (clause, bind) = match reach {
            Reach::District => ("", None),
            Reach::Street { street } => ("and e.street_code = $1", Some(street.clone())),
            Reach::Unit { unit, .. } => ("and e.handling_unit = $1", Some(unit.clone())),
            Reach::Sources { .. } => return Ok(Vec::new()),
        };
        let sql = format!(
            "select a.event_id, a.plugin, a.body, a.created_at, e.street_code, e.description \
         from event_actions a join events e on e.id = a.event_id \
         where a.body like '%early_warning%' {clause} order by a.id desc limit 50"
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        if let Some(value) = bind {
            query = query.bind(value);
        }
        let mut out = Vec::new();
        for row in query.fetch_all(self.pool()).await? {
            let body: String = row.try_get("body")?;
            let Ok(action) = serde_json::from_str(&body) else {
                continue;
            };
            let plugin: String = row.try_get("plugin")?;
            out.push(ScenarioWarning {
                event_id: row.try_get("event_id")?,
                street_code: row.try_get("street_code")?,
                description: row.try_get("description")?,
                record: ActionRecord {
                    plugin: plugin.into(),
                    created_at: from_millis(row.try_get("created_at")?),
                    action,
                },
            });
        }
        Ok(out)
    }
}
