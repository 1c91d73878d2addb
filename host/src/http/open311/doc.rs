//! Open311's part of the OpenAPI document: each resource as its own path (the router reaches
//! them through one `{file}` route per directory, but a client asks for
//! `services.json` or `requests/{id}.xml`), described on the function that answers it. Kept
//! apart from the `/api/v1` description and merged into it by `openapi::document()`, so that
//! the `/api/v1` callers (bearer token or session) are not added to these operations: Open311
//! has its own key.

use utoipa::openapi::security::SecurityScheme;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder};
use utoipa::{Modify, OpenApi};

use super::{read, requests, services, updates};

#[derive(OpenApi)]
#[openapi(
    paths(
        super::discovery,
        services::discovery,
        services::list,
        services::definition,
        read::list,
        requests::submit,
        read::one,
        read::token,
        updates::list,
        updates::submit,
    ),
    modifiers(&Keys),
    tags((
        name = "Open311",
        description = "Open311 GeoReport v2 at `/open311/v2`, with mySociety's extensions \
            that FixMyStreet uses (市民服务标准接口). Each resource answers JSON (`.json`, \
            described here) or the same as XML (`.xml`, GeoReport v2's element names); \
            errors are the standard's list `[{\"code\", \"description\"}]` \
            (`<errors><error>…` in XML) with the same status."
    ))
)]
pub struct Open311Doc;

/// The names of the security schemes: one key, three ways to send it.
pub(super) const API_KEY: &str = "api_key";
pub(super) const API_KEY_BEARER: &str = "api_key_bearer";
pub(super) const API_KEY_BASIC: &str = "api_key_basic";

/// How a caller presents its `api_key` ([`super::key`]): in the query (or, posting, as a form
/// field, which OpenAPI cannot name as a scheme), as a bearer token, or as HTTP Basic's
/// password (its user when the password is empty).
struct Keys;

impl Modify for Keys {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            API_KEY,
            SecurityScheme::ApiKey(ApiKey::Query(ApiKeyValue::with_description(
                "api_key",
                "Any token of the host allowed for the call: a channel token \
                 (`streetwise token create --scope channel`) or the admin token. In the query \
                 string, or as the form field `api_key` when posting",
            ))),
        );
        components.add_security_scheme(
            API_KEY_BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("The same key as `Authorization: Bearer <api_key>`"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            API_KEY_BASIC,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Basic)
                    .description(Some(
                        "The same key as HTTP Basic's password (or its user, when the password \
                         is empty), for clients that keep it in the URL",
                    ))
                    .build(),
            ),
        );
    }
}
