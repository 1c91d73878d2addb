//! The learned classifier's storage: model versions, district IT's keyword overrides, the
//! labels people gave cases, and the decided history training reads.

use jiff::Timestamp;
use sqlx::Row;

use super::{Db, from_millis, millis};
use crate::domain::TraceStep;

/// A stored model, without its bytes.
#[derive(Clone, Debug)]
pub struct ModelRow {
    pub version: i64,
    pub trained_at: Timestamp,
    pub trained_by: String,
    pub catalog_version: String,
    /// What it was trained on (JSON).
    pub info: String,
    /// Its held-out scores (JSON), if it was evaluated.
    pub evaluation: Option<String>,
}

/// A model to store.
pub struct NewModel<'a> {
    pub trained_at: Timestamp,
    pub trained_by: &'a str,
    pub catalog_version: &'a str,
    pub info: &'a str,
    pub evaluation: Option<&'a str>,
    pub bytes: &'a [u8],
    /// The newest version when training started: the model is stored only if it still is,
    /// so two hosts retraining at once store one model.
    pub after: Option<i64>,
}

/// An explicit override: a description containing `keyword` is `item_code`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Override {
    pub keyword: String,
    pub item_code: String,
    pub created_by: String,
    pub created_at: Timestamp,
}

/// What the classifier's state is at: changes whenever a model is stored or an override is
/// set or removed (hosts poll it to pick up changes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Generation {
    pub model: Option<i64>,
    pub overrides: (i64, i64),
}

impl Db {
    /// Stores a model; returns its version, or `None` when another model was stored since
    /// `model.after`.
    pub async fn insert_model(&self, model: NewModel<'_>) -> anyhow::Result<Option<i64>> {
        let row = sqlx::query(
            "insert into classifier_models \
             (trained_at, trained_by, catalog_version, info, evaluation, model) \
             select $1, $2, $3, $4, $5, $6 \
             where coalesce((select max(version) from classifier_models), 0) = $7 \
             returning version",
        )
        .bind(millis(model.trained_at))
        .bind(model.trained_by)
        .bind(model.catalog_version)
        .bind(model.info)
        .bind(model.evaluation)
        .bind(model.bytes)
        .bind(model.after.unwrap_or(0))
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| r.try_get(0)).transpose().map_err(Into::into)
    }

    /// Every stored model, newest first.
    pub async fn models(&self) -> anyhow::Result<Vec<ModelRow>> {
        let rows = sqlx::query(
            "select version, trained_at, trained_by, catalog_version, info, evaluation \
             from classifier_models order by version desc",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ModelRow {
                    version: r.try_get(0)?,
                    trained_at: from_millis(r.try_get(1)?),
                    trained_by: r.try_get(2)?,
                    catalog_version: r.try_get(3)?,
                    info: r.try_get(4)?,
                    evaluation: r.try_get(5)?,
                })
            })
            .collect()
    }

    /// The newest model's version and bytes.
    pub async fn latest_model(&self) -> anyhow::Result<Option<(i64, Vec<u8>)>> {
        let row = sqlx::query(
            "select version, model from classifier_models order by version desc limit 1",
        )
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()
    }

    pub async fn classifier_generation(&self) -> anyhow::Result<Generation> {
        let row = sqlx::query(
            "select (select max(version) from classifier_models), \
             (select count(*) from classifier_overrides), \
             (select coalesce(max(created_at), 0) from classifier_overrides)",
        )
        .fetch_one(self.pool())
        .await?;
        Ok(Generation {
            model: row.try_get(0)?,
            overrides: (row.try_get(1)?, row.try_get(2)?),
        })
    }

    pub async fn overrides(&self) -> anyhow::Result<Vec<Override>> {
        let rows = sqlx::query(
            "select keyword, item_code, created_by, created_at from classifier_overrides \
             order by keyword",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Override {
                    keyword: r.try_get(0)?,
                    item_code: r.try_get(1)?,
                    created_by: r.try_get(2)?,
                    created_at: from_millis(r.try_get(3)?),
                })
            })
            .collect()
    }

    /// Sets (or replaces) the override for its keyword.
    pub async fn set_override(&self, o: &Override) -> anyhow::Result<()> {
        sqlx::query(
            "insert into classifier_overrides (keyword, item_code, created_by, created_at) \
             values ($1, $2, $3, $4) on conflict (keyword) do update set \
             item_code = excluded.item_code, created_by = excluded.created_by, \
             created_at = excluded.created_at",
        )
        .bind(&o.keyword)
        .bind(&o.item_code)
        .bind(&o.created_by)
        .bind(millis(o.created_at))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Removes the override for `keyword`; whether there was one.
    pub async fn remove_override(&self, keyword: &str) -> anyhow::Result<bool> {
        let done = sqlx::query("delete from classifier_overrides where keyword = $1")
            .bind(keyword)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The district's decided history, as (description, item): every label a person gave a
    /// case, and every closed case's final item otherwise (not the synthetic cases of
    /// `streetwise generate cases`); newest first, at most `limit`. Events whose description
    /// named no problem are left out: the item they were dispatched as is not in their text.
    pub async fn decided_history(&self, limit: i64) -> anyhow::Result<Vec<(String, String)>> {
        let rows = sqlx::query(
            "select e.description, coalesce(l.item_code, e.item_code) \
             from events e left join classifier_labels l on l.event_id = e.id \
             where (l.event_id is not null or (e.status = 'closed' \
             and e.classification not like '%\"generated\"%')) \
             and e.trace not like $2 \
             order by e.seq desc limit $1",
        )
        .bind(limit)
        .bind(format!("%\"outcome\":\"{}\"%", TraceStep::NAMES_NO_PROBLEM))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }
}
