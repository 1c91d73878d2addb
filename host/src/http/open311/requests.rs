//! Posting a service request: through the same intake as `POST /api/v1/events`. Our intake
//! decides synchronously, so the answer holds the request's id, and its token is that id.

use std::sync::Arc;

use axum::http::{HeaderMap, StatusCode};
use serde_json::json;

use super::format::{Failure, Format, Reply};
use super::{Params, key, schemas};
use crate::calendar::rfc3339;
use crate::geo::{self, CoordinateSystem};
use crate::intake::{LocationRequest, NewEventRequest, ReporterRequest};
use crate::platform::{Platform, SubmitError, Submitted};

/// `POST requests.{fmt}`.
#[utoipa::path(
    post,
    path = "/open311/v2/requests.{format}",
    operation_id = "open311_post_request",
    tag = "Open311",
    summary = "Open311 post a service request (提交诉求)",
    description = "Goes through the same intake as `POST /api/v1/events` (classification, \
        plugins, routing), from the `web` source when the key may submit from it, else from its \
        channel's own. `api_key` may also be in the query. `.xml` answers the same as XML.",
    params(schemas::FormatParam, schemas::KeyParams),
    request_body(
        content = schemas::RequestForm,
        content_type = "application/x-www-form-urlencoded",
        description = "The request's fields, form-encoded; `attribute[<code>]` fields are kept too"
    ),
    security(("api_key" = []), ("api_key_bearer" = []), ("api_key_basic" = [])),
    responses(
        (status = 201, description = "Accepted and decided: its id and token", body = Vec<schemas::PostedRequest>),
        (status = 400, description = "Not form-encoded, no or an unknown `service_code`, no location, or content intake refuses", body = Vec<schemas::Error>),
        (status = 401, description = "No api_key (answered with `WWW-Authenticate: Basic`)", body = Vec<schemas::Error>),
        (status = 403, description = "An api_key that is not a valid token, or one that may not submit", body = Vec<schemas::Error>),
        (status = 500, description = "An unexpected failure; the cause is in the server's log", body = Vec<schemas::Error>),
        (status = 503, description = "The host is overloaded: try again shortly", body = Vec<schemas::Error>),
    )
)]
pub async fn submit(
    platform: &Arc<Platform>,
    format: Format,
    headers: &HeaderMap,
    params: &Params,
) -> Result<Reply, Failure> {
    let caller = key::caller(platform, format, headers, params).await?;
    let source = match key::submit_source(caller.principal()) {
        Ok(source) => source,
        Err(refusal) => {
            let error = caller
                .refuse(refusal, None, None, "submit_event", "open311")
                .await;
            return Err(Failure::from_api(format, error));
        }
    };
    let bad = |m: String| Failure::bad_request(format, m);
    let code = params
        .get("service_code")
        .ok_or_else(|| bad("service_code is required (缺少 service_code)".into()))?;
    let reference = platform.reference();
    let item = reference
        .item(code)
        .ok_or_else(|| bad(format!("unknown service_code {code:?}: see services")))?;
    let system = match params.get("coordinate_system") {
        None => CoordinateSystem::Wgs84,
        Some(s) => CoordinateSystem::parse(s)
            .ok_or_else(|| bad(format!("coordinate_system {s:?}: use wgs84, gcj02 or bd09")))?,
    };
    let number = |name: &str| -> Result<Option<f64>, Failure> {
        params
            .get(name)
            .map(|v| {
                v.parse::<f64>()
                    .map_err(|_| bad(format!("{name} {v:?} is not a number")))
            })
            .transpose()
    };
    let mut attributes = serde_json::Map::new();
    attributes.insert("open311_service_code".into(), json!(item.code));
    let (lat, lon) = match (number("lat")?, number("long")?) {
        (Some(lat), Some(lon)) => {
            let (wgs_lat, wgs_lon) =
                geo::to_wgs84(system, lat, lon).map_err(|e| bad(e.to_string()))?;
            if system != CoordinateSystem::Wgs84 {
                attributes.insert(
                    "open311_coordinates".into(),
                    json!(format!("{} {lat},{lon}", system.as_str())),
                );
            }
            (Some(wgs_lat), Some(wgs_lon))
        }
        (None, None) => (None, None),
        _ => return Err(bad("give both lat and long, or neither".into())),
    };
    let address = params.get("address_string").map(String::from);
    if lat.is_none() && address.is_none() {
        return Err(bad(
            "a location is required: lat and long, or address_string (缺少位置)".into(),
        ));
    }
    // Without coordinates, the street a Chinese address names ("…布吉街道…") locates it.
    let street = match (lat, &address) {
        (None, Some(address)) => reference
            .district
            .streets
            .iter()
            .find(|s| address.contains(s.name.as_str()))
            .map(|s| s.code.clone()),
        _ => None,
    };
    for (name, value) in params.pairs() {
        if let Some(code) = name
            .strip_prefix("attribute[")
            .and_then(|r| r.strip_suffix(']'))
        {
            attributes.insert(format!("open311.{code}"), json!(value));
        }
    }
    if let Some(media) = params.get("media_url") {
        attributes.insert("media_url".into(), json!(media));
    }
    // Chinese names are family name first: 张 (last_name) + 三 (first_name).
    let name: String = [params.get("last_name"), params.get("first_name")]
        .into_iter()
        .flatten()
        .collect();
    let request = NewEventRequest {
        source: source.as_str().into(),
        description: params.get("description").map(String::from),
        location: Some(LocationRequest {
            lat,
            lon,
            address,
            street,
            ..LocationRequest::default()
        }),
        reporter: Some(ReporterRequest {
            name: Some(name).filter(|n| !n.is_empty()),
            phone: params.get("phone").map(String::from),
        }),
        attributes: Some(attributes),
        ..NewEventRequest::default()
    };
    let record = match platform.submit(request).await {
        Ok(Submitted::Created(record) | Submitted::Existing(record)) => record,
        Err(SubmitError::Invalid(invalid)) => return Err(bad(invalid.message)),
        Err(SubmitError::Refused(_)) => {
            return Err(bad(
                "the database refused this request's content (数据库拒绝了该请求)".into(),
            ));
        }
        Err(SubmitError::Storage(cause)) => {
            return Err(Failure::internal(format, format!("{cause:#}")));
        }
        Err(SubmitError::Busy) => {
            let busy = crate::http::ApiError::Overloaded(SubmitError::Busy.to_string());
            return Err(Failure::from_api(format, busy));
        }
    };
    let notice = match record.status {
        // Waiting in 待分拨: no unit and no deadline yet.
        crate::domain::Status::Accepted => "已受理，等待指挥中心分拨".to_string(),
        _ => format!(
            "已受理，由{}办理，办理期限至{}",
            record.dispatch.handling_unit.name,
            rfc3339(record.dispatch.deadline)
        ),
    };
    Ok(Reply {
        status: StatusCode::CREATED,
        ..Reply::ok(
            format,
            "service_requests",
            "request",
            json!([{
                "service_request_id": record.event.id,
                "token": record.event.id,
                "service_notice": notice,
                "account_id": null,
            }]),
        )
    })
}
