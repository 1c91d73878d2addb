//! Access tokens (their hashes, never their secrets) and the append-only audit log of
//! administrative requests.

use jiff::Timestamp;
use serde::Serialize;
use sqlx::AssertSqlSafe;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Db, from_millis, millis};
use crate::auth::Scope;

/// A stored token, without anything that would let one use it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessToken {
    /// The public id, the `<id>` of `sw_<id>_<secret>`.
    pub id: String,
    pub scope: Scope,
    /// The street (code) the token is limited to.
    pub street_code: Option<String>,
    pub label: String,
    pub created_at: Timestamp,
    pub created_by: String,
    pub revoked_at: Option<Timestamp>,
}

/// One line of the audit log.
#[derive(Clone, Debug, Serialize)]
pub struct AuditEntry {
    pub id: i64,
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
}

/// Which audit entries to read, newest first.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    /// Entries about this street or by a token limited to it.
    pub street_code: Option<String>,
    pub outcome: Option<String>,
    pub limit: u32,
}

const TOKEN_COLUMNS: &str =
    "id, scope, street_code, label, created_at, created_by, revoked_at, secret_sha256";
const AUDIT_COLUMNS: &str = "id, at, token_id, scope, token_street, street_code, action, target, \
                             outcome, reason";

impl Db {
    /// Stores a new token with the hash of its secret.
    pub async fn insert_token(
        &self,
        token: &AccessToken,
        secret_sha256: &str,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "insert into access_tokens (id, secret_sha256, scope, street_code, label, \
             created_at, created_by, revoked_at) values ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&token.id)
        .bind(secret_sha256)
        .bind(token.scope.as_str())
        .bind(token.street_code.as_deref())
        .bind(&token.label)
        .bind(millis(token.created_at))
        .bind(&token.created_by)
        .bind(token.revoked_at.map(millis))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// A token by its public id, with the hash of its secret.
    pub async fn token_with_hash(&self, id: &str) -> anyhow::Result<Option<(AccessToken, String)>> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "select {TOKEN_COLUMNS} from access_tokens where id = $1"
        )))
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.map(|row| Ok((token_from_row(&row)?, row.try_get("secret_sha256")?)))
            .transpose()
    }

    /// Every token, oldest first.
    pub async fn tokens(&self) -> anyhow::Result<Vec<AccessToken>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "select {TOKEN_COLUMNS} from access_tokens order by created_at, id"
        )))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(token_from_row).collect()
    }

    /// Revokes a token (keeping the first revocation time); `None` when there is no such id.
    pub async fn revoke_token(
        &self,
        id: &str,
        at: Timestamp,
    ) -> anyhow::Result<Option<AccessToken>> {
        sqlx::query(
            "update access_tokens set revoked_at = $2 where id = $1 and revoked_at is null",
        )
        .bind(id)
        .bind(millis(at))
        .execute(self.pool())
        .await?;
        Ok(self.token_with_hash(id).await?.map(|(token, _)| token))
    }

    /// Appends an entry to the audit log (its `id` is ignored: the database numbers it).
    pub async fn record_audit(&self, entry: &AuditEntry) -> anyhow::Result<()> {
        sqlx::query(
            "insert into audit_log (at, token_id, scope, token_street, street_code, action, \
             target, outcome, reason) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
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
        .execute(self.pool())
        .await?;
        Ok(())
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
        sql.push_str(&format!(" order by id desc limit {}", filter.limit));
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for value in [&filter.street_code, &filter.outcome].into_iter().flatten() {
            q = q.bind(value);
        }
        let rows = q.fetch_all(self.pool()).await?;
        rows.iter().map(audit_from_row).collect()
    }
}

fn token_from_row(row: &AnyRow) -> anyhow::Result<AccessToken> {
    let scope: String = row.try_get("scope")?;
    Ok(AccessToken {
        id: row.try_get("id")?,
        scope: Scope::parse(&scope).ok_or_else(|| anyhow::anyhow!("bad token scope {scope:?}"))?,
        street_code: row.try_get("street_code")?,
        label: row.try_get("label")?,
        created_at: from_millis(row.try_get("created_at")?),
        created_by: row.try_get("created_by")?,
        revoked_at: row
            .try_get::<Option<i64>, _>("revoked_at")?
            .map(from_millis),
    })
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
    })
}
