//! mySociety's `servicerequestupdates`: the timeline of every case within reach as a feed of
//! updates (one per entry, `update_id` = `{event_id}-{seq}`, stable since the timeline is
//! append-only), and the updates citizens post to their own requests.

use std::sync::Arc;

use axum::http::{HeaderMap, StatusCode};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use super::format::{Failure, Format, Reply};
use super::read::{notes, reachable};
use super::{Params, key, schemas, states};
use crate::auth::policy;
use crate::calendar::rfc3339;
use crate::domain::Status;
use crate::platform::Platform;
use crate::storage::open311::CitizenUpdate;

/// The widest window one `GET servicerequestupdates` may ask for, and the default (ending
/// now).
const MAX_RANGE: SignedDuration = SignedDuration::from_hours(90 * 24);
/// Longest update a citizen may post (as long as a request's description).
const MAX_DESCRIPTION_CHARS: usize = 2000;
/// Most updates one answer holds, oldest first: ask again from the last one's time.
const MAX_UPDATES: u32 = 1000;

/// `GET servicerequestupdates.{fmt}?start_date&end_date`.
#[utoipa::path(
    get,
    path = "/open311/v2/servicerequestupdates.{format}",
    operation_id = "open311_list_updates",
    tag = "Open311",
    summary = "Open311 updates of requests since a time (mySociety, 进展更新)",
    description = "Every timeline entry of the cases within the key's reach, oldest first, at \
        most 1000: ask again from the last one's time. Statuses are mySociety's extended states. \
        `.xml` answers the same as XML (`<service_requests_updates><request_update>…`).",
    params(schemas::FormatParam, schemas::KeyParams, schemas::UpdateWindow),
    security(("api_key" = []), ("api_key_bearer" = []), ("api_key_basic" = [])),
    responses(
        (status = 200, description = "The updates", body = Vec<schemas::RequestUpdate>),
        (status = 400, description = "A date that cannot be read, or a window over 90 days", body = Vec<schemas::Error>),
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
    let time = |name: &str| -> Result<Option<Timestamp>, Failure> {
        params
            .get(name)
            .map(|v| {
                v.parse::<Timestamp>().map_err(|_| {
                    Failure::bad_request(format, format!("{name} {v:?} is not a W3C date-time"))
                })
            })
            .transpose()
    };
    let to = time("end_date")?.unwrap_or_else(Timestamp::now);
    let from = time("start_date")?.unwrap_or_else(|| to.saturating_sub(MAX_RANGE).unwrap_or(to));
    if to < from || to.duration_since(from) > MAX_RANGE {
        return Err(Failure::bad_request(
            format,
            "start_date to end_date may span at most 90 days (查询区间最长90天)",
        ));
    }
    let entries = platform
        .db()
        .timeline_updates(&key::reach(caller.principal()), from, to, MAX_UPDATES)
        .await
        .map_err(|e| Failure::internal(format, e))?;
    let updates: Vec<Value> = entries
        .iter()
        .map(|entry| {
            let status = Status::parse(&entry.to_state);
            json!({
                "update_id": format!("{}-{}", entry.event_id, entry.seq),
                "service_request_id": entry.event_id,
                "status": status.map_or("open", states::extended),
                "updated_datetime": rfc3339(entry.at),
                "description": notes(entry),
                "external_status_code": entry.action,
                "media_url": null,
            })
        })
        .collect();
    Ok(Reply::ok(
        format,
        "service_requests_updates",
        "request_update",
        Value::Array(updates),
    ))
}

/// `POST servicerequestupdates.{fmt}`: a citizen's update to their request, from a caller
/// that sees the case and may submit from its source. Kept beside the case (the verified
/// timeline stays the staff's); the same channel `update_id` sent again is stored once.
#[utoipa::path(
    post,
    path = "/open311/v2/servicerequestupdates.{format}",
    operation_id = "open311_post_update",
    tag = "Open311",
    summary = "Open311 post a citizen's update to a request (mySociety, 市民补充)",
    description = "Kept beside the case; the staff's timeline is not changed. The key must see \
        the case and may submit from its source. `api_key` may also be in the query. `.xml` \
        answers the same as XML.",
    params(schemas::FormatParam, schemas::KeyParams),
    request_body(
        content = schemas::UpdateForm,
        content_type = "application/x-www-form-urlencoded",
        description = "The update's fields, form-encoded"
    ),
    security(("api_key" = []), ("api_key_bearer" = []), ("api_key_basic" = [])),
    responses(
        (status = 201, description = "Stored: its id", body = Vec<schemas::PostedUpdate>),
        (status = 400, description = "Not form-encoded, or a missing or unreadable field", body = Vec<schemas::Error>),
        (status = 401, description = "No api_key (answered with `WWW-Authenticate: Basic`)", body = Vec<schemas::Error>),
        (status = 403, description = "An api_key that is not a valid token, or one that may not see the case or submit for it", body = Vec<schemas::Error>),
        (status = 404, description = "No such request", body = Vec<schemas::Error>),
        (status = 500, description = "An unexpected failure; the cause is in the server's log", body = Vec<schemas::Error>),
    )
)]
pub async fn submit(
    platform: &Arc<Platform>,
    format: Format,
    headers: &HeaderMap,
    params: &Params,
) -> Result<Reply, Failure> {
    let bad = |m: String| Failure::bad_request(format, m);
    let caller = key::caller(platform, format, headers, params).await?;
    let id = params
        .get("service_request_id")
        .ok_or_else(|| bad("service_request_id is required".into()))?;
    let description = params
        .get("description")
        .ok_or_else(|| bad("description is required (缺少更新内容)".into()))?;
    if description.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(bad(format!(
            "description is longer than {MAX_DESCRIPTION_CHARS} characters"
        )));
    }
    if description
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(bad("description holds control characters".into()));
    }
    let status = params.get("status").unwrap_or("open").to_ascii_lowercase();
    if status.len() > 40 || !status.chars().all(|c| c.is_ascii_alphabetic() || c == '_') {
        return Err(bad(format!("status {status:?} is not a state name")));
    }
    let updated_at = match params.get("updated_datetime") {
        Some(v) => v
            .parse::<Timestamp>()
            .map_err(|_| bad(format!("updated_datetime {v:?} is not a W3C date-time")))?,
        None => Timestamp::now(),
    };
    let (record, _) = reachable(platform, format, headers, params, id, "post_update").await?;
    if let Err(refusal) = policy::may_submit(caller.principal(), record.event.source) {
        let error = caller
            .refuse(
                refusal,
                Some(&record.event.location.street_code),
                Some(id),
                "post_update",
                id,
            )
            .await;
        return Err(Failure::from_api(format, error));
    }
    let bounded = |name: &str| {
        params
            .get(name)
            .map(|v| v.chars().take(500).collect::<String>())
    };
    let update = CitizenUpdate {
        event_id: record.event.id.clone(),
        submitted_by: caller.who().to_string(),
        channel_update_id: bounded("update_id"),
        status,
        description: description.to_string(),
        media_url: bounded("media_url"),
        updated_at,
        received_at: Timestamp::now(),
    };
    let update_id = platform
        .db()
        .add_citizen_update(&update)
        .await
        .map_err(|e| Failure::internal(format, e))?;
    Ok(Reply {
        status: StatusCode::CREATED,
        ..Reply::ok(
            format,
            "service_request_updates",
            "request_update",
            json!([{ "update_id": update_id }]),
        )
    })
}
