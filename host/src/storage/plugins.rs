//! Plugin versions: immutable rows with their bytes; which one is active; their configuration.

use std::collections::BTreeMap;

use jiff::Timestamp;
use sqlx::AssertSqlSafe;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::changes::{Change, announce};
use super::{Db, from_millis, millis};
use crate::domain::{DeployMode, Grant, PluginKind, PluginVersion, Replaced, ShadowRun};

/// A stored plugin version with its bytes, for loading.
#[derive(Clone, Debug)]
pub struct PluginRow {
    pub meta: PluginVersion,
    pub bytes: Vec<u8>,
}

const META_COLUMNS: &str = "street_code, name, version, kind, sha256, size, deployed_at, \
    deployed_by, active, notes, shadow, shadow_until, shadow_left, grants, run_order";

impl Db {
    /// Stores a new version. Active: it becomes the active one (for classifiers and routers
    /// the street's only active plugin of that kind, for scenarios the active version of its
    /// name). Shadow: it runs beside the active one, replacing any other shadow of the name.
    pub async fn deploy_plugin(
        &self,
        new: NewVersion<'_>,
        bytes: &[u8],
    ) -> anyhow::Result<PluginVersion> {
        let NewVersion {
            street_code,
            name,
            kind,
            sha256,
            deployed_by,
            notes,
            mode,
            grants,
            run_order,
        } = new;
        let (_turn, mut tx) = self.begin_write().await?;
        let row = sqlx::query(
            "select coalesce(max(version), 0) as v from plugins where street_code = $1 and name = $2",
        )
        .bind(street_code)
        .bind(name)
        .fetch_one(&mut *tx)
        .await?;
        let version: i64 = row.try_get::<i64, _>("v")? + 1;
        // Unless told, a new version runs where the name's previous one ran.
        let run_order = match run_order {
            Some(order) => i64::from(order),
            None => sqlx::query(
                "select run_order from plugins where street_code = $1 and name = $2 \
                 order by version desc limit 1",
            )
            .bind(street_code)
            .bind(name)
            .fetch_optional(&mut *tx)
            .await?
            .map(|row| row.try_get::<i64, _>("run_order"))
            .transpose()?
            .unwrap_or(0),
        };
        let now = Timestamp::now();
        let (shadow, replaced) = match &mode {
            DeployMode::Active => (None, deactivate(&mut tx, street_code, name, kind).await?),
            DeployMode::Shadow(run) => {
                end_shadows(&mut tx, street_code, name).await?;
                (Some(run.clone()), Vec::new())
            }
        };
        sqlx::query(
            "insert into plugins (street_code, name, version, kind, sha256, size, bytes, \
             deployed_at, deployed_by, active, notes, activated_at, shadow, shadow_until, \
             shadow_left, grants, run_order) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
        )
        .bind(street_code)
        .bind(name)
        .bind(version)
        .bind(kind.as_str())
        .bind(sha256)
        .bind(bytes.len() as i64)
        .bind(bytes)
        .bind(millis(now))
        .bind(deployed_by)
        .bind(i64::from(shadow.is_none()))
        .bind(notes)
        .bind(shadow.is_none().then_some(millis(now)))
        .bind(i64::from(shadow.is_some()))
        .bind(shadow.as_ref().and_then(|s| s.until.map(millis)))
        .bind(
            shadow
                .as_ref()
                .and_then(|s| s.events_left.map(|n| n.min(i64::MAX as u64) as i64)),
        )
        .bind(Grant::list_text(grants))
        .bind(run_order)
        .execute(&mut *tx)
        .await?;
        announce(&mut tx, self.backend(), Change::Plugins).await?;
        tx.commit().await?;
        Ok(PluginVersion {
            street_code: street_code.into(),
            name: name.into(),
            version: version as u32,
            kind,
            sha256: sha256.into(),
            size: bytes.len() as u64,
            deployed_at: now,
            deployed_by: deployed_by.into(),
            active: shadow.is_none(),
            notes: notes.map(str::to_string),
            shadow,
            grants: grants.to_vec(),
            run_order: run_order.max(0) as u32,
            replaced,
        })
    }

    /// One stored version with its bytes.
    pub async fn plugin_version(
        &self,
        street_code: &str,
        name: &str,
        version: u32,
    ) -> anyhow::Result<Option<PluginRow>> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "select {META_COLUMNS}, bytes from plugins \
             where street_code = $1 and name = $2 and version = $3"
        )))
        .bind(street_code)
        .bind(name)
        .bind(i64::from(version))
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(plugin_row).transpose()
    }

    /// Makes a stored version the active one (promoting a shadow, or rolling back), in one
    /// transaction: the version it supersedes stays stored.
    pub async fn activate_version(
        &self,
        street_code: &str,
        name: &str,
        version: u32,
        kind: PluginKind,
    ) -> anyhow::Result<Vec<Replaced>> {
        let (_turn, mut tx) = self.begin_write().await?;
        let replaced = deactivate(&mut tx, street_code, name, kind).await?;
        sqlx::query(
            "update plugins set active = 1, shadow = 0, shadow_until = null, shadow_left = null, \
             activated_at = $4 where street_code = $1 and name = $2 and version = $3",
        )
        .bind(street_code)
        .bind(name)
        .bind(i64::from(version))
        .bind(millis(Timestamp::now()))
        .execute(&mut *tx)
        .await?;
        announce(&mut tx, self.backend(), Change::Plugins).await?;
        tx.commit().await?;
        Ok(replaced
            .into_iter()
            .filter(|r| (r.name.as_str(), r.version) != (name, version))
            .collect())
    }

    /// The version that was active before the current one, for a rollback.
    pub async fn previous_version(
        &self,
        street_code: &str,
        name: &str,
    ) -> anyhow::Result<Option<u32>> {
        let row = sqlx::query(
            "select version from plugins where street_code = $1 and name = $2 and active = 0 \
             and activated_at is not null order by activated_at desc, version desc limit 1",
        )
        .bind(street_code)
        .bind(name)
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| Ok(r.try_get::<i64, _>("version")? as u32))
            .transpose()
    }

    /// Ends a version's shadow run (discarded, or its events or time are used up).
    pub async fn end_shadow(
        &self,
        street_code: &str,
        name: &str,
        version: u32,
    ) -> anyhow::Result<bool> {
        let (_turn, mut tx) = self.begin_write().await?;
        let updated = sqlx::query(
            "update plugins set shadow = 0, shadow_left = 0 \
             where street_code = $1 and name = $2 and version = $3 and shadow = 1",
        )
        .bind(street_code)
        .bind(name)
        .bind(i64::from(version))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated > 0 {
            announce(&mut tx, self.backend(), Change::Plugins).await?;
        }
        tx.commit().await?;
        Ok(updated > 0)
    }

    /// The versions running in shadow, with their bytes, for loading at start.
    pub async fn shadow_plugins(&self) -> anyhow::Result<Vec<PluginRow>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "select {META_COLUMNS}, bytes from plugins where shadow = 1 order by street_code, name"
        )))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(plugin_row).collect()
    }

    /// Every version of a street's plugins, newest first.
    pub async fn plugin_versions(&self, street_code: &str) -> anyhow::Result<Vec<PluginVersion>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "select {META_COLUMNS} from plugins where street_code = $1 \
             order by name, version desc"
        )))
        .bind(street_code)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(version_from_row).collect()
    }

    /// The active versions of every street, with their bytes, for loading at start.
    pub async fn active_plugins(&self) -> anyhow::Result<Vec<PluginRow>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "select {META_COLUMNS}, bytes from plugins where active = 1 order by street_code, name"
        )))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(plugin_row).collect()
    }

    /// Whether this exact component is already the active version of a plugin name.
    pub async fn is_active_sha(
        &self,
        street_code: &str,
        name: &str,
        sha256: &str,
    ) -> anyhow::Result<bool> {
        let row = sqlx::query(
            "select count(*) as n from plugins \
             where street_code = $1 and name = $2 and sha256 = $3 and active = 1",
        )
        .bind(street_code)
        .bind(name)
        .bind(sha256)
        .fetch_one(self.pool())
        .await?;
        Ok(row.try_get::<i64, _>("n")? > 0)
    }

    /// A plugin's configuration (empty when never set).
    pub async fn plugin_config(
        &self,
        street_code: &str,
        name: &str,
    ) -> anyhow::Result<BTreeMap<String, String>> {
        let row =
            sqlx::query("select body from plugin_configs where street_code = $1 and name = $2")
                .bind(street_code)
                .bind(name)
                .fetch_optional(self.pool())
                .await?;
        match row {
            Some(row) => Ok(serde_json::from_str(&row.try_get::<String, _>("body")?)?),
            None => Ok(BTreeMap::new()),
        }
    }

    pub async fn set_plugin_config(
        &self,
        street_code: &str,
        name: &str,
        config: &BTreeMap<String, String>,
    ) -> anyhow::Result<()> {
        let (_turn, mut tx) = self.begin_write().await?;
        sqlx::query(
            "insert into plugin_configs (street_code, name, body, updated_at) values ($1, $2, $3, $4) \
             on conflict (street_code, name) do update set body = excluded.body, \
             updated_at = excluded.updated_at",
        )
        .bind(street_code)
        .bind(name)
        .bind(serde_json::to_string(config)?)
        .bind(millis(Timestamp::now()))
        .execute(&mut *tx)
        .await?;
        announce(&mut tx, self.backend(), Change::Plugins).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// A version to store.
#[derive(Clone, Debug)]
pub struct NewVersion<'a> {
    pub street_code: &'a str,
    pub name: &'a str,
    pub kind: PluginKind,
    pub sha256: &'a str,
    pub deployed_by: &'a str,
    pub notes: Option<&'a str>,
    pub mode: DeployMode,
    pub grants: &'a [Grant],
    /// Where it runs among its street's plugins of its kind; `None` keeps the name's previous.
    pub run_order: Option<u32>,
}

async fn end_shadows(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    street_code: &str,
    name: &str,
) -> anyhow::Result<()> {
    sqlx::query(
        "update plugins set shadow = 0, shadow_left = 0 where street_code = $1 and name = $2 \
         and shadow = 1",
    )
    .bind(street_code)
    .bind(name)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Deactivates what a new active version of `name` supersedes: the street's router for a
/// router, the name's active version otherwise (classifiers and scenarios stack). Returns them.
async fn deactivate(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    street_code: &str,
    name: &str,
    kind: PluginKind,
) -> anyhow::Result<Vec<Replaced>> {
    let (filter, key) = if kind.single_per_street() {
        ("kind", kind.as_str())
    } else {
        ("name", name)
    };
    // One statement that writes first: in SQLite a transaction that reads and then writes
    // can fail at once with "database is locked" when another connection is writing.
    let rows = sqlx::query(AssertSqlSafe(format!(
        "update plugins set active = 0 where street_code = $1 and {filter} = $2 \
         and active = 1 returning name, version"
    )))
    .bind(street_code)
    .bind(key)
    .fetch_all(&mut **tx)
    .await?;
    let replaced = rows
        .iter()
        .map(|row| {
            Ok(Replaced {
                name: row.try_get("name")?,
                version: row.try_get::<i64, _>("version")? as u32,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(replaced)
}

fn plugin_row(row: &AnyRow) -> anyhow::Result<PluginRow> {
    Ok(PluginRow {
        meta: version_from_row(row)?,
        bytes: row.try_get("bytes")?,
    })
}

fn version_from_row(row: &AnyRow) -> anyhow::Result<PluginVersion> {
    let kind: String = row.try_get("kind")?;
    Ok(PluginVersion {
        street_code: row.try_get("street_code")?,
        name: row.try_get("name")?,
        version: row.try_get::<i64, _>("version")? as u32,
        kind: PluginKind::parse(&kind)
            .ok_or_else(|| anyhow::anyhow!("bad plugin kind {kind:?}"))?,
        sha256: row.try_get("sha256")?,
        size: row.try_get::<i64, _>("size")? as u64,
        deployed_at: from_millis(row.try_get("deployed_at")?),
        deployed_by: row.try_get("deployed_by")?,
        active: row.try_get::<i64, _>("active")? != 0,
        notes: row.try_get("notes")?,
        shadow: (row.try_get::<i64, _>("shadow")? != 0)
            .then(|| -> anyhow::Result<ShadowRun> {
                Ok(ShadowRun {
                    until: row
                        .try_get::<Option<i64>, _>("shadow_until")?
                        .map(from_millis),
                    events_left: row
                        .try_get::<Option<i64>, _>("shadow_left")?
                        .map(|n| n.max(0) as u64),
                })
            })
            .transpose()?,
        grants: Grant::parse_list(&row.try_get::<String, _>("grants")?)
            .map_err(|e| anyhow::anyhow!("stored grants: {e}"))?,
        run_order: row.try_get::<i64, _>("run_order")?.max(0) as u32,
        replaced: Vec::new(),
    })
}
