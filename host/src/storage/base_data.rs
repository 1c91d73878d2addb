//! Base data: buildings and the legal entities at them, written by `streetwise generate
//! buildings` and read by plugins through `streetwise:plugin/base-data`.

use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use super::{Db, placeholders};
use crate::domain::{Building, BuildingUse, EntityKind, LegalEntity};

const BUILDING_COLUMNS: &str = "id, street_code, community_code, grid, address, name, lat, lon, \
    use_kind, floors, rental_units, households, population";
const BUILDING_COLUMN_COUNT: usize = 13;
const ENTITY_COLUMNS: &str = "id, building_id, street_code, name, kind, small_venue";
const ENTITY_COLUMN_COUNT: usize = 6;
/// Rows per insert statement.
const ROWS: usize = 500;

impl Db {
    /// Writes buildings and entities in one transaction (replacing rows with the same ids).
    pub async fn save_base_data(
        &self,
        buildings: &[Building],
        entities: &[LegalEntity],
    ) -> anyhow::Result<()> {
        let (_turn, mut tx) = self.begin_write().await?;
        for chunk in buildings.chunks(ROWS) {
            let sql = format!(
                "insert into buildings ({BUILDING_COLUMNS}) values {} on conflict (id) do nothing",
                placeholders(self.backend(), chunk.len(), BUILDING_COLUMN_COUNT)
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for b in chunk {
                q = q
                    .bind(&b.id)
                    .bind(&b.street_code)
                    .bind(&b.community_code)
                    .bind(&b.grid)
                    .bind(&b.address)
                    .bind(&b.name)
                    .bind(b.lat)
                    .bind(b.lon)
                    .bind(b.use_kind.as_str())
                    .bind(i64::from(b.floors))
                    .bind(i64::from(b.rental_units))
                    .bind(i64::from(b.households))
                    .bind(i64::from(b.population));
            }
            q.execute(&mut *tx).await?;
        }
        for chunk in entities.chunks(ROWS) {
            let sql = format!(
                "insert into legal_entities ({ENTITY_COLUMNS}) values {} on conflict (id) do nothing",
                placeholders(self.backend(), chunk.len(), ENTITY_COLUMN_COUNT)
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for e in chunk {
                q = q
                    .bind(&e.id)
                    .bind(&e.building_id)
                    .bind(&e.street_code)
                    .bind(&e.name)
                    .bind(e.kind.as_str())
                    .bind(i64::from(e.small_venue));
            }
            q.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The building of `street_code` at `address`: the exact address, else the longest stored
    /// address that `address` starts with (a report often adds a floor or a shop name).
    pub async fn building_at(
        &self,
        street_code: &str,
        address: &str,
    ) -> anyhow::Result<Option<Building>> {
        let exact = sqlx::query(AssertSqlSafe(format!(
            "select {BUILDING_COLUMNS} from buildings where street_code = $1 and address = $2"
        )))
        .bind(street_code)
        .bind(address)
        .fetch_optional(self.pool())
        .await?;
        let row = match exact {
            Some(row) => Some(row),
            None => {
                sqlx::query(AssertSqlSafe(format!(
                    "select {BUILDING_COLUMNS} from buildings where street_code = $1 \
                     and substr($2, 1, length(address)) = address \
                     order by length(address) desc limit 1"
                )))
                .bind(street_code)
                .bind(address)
                .fetch_optional(self.pool())
                .await?
            }
        };
        row.as_ref().map(building_from_row).transpose()
    }

    /// The street a building belongs to, or `None` for an unknown id.
    pub async fn building_street(&self, building_id: &str) -> anyhow::Result<Option<String>> {
        let row = sqlx::query("select street_code from buildings where id = $1")
            .bind(building_id)
            .fetch_optional(self.pool())
            .await?;
        row.map(|r| Ok(r.try_get("street_code")?)).transpose()
    }

    /// The legal entities registered at a building.
    pub async fn entities_at(&self, building_id: &str) -> anyhow::Result<Vec<LegalEntity>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "select {ENTITY_COLUMNS} from legal_entities where building_id = $1 order by id"
        )))
        .bind(building_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                let kind: String = row.try_get("kind")?;
                Ok(LegalEntity {
                    id: row.try_get("id")?,
                    building_id: row.try_get("building_id")?,
                    street_code: row.try_get("street_code")?,
                    name: row.try_get("name")?,
                    kind: EntityKind::parse(&kind)
                        .ok_or_else(|| anyhow::anyhow!("bad entity kind {kind:?}"))?,
                    small_venue: row.try_get::<i64, _>("small_venue")? != 0,
                })
            })
            .collect()
    }

    /// How many buildings and entities are stored.
    pub async fn base_data_counts(&self) -> anyhow::Result<(u64, u64)> {
        let row = sqlx::query(
            "select (select count(*) from buildings) as b, (select count(*) from legal_entities) as e",
        )
        .fetch_one(self.pool())
        .await?;
        Ok((
            row.try_get::<i64, _>("b")?.max(0) as u64,
            row.try_get::<i64, _>("e")?.max(0) as u64,
        ))
    }
}

fn building_from_row(row: &AnyRow) -> anyhow::Result<Building> {
    let use_kind: String = row.try_get("use_kind")?;
    let count = |column: &str| -> anyhow::Result<u32> {
        Ok(u32::try_from(row.try_get::<i64, _>(column)?.max(0)).unwrap_or(u32::MAX))
    };
    Ok(Building {
        id: row.try_get("id")?,
        street_code: row.try_get("street_code")?,
        community_code: row.try_get("community_code")?,
        grid: row.try_get("grid")?,
        address: row.try_get("address")?,
        name: row.try_get("name")?,
        lat: row.try_get("lat")?,
        lon: row.try_get("lon")?,
        use_kind: BuildingUse::parse(&use_kind)
            .ok_or_else(|| anyhow::anyhow!("bad building use {use_kind:?}"))?,
        floors: count("floors")?,
        rental_units: count("rental_units")?,
        households: count("households")?,
        population: count("population")?,
    })
}
