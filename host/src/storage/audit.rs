//! The append-only audit log: refused requests, administrative writes, lifecycle actions,
//! reveals of personal data, sign-ins and failed sign-ins. Entries that record a change are
//! written in that change's transaction ([`insert_audit`]).

use jiff::Timestamp;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{Any, AssertSqlSafe, Executor, Row};

use super::{Db, from_millis, millis};

/// One line of the audit log.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "crate::calendar::cst")]
    pub at: Timestamp,
    /// The token's id, or `"admin"` for the bootstrap admin token.
    pub token_id: String,
    pub scope: String,
    /// The street the token is limited to, if any.
    pub token_street: Option<String>,
    /// The street the request was about, if any.
    pub street_code: Option<String>,
    /// What was asked: `deploy`, `configure`, `list_plugins`, `read_audit`...
    pub action: String,
    /// What it was asked on, such as a plugin name.
    pub target: String,
    /// `ok` (an administrative write that succeeded) or `denied` (refused with 403).
    pub outcome: String,
    pub reason: Option<String>,
    /// The person behind the request, for a session or a `staff` token.
    pub staff_id: Option<String>,
    /// The case it was about, for lifecycle actions and reveals.
    pub event_id: Option<String>,
}

/// Which audit entries to read, newest first.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    /// Entries about this street or by a token limited to it.
    pub street_code: Option<String>,
    /// Entries about this case.
    pub event_id: Option<String>,
    pub outcome: Option<String>,
    pub limit: u32,
}

impl AuditEntry {
    /// An entry of something the platform itself did (a timer's 预警 or 督办).
    pub fn system(street: Option<&str>, action: &str, target: &str) -> Self {
        AuditEntry {
            id: 0,
            at: Timestamp::now(),
            token_id: "system".into(),
            scope: "system".into(),
            token_street: None,
            street_code: street.map(Into::into),
            action: action.into(),
            target: target.into(),
            outcome: "ok".into(),
            reason: None,
            staff_id: None,
            event_id: None,
        }
    }
}

const AUDIT_COLUMNS: &str = "id, at, token_id, scope, token_street, street_code, action, target, \
                             outcome, reason, staff_id, event_id";

impl Db {
    /// Appends an entry to the audit log on its own (its `id` is ignored: the database
    /// numbers it). Use [`insert_audit`] inside the transaction of the change it records.
    pub async fn record_audit(&self, entry: &AuditEntry) -> anyhow::Result<()> {
        insert_audit(self.pool(), entry).await
    }

    /// Audit entries, newest first.
    pub async fn audit_entries(&self, filter: &AuditFilter) -> anyhow::Result<Vec<AuditEntry>> {
        let mut sql = format!("select {AUDIT_COLUMNS} from audit_log where 1 = 1");
        let mut n = 0;
        if filter.street_code.is_some() {
            n += 1;
            sql.push_str(&format!(" and (street_code = ${n} or token_street = ${n})"));
        }
        if filter.outcome.is_some() {
            n += 1;
            sql.push_str(&format!(" and outcome = ${n}"));
        }
        if filter.event_id.is_some() {
            n += 1;
            sql.push_str(&format!(" and event_id = ${n}"));
        }
        sql.push_str(&format!(" order by id desc limit {}", filter.limit));
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for value in [&filter.street_code, &filter.outcome, &filter.event_id]
            .into_iter()
            .flatten()
        {
            q = q.bind(value);
        }
        let rows = q.fetch_all(self.pool()).await?;
        rows.iter().map(audit_from_row).collect()
    }
}

fn audit_from_row(row: &AnyRow) -> anyhow::Result<AuditEntry> {
    Ok(AuditEntry {
        id: row.try_get("id")?,
        at: from_millis(row.try_get("at")?),
        token_id: row.try_get("token_id")?,
        scope: row.try_get("scope")?,
        token_street: row.try_get("token_street")?,
        street_code: row.try_get("street_code")?,
        action: row.try_get("action")?,
        target: row.try_get("target")?,
        outcome: row.try_get("outcome")?,
        reason: row.try_get("reason")?,
        staff_id: row.try_get("staff_id")?,
        event_id: row.try_get("event_id")?,
    })
}

/// Appends `entry` through `executor`: the pool, or the transaction of the change it records.
pub(crate) async fn insert_audit<'e, E>(executor: E, entry: &AuditEntry) -> anyhow::Result<()>
where
    E: Executor<'e, Database = Any>,
{
    sqlx::query(
        "insert into audit_log (at, token_id, scope, token_street, street_code, action, \
         target, outcome, reason, staff_id, event_id) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(millis(entry.at))
    .bind(&entry.token_id)
    .bind(&entry.scope)
    .bind(entry.token_street.as_deref())
    .bind(entry.street_code.as_deref())
    .bind(&entry.action)
    .bind(&entry.target)
    .bind(&entry.outcome)
    .bind(entry.reason.as_deref())
    .bind(entry.staff_id.as_deref())
    .bind(entry.event_id.as_deref())
    .execute(executor)
    .await?;
    Ok(())
}
