//! Sections and staff (reference data, saved and loaded with the rest of it), and each
//! person's open workload, counted from the events they are assigned.

use std::collections::HashMap;

use anyhow::Context;
use sqlx::{Any, AnyPool, AssertSqlSafe, Row, Transaction};

use super::{Backend, Db, chunks, placeholders};
use crate::domain::{Section, Staff, StaffRole};

/// Rows per multi-row insert.
const CHUNK: usize = 200;

impl Db {
    /// How many open cases (neither closed nor rejected) each of `ids` is assigned; people
    /// with none are absent. Read from the `staff_workloads` counters, which the transactions
    /// that store, close, reject or reassign cases keep exact, so the figure is the
    /// database's, whichever host assigned the cases and however often it restarted.
    pub async fn open_workloads(&self, ids: &[&str]) -> anyhow::Result<HashMap<String, u64>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let list = (0..ids.len())
            .map(|i| format!("${}", i + 1))
            .collect::<Vec<_>>()
            .join(", ");
        let sql =
            format!("select staff_id, open_cases from staff_workloads where staff_id in ({list})");
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for id in ids {
            q = q.bind(*id);
        }
        let mut loads = HashMap::new();
        for row in q.fetch_all(self.pool()).await? {
            let n: i64 = row.try_get("open_cases")?;
            if n > 0 {
                loads.insert(row.try_get("staff_id")?, n as u64);
            }
        }
        Ok(loads)
    }
}

/// Adds `delta` open cases to each person's counter inside `tx` (a statement per
/// [`chunks`] of people).
///
/// The counters are locked in the order of the people's ids, in every transaction that moves
/// them: two hosts storing batches for the same people at once would otherwise each hold a
/// counter the other waits for, and PostgreSQL would abort one of the commits as a deadlock.
pub(crate) async fn adjust_workloads(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: Backend,
    deltas: &HashMap<String, i64>,
) -> anyhow::Result<()> {
    let mut deltas: Vec<(&String, &i64)> = deltas.iter().filter(|(_, d)| **d != 0).collect();
    deltas.sort_unstable_by_key(|(id, _)| *id);
    for chunk in chunks(&deltas, 256) {
        let sql = format!(
            "insert into staff_workloads (staff_id, open_cases) values {} \
             on conflict (staff_id) do update set open_cases = staff_workloads.open_cases + excluded.open_cases",
            placeholders(backend, chunk.len(), 2)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (id, delta) in chunk {
            q = q.bind(id.as_str()).bind(**delta);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

pub(super) async fn load(pool: &AnyPool) -> anyhow::Result<(Vec<Section>, Vec<Staff>)> {
    let mut sections = Vec::new();
    for row in sqlx::query("select code, unit_code, name, skills from sections order by position")
        .fetch_all(pool)
        .await?
    {
        let skills: String = row.try_get("skills")?;
        sections.push(Section {
            code: row.try_get("code")?,
            unit: row.try_get("unit_code")?,
            name: row.try_get("name")?,
            skills: serde_json::from_str(&skills)?,
        });
    }
    let mut staff = Vec::new();
    for row in sqlx::query(
        "select id, name, unit_code, section_code, role, skills, areas, on_duty \
         from staff order by position",
    )
    .fetch_all(pool)
    .await?
    {
        let role: String = row.try_get("role")?;
        let skills: String = row.try_get("skills")?;
        let areas: String = row.try_get("areas")?;
        let on_duty: i64 = row.try_get("on_duty")?;
        staff.push(Staff {
            id: row.try_get("id")?,
            name: row.try_get("name")?,
            unit: row.try_get("unit_code")?,
            section: row.try_get("section_code")?,
            role: StaffRole::parse(&role).with_context(|| format!("bad staff role {role:?}"))?,
            skills: serde_json::from_str(&skills)?,
            areas: serde_json::from_str(&areas)?,
            on_duty: on_duty != 0,
        });
    }
    Ok((sections, staff))
}

pub(super) async fn save(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    sections: &[Section],
    staff: &[Staff],
    advance: &mut impl FnMut(usize),
) -> anyhow::Result<()> {
    for (chunk_no, chunk) in sections.chunks(CHUNK).enumerate() {
        let sql = format!(
            "insert into sections (code, unit_code, name, skills, position) values {}",
            placeholders(backend, chunk.len(), 5)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (i, s) in chunk.iter().enumerate() {
            q = q
                .bind(&s.code)
                .bind(&s.unit)
                .bind(&s.name)
                .bind(serde_json::to_string(&s.skills)?)
                .bind((chunk_no * CHUNK + i) as i64);
        }
        q.execute(&mut **tx).await?;
        advance(chunk.len());
    }
    for (chunk_no, chunk) in staff.chunks(CHUNK).enumerate() {
        let sql = format!(
            "insert into staff (id, name, unit_code, section_code, role, skills, areas, on_duty, \
             position) values {}",
            placeholders(backend, chunk.len(), 9)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (i, p) in chunk.iter().enumerate() {
            q = q
                .bind(&p.id)
                .bind(&p.name)
                .bind(&p.unit)
                .bind(&p.section)
                .bind(p.role.as_str())
                .bind(serde_json::to_string(&p.skills)?)
                .bind(serde_json::to_string(&p.areas)?)
                .bind(i64::from(p.on_duty))
                .bind((chunk_no * CHUNK + i) as i64);
        }
        q.execute(&mut **tx).await?;
        advance(chunk.len());
    }
    Ok(())
}
