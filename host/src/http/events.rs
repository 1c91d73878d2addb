//! `/api/v1/events`: intake, one event, and listings.

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::auth::Caller;
use super::error::ApiError;
use super::json::JsonBody;
use crate::auth::policy;
use crate::domain::{
    ActionRecord, Alert, CaseClock, CaseScope, Classification, Dispatch, EventRecord, Reach,
    Reporter, Source, Status, TraceStep,
};
use crate::intake::NewEventRequest;
use crate::platform::{Platform, SubmitError, Submitted};
use crate::storage::{EventFilter, EventPage};

pub fn router() -> Router<Arc<Platform>> {
    Router::new()
        .route("/api/v1/events", post(submit).get(list))
        .route("/api/v1/events/{id}", get(show))
}

/// An event as the API shows it. The reporter's personal data only ever masked.
#[derive(Debug, Serialize)]
pub struct EventView {
    pub id: String,
    pub source: Source,
    pub external_id: Option<String>,
    pub description: String,
    pub reported_at: String,
    pub received_at: String,
    pub street: Named,
    pub community: Option<Named>,
    pub location: LocationView,
    pub attributes: std::collections::BTreeMap<String, String>,
    /// The reporter, masked (张*, 138****8000); `POST .../reporter` reveals it to those allowed.
    pub reporter: Option<Reporter>,
    pub parent_id: Option<String>,
    pub status: Status,
    pub classification: Classification,
    pub dispatch: Dispatch,
    /// The handling clock: current deadline, whether it runs, warning and supervision.
    pub clock: CaseClock,
    pub trace: Vec<TraceStep>,
    pub actions: Vec<ActionRecord>,
    pub scenarios_done: bool,
    /// The open case intake found this report probably duplicates (it waited in 待分拨).
    pub duplicate_of: Option<String>,
    /// The case this report is merged into (合并), while it is.
    pub merged_into: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Named {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Serialize)]
pub struct LocationView {
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub address: Option<String>,
    pub grid: Option<String>,
}

impl From<EventRecord> for EventView {
    fn from(r: EventRecord) -> Self {
        let e = r.event;
        let l = e.location;
        Self {
            id: e.id,
            source: e.source,
            external_id: e.external_id,
            description: e.description,
            reported_at: crate::calendar::rfc3339(e.reported_at),
            received_at: crate::calendar::rfc3339(e.received_at),
            street: Named {
                code: l.street_code,
                name: l.street_name,
            },
            community: l
                .community_code
                .zip(l.community_name)
                .map(|(code, name)| Named { code, name }),
            location: LocationView {
                lat: l.lat,
                lon: l.lon,
                address: l.address,
                grid: l.grid,
            },
            attributes: e.attributes,
            reporter: (!e.reporter.is_empty()).then(|| e.reporter.masked()),
            parent_id: e.parent_id,
            status: r.status,
            classification: r.classification,
            dispatch: r.dispatch,
            clock: r.clock,
            trace: r.trace,
            actions: r.actions,
            scenarios_done: r.scenarios_done,
            duplicate_of: r.duplicate_of,
            merged_into: r.merged_into,
        }
    }
}

/// `POST /api/v1/events`: 201 with the decision, or 200 with the original event when the
/// channel sends the same (source, external_id) again.
async fn submit(
    caller: Caller,
    State(platform): State<Arc<Platform>>,
    JsonBody(request): JsonBody<NewEventRequest>,
) -> Result<(StatusCode, Json<EventView>), ApiError> {
    // An unknown source is the validation's to answer (422); a known one must be the caller's.
    if let Some(source) = Source::parse(&request.source)
        && let Err(refusal) = policy::may_submit(caller.principal(), source)
    {
        return Err(caller
            .refuse(refusal, None, None, "submit_event", source.as_str())
            .await);
    }
    match platform.submit(request).await {
        Ok(Submitted::Created(record)) => Ok((StatusCode::CREATED, Json(record.into()))),
        Ok(Submitted::Existing(record)) => Ok((StatusCode::OK, Json(record.into()))),
        Err(SubmitError::Invalid(invalid)) => Err(ApiError::Unprocessable {
            code: invalid.code,
            message: invalid.message,
        }),
        Err(SubmitError::Refused(cause)) => {
            tracing::warn!(error = %cause, "a valid event was refused by the database");
            Err(ApiError::Unprocessable {
                code: "refused_by_storage",
                message: "the database refused this event's content; nothing was stored. \
                          Check its text for characters a database cannot hold (数据库拒绝了该事件)"
                    .into(),
            })
        }
        Err(SubmitError::Storage(cause)) => Err(ApiError::Unavailable(cause)),
        Err(SubmitError::Busy) => Err(ApiError::Overloaded(SubmitError::Busy.to_string())),
    }
}

async fn show(
    caller: Caller,
    State(platform): State<Arc<Platform>>,
    Path(id): Path<String>,
) -> Result<Json<EventView>, ApiError> {
    let Some(stored) = platform.db().event(&id).await? else {
        return Err(ApiError::NotFound(format!("no event {id}")));
    };
    caller
        .require_case(&id, &scope_of(&stored.record), "read_event")
        .await?;
    Ok(Json(stored.record.into()))
}

/// What an access check needs of a stored case.
pub(crate) fn scope_of(record: &EventRecord) -> CaseScope<'_> {
    CaseScope {
        street: &record.event.location.street_code,
        unit: Some(&record.dispatch.handling_unit.code),
        source: record.event.source,
        assignee: record.dispatch.assignee.as_ref().map(|a| a.id.as_str()),
    }
}

/// Filters of `GET /api/v1/events` (and of the CSV export, without `limit` and `cursor`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListQuery {
    street: Option<String>,
    /// A unit code: the cases that unit handles.
    unit: Option<String>,
    status: Option<String>,
    item: Option<String>,
    /// `yellow` or `red`: cases with that early-warning colour (预警).
    alert: Option<String>,
    /// A staff id: the cases assigned to that person.
    assignee: Option<String>,
    /// `true`: only cases under supervision (督办).
    supervised: Option<bool>,
    /// RFC 3339: events received at or after.
    from: Option<String>,
    /// RFC 3339: events received before.
    to: Option<String>,
    /// 1 to 500, default 50.
    pub(crate) limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub(crate) cursor: Option<String>,
}

async fn list(
    caller: Caller,
    State(platform): State<Arc<Platform>>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<EventPage>, ApiError> {
    let Query(q) = query?;
    let filter = listing_filter(&caller, &platform, q).await?;
    Ok(Json(platform.db().list_events(&filter).await?))
}

/// The listing filter a query asks for, narrowed to the caller's reach: a street or unit asked
/// for outside it is refused (and audited).
pub(crate) async fn listing_filter(
    caller: &Caller,
    platform: &Platform,
    q: ListQuery,
) -> Result<EventFilter, ApiError> {
    let reference = platform.reference();
    let unprocessable = |code, message: String| ApiError::Unprocessable { code, message };
    let street_code = match q.street.as_deref() {
        Some(key) => Some(
            reference
                .district
                .street(key)
                .ok_or_else(|| unprocessable("unknown_street", format!("unknown street {key:?}")))?
                .code
                .clone(),
        ),
        None => None,
    };
    let status = match q.status.as_deref() {
        Some(s) => Some(
            Status::parse(s)
                .ok_or_else(|| unprocessable("invalid_status", format!("unknown status {s:?}")))?,
        ),
        None => None,
    };
    let alert = match q.alert.as_deref() {
        Some(a) => Some(
            Alert::parse(a)
                .filter(|a| *a != Alert::None)
                .ok_or_else(|| {
                    unprocessable("invalid_alert", format!("alert {a:?}: yellow or red"))
                })?,
        ),
        None => None,
    };
    let time = |field: &'static str, value: Option<String>| -> Result<_, ApiError> {
        value
            .map(|v| {
                v.parse::<jiff::Timestamp>().map_err(|_| {
                    unprocessable(
                        "invalid_time",
                        format!("{field} {v:?} is not RFC 3339, e.g. 2026-07-01T00:00:00+08:00"),
                    )
                })
            })
            .transpose()
    };
    let before_seq = match q.cursor.as_deref() {
        Some(c) => Some(
            c.parse::<i64>()
                .map_err(|_| unprocessable("invalid_cursor", format!("bad cursor {c:?}")))?,
        ),
        None => None,
    };
    let limit = q.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(unprocessable(
            "invalid_limit",
            "limit must be 1 to 500".into(),
        ));
    }
    let unit = match q.unit.as_deref() {
        Some(code) => Some(
            reference
                .unit(code)
                .ok_or_else(|| unprocessable("unknown_unit", format!("unknown unit {code:?}")))?
                .code
                .clone(),
        ),
        None => None,
    };
    // The caller's reach narrows every listing: a street or unit asked for outside it is refused.
    let (street_code, handling_unit, sources) = match &caller.principal().reach {
        Reach::District => (street_code, unit, Vec::new()),
        Reach::Street { street } => match street_code {
            Some(asked) if asked != *street => {
                return Err(caller
                    .refuse(
                        crate::auth::Refusal::OtherStreet {
                            own: street.clone(),
                        },
                        Some(&asked),
                        None,
                        "list_events",
                        &asked,
                    )
                    .await);
            }
            _ => (Some(street.clone()), unit, Vec::new()),
        },
        Reach::Unit { unit: own, .. } => match unit {
            Some(asked) if asked != *own => {
                return Err(caller
                    .refuse(
                        crate::auth::Refusal::OutsideReach,
                        None,
                        None,
                        "list_events",
                        &asked,
                    )
                    .await);
            }
            _ => (street_code, Some(own.clone()), Vec::new()),
        },
        Reach::Sources { sources } => (street_code, unit, sources.clone()),
    };
    Ok(EventFilter {
        street_code,
        status,
        item_code: q.item,
        alert,
        assignee: q.assignee,
        handling_unit,
        sources,
        supervised: q.supervised.unwrap_or(false),
        from: time("from", q.from)?,
        to: time("to", q.to)?,
        before_seq,
        limit,
    })
}
