//! Reference data in the database: loaded whole at start, replaced whole by an import.

use anyhow::Context;
use sqlx::AssertSqlSafe;
use sqlx::{Any, Row, Transaction};

use super::{Db, placeholders};
use crate::calendar::CalendarYear;
use crate::domain::{
    Bounds, Catalog, Category, Community, District, Item, LatLon, Priority, Responsibility, Street,
    TimeLimit, TimeUnit, Unit, UnitKind,
};
use crate::reference::ReferenceParts;

/// Rows per multi-row insert: well under both backends' parameter limits.
const CHUNK: usize = 200;

impl Db {
    /// The stored reference data, or `None` on an empty database.
    pub async fn load_reference(&self) -> anyhow::Result<Option<ReferenceParts>> {
        let pool = self.pool();
        let Some(district) = sqlx::query(
            "select code, name, min_lat, max_lat, min_lon, max_lon from district limit 1",
        )
        .fetch_optional(pool)
        .await?
        else {
            return Ok(None);
        };
        let mut streets: Vec<Street> = Vec::new();
        for row in
            sqlx::query("select code, slug, name, name_en, lat, lon from streets order by position")
                .fetch_all(pool)
                .await?
        {
            streets.push(Street {
                code: row.try_get("code")?,
                slug: row.try_get("slug")?,
                name: row.try_get("name")?,
                name_en: row.try_get("name_en")?,
                center: LatLon {
                    lat: row.try_get("lat")?,
                    lon: row.try_get("lon")?,
                },
                communities: Vec::new(),
            });
        }
        for row in sqlx::query("select code, street_code, name from communities order by position")
            .fetch_all(pool)
            .await?
        {
            let street_code: String = row.try_get("street_code")?;
            if let Some(street) = streets.iter_mut().find(|s| s.code == street_code) {
                street.communities.push(Community {
                    code: row.try_get("code")?,
                    name: row.try_get("name")?,
                });
            }
        }
        let district = District {
            code: district.try_get("code")?,
            name: district.try_get("name")?,
            bounds: Bounds {
                min_lat: district.try_get("min_lat")?,
                max_lat: district.try_get("max_lat")?,
                min_lon: district.try_get("min_lon")?,
                max_lon: district.try_get("max_lon")?,
            },
            streets,
        };

        let mut units = Vec::new();
        for row in sqlx::query(
            "select code, name, kind, street_code, role, community_code from units order by code",
        )
        .fetch_all(pool)
        .await?
        {
            let kind: String = row.try_get("kind")?;
            units.push(Unit {
                code: row.try_get("code")?,
                name: row.try_get("name")?,
                kind: parse_json_enum::<UnitKind>(&kind)?,
                street: row.try_get("street_code")?,
                role: row.try_get("role")?,
                community: row.try_get("community_code")?,
            });
        }

        let meta = sqlx::query("select version, fallback_item from catalog_meta where id = 1")
            .fetch_one(pool)
            .await
            .context("the catalog is missing: run `streetwise import catalog`")?;
        let mut categories = Vec::new();
        for row in sqlx::query("select code, name, name_en from categories order by position")
            .fetch_all(pool)
            .await?
        {
            categories.push(Category {
                code: row.try_get("code")?,
                name: row.try_get("name")?,
                name_en: row.try_get("name_en")?,
            });
        }
        let mut items = Vec::new();
        for row in sqlx::query(
            "select code, category_code, name, name_en, keywords, limit_value, limit_unit, \
             priority, requirements from items order by position",
        )
        .fetch_all(pool)
        .await?
        {
            let keywords: String = row.try_get("keywords")?;
            let priority: String = row.try_get("priority")?;
            items.push(Item {
                code: row.try_get("code")?,
                category: row.try_get("category_code")?,
                name: row.try_get("name")?,
                name_en: row.try_get("name_en")?,
                keywords: serde_json::from_str(&keywords)?,
                time_limit: time_limit(row.try_get("limit_value")?, row.try_get("limit_unit")?)?,
                priority: Priority::parse(&priority)
                    .with_context(|| format!("bad priority {priority:?}"))?,
                requirements: row.try_get("requirements")?,
            });
        }
        let catalog = Catalog {
            version: meta.try_get("version")?,
            categories,
            items,
            fallback_item: meta.try_get("fallback_item")?,
        };

        let mut responsibilities = Vec::new();
        for row in sqlx::query(
            "select item_code, area, owner_unit, handling, limit_value, limit_unit \
             from responsibilities order by item_code, area",
        )
        .fetch_all(pool)
        .await?
        {
            let handling: String = row.try_get("handling")?;
            let value: Option<i64> = row.try_get("limit_value")?;
            let unit: Option<String> = row.try_get("limit_unit")?;
            responsibilities.push(Responsibility {
                item: row.try_get("item_code")?,
                area: row.try_get("area")?,
                owner_unit: row.try_get("owner_unit")?,
                handling: serde_json::from_str(&handling)?,
                time_limit: match (value, unit) {
                    (Some(v), Some(u)) => Some(time_limit(v, u)?),
                    _ => None,
                },
            });
        }

        let mut calendar = Vec::new();
        for row in sqlx::query("select body from calendar_years order by year")
            .fetch_all(pool)
            .await?
        {
            let body: String = row.try_get("body")?;
            calendar.push(serde_json::from_str::<CalendarYear>(&body)?);
        }
        let (sections, staff) = super::staff::load(pool).await?;

        Ok(Some(ReferenceParts {
            district,
            catalog,
            units,
            responsibilities,
            calendar,
            sections,
            staff,
        }))
    }

    /// How many times the reference data was replaced (by an import): a host whose reference
    /// is older reloads it.
    pub async fn reference_generation(&self) -> anyhow::Result<i64> {
        let row = sqlx::query("select generation from reference_generation where id = 1")
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get("generation")?)
    }

    /// Replaces all reference data in one transaction, and moves the reference generation so
    /// that running hosts reload it. `progress` is told how many rows have been written so far.
    pub async fn save_reference(
        &self,
        parts: &ReferenceParts,
        progress: &(dyn Fn(u64) + Sync),
    ) -> anyhow::Result<()> {
        let backend = self.backend();
        let (_turn, mut tx) = self.begin_write().await?;
        for table in [
            "district",
            "streets",
            "communities",
            "units",
            "catalog_meta",
            "categories",
            "items",
            "responsibilities",
            "calendar_years",
            "sections",
            "staff",
        ] {
            sqlx::query(AssertSqlSafe(format!("delete from {table}")))
                .execute(&mut *tx)
                .await?;
        }
        let d = &parts.district;
        sqlx::query(
            "insert into district (code, name, min_lat, max_lat, min_lon, max_lon) \
             values ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&d.code)
        .bind(&d.name)
        .bind(d.bounds.min_lat)
        .bind(d.bounds.max_lat)
        .bind(d.bounds.min_lon)
        .bind(d.bounds.max_lon)
        .execute(&mut *tx)
        .await?;
        let mut written = 0u64;
        let mut advance = |n: usize| {
            written += n as u64;
            progress(written);
        };

        for (chunk_no, chunk) in d.streets.chunks(CHUNK).enumerate() {
            let sql = format!(
                "insert into streets (code, slug, name, name_en, lat, lon, position) values {}",
                placeholders(backend, chunk.len(), 7)
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for (i, s) in chunk.iter().enumerate() {
                q = q
                    .bind(&s.code)
                    .bind(&s.slug)
                    .bind(&s.name)
                    .bind(&s.name_en)
                    .bind(s.center.lat)
                    .bind(s.center.lon)
                    .bind((chunk_no * CHUNK + i) as i64);
            }
            q.execute(&mut *tx).await?;
            advance(chunk.len());
        }
        let communities: Vec<(&str, &Community)> = d
            .streets
            .iter()
            .flat_map(|s| s.communities.iter().map(move |c| (s.code.as_str(), c)))
            .collect();
        for (chunk_no, chunk) in communities.chunks(CHUNK).enumerate() {
            let sql = format!(
                "insert into communities (code, street_code, name, position) values {}",
                placeholders(backend, chunk.len(), 4)
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for (i, (street, c)) in chunk.iter().enumerate() {
                q = q
                    .bind(&c.code)
                    .bind(*street)
                    .bind(&c.name)
                    .bind((chunk_no * CHUNK + i) as i64);
            }
            q.execute(&mut *tx).await?;
            advance(chunk.len());
        }
        for chunk in parts.units.chunks(CHUNK) {
            let sql = format!(
                "insert into units (code, name, kind, street_code, role, community_code) values {}",
                placeholders(backend, chunk.len(), 6)
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for u in chunk {
                q = q
                    .bind(&u.code)
                    .bind(&u.name)
                    .bind(json_enum(&u.kind))
                    .bind(&u.street)
                    .bind(&u.role)
                    .bind(&u.community);
            }
            q.execute(&mut *tx).await?;
            advance(chunk.len());
        }
        save_catalog(&mut tx, backend, &parts.catalog, &mut advance).await?;
        for chunk in parts.responsibilities.chunks(CHUNK) {
            let sql = format!(
                "insert into responsibilities \
                 (item_code, area, owner_unit, handling, limit_value, limit_unit) values {}",
                placeholders(backend, chunk.len(), 6)
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for r in chunk {
                q = q
                    .bind(&r.item)
                    .bind(&r.area)
                    .bind(&r.owner_unit)
                    .bind(serde_json::to_string(&r.handling)?)
                    .bind(r.time_limit.map(|t| i64::from(t.value)))
                    .bind(r.time_limit.map(|t| t.unit.as_str().to_string()));
            }
            q.execute(&mut *tx).await?;
            advance(chunk.len());
        }
        for year in &parts.calendar {
            sqlx::query("insert into calendar_years (year, body) values ($1, $2)")
                .bind(i64::from(year.year))
                .bind(serde_json::to_string(year)?)
                .execute(&mut *tx)
                .await?;
            advance(1);
        }
        super::staff::save(
            &mut tx,
            backend,
            &parts.sections,
            &parts.staff,
            &mut advance,
        )
        .await?;
        super::changes::announce(&mut tx, backend, super::changes::Change::Reference).await?;
        tx.commit().await?;
        Ok(())
    }
}

async fn save_catalog(
    tx: &mut Transaction<'_, Any>,
    backend: super::Backend,
    catalog: &Catalog,
    advance: &mut impl FnMut(usize),
) -> anyhow::Result<()> {
    sqlx::query("insert into catalog_meta (id, version, fallback_item) values (1, $1, $2)")
        .bind(&catalog.version)
        .bind(&catalog.fallback_item)
        .execute(&mut **tx)
        .await?;
    for (chunk_no, chunk) in catalog.categories.chunks(CHUNK).enumerate() {
        let sql = format!(
            "insert into categories (code, name, name_en, position) values {}",
            placeholders(backend, chunk.len(), 4)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (i, c) in chunk.iter().enumerate() {
            q = q
                .bind(&c.code)
                .bind(&c.name)
                .bind(&c.name_en)
                .bind((chunk_no * CHUNK + i) as i64);
        }
        q.execute(&mut **tx).await?;
        advance(chunk.len());
    }
    for (chunk_no, chunk) in catalog.items.chunks(CHUNK).enumerate() {
        let sql = format!(
            "insert into items (code, category_code, name, name_en, keywords, limit_value, \
             limit_unit, priority, requirements, position) values {}",
            placeholders(backend, chunk.len(), 10)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (i, item) in chunk.iter().enumerate() {
            q = q
                .bind(&item.code)
                .bind(&item.category)
                .bind(&item.name)
                .bind(&item.name_en)
                .bind(serde_json::to_string(&item.keywords)?)
                .bind(i64::from(item.time_limit.value))
                .bind(item.time_limit.unit.as_str())
                .bind(item.priority.as_str())
                .bind(&item.requirements)
                .bind((chunk_no * CHUNK + i) as i64);
        }
        q.execute(&mut **tx).await?;
        advance(chunk.len());
    }
    Ok(())
}

fn time_limit(value: i64, unit: String) -> anyhow::Result<TimeLimit> {
    Ok(TimeLimit {
        value: u32::try_from(value).context("time limit out of range")?,
        unit: TimeUnit::parse(&unit).with_context(|| format!("bad time unit {unit:?}"))?,
    })
}

/// A unit enum's serde name (`district_bureau`), as stored.
fn json_enum<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn parse_json_enum<T: serde::de::DeserializeOwned>(s: &str) -> anyhow::Result<T> {
    serde_json::from_value(serde_json::Value::String(s.to_string()))
        .with_context(|| format!("unknown value {s:?}"))
}
