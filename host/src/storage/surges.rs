//! Surge warnings (预警监测): raised or updated by the scan, listed, acknowledged and closed
//! by the centre. The counts the scan reads are [`super::surge_counts`]'.

use jiff::Timestamp;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use super::audit::{AuditEntry, insert_audit};
use super::{Db, from_millis, millis};
use crate::domain::{SurgeChange, SurgeKey, SurgeKind, SurgeStatus, SurgeWarning, WindowCount};

/// An abnormal count found by a scan.
#[derive(Clone, Debug)]
pub struct Finding<'a> {
    pub window: &'a WindowCount,
    pub expected: f64,
    pub p: f64,
    pub window_minutes: u32,
    pub now: Timestamp,
}

/// Whether a finding raised a new warning or updated the key's active one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Upserted {
    Raised(i64),
    Updated,
}

/// Why a warning could not be acknowledged or closed.
#[derive(Debug, thiserror::Error)]
pub enum SurgeChangeError {
    #[error("no surge warning {0}")]
    NotFound(i64),
    #[error("surge warning {id} is {current}: it cannot be {change}d")]
    NotAllowed {
        id: i64,
        current: SurgeStatus,
        change: SurgeChange,
    },
    #[error("cannot {change} surge warning {id}")]
    Storage {
        id: i64,
        change: SurgeChange,
        #[source]
        source: anyhow::Error,
    },
}

const COLUMNS: &str = "id, kind, code, area, street_code, observed, expected, p_value, \
    window_minutes, since, raised_at, last_seen, status, acknowledged_by, acknowledged_at, \
    closed_by, closed_at";

impl Db {
    /// Raises a warning for the finding's key, or updates the key's open or acknowledged one
    /// (count, expected, p, last seen; it keeps its `since`).
    pub async fn upsert_surge(&self, f: &Finding<'_>) -> anyhow::Result<Upserted> {
        let key = &f.window.key;
        let raised = sqlx::query(
            "insert into surge_warnings (kind, code, area, street_code, observed, expected, \
             p_value, window_minutes, since, raised_at, last_seen, status) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, 'open') \
             on conflict do nothing returning id",
        )
        .bind(key.kind.as_str())
        .bind(&key.code)
        .bind(&key.area)
        .bind(&f.window.street_code)
        .bind(i64::try_from(f.window.count)?)
        .bind(f.expected)
        .bind(f.p)
        .bind(i64::from(f.window_minutes))
        .bind(millis(f.window.first_at))
        .bind(millis(f.now))
        .fetch_optional(self.pool())
        .await?;
        if let Some(row) = raised {
            return Ok(Upserted::Raised(row.try_get("id")?));
        }
        sqlx::query(
            "update surge_warnings set observed = $1, expected = $2, p_value = $3, \
             window_minutes = $4, last_seen = $5 \
             where kind = $6 and code = $7 and area = $8 and status <> 'closed'",
        )
        .bind(i64::try_from(f.window.count)?)
        .bind(f.expected)
        .bind(f.p)
        .bind(i64::from(f.window_minutes))
        .bind(millis(f.now))
        .bind(key.kind.as_str())
        .bind(&key.code)
        .bind(&key.area)
        .execute(self.pool())
        .await?;
        Ok(Upserted::Updated)
    }

    /// Warnings, newest first: those in `status`, or all.
    pub async fn surge_warnings(
        &self,
        status: Option<SurgeStatus>,
        limit: u32,
    ) -> anyhow::Result<Vec<SurgeWarning>> {
        let filter = if status.is_some() {
            "where status = $1"
        } else {
            ""
        };
        let sql =
            format!("select {COLUMNS} from surge_warnings {filter} order by id desc limit {limit}");
        let mut query = sqlx::query(AssertSqlSafe(sql));
        if let Some(status) = status {
            query = query.bind(status.as_str());
        }
        let rows = query.fetch_all(self.pool()).await?;
        rows.iter().map(warning_from_row).collect()
    }

    /// Acknowledges or closes warning `id` as `by` at `at`, writing `audit` (given the
    /// warning's street) in the same transaction.
    pub async fn change_surge(
        &self,
        id: i64,
        change: SurgeChange,
        by: &str,
        at: Timestamp,
        mut audit: AuditEntry,
    ) -> Result<SurgeWarning, SurgeChangeError> {
        let storage = |source: anyhow::Error| SurgeChangeError::Storage { id, change, source };
        let (who, when) = match change {
            SurgeChange::Acknowledge => ("acknowledged_by", "acknowledged_at"),
            SurgeChange::Close => ("closed_by", "closed_at"),
        };
        let from = change
            .from()
            .iter()
            .map(|s| format!("'{}'", s.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "update surge_warnings set status = $1, {who} = $2, {when} = $3 \
             where id = $4 and status in ({from}) returning street_code"
        );
        let (_turn, mut tx) = self.begin_write().await.map_err(storage)?;
        let changed = sqlx::query(AssertSqlSafe(sql))
            .bind(change.to().as_str())
            .bind(by)
            .bind(millis(at))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(|e| storage(e.into()))?;
        let select = format!("select {COLUMNS} from surge_warnings where id = $1");
        let Some(changed) = changed else {
            let current = sqlx::query(AssertSqlSafe(select))
                .bind(id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(|e| storage(e.into()))?;
            tx.rollback().await.map_err(|e| storage(e.into()))?;
            return Err(match current {
                None => SurgeChangeError::NotFound(id),
                Some(row) => SurgeChangeError::NotAllowed {
                    id,
                    current: warning_from_row(&row).map_err(storage)?.status,
                    change,
                },
            });
        };
        audit.street_code = Some(
            changed
                .try_get("street_code")
                .map_err(|e| storage(e.into()))?,
        );
        insert_audit(&mut *tx, &audit).await.map_err(storage)?;
        let row = sqlx::query(AssertSqlSafe(select))
            .bind(id)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| storage(e.into()))?;
        let warning = warning_from_row(&row).map_err(storage)?;
        tx.commit().await.map_err(|e| storage(e.into()))?;
        Ok(warning)
    }
}

fn warning_from_row(row: &AnyRow) -> anyhow::Result<SurgeWarning> {
    let kind: String = row.try_get("kind")?;
    let status: String = row.try_get("status")?;
    let time = |name: &str| -> anyhow::Result<Option<Timestamp>> {
        Ok(row.try_get::<Option<i64>, _>(name)?.map(from_millis))
    };
    Ok(SurgeWarning {
        id: row.try_get("id")?,
        key: SurgeKey {
            kind: SurgeKind::parse(&kind)
                .ok_or_else(|| anyhow::anyhow!("unknown surge kind {kind:?}"))?,
            code: row.try_get("code")?,
            area: row.try_get("area")?,
        },
        street_code: row.try_get("street_code")?,
        count: row.try_get("observed")?,
        expected: row.try_get("expected")?,
        p: row.try_get("p_value")?,
        window_minutes: u32::try_from(row.try_get::<i64, _>("window_minutes")?)?,
        since: from_millis(row.try_get("since")?),
        raised_at: from_millis(row.try_get("raised_at")?),
        last_seen: from_millis(row.try_get("last_seen")?),
        status: SurgeStatus::parse(&status)
            .ok_or_else(|| anyhow::anyhow!("unknown surge status {status:?}"))?,
        acknowledged_by: row.try_get("acknowledged_by")?,
        acknowledged_at: time("acknowledged_at")?,
        closed_by: row.try_get("closed_by")?,
        closed_at: time("closed_at")?,
    })
}
