//! The OpenAPI document: every `/api/v1` operation, listed once here from the handlers'
//! `#[utoipa::path]` annotations, with the schemas their types derive. Served as
//! `GET /openapi.json`, and read by `GET /docs` ([`super::page`]).
//!
//! Both are open to anyone, like `/healthz`: the document holds no data, is the same for every
//! caller, and an integrator reads it before holding a token (`auth::policy`'s table says so).

use std::sync::{Arc, LazyLock};

use axum::Router;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder};
use utoipa::openapi::security::{SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use super::super::error::ErrorBody;
use super::super::open311::Open311Doc;
use super::super::receipt::Receipt;
use super::super::{
    accounts, audit, cases, events, export, metrics, plugins, rankings, reference, reporter,
    session, surges, versions, webhooks,
};
use crate::platform::Platform;

/// The `/api/v1` operations. Title and description are set here; the version is the crate's.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Streetwise API",
        description = "City-operations events of Longgang District: intake from channels, \
            routing, the case lifecycle, plugins, reference data, webhooks. \
            龙岗区城市运行事件平台接口：渠道受理、分拨、办理流程、街道插件、基础数据、状态回调。\n\n\
            Every `/api/v1` operation needs a caller: a bearer token \
            (`Authorization: Bearer sw_…`) or a browser session (cookie `sw_session`; state-changing requests also send the session's \
            CSRF token in `x-csrf-token`). Errors answer `{\"error\": {\"code\", \"message\"}}`.\n\n\
            Open311 GeoReport v2 (tag Open311, `/open311/...`) follows its standard instead: \
            its own `api_key`, JSON or XML by the path's suffix, and errors as \
            `[{\"code\", \"description\"}]`."
    ),
    paths(
        events::submit,
        events::list,
        events::show,
        export::export,
        cases::act,
        cases::timeline,
        reporter::reveal,
        reference::streets,
        reference::catalog,
        reference::units,
        reference::calendar,
        plugins::deploy,
        plugins::list,
        plugins::configure,
        metrics::street_health,
        versions::list,
        versions::activate,
        versions::rollback,
        versions::discard,
        versions::report,
        versions::replay,
        session::sign_in,
        session::me,
        session::sign_out,
        session::change_password,
        accounts::list,
        accounts::create,
        accounts::reset,
        accounts::disable,
        accounts::enable,
        accounts::list_tokens,
        accounts::create_token,
        accounts::revoke_token,
        audit::list,
        rankings::rankings,
        surges::list,
        surges::acknowledge,
        surges::close,
        webhooks::register,
        webhooks::list,
        webhooks::one,
        webhooks::edit,
        webhooks::rotate,
        webhooks::remove,
        webhooks::deliveries,
        webhooks::retry,
    ),
    components(schemas(ErrorBody, Receipt)),
    modifiers(&Callers),
    tags(
        (name = "events", description = "Intake from channels, listings and the CSV export (事件受理与查询)"),
        (name = "cases", description = "The case lifecycle: actions, timeline, the reporter (案件办理)"),
        (name = "reference", description = "Streets, catalog, units and calendar a channel needs (基础数据)"),
        (name = "plugins", description = "A street's plugins: deploy, configure, health (街道插件)"),
        (name = "versions", description = "Plugin versions: shadow runs, replays, activation, rollback (插件版本)"),
        (name = "session", description = "Signing in and out with a password (登录会话)"),
        (name = "accounts", description = "Staff accounts, for district IT (账号管理)"),
        (name = "tokens", description = "Access tokens, for district IT (访问令牌)"),
        (name = "audit", description = "The audit log (审计日志)"),
        (name = "rankings", description = "Efficiency rankings of streets and units (效能排名)"),
        (name = "surges", description = "Surge warnings (预警监测)"),
        (name = "webhooks", description = "Channels' webhooks and the deliveries of their notices (状态回调)"),
    )
)]
pub struct ApiDoc;

/// The whole document. Another API that describes itself with its own `#[derive(OpenApi)]`
/// (Open311, `http/open311/`) is merged here, so that `/openapi.json` and `/docs` show it too.
pub fn document() -> utoipa::openapi::OpenApi {
    // Merged after `ApiDoc`'s modifiers ran, so `Callers` never touches Open311's operations:
    // they take an `api_key`, not a session.
    ApiDoc::openapi().merge_from(Open311Doc::openapi())
}

static DOCUMENT: LazyLock<serde_json::Value> =
    LazyLock::new(|| serde_json::to_value(document()).expect("the OpenAPI document serializes"));

/// The document as JSON, built once.
pub(super) fn document_json() -> &'static serde_json::Value {
    &DOCUMENT
}

/// `GET /openapi.json` and `GET /docs`, open to anyone.
pub fn router() -> Router<Arc<Platform>> {
    Router::new()
        .route("/openapi.json", get(openapi_json))
        .route("/docs", get(super::page::docs))
}

async fn openapi_json() -> impl IntoResponse {
    static BODY: LazyLock<String> = LazyLock::new(|| {
        serde_json::to_string_pretty(document_json()).expect("the OpenAPI document serializes")
    });
    ([(CONTENT_TYPE, "application/json")], BODY.as_str())
}

/// The names of the security schemes.
const BEARER: &str = "bearer";
const SESSION: &str = "session";
const CSRF: &str = "csrf";

/// Who may call: the rule of the `Caller` extractor (`http::auth`), written once for every
/// operation instead of on each. An operation that takes no caller (signing in) says
/// `security(())` on its handler and is left alone.
struct Callers;

impl Modify for Callers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An access token, `sw_<id>_<secret>` (`streetwise token create`, or \
                         `POST /api/v1/tokens`), or the host's admin token",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            SESSION,
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "sw_session",
                "The browser session's cookie, set by `POST /api/v1/session`",
            ))),
        );
        components.add_security_scheme(
            CSRF,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                super::super::auth::CSRF_HEADER,
                "The session's CSRF token (`csrf` of `POST /api/v1/session`): a session's \
                 state-changing requests send it; tokens need none",
            ))),
        );
        for item in openapi.paths.paths.values_mut() {
            let reads = [&mut item.get, &mut item.head, &mut item.options];
            for operation in reads.into_iter().flatten() {
                with_caller(operation, false);
            }
            let writes = [
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ];
            for operation in writes.into_iter().flatten() {
                with_caller(operation, true);
            }
        }
    }
}

/// Adds the callers an operation accepts and the answers every operation may give.
fn with_caller(operation: &mut Operation, changes_state: bool) {
    let responses = &mut operation.responses.responses;
    if operation.security.is_none() {
        let session = if changes_state {
            SecurityRequirement::new(SESSION, [""; 0]).add(CSRF, [""; 0])
        } else {
            SecurityRequirement::new(SESSION, [""; 0])
        };
        operation.security = Some(vec![SecurityRequirement::new(BEARER, [""; 0]), session]);
        responses.entry("401".into()).or_insert_with(|| {
            error("No credentials, a bad or revoked token, or an ended session (请先登录)")
        });
        // A session may do nothing but change its one-time password; with a session, a
        // state-changing request without its CSRF token is refused.
        responses.entry("403".into()).or_insert_with(|| {
            error(if changes_state {
                "A session's request without its CSRF token, or before its one-time password was changed"
            } else {
                "A session whose one-time password must be changed first"
            })
        });
    }
    responses.entry("500".into()).or_insert_with(|| {
        error("An unexpected failure; the body is opaque and the cause is in the server's log")
    });
}

fn error(description: &str) -> utoipa::openapi::RefOr<utoipa::openapi::Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .build()
        .into()
}
