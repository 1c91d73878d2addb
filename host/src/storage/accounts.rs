//! Staff accounts (a hash of the password, never the password) and browser sessions (a hash
//! of the cookie's secret). Every sign-in, failed sign-in and sign-out is written together
//! with its audit entry.

use jiff::Timestamp;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use super::audit::{AuditEntry, insert_audit};
use super::{Db, from_millis, millis};

/// A person's account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Account {
    pub staff_id: String,
    pub username: String,
    /// The password is a one-time password and must be changed at the next sign-in.
    pub must_change: bool,
    pub failed_attempts: i64,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "crate::calendar::cst::option")]
    pub locked_until: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "crate::calendar::cst::option")]
    pub disabled_at: Option<Timestamp>,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "crate::calendar::cst")]
    pub created_at: Timestamp,
    pub created_by: String,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "crate::calendar::cst")]
    pub password_set_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "crate::calendar::cst::option")]
    pub last_sign_in_at: Option<Timestamp>,
}

/// A browser session as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub id_sha256: String,
    pub staff_id: String,
    pub csrf: String,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub idle_expires_at: Timestamp,
    pub expires_at: Timestamp,
    pub ended_at: Option<Timestamp>,
}

const ACCOUNT_COLUMNS: &str = "staff_id, username, must_change, failed_attempts, locked_until, \
     disabled_at, created_at, created_by, password_set_at, last_sign_in_at, password_hash";
const SESSION_COLUMNS: &str = "id_sha256, staff_id, csrf, created_at, last_seen_at, \
     idle_expires_at, expires_at, ended_at";

impl Db {
    /// Stores a new account; `false` when the person or the username has one already.
    pub async fn insert_account(
        &self,
        account: &Account,
        password_hash: &str,
        audit: &AuditEntry,
    ) -> anyhow::Result<bool> {
        let (_turn, mut tx) = self.begin_write().await?;
        let inserted = sqlx::query(
            "insert into accounts (staff_id, username, password_hash, must_change, \
             failed_attempts, created_at, created_by, password_set_at) \
             values ($1, $2, $3, $4, 0, $5, $6, $7) on conflict do nothing",
        )
        .bind(&account.staff_id)
        .bind(&account.username)
        .bind(password_hash)
        .bind(i64::from(account.must_change))
        .bind(millis(account.created_at))
        .bind(&account.created_by)
        .bind(millis(account.password_set_at))
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if inserted {
            insert_audit(&mut *tx, audit).await?;
        }
        tx.commit().await?;
        Ok(inserted)
    }

    /// An account by username or staff id, with its password hash.
    pub async fn account_with_hash(&self, key: &str) -> anyhow::Result<Option<(Account, String)>> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "select {ACCOUNT_COLUMNS} from accounts where username = $1 or staff_id = $1 \
             order by case when username = $1 then 0 else 1 end limit 1"
        )))
        .bind(key)
        .fetch_optional(self.pool())
        .await?;
        row.map(|row| Ok((account_from_row(&row)?, row.try_get("password_hash")?)))
            .transpose()
    }

    /// Every account, by username.
    pub async fn accounts(&self) -> anyhow::Result<Vec<Account>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "select {ACCOUNT_COLUMNS} from accounts order by username"
        )))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(account_from_row).collect()
    }

    /// Sets a new password hash, clears the lock-out and, when the password was set by
    /// someone else (`must_change`), ends the person's sessions. Written with its audit entry.
    pub async fn set_password(
        &self,
        staff_id: &str,
        password_hash: &str,
        must_change: bool,
        now: Timestamp,
        audit: &AuditEntry,
    ) -> anyhow::Result<bool> {
        let (_turn, mut tx) = self.begin_write().await?;
        let changed = sqlx::query(
            "update accounts set password_hash = $2, must_change = $3, failed_attempts = 0, \
             locked_until = null, password_set_at = $4 where staff_id = $1",
        )
        .bind(staff_id)
        .bind(password_hash)
        .bind(i64::from(must_change))
        .bind(millis(now))
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if changed {
            if must_change {
                end_sessions_of(&mut tx, staff_id, now).await?;
            }
            insert_audit(&mut *tx, audit).await?;
        }
        tx.commit().await?;
        Ok(changed)
    }

    /// Disables (`Some(now)`) or re-enables (`None`) an account; disabling ends its sessions.
    pub async fn set_disabled(
        &self,
        staff_id: &str,
        disabled_at: Option<Timestamp>,
        audit: &AuditEntry,
    ) -> anyhow::Result<bool> {
        let (_turn, mut tx) = self.begin_write().await?;
        let changed = sqlx::query(
            "update accounts set disabled_at = $2, failed_attempts = 0, locked_until = null \
             where staff_id = $1",
        )
        .bind(staff_id)
        .bind(disabled_at.map(millis))
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if changed {
            if let Some(at) = disabled_at {
                end_sessions_of(&mut tx, staff_id, at).await?;
            }
            insert_audit(&mut *tx, audit).await?;
        }
        tx.commit().await?;
        Ok(changed)
    }

    /// Records a failed sign-in: the new count of failures in a row and the lock-out, if any.
    pub async fn record_failed_sign_in(
        &self,
        staff_id: &str,
        failed_attempts: i64,
        locked_until: Option<Timestamp>,
        audit: &AuditEntry,
    ) -> anyhow::Result<()> {
        let (_turn, mut tx) = self.begin_write().await?;
        sqlx::query(
            "update accounts set failed_attempts = $2, locked_until = $3 where staff_id = $1",
        )
        .bind(staff_id)
        .bind(failed_attempts)
        .bind(locked_until.map(millis))
        .execute(&mut *tx)
        .await?;
        insert_audit(&mut *tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Starts a session after a good password: resets the failures, notes the sign-in.
    pub async fn start_session(&self, session: &Session, audit: &AuditEntry) -> anyhow::Result<()> {
        let (_turn, mut tx) = self.begin_write().await?;
        sqlx::query(
            "update accounts set failed_attempts = 0, locked_until = null, last_sign_in_at = $2 \
             where staff_id = $1",
        )
        .bind(&session.staff_id)
        .bind(millis(session.created_at))
        .execute(&mut *tx)
        .await?;
        sqlx::query(AssertSqlSafe(format!(
            "insert into sessions ({SESSION_COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7, null)"
        )))
        .bind(&session.id_sha256)
        .bind(&session.staff_id)
        .bind(&session.csrf)
        .bind(millis(session.created_at))
        .bind(millis(session.last_seen_at))
        .bind(millis(session.idle_expires_at))
        .bind(millis(session.expires_at))
        .execute(&mut *tx)
        .await?;
        insert_audit(&mut *tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A session by the hash of its secret, ended or not.
    pub async fn session(&self, id_sha256: &str) -> anyhow::Result<Option<Session>> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "select {SESSION_COLUMNS} from sessions where id_sha256 = $1"
        )))
        .bind(id_sha256)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(session_from_row).transpose()
    }

    /// Notes that a session was used: it stays alive until `idle_expires_at`.
    pub async fn touch_session(
        &self,
        id_sha256: &str,
        now: Timestamp,
        idle_expires_at: Timestamp,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "update sessions set last_seen_at = $2, idle_expires_at = $3 \
             where id_sha256 = $1 and ended_at is null",
        )
        .bind(id_sha256)
        .bind(millis(now))
        .bind(millis(idle_expires_at))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Ends a session (signing out); written with its audit entry.
    pub async fn end_session(
        &self,
        id_sha256: &str,
        now: Timestamp,
        audit: &AuditEntry,
    ) -> anyhow::Result<()> {
        let (_turn, mut tx) = self.begin_write().await?;
        sqlx::query("update sessions set ended_at = $2 where id_sha256 = $1 and ended_at is null")
            .bind(id_sha256)
            .bind(millis(now))
            .execute(&mut *tx)
            .await?;
        insert_audit(&mut *tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }
}

async fn end_sessions_of(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    staff_id: &str,
    now: Timestamp,
) -> anyhow::Result<()> {
    sqlx::query("update sessions set ended_at = $2 where staff_id = $1 and ended_at is null")
        .bind(staff_id)
        .bind(millis(now))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

fn account_from_row(row: &AnyRow) -> anyhow::Result<Account> {
    let optional = |name: &str| -> anyhow::Result<Option<Timestamp>> {
        Ok(row.try_get::<Option<i64>, _>(name)?.map(from_millis))
    };
    Ok(Account {
        staff_id: row.try_get("staff_id")?,
        username: row.try_get("username")?,
        must_change: row.try_get::<i64, _>("must_change")? != 0,
        failed_attempts: row.try_get("failed_attempts")?,
        locked_until: optional("locked_until")?,
        disabled_at: optional("disabled_at")?,
        created_at: from_millis(row.try_get("created_at")?),
        created_by: row.try_get("created_by")?,
        password_set_at: from_millis(row.try_get("password_set_at")?),
        last_sign_in_at: optional("last_sign_in_at")?,
    })
}

fn session_from_row(row: &AnyRow) -> anyhow::Result<Session> {
    Ok(Session {
        id_sha256: row.try_get("id_sha256")?,
        staff_id: row.try_get("staff_id")?,
        csrf: row.try_get("csrf")?,
        created_at: from_millis(row.try_get("created_at")?),
        last_seen_at: from_millis(row.try_get("last_seen_at")?),
        idle_expires_at: from_millis(row.try_get("idle_expires_at")?),
        expires_at: from_millis(row.try_get("expires_at")?),
        ended_at: row.try_get::<Option<i64>, _>("ended_at")?.map(from_millis),
    })
}

impl Db {
    /// The reporter's full name and phone, read in the transaction that writes the audit
    /// entry of the reveal: no reveal without its entry. `None` for an unknown event; a
    /// reporter with neither field when the data was never given or has been erased.
    pub async fn reveal_reporter(
        &self,
        event_id: &str,
        audit: &AuditEntry,
    ) -> anyhow::Result<Option<(crate::domain::Reporter, Option<Timestamp>)>> {
        let (_turn, mut tx) = self.begin_write().await?;
        let row = sqlx::query(
            "select reporter_name, reporter_phone, personal_erased_at from events where id = $1",
        )
        .bind(event_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            tx.rollback().await?;
            return Ok(None);
        };
        insert_audit(&mut *tx, audit).await?;
        tx.commit().await?;
        Ok(Some((
            crate::domain::Reporter {
                name: row.try_get("reporter_name")?,
                phone: row.try_get("reporter_phone")?,
            },
            row.try_get::<Option<i64>, _>("personal_erased_at")?
                .map(from_millis),
        )))
    }

    /// Erases the reporter's name and phone of every ended case whose retention ran out by
    /// `now`; returns how many were erased. Each erasure is one statement for all of them.
    pub async fn erase_personal_data(&self, now: Timestamp) -> anyhow::Result<u64> {
        let erased = sqlx::query(
            "update events set reporter_name = null, reporter_phone = null, \
             personal_erased_at = $1, erase_personal_at = null \
             where erase_personal_at is not null and erase_personal_at <= $1",
        )
        .bind(millis(now))
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(erased)
    }
}
