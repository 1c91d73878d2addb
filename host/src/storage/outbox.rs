//! The outbox: notices written in the transaction of the change they tell of, one row per
//! webhook of the event's channel; claimed by a host for a while, then delivered, retried
//! later, or given up (a dead letter).

use anyhow::Context;
use jiff::Timestamp;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::{Backend, Db, chunks, from_millis, millis, parameter, placeholders_after};
use crate::domain::{Change, Delivery, DeliveryState, EventRecord, Notice, NoticeFacts, Status};
use crate::lifecycle::Entry;

/// A delivery a host has claimed.
#[derive(Clone, Debug)]
pub struct Claimed {
    pub id: i64,
    pub webhook_id: String,
    pub notice_id: String,
    pub change: Change,
    pub body: String,
    /// Attempts made before this one.
    pub attempts: i64,
}

/// How an attempt went.
#[derive(Clone, Debug)]
pub enum Attempted {
    Delivered,
    /// Failed: tried again at `retry_at`, or given up when `None`.
    Failed {
        error: String,
        retry_at: Option<Timestamp>,
    },
}

/// Most notices written by one statement (five parameters each).
const NOTICES_PER_STATEMENT: usize = 1024;

/// What a channel is told when its event is stored: that it was accepted, and where it was
/// dispatched unless it waits in 待分拨.
pub(crate) fn intake_notices(record: &EventRecord) -> Vec<Notice> {
    let facts = NoticeFacts {
        event_id: &record.event.id,
        external_id: record.event.external_id.as_deref(),
        source: record.event.source,
        status: Status::Accepted,
        at: record.event.received_at,
        unit: None,
        reason: None,
        merged_into: None,
    };
    let mut notices = vec![Notice::new(notice_id(), Change::Accepted, &facts)];
    if record.status == Status::Dispatched {
        let facts = NoticeFacts {
            status: Status::Dispatched,
            unit: Some(&record.dispatch.handling_unit.name),
            ..facts
        };
        notices.push(Notice::new(notice_id(), Change::Dispatched, &facts));
    }
    notices
}

/// A case's move that its channel is told of.
pub(crate) struct Told<'a> {
    pub change: Change,
    pub status: Status,
    /// The name of the unit handling the case after the move.
    pub unit: &'a str,
    pub merged_into: Option<&'a str>,
}

/// Writes the notice of a transition inside its transaction; `case` is the case's row with
/// its `source` and `external_id`.
pub(crate) async fn tell_channel(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    case: &AnyRow,
    entry: &Entry,
    told: Told<'_>,
) -> anyhow::Result<()> {
    let external_id: Option<String> = case.try_get("external_id")?;
    let facts = NoticeFacts {
        event_id: &entry.event_id,
        external_id: external_id.as_deref(),
        source: super::source_of(case)?,
        status: told.status,
        at: entry.draft.at,
        unit: Some(told.unit),
        reason: entry.draft.reason.as_deref(),
        merged_into: told.merged_into,
    };
    let notice = Notice::new(notice_id(), told.change, &facts);
    enqueue(tx, backend, &[notice], Timestamp::now()).await
}

/// Writes, inside the transaction that closes case `main`, the notices of the reports merged
/// into it: their reporters are told through their own channels that it is over.
pub(crate) async fn tell_merged(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    main: &str,
    entry: &Entry,
    unit: &str,
) -> anyhow::Result<()> {
    let rows = sqlx::query("select id, source, external_id from events where merged_into = $1")
        .bind(main)
        .fetch_all(&mut **tx)
        .await?;
    let mut notices = Vec::with_capacity(rows.len());
    for row in &rows {
        let id: String = row.try_get("id")?;
        let external_id: Option<String> = row.try_get("external_id")?;
        let facts = NoticeFacts {
            event_id: &id,
            external_id: external_id.as_deref(),
            source: super::source_of(row)?,
            status: Status::Merged,
            at: entry.draft.at,
            unit: Some(unit),
            reason: None,
            merged_into: Some(main),
        };
        notices.push(Notice::new(notice_id(), Change::Closed, &facts));
    }
    enqueue(tx, backend, &notices, Timestamp::now()).await
}

/// A new notice's id.
pub(crate) fn notice_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Writes `notices` to the outbox inside `tx`: one row for each webhook of the notice's
/// channel (a disabled one's wait until it is enabled), none when the channel has none.
pub(crate) async fn enqueue(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    notices: &[Notice],
    now: Timestamp,
) -> anyhow::Result<()> {
    if notices.is_empty() {
        return Ok(());
    }
    for chunk in chunks(notices, NOTICES_PER_STATEMENT) {
        // VALUES columns are column1.. on both databases; column6 keeps the notices' order.
        let sql = format!(
            "insert into outbox (webhook_id, event_id, notice_id, change, body, created_at, \
             next_at) select w.id, v.column1, v.column2, v.column3, v.column4, {}, {} \
             from (values {}) as v join webhooks w on w.source = v.column5 \
             order by v.column6, w.id",
            parameter(backend, 1),
            parameter(backend, 2),
            placeholders_after(backend, 2, chunk.len(), 6)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(millis(now))
            .bind(millis(now));
        for (position, notice) in (0_i64..).zip(chunk) {
            query = query
                .bind(&notice.event_id)
                .bind(&notice.id)
                .bind(notice.change.as_str())
                .bind(serde_json::to_string(notice)?)
                .bind(notice.source.as_str())
                .bind(position);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

const DELIVERY_COLUMNS: &str = "id, webhook_id, event_id, notice_id, change, state, attempts, \
    created_at, next_at, delivered_at, last_error";

impl Db {
    /// Claims up to `limit` due deliveries for `host` until `until`. A delivery waits while
    /// an earlier notice of the same case to the same webhook is pending, so each webhook
    /// hears of a case in order; a webhook that is disabled is skipped. PostgreSQL skips the
    /// rows another host is claiming at the same moment; SQLite has one writer.
    pub async fn claim_deliveries(
        &self,
        host: &str,
        now: Timestamp,
        until: Timestamp,
        limit: u32,
    ) -> anyhow::Result<Vec<Claimed>> {
        let lock = match self.backend() {
            Backend::Postgres => " for update skip locked",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "update outbox set claimed_by = $1, claimed_until = $2 where id in (\
               select o.id from outbox o where o.state = 'pending' and o.next_at <= $3 \
               and (o.claimed_until is null or o.claimed_until < $3) \
               and o.webhook_id in (select id from webhooks where active = 1) \
               and not exists (select 1 from outbox p where p.webhook_id = o.webhook_id \
                 and p.event_id = o.event_id and p.id < o.id and p.state = 'pending') \
               order by o.next_at, o.id limit {limit}{lock}) \
             returning id, webhook_id, notice_id, change, body, attempts"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(host)
            .bind(millis(until))
            .bind(millis(now))
            .fetch_all(self.pool())
            .await?;
        let mut claimed = rows
            .iter()
            .map(|row| {
                let change: String = row.try_get("change")?;
                Ok(Claimed {
                    id: row.try_get("id")?,
                    webhook_id: row.try_get("webhook_id")?,
                    notice_id: row.try_get("notice_id")?,
                    change: parse_change(&change)?,
                    body: row.try_get("body")?,
                    attempts: row.try_get("attempts")?,
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        claimed.sort_by_key(|c| c.id);
        Ok(claimed)
    }

    /// Records how the attempt at a claimed delivery went; `false` when `host` no longer
    /// held it (its claim ran out and another host took it over), and nothing was written.
    pub async fn record_attempt(
        &self,
        id: i64,
        host: &str,
        at: Timestamp,
        attempted: &Attempted,
    ) -> anyhow::Result<bool> {
        let query = match attempted {
            Attempted::Delivered => sqlx::query(
                "update outbox set state = 'delivered', delivered_at = $1, \
                 attempts = attempts + 1, claimed_by = null, claimed_until = null, \
                 last_error = null where id = $2 and claimed_by = $3 and state = 'pending'",
            )
            .bind(millis(at)),
            Attempted::Failed { error, retry_at } => sqlx::query(
                "update outbox set state = $1, next_at = $2, attempts = attempts + 1, \
                 claimed_by = null, claimed_until = null, last_error = $3 \
                 where id = $4 and claimed_by = $5 and state = 'pending'",
            )
            .bind(match retry_at {
                Some(_) => DeliveryState::Pending.as_str(),
                None => DeliveryState::Dead.as_str(),
            })
            .bind(millis(retry_at.unwrap_or(at)))
            .bind(error.as_str()),
        };
        let updated = query
            .bind(id)
            .bind(host)
            .execute(self.pool())
            .await?
            .rows_affected();
        Ok(updated == 1)
    }

    /// Deliveries in `state` (of these webhooks, or all), newest first, before `before_id`.
    pub async fn deliveries(
        &self,
        state: DeliveryState,
        webhooks: Option<&[String]>,
        before_id: Option<i64>,
        limit: u32,
    ) -> anyhow::Result<Vec<Delivery>> {
        let mut sql = format!("select {DELIVERY_COLUMNS} from outbox where state = $1 and id < $2");
        if let Some(ids) = webhooks {
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            let list = (0..ids.len())
                .map(|i| format!("${}", i + 3))
                .collect::<Vec<_>>()
                .join(", ");
            sql.push_str(&format!(" and webhook_id in ({list})"));
        }
        sql.push_str(&format!(" order by id desc limit {limit}"));
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(state.as_str())
            .bind(before_id.unwrap_or(i64::MAX));
        for id in webhooks.unwrap_or_default() {
            query = query.bind(id);
        }
        let rows = query.fetch_all(self.pool()).await?;
        rows.iter().map(delivery_from_row).collect()
    }

    pub async fn delivery(&self, id: i64) -> anyhow::Result<Option<Delivery>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select {DELIVERY_COLUMNS} from outbox where id = $1"
        )))
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(delivery_from_row).transpose()
    }

    /// Sends a dead letter again from its first attempt; `false` when it is not dead.
    pub async fn retry_delivery(&self, id: i64, now: Timestamp) -> anyhow::Result<bool> {
        let updated = sqlx::query(
            "update outbox set state = 'pending', attempts = 0, next_at = $1 \
             where id = $2 and state = 'dead'",
        )
        .bind(millis(now))
        .bind(id)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(updated == 1)
    }

    /// Forgets deliveries made before `before`; how many.
    pub async fn prune_deliveries(&self, before: Timestamp) -> anyhow::Result<u64> {
        Ok(
            sqlx::query("delete from outbox where state = 'delivered' and delivered_at < $1")
                .bind(millis(before))
                .execute(self.pool())
                .await?
                .rows_affected(),
        )
    }

    /// How many deliveries are pending.
    pub async fn pending_deliveries(&self) -> anyhow::Result<i64> {
        let row = sqlx::query("select count(*) as n from outbox where state = 'pending'")
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get("n")?)
    }
}

fn parse_change(change: &str) -> anyhow::Result<Change> {
    Change::parse(change).with_context(|| format!("bad change {change:?}"))
}

fn delivery_from_row(row: &AnyRow) -> anyhow::Result<Delivery> {
    let state: String = row.try_get("state")?;
    let change: String = row.try_get("change")?;
    Ok(Delivery {
        id: row.try_get("id")?,
        webhook_id: row.try_get("webhook_id")?,
        event_id: row.try_get("event_id")?,
        notice_id: row.try_get("notice_id")?,
        change: parse_change(&change)?,
        state: DeliveryState::parse(&state).with_context(|| format!("bad state {state:?}"))?,
        attempts: row.try_get("attempts")?,
        created_at: from_millis(row.try_get("created_at")?),
        next_at: from_millis(row.try_get("next_at")?),
        delivered_at: row
            .try_get::<Option<i64>, _>("delivered_at")?
            .map(from_millis),
        last_error: row.try_get("last_error")?,
    })
}
