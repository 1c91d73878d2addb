//! Discovery and services: the catalog's items as Open311 services. Open to anyone: the
//! catalog holds no case data.

use axum::http::HeaderMap;
use axum::http::header::HOST;
use serde_json::{Value, json};

use super::format::{Failure, Format, Reply};
use super::schemas;
use crate::domain::Item;
use crate::platform::Platform;
use crate::reference::Reference;

/// When this interface last changed in a way a client should notice (discovery's
/// `changeset`).
const CHANGESET: &str = "2026-12-06T00:00:00+08:00";

/// `GET /open311/discovery.{fmt}` (also under `/open311/v2`).
#[utoipa::path(
    get,
    path = "/open311/v2/discovery.{format}",
    operation_id = "open311_v2_discovery",
    tag = "Open311",
    summary = "Open311 discovery, under /open311/v2 (服务发现)",
    description = "The same as `/open311/discovery.{format}`.",
    params(schemas::FormatParam, schemas::Jurisdiction),
    responses((status = 200, description = "The discovery document", body = schemas::Discovery))
)]
pub fn discovery(format: Format, headers: &HeaderMap) -> Reply {
    let host = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .filter(|p| *p == "https")
        .unwrap_or("http");
    Reply::ok(
        format,
        "discovery",
        "",
        json!({
            "changeset": CHANGESET,
            "contact": "龙岗区一网统管（Streetwise）：渠道接入请联系区信息化管理员",
            "key_service": "api_key 由区信息化管理员签发的渠道令牌（streetwise token create --scope channel）",
            "endpoints": [{
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": format!("{scheme}://{host}/open311/v2"),
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }],
        }),
    )
}

/// `GET services.{fmt}`: every catalog item.
#[utoipa::path(
    get,
    path = "/open311/v2/services.{format}",
    operation_id = "open311_services",
    tag = "Open311",
    summary = "Open311 services: the catalog's items (服务列表)",
    description = "Every item of the event catalog in use, grouped by category. Open to anyone: \
        the catalog holds no case data. `.xml` answers the same as XML \
        (`<services><service>…`).",
    params(schemas::FormatParam, schemas::Jurisdiction),
    responses((status = 200, description = "The services", body = Vec<schemas::Service>))
)]
pub fn list(platform: &Platform, format: Format) -> Reply {
    let reference = platform.reference();
    let services: Vec<Value> = reference
        .catalog
        .items
        .iter()
        .map(|item| service(platform, &reference, item))
        .collect();
    Reply::ok(format, "services", "service", Value::Array(services))
}

fn service(platform: &Platform, reference: &Reference, item: &Item) -> Value {
    let category = reference.category_of(item);
    let mut keywords = item.keywords.clone();
    // mySociety's convention: FixMyStreet marks a service whose keywords hold `private` as
    // non-public, and keeps its reports off the public site.
    if platform.open311().is_private(&item.code) {
        keywords.push("private".into());
    }
    json!({
        "service_code": item.code,
        "service_name": item.name,
        "description": format!(
            "{}：{}，办理时限{}",
            category.map_or("", |c| c.name.as_str()),
            item.name,
            item.time_limit
        ),
        "metadata": !attributes(item).is_empty(),
        "type": "realtime",
        "keywords": keywords.join(","),
        "group": category.map(|c| c.name.clone()),
    })
}

/// The attributes of an item's service definition, from its handling requirements: shown to
/// the citizen (`variable: false`), not asked of them.
fn attributes(item: &Item) -> Vec<Value> {
    let requirements = item.requirements.trim();
    if requirements.is_empty() {
        return Vec::new();
    }
    vec![
        json!({
            "variable": false,
            "code": "handling_requirements",
            "datatype": "text",
            "required": false,
            "datatype_description": null,
            "order": 1,
            "description": format!("处置要求：{requirements}"),
            "values": [],
        }),
        json!({
            "variable": false,
            "code": "time_limit",
            "datatype": "text",
            "required": false,
            "datatype_description": null,
            "order": 2,
            "description": format!("办理时限：{}", item.time_limit),
            "values": [],
        }),
    ]
}

/// `GET services/{code}.{fmt}`: `404` for an unknown item, or one without attributes.
#[utoipa::path(
    get,
    path = "/open311/v2/services/{service_code}.{format}",
    operation_id = "open311_service_definition",
    tag = "Open311",
    summary = "Open311 service definition: an item's attributes (服务定义)",
    description = "The item's handling requirements and time limit as attributes shown to the \
        citizen. Only a service whose `metadata` is true has one. `.xml` answers the same as \
        XML (`<service_definition>`).",
    params(
        ("service_code" = String, Path, description = "A service's code", example = "01-001"),
        schemas::FormatParam,
        schemas::Jurisdiction,
    ),
    responses(
        (status = 200, description = "The definition", body = schemas::ServiceDefinition),
        (status = 404, description = "No such service, or one without attributes", body = Vec<schemas::Error>),
    )
)]
pub fn definition(platform: &Platform, format: Format, code: &str) -> Result<Reply, Failure> {
    let reference = platform.reference();
    let item = reference
        .item(code)
        .ok_or_else(|| Failure::not_found(format, format!("no service {code:?}")))?;
    let attributes = attributes(item);
    if attributes.is_empty() {
        return Err(Failure::not_found(
            format,
            format!("service {code:?} has no attributes (metadata is false)"),
        ));
    }
    Ok(Reply::ok(
        format,
        "service_definition",
        "",
        json!({ "service_code": item.code, "attributes": attributes }),
    ))
}
