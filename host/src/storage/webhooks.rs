//! Channels' webhooks: registered, changed, rotated and removed through the API, read by the
//! delivery worker with their secrets.

use jiff::Timestamp;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::audit::{AuditEntry, insert_audit};
use super::{Db, from_millis, millis};
use crate::domain::{Source, Webhook};

const COLUMNS: &str = "id, source, url, active, created_by, created_at, updated_at, previous_until";

/// A webhook with what signs its deliveries.
#[derive(Clone, Debug)]
pub struct WebhookKeys {
    pub url: String,
    pub secret: String,
    /// The secret before the last rotation, while it still signs too.
    pub previous: Option<String>,
}

/// A change to a webhook.
#[derive(Clone, Debug, Default)]
pub struct WebhookChange {
    pub url: Option<String>,
    pub active: Option<bool>,
    /// A new secret; the current one keeps signing beside it until this time.
    pub rotate: Option<(String, Timestamp)>,
}

impl Db {
    /// Stores a new webhook, audited in the same transaction.
    pub async fn insert_webhook(
        &self,
        webhook: &Webhook,
        secret: &str,
        audit: &AuditEntry,
    ) -> anyhow::Result<()> {
        let (_turn, mut tx) = self.begin_write().await?;
        sqlx::query(
            "insert into webhooks (id, source, url, secret, active, created_by, created_at, \
             updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&webhook.id)
        .bind(webhook.source.as_str())
        .bind(&webhook.url)
        .bind(secret)
        .bind(i64::from(webhook.active))
        .bind(&webhook.created_by)
        .bind(millis(webhook.created_at))
        .bind(millis(webhook.updated_at))
        .execute(&mut *tx)
        .await?;
        insert_audit(&mut *tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The webhooks of these sources (every webhook when `sources` is `None`), oldest first.
    pub async fn webhooks(&self, sources: Option<&[Source]>) -> anyhow::Result<Vec<Webhook>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select {COLUMNS} from webhooks order by created_at, id"
        )))
        .fetch_all(self.pool())
        .await?;
        let all = rows
            .iter()
            .map(webhook_from_row)
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(all
            .into_iter()
            .filter(|w| sources.is_none_or(|s| s.contains(&w.source)))
            .collect())
    }

    pub async fn webhook(&self, id: &str) -> anyhow::Result<Option<Webhook>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select {COLUMNS} from webhooks where id = $1"
        )))
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(webhook_from_row).transpose()
    }

    /// Applies `change` to a webhook, audited in the same transaction; the webhook after it,
    /// or `None` when there is no such webhook.
    pub async fn change_webhook(
        &self,
        id: &str,
        change: &WebhookChange,
        now: Timestamp,
        audit: &AuditEntry,
    ) -> anyhow::Result<Option<Webhook>> {
        let (_turn, mut tx) = self.begin_write().await?;
        let mut updated = sqlx::query(
            "update webhooks set url = coalesce($1, url), active = coalesce($2, active), \
             updated_at = $3 where id = $4",
        )
        .bind(change.url.as_deref())
        .bind(change.active.map(i64::from))
        .bind(millis(now))
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if let Some((secret, until)) = &change.rotate {
            updated = sqlx::query(
                "update webhooks set previous_secret = secret, previous_until = $1, \
                 secret = $2 where id = $3",
            )
            .bind(millis(*until))
            .bind(secret)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
        if updated == 0 {
            tx.rollback().await?;
            return Ok(None);
        }
        insert_audit(&mut *tx, audit).await?;
        tx.commit().await?;
        self.webhook(id).await
    }

    /// Removes a webhook with every notice it has not been sent yet; `false` when there is no
    /// such webhook.
    pub async fn delete_webhook(&self, id: &str, audit: &AuditEntry) -> anyhow::Result<bool> {
        let (_turn, mut tx) = self.begin_write().await?;
        sqlx::query("delete from outbox where webhook_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let deleted = sqlx::query("delete from webhooks where id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if deleted == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        insert_audit(&mut *tx, audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The URL and signing secrets of these webhooks, for delivering to them at `now`.
    pub(crate) async fn webhook_keys(
        &self,
        ids: &[&str],
        now: Timestamp,
    ) -> anyhow::Result<std::collections::HashMap<String, WebhookKeys>> {
        let mut keys = std::collections::HashMap::new();
        if ids.is_empty() {
            return Ok(keys);
        }
        let list = (1..=ids.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "select id, url, secret, previous_secret, previous_until from webhooks \
             where id in ({list})"
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in ids {
            query = query.bind(*id);
        }
        for row in query.fetch_all(self.pool()).await? {
            let until: Option<i64> = row.try_get("previous_until")?;
            let previous: Option<String> = row.try_get("previous_secret")?;
            keys.insert(
                row.try_get("id")?,
                WebhookKeys {
                    url: row.try_get("url")?,
                    secret: row.try_get("secret")?,
                    previous: previous.filter(|_| until.is_some_and(|u| u > millis(now))),
                },
            );
        }
        Ok(keys)
    }
}

fn webhook_from_row(row: &AnyRow) -> anyhow::Result<Webhook> {
    Ok(Webhook {
        id: row.try_get("id")?,
        source: super::source_of(row)?,
        url: row.try_get("url")?,
        active: row.try_get::<i64, _>("active")? != 0,
        created_by: row.try_get("created_by")?,
        created_at: from_millis(row.try_get("created_at")?),
        updated_at: from_millis(row.try_get("updated_at")?),
        previous_secret_until: row
            .try_get::<Option<i64>, _>("previous_until")?
            .map(from_millis),
    })
}
