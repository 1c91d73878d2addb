//! `/api/v1/events`: intake, one event, and listings.

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::auth::Caller;
use super::error::{ApiError, ErrorBody};
use super::json::JsonBody;
use super::receipt::{self, Receipt};
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
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EventView {
    pub id: String,
    pub source: Source,
    pub external_id: Option<String>,
    pub description: String,
    #[schema(format = DateTime)]
    pub reported_at: String,
    #[schema(format = DateTime)]
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

/// A street or community: its code and its name.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Named {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
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
#[utoipa::path(
    post,
    path = "/api/v1/events",
    tag = "events",
    summary = "Submit an event or appeal (受理诉求)",
    description = "Validates, classifies, routes and stores the event, and answers with every \
        decision and the trace of each step. The same (`source`, `external_id`) again answers \
        `200` with the original event. A channel token submits only from its own sources. \
        With `Prefer: return=minimal` the answer is a short receipt (`Receipt`: id, status, \
        street, item, handling unit, deadline) and says `Preference-Applied: return=minimal`.",
    request_body = NewEventRequest,
    params(("prefer" = Option<String>, Header, description = "`return=minimal` for the short receipt")),
    responses(
        (status = 201, description = "Accepted: the stored event with its decisions, or its receipt \
            when `Prefer: return=minimal`", body = EventView),
        (status = 200, description = "Sent before: the original event (or its receipt)", body = EventView),
        (status = 400, description = "Unreadable JSON, wrong types or unknown fields", body = ErrorBody),
        (status = 403, description = "Not a source this caller may submit from", body = ErrorBody),
        (status = 415, description = "Not `application/json`", body = ErrorBody),
        (status = 422, description = "Refused content; the message names the field", body = ErrorBody),
        (status = 503, description = "Storage is failing (`unavailable`), or too much intake at once \
            (`overloaded`): nothing was stored; send it again (after `Retry-After`)", body = ErrorBody,
            headers(("retry-after" = u32, description = "Seconds to wait, when `overloaded`"))),
    )
)]
async fn submit(
    caller: Caller,
    State(platform): State<Arc<Platform>>,
    headers: HeaderMap,
    JsonBody(request): JsonBody<NewEventRequest>,
) -> Result<Response, ApiError> {
    // An unknown source is the validation's to answer (422); a known one must be the caller's.
    if let Some(source) = Source::parse(&request.source)
        && let Err(refusal) = policy::may_submit(caller.principal(), source)
    {
        return Err(caller
            .refuse(refusal, None, None, "submit_event", source.as_str())
            .await);
    }
    let (status, record) = match platform.submit(request).await {
        Ok(Submitted::Created(record)) => (StatusCode::CREATED, record),
        Ok(Submitted::Existing(record)) => (StatusCode::OK, record),
        Err(error) => return Err(not_submitted(error)),
    };
    Ok(if receipt::wants_minimal(&headers) {
        let applied = [(receipt::PREFERENCE_APPLIED, receipt::RETURN_MINIMAL)];
        (status, applied, Json(Receipt::from(&record))).into_response()
    } else {
        (status, Json(EventView::from(record))).into_response()
    })
}

/// The answer to an event intake did not store.
fn not_submitted(error: SubmitError) -> ApiError {
    match error {
        SubmitError::Invalid(invalid) => ApiError::Unprocessable {
            code: invalid.code,
            message: invalid.message,
        },
        SubmitError::Refused(cause) => {
            tracing::warn!(
                error = %format!("{:#}", anyhow::Error::new(cause)),
                "a valid event was refused by the database"
            );
            ApiError::Unprocessable {
                code: "refused_by_storage",
                message: "the database refused this event's content; nothing was stored. \
                          Check its text for characters a database cannot hold (数据库拒绝了该事件)"
                    .into(),
            }
        }
        SubmitError::Storage(cause) => ApiError::Unavailable(cause),
        SubmitError::Busy => ApiError::Overloaded(SubmitError::Busy.to_string()),
    }
}

/// `GET /api/v1/events/{id}`.
#[utoipa::path(
    get,
    path = "/api/v1/events/{id}",
    tag = "events",
    summary = "One event with its decisions (事件详情)",
    description = "The reporter is masked; `POST /api/v1/events/{id}/reporter` reveals it.",
    params(("id" = String, Path, description = "The event's id")),
    responses(
        (status = 200, description = "The event", body = EventView),
        (status = 403, description = "Outside the caller's reach", body = ErrorBody),
        (status = 404, description = "No such event", body = ErrorBody),
    )
)]
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
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListQuery {
    /// A street: code (`440307014`), slug (`buji`) or name (`布吉`).
    street: Option<String>,
    /// A unit code: the cases that unit handles.
    unit: Option<String>,
    /// A case status, e.g. `dispatched`, `in_progress`, `closed`.
    status: Option<String>,
    /// A catalog item code, e.g. `14-001`.
    item: Option<String>,
    /// `yellow` or `red`: cases with that early-warning colour (预警).
    alert: Option<String>,
    /// A staff id: the cases assigned to that person.
    assignee: Option<String>,
    /// `true`: only cases under supervision (督办).
    supervised: Option<bool>,
    /// RFC 3339: events received at or after.
    #[param(format = DateTime)]
    from: Option<String>,
    /// RFC 3339: events received before.
    #[param(format = DateTime)]
    to: Option<String>,
    /// 1 to 500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub(crate) limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub(crate) cursor: Option<String>,
}

/// `GET /api/v1/events`.
#[utoipa::path(
    operation_id = "list_events",
    get,
    path = "/api/v1/events",
    tag = "events",
    summary = "List events, newest first (事件列表)",
    description = "Narrowed to the caller's reach; a street or unit outside it is refused. \
        `next_cursor` fetches the next, older page.",
    params(ListQuery),
    responses(
        (status = 200, description = "A page of events", body = EventPage),
        (status = 400, description = "An unknown or unreadable parameter", body = ErrorBody),
        (status = 403, description = "A street or unit outside the caller's reach", body = ErrorBody),
        (status = 422, description = "An unknown street, unit, status or alert, a bad time, cursor or limit", body = ErrorBody),
    )
)]
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
    let limit = super::page_limit(q.limit, 50, 500)?;
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
