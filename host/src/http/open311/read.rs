//! Reading service requests: the list with GeoReport's filters, one by id, and tokens (a
//! request's token is its id: `tokens/{id}` answers at once).

use std::collections::HashMap;
use std::sync::Arc;

use axum::http::HeaderMap;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use super::format::{Failure, Format, Reply};
use super::{Params, key, schemas, states};
use crate::auth::policy;
use crate::calendar::rfc3339;
use crate::domain::EventRecord;
use crate::http::events::scope_of;
use crate::platform::Platform;
use crate::storage::open311::{RequestFilter, TimelineUpdate};

/// The widest date range one `GET requests` may ask for, and the default (ending now).
const MAX_RANGE: SignedDuration = SignedDuration::from_hours(90 * 24);
/// Most requests one listing returns (newest first).
const MAX_REQUESTS: u32 = 1000;

/// `GET requests.{fmt}`: `service_request_id` (a list) overrides the other filters; private
/// services are never listed.
#[utoipa::path(
    get,
    path = "/open311/v2/requests.{format}",
    operation_id = "open311_list_requests",
    tag = "Open311",
    summary = "Open311 service requests, filtered (查询诉求)",
    description = "The requests within the key's reach, newest first, at most 1000. \
        `service_request_id` overrides the other filters; private services' requests are never \
        listed. `.xml` answers the same as XML (`<service_requests><request>…`).",
    params(schemas::FormatParam, schemas::KeyParams, schemas::RequestFilters),
    security(("api_key" = []), ("api_key_bearer" = []), ("api_key_basic" = [])),
    responses(
        (status = 200, description = "The requests", body = Vec<schemas::ServiceRequest>),
        (status = 400, description = "A filter that cannot be read, or a window over 90 days", body = Vec<schemas::Error>),
        (status = 401, description = "No api_key (answered with `WWW-Authenticate: Basic`)", body = Vec<schemas::Error>),
        (status = 403, description = "An api_key that is not a valid token", body = Vec<schemas::Error>),
        (status = 500, description = "An unexpected failure; the cause is in the server's log", body = Vec<schemas::Error>),
    )
)]
pub async fn list(
    platform: &Arc<Platform>,
    format: Format,
    headers: &HeaderMap,
    params: &Params,
) -> Result<Reply, Failure> {
    let caller = key::caller(platform, format, headers, params).await?;
    let bad = |m: String| Failure::bad_request(format, m);
    let mut filter = RequestFilter {
        reach: key::reach(caller.principal()),
        hidden_items: platform.open311().private_items(),
        limit: MAX_REQUESTS,
        ..RequestFilter::default()
    };
    filter.ids = params.list("service_request_id");
    if filter.ids.is_empty() {
        filter.items = params.list("service_code");
        for status in params.list("status") {
            filter.statuses.extend(
                states::statuses_of(&status)
                    .ok_or_else(|| bad(format!("status {status:?}: open or closed")))?,
            );
        }
        let (from, to) = range(format, params)?;
        filter.from = Some(from);
        filter.to = Some(to);
    }
    let db = platform.db();
    let ids = db
        .open311_request_ids(&filter)
        .await
        .map_err(|e| Failure::internal(format, e))?;
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let mut records: HashMap<String, EventRecord> = db
        .events_by_id(&refs)
        .await
        .map_err(|e| Failure::internal(format, e))?
        .into_iter()
        .map(|s| (s.record.event.id.clone(), s.record))
        .collect();
    let latest = db
        .latest_entries(&refs)
        .await
        .map_err(|e| Failure::internal(format, e))?;
    let requests: Vec<Value> = ids
        .iter()
        .filter_map(|id| records.remove(id))
        .filter(|r| policy::sees(caller.principal(), &scope_of(r)))
        .map(|r| {
            let last = latest.get(&r.event.id);
            view(&r, last)
        })
        .collect();
    Ok(Reply::ok(
        format,
        "service_requests",
        "request",
        Value::Array(requests),
    ))
}

/// `[start_date, end_date)`: at most 90 days; the last 90 days when neither is given.
fn range(format: Format, params: &Params) -> Result<(Timestamp, Timestamp), Failure> {
    let time = |name: &str| -> Result<Option<Timestamp>, Failure> {
        params
            .get(name)
            .map(|v| {
                v.parse::<Timestamp>().map_err(|_| {
                    Failure::bad_request(
                        format,
                        format!(
                            "{name} {v:?} is not a W3C date-time, e.g. 2026-07-01T00:00:00+08:00"
                        ),
                    )
                })
            })
            .transpose()
    };
    let (start, end) = (time("start_date")?, time("end_date")?);
    let to = end.unwrap_or_else(|| match start {
        Some(start) => start.saturating_add(MAX_RANGE).unwrap_or(start),
        None => Timestamp::now(),
    });
    let from = start.unwrap_or_else(|| to.saturating_sub(MAX_RANGE).unwrap_or(to));
    if to < from || to.duration_since(from) > MAX_RANGE {
        return Err(Failure::bad_request(
            format,
            "start_date to end_date may span at most 90 days (查询区间最长90天)",
        ));
    }
    Ok((from, to))
}

/// `GET requests/{id}.{fmt}`: a private service's request too, to a caller within reach.
#[utoipa::path(
    get,
    path = "/open311/v2/requests/{service_request_id}.{format}",
    operation_id = "open311_request",
    tag = "Open311",
    summary = "Open311 one service request (诉求详情)",
    description = "A list of one request, a private service's too. `.xml` answers the same as \
        XML.",
    params(
        ("service_request_id" = String, Path, description = "The request's id"),
        schemas::FormatParam,
        schemas::KeyParams,
    ),
    security(("api_key" = []), ("api_key_bearer" = []), ("api_key_basic" = [])),
    responses(
        (status = 200, description = "The request", body = Vec<schemas::ServiceRequest>),
        (status = 401, description = "No api_key (answered with `WWW-Authenticate: Basic`)", body = Vec<schemas::Error>),
        (status = 403, description = "An api_key that is not a valid token, or a request outside its reach", body = Vec<schemas::Error>),
        (status = 404, description = "No such request", body = Vec<schemas::Error>),
        (status = 500, description = "An unexpected failure; the cause is in the server's log", body = Vec<schemas::Error>),
    )
)]
pub async fn one(
    platform: &Arc<Platform>,
    format: Format,
    headers: &HeaderMap,
    params: &Params,
    id: &str,
) -> Result<Reply, Failure> {
    let (record, last) = reachable(platform, format, headers, params, id, "read_event").await?;
    let request = view(&record, last.as_ref());
    Ok(Reply::ok(
        format,
        "service_requests",
        "request",
        json!([request]),
    ))
}

/// `GET tokens/{token}.{fmt}`: the token is the request's id.
#[utoipa::path(
    get,
    path = "/open311/v2/tokens/{token}.{format}",
    operation_id = "open311_token",
    tag = "Open311",
    summary = "Open311 the request behind a token (令牌查询)",
    description = "A posted request is decided at once, so its token is its id and answers at \
        once. `.xml` answers the same as XML.",
    params(
        ("token" = String, Path, description = "The token `POST requests` answered"),
        schemas::FormatParam,
        schemas::KeyParams,
    ),
    security(("api_key" = []), ("api_key_bearer" = []), ("api_key_basic" = [])),
    responses(
        (status = 200, description = "The token and its request", body = Vec<schemas::RequestToken>),
        (status = 401, description = "No api_key (answered with `WWW-Authenticate: Basic`)", body = Vec<schemas::Error>),
        (status = 403, description = "An api_key that is not a valid token, or a request outside its reach", body = Vec<schemas::Error>),
        (status = 404, description = "No such request", body = Vec<schemas::Error>),
        (status = 500, description = "An unexpected failure; the cause is in the server's log", body = Vec<schemas::Error>),
    )
)]
pub async fn token(
    platform: &Arc<Platform>,
    format: Format,
    headers: &HeaderMap,
    params: &Params,
    token: &str,
) -> Result<Reply, Failure> {
    let (record, _) = reachable(platform, format, headers, params, token, "read_token").await?;
    Ok(Reply::ok(
        format,
        "service_requests",
        "request",
        json!([{ "service_request_id": record.event.id, "token": token }]),
    ))
}

/// A stored case the caller may see, with its latest timeline entry: `404` when unknown,
/// `403` (audited) when outside the caller's reach.
pub(super) async fn reachable(
    platform: &Arc<Platform>,
    format: Format,
    headers: &HeaderMap,
    params: &Params,
    id: &str,
    action: &str,
) -> Result<(EventRecord, Option<TimelineUpdate>), Failure> {
    let caller = key::caller(platform, format, headers, params).await?;
    let db = platform.db();
    let stored = db
        .event(id)
        .await
        .map_err(|e| Failure::internal(format, e))?
        .ok_or_else(|| Failure::not_found(format, format!("no service request {id:?}")))?;
    caller
        .require_case(id, &scope_of(&stored.record), action)
        .await
        .map_err(|e| Failure::from_api(format, e))?;
    let mut latest = db
        .latest_entries(&[id])
        .await
        .map_err(|e| Failure::internal(format, e))?;
    Ok((stored.record, latest.remove(id)))
}

/// A case as GeoReport's service request.
fn view(r: &EventRecord, last: Option<&TimelineUpdate>) -> Value {
    let notes = match last {
        Some(entry) => notes(entry),
        None => crate::console::text::status(r.status).to_string(),
    };
    let media = r.event.attributes.get("media_url");
    json!({
        "service_request_id": r.event.id,
        "status": states::open_or_closed(r.status),
        "status_notes": notes,
        "service_name": r.classification.item_name,
        "service_code": r.classification.item_code,
        "description": r.event.description,
        "agency_responsible": r.dispatch.handling_unit.name,
        "service_notice": null,
        "requested_datetime": rfc3339(r.event.reported_at),
        "updated_datetime": rfc3339(last.map_or(r.event.received_at, |e| e.at)),
        "expected_datetime": rfc3339(r.clock.deadline),
        "address": r.event.location.address,
        "address_id": null,
        "zipcode": null,
        "lat": r.event.location.lat,
        "long": r.event.location.lon,
        "media_url": media,
    })
}

/// A timeline entry in words a citizen reads: the action, and its reason or note.
pub(super) fn notes(entry: &TimelineUpdate) -> String {
    let action = crate::console::text::action_named(&entry.action);
    match entry.note.as_deref().or(entry.reason.as_deref()) {
        Some(text) if !text.trim().is_empty() => format!("{action}：{}", text.trim()),
        _ => action.to_string(),
    }
}
