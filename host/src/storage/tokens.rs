//! Access tokens: their hashes, never their secrets.

use jiff::Timestamp;
use sqlx::AssertSqlSafe;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Db, from_millis, millis};
use crate::domain::{Scope, Source};

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
    /// The person a `staff` token acts as.
    pub staff_id: Option<String>,
    /// The sources a `channel` token may submit from.
    pub sources: Vec<Source>,
}

const TOKEN_COLUMNS: &str = "id, scope, street_code, label, created_at, created_by, revoked_at, secret_sha256, staff_id, \
     sources";

impl Db {
    /// Stores a new token with the hash of its secret.
    pub async fn insert_token(
        &self,
        token: &AccessToken,
        secret_sha256: &str,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "insert into access_tokens (id, secret_sha256, scope, street_code, label, \
             created_at, created_by, revoked_at, staff_id, sources) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&token.id)
        .bind(secret_sha256)
        .bind(token.scope.as_str())
        .bind(token.street_code.as_deref())
        .bind(&token.label)
        .bind(millis(token.created_at))
        .bind(&token.created_by)
        .bind(token.revoked_at.map(millis))
        .bind(token.staff_id.as_deref())
        .bind(sources_text(&token.sources))
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
        staff_id: row.try_get("staff_id")?,
        sources: row
            .try_get::<Option<String>, _>("sources")?
            .unwrap_or_default()
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|s| Source::parse(s).ok_or_else(|| anyhow::anyhow!("bad token source {s:?}")))
            .collect::<anyhow::Result<_>>()?,
    })
}

fn sources_text(sources: &[Source]) -> Option<String> {
    (!sources.is_empty()).then(|| {
        sources
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(",")
    })
}
