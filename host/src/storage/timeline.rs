//! Case timelines: a transition moves `events.status` and appends its timeline entry in one
//! transaction, and only if the case is still in the state the transition was decided from.

use anyhow::Context;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::audit::{AuditEntry, insert_audit};
use super::events::clock_from_row;
use super::indicators::marks_sql;
use super::{Db, from_millis, millis};
use crate::domain::{
    Assignee, CaseClock, Change, Classification, DecidedBy, Dispatch, Source, Status, TimeLimit,
    UnitRef,
};
use crate::lifecycle::{Action, Draft, Entry, Marks};

const ENTRY_COLUMNS: &str = "event_id, seq, actor, role, action, from_state, to_state, reason, \
    note, unit, at, prev_hash, hash, assignee, deadline, item";

/// What deciding a transition needs to know about a stored case.
#[derive(Clone, Debug)]
pub struct CaseHead {
    pub status: Status,
    pub source: Source,
    /// The street's code.
    pub street_code: String,
    pub handling_unit: String,
    pub received_at: jiff::Timestamp,
    pub item_code: String,
    pub community_code: Option<String>,
    /// The staff id of the person who has the case, if anyone.
    pub assignee: Option<String>,
    /// The case's time limit, as dispatched.
    pub time_limit: TimeLimit,
    pub clock: CaseClock,
    /// How many times the case's state was written: a write is applied only if this is
    /// unchanged (see [`Db::apply_transition`]).
    pub rev: i64,
}

/// What a transition does to the case's assignee (承办人).
#[derive(Clone, Copy, Debug)]
pub enum Assign<'a> {
    Keep,
    /// Give the case to this person, or to nobody (the unit's admin picks it up).
    To(Option<&'a Assignee>),
}

/// A case given its catalog item by a person (dispatched from the manual queue, or
/// corrected): its new classification and routing, and the training label it leaves.
#[derive(Clone, Copy, Debug)]
pub struct Reclassification<'a> {
    pub classification: &'a Classification,
    pub owner: &'a UnitRef,
    pub candidates: &'a [String],
    pub time_limit: TimeLimit,
    /// Who chose the item.
    pub labelled_by: &'a str,
}

/// A report's merge link, set or cleared.
#[derive(Clone, Copy, Debug)]
pub enum MergeChange<'a> {
    Into(&'a str),
    Out,
}

/// A transition to store.
#[derive(Clone, Debug)]
pub struct Transition<'a> {
    /// The state the transition was decided from; nothing is written unless the case is
    /// still in it.
    pub from: Status,
    pub to: Status,
    /// The case's revision the transition was decided from.
    pub rev: i64,
    /// Written first when the case has no timeline yet: its intake, which is not written at
    /// intake to keep the group commit one insert. `None` for a case that waited in the
    /// manual-dispatch queue: its timeline starts with the centre's dispatch.
    pub genesis: Option<Draft>,
    pub entry: Draft,
    /// The case's clock after the transition.
    pub clock: &'a CaseClock,
    /// The unit the case is reassigned to.
    pub reassign: Option<&'a UnitRef>,
    pub assign: Assign<'a>,
    /// The item the case was given, with its routing (the unit is `reassign`).
    pub reclassify: Option<Reclassification<'a>>,
    /// The report merged into a case, or split out of it.
    pub merge: Option<MergeChange<'a>>,
    /// The audit entry of the person who acted, written in the same transaction.
    pub audit: Option<&'a AuditEntry>,
    /// When the reporter's personal data is to be erased, for a transition that ends the case.
    pub erase_personal_at: Option<jiff::Timestamp>,
}

impl Db {
    pub async fn case_head(&self, event_id: &str) -> anyhow::Result<Option<CaseHead>> {
        let row = sqlx::query(
            "select status, source, street_code, handling_unit, received_at, item_code, community_code, \
             assignee, dispatch, rev, deadline, clock_measure, clock_budget, clock_started_at, \
             clock_remaining, warn_at, alert, supervision_level, timer_at from events where id = $1",
        )
        .bind(event_id)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let status: String = row.try_get("status")?;
        let dispatch: String = row.try_get("dispatch")?;
        let dispatch: Dispatch = serde_json::from_str(&dispatch)?;
        Ok(Some(CaseHead {
            status: Status::parse(&status).with_context(|| format!("bad status {status:?}"))?,
            source: super::source_of(&row)?,
            street_code: row.try_get("street_code")?,
            handling_unit: row.try_get("handling_unit")?,
            received_at: from_millis(row.try_get("received_at")?),
            item_code: row.try_get("item_code")?,
            community_code: row.try_get("community_code")?,
            assignee: row.try_get("assignee")?,
            time_limit: dispatch.time_limit,
            clock: clock_from_row(&row)?,
            rev: row.try_get("rev")?,
        }))
    }

    /// The cases whose next timer is due at `now`, earliest first.
    pub async fn due_timers(
        &self,
        now: jiff::Timestamp,
        limit: u32,
    ) -> anyhow::Result<Vec<String>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select id from events where timer_at <= $1 order by timer_at limit {limit}"
        )))
        .bind(millis(now))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|row| Ok(row.try_get("id")?)).collect()
    }

    /// Sets when a case's next timer is due, if the case is still at revision `rev`.
    pub async fn retime(
        &self,
        event_id: &str,
        rev: i64,
        timer_at: Option<jiff::Timestamp>,
    ) -> anyhow::Result<bool> {
        let updated = sqlx::query(
            "update events set timer_at = $1, rev = rev + 1 where id = $2 and rev = $3",
        )
        .bind(timer_at.map(millis))
        .bind(event_id)
        .bind(rev)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(updated == 1)
    }

    /// A case's timeline in order.
    pub async fn timeline(&self, event_id: &str) -> anyhow::Result<Vec<Entry>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select {ENTRY_COLUMNS} from case_timeline where event_id = $1 order by seq"
        )))
        .bind(event_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(entry_from_row).collect()
    }

    /// Applies a transition: returns the appended entry, or `None` when the case was written
    /// since `transition.rev` was read (another action or a timer got there first) and nothing
    /// was written.
    pub async fn apply_transition(
        &self,
        event_id: &str,
        transition: Transition<'_>,
    ) -> anyhow::Result<Option<Entry>> {
        let (_turn, mut tx) = self.begin_write().await?;
        // The guarded update comes first: it takes SQLite's write lock (or PostgreSQL's row
        // lock) before anything is read, so a concurrent transition waits for this one and
        // then finds the state changed, instead of both appending from the same tail.
        // The same statement keeps the case's indicator facts (see `crate::indicators`).
        let marks = Action::parse(&transition.entry.action)
            .map_or_else(Marks::default, |action| Marks::of(action, transition.to));
        let sql = format!(
            "update events set status = $1, deadline = $4, clock_started_at = $5, \
             clock_remaining = $6, warn_at = $7, alert = $8, supervision_level = $9, \
             timer_at = $10, rev = rev + 1{} where id = $2 and status = $3 and rev = $11",
            marks_sql(marks, "$12")
        );
        let clock = transition.clock;
        let mut update = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(transition.to.as_str())
            .bind(event_id)
            .bind(transition.from.as_str())
            .bind(millis(clock.deadline))
            .bind(clock.started_at.map(millis))
            .bind(clock.remaining)
            .bind(clock.warn_at.map(millis))
            .bind(clock.alert.as_str())
            .bind(i64::from(clock.supervision_level))
            .bind(clock.timer_at.map(millis))
            .bind(transition.rev);
        if marks.handled || marks.closed {
            update = update.bind(millis(transition.entry.at));
        }
        let updated = update.execute(&mut *tx).await?.rows_affected();
        if updated == 0 {
            tx.rollback().await?;
            return Ok(None);
        }
        // The case's open workload follows its assignee: off it when the case closes or is
        // rejected, from one person to another when it is reassigned.
        let row =
            sqlx::query("select assignee, dispatch, source, external_id from events where id = $1")
                .bind(event_id)
                .fetch_one(&mut *tx)
                .await?;
        let current: Option<String> = row.try_get("assignee")?;
        let mut workloads = std::collections::HashMap::new();
        let assign = match transition.assign {
            Assign::To(assignee) => Some(assignee),
            Assign::Keep => None,
        };
        let dispatch: String = row.try_get("dispatch")?;
        let mut dispatch: Dispatch = serde_json::from_str(&dispatch)?;
        if transition.reassign.is_some() || assign.is_some() {
            if let Some(unit) = transition.reassign {
                dispatch.handling_unit = unit.clone();
            }
            if let Some(r) = &transition.reclassify {
                dispatch.owner_unit = r.owner.clone();
                dispatch.candidates = r.candidates.to_vec();
                dispatch.time_limit = r.time_limit;
                dispatch.deadline = transition.clock.deadline;
                dispatch.decided_by = DecidedBy::District;
                reclassify(&mut tx, event_id, r, transition.entry.at).await?;
            }
            if let Some(assignee) = assign {
                dispatch.assignee = assignee.cloned();
            }
            // The columns mirror the dispatch: the workload count reads `assignee`.
            let assignee = dispatch.assignee.as_ref();
            sqlx::query(
                "update events set handling_unit = $1, assignee = $2, section = $3, \
                 dispatch = $4 where id = $5",
            )
            .bind(&dispatch.handling_unit.code)
            .bind(assignee.map(|a| a.id.clone()))
            .bind(assignee.and_then(|a| a.section.as_ref().map(|s| s.code.clone())))
            .bind(serde_json::to_string(&dispatch)?)
            .bind(event_id)
            .execute(&mut *tx)
            .await?;
            let next = dispatch.assignee.as_ref().map(|a| a.id.clone());
            if next != current && !transition.to.is_final() {
                if let Some(old) = &current {
                    *workloads.entry(old.clone()).or_insert(0) -= 1;
                }
                if let Some(new) = next {
                    *workloads.entry(new).or_insert(0) += 1;
                }
            }
        }
        if transition.to.is_final()
            && !transition.from.is_final()
            && let Some(old) = &current
        {
            *workloads.entry(old.clone()).or_insert(0) -= 1;
        }
        super::staff::adjust_workloads(&mut tx, self.backend(), &workloads).await?;
        let tail = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select {ENTRY_COLUMNS} from case_timeline where event_id = $1 \
             order by seq desc limit 1"
        )))
        .bind(event_id)
        .fetch_optional(&mut *tx)
        .await?
        .map(|row| entry_from_row(&row))
        .transpose()?;
        let tail = match (tail, transition.genesis) {
            (Some(tail), _) => Some(tail),
            (None, Some(genesis)) => {
                let genesis = genesis.seal(event_id, None);
                insert_entry(&mut tx, &genesis).await?;
                Some(genesis)
            }
            (None, None) => None,
        };
        let entry = transition.entry.seal(event_id, tail.as_ref());
        insert_entry(&mut tx, &entry).await?;
        if let Some(merge) = transition.merge {
            sqlx::query("update events set merged_into = $1 where id = $2")
                .bind(match merge {
                    MergeChange::Into(main) => Some(main),
                    MergeChange::Out => None,
                })
                .bind(event_id)
                .execute(&mut *tx)
                .await?;
        }
        if let Some(at) = transition.erase_personal_at {
            // The reports merged into the case are over with it.
            sqlx::query(
                "update events set erase_personal_at = $1 \
                 where (id = $2 or merged_into = $2) and erase_personal_at is null",
            )
            .bind(millis(at))
            .bind(event_id)
            .execute(&mut *tx)
            .await?;
        }
        if let Some(audit) = transition.audit {
            insert_audit(&mut *tx, audit).await?;
        }
        // The channel that took the case in is told, in the same transaction, of a move to
        // another state or unit (not of 督办, warnings or a new person inside the unit).
        let moved = transition.from != transition.to || transition.reassign.is_some();
        if let Some(change) = Change::entering(transition.to).filter(|_| moved) {
            let merged_into = match transition.merge {
                Some(MergeChange::Into(main)) => Some(main),
                _ => None,
            };
            let told = super::outbox::Told {
                change,
                status: transition.to,
                unit: &dispatch.handling_unit.name,
                merged_into,
            };
            super::outbox::tell_channel(&mut tx, self.backend(), &row, &entry, told).await?;
            if change == Change::Closed {
                let unit = &dispatch.handling_unit.name;
                super::outbox::tell_merged(&mut tx, self.backend(), event_id, &entry, unit).await?;
            }
        }
        tx.commit().await?;
        Ok(Some(entry))
    }
}

/// Writes a case's new item and keeps the person's choice as a training label.
async fn reclassify(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    event_id: &str,
    r: &Reclassification<'_>,
    at: jiff::Timestamp,
) -> anyhow::Result<()> {
    let c = r.classification;
    sqlx::query(
        "update events set item_code = $1, category_code = $2, priority = $3, \
         classification = $4, owner_unit = $5 where id = $6",
    )
    .bind(&c.item_code)
    .bind(&c.category_code)
    .bind(c.priority.as_str())
    .bind(serde_json::to_string(c)?)
    .bind(&r.owner.code)
    .bind(event_id)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "insert into classifier_labels (event_id, item_code, labelled_by, labelled_at) \
         values ($1, $2, $3, $4) on conflict (event_id) do update set \
         item_code = excluded.item_code, labelled_by = excluded.labelled_by, \
         labelled_at = excluded.labelled_at",
    )
    .bind(event_id)
    .bind(&c.item_code)
    .bind(r.labelled_by)
    .bind(millis(at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn insert_entry(tx: &mut sqlx::Transaction<'_, sqlx::Any>, e: &Entry) -> anyhow::Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "insert into case_timeline ({ENTRY_COLUMNS}) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
    )))
    .bind(&e.event_id)
    .bind(e.seq)
    .bind(&e.draft.actor)
    .bind(&e.draft.role)
    .bind(&e.draft.action)
    .bind(&e.draft.from)
    .bind(&e.draft.to)
    .bind(&e.draft.reason)
    .bind(&e.draft.note)
    .bind(&e.draft.unit)
    .bind(millis(e.draft.at))
    .bind(&e.prev_hash)
    .bind(&e.hash)
    .bind(&e.draft.assignee)
    .bind(e.draft.deadline.map(millis))
    .bind(&e.draft.item)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn entry_from_row(row: &AnyRow) -> anyhow::Result<Entry> {
    Ok(Entry {
        event_id: row.try_get("event_id")?,
        seq: row.try_get("seq")?,
        draft: Draft {
            actor: row.try_get("actor")?,
            role: row.try_get("role")?,
            action: row.try_get("action")?,
            from: row.try_get("from_state")?,
            to: row.try_get("to_state")?,
            reason: row.try_get("reason")?,
            note: row.try_get("note")?,
            unit: row.try_get("unit")?,
            assignee: row.try_get("assignee")?,
            deadline: row.try_get::<Option<i64>, _>("deadline")?.map(from_millis),
            item: row.try_get("item")?,
            at: from_millis(row.try_get("at")?),
        },
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}
