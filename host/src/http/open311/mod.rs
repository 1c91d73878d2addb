//! Open311 GeoReport v2 at `/open311/v2`, JSON or XML by the path's suffix, with mySociety's
//! extensions that FixMyStreet uses (`servicerequestupdates`, extended states, `private`
//! services). Services are the catalog's items; a posted request goes through the same intake
//! as `POST /api/v1/events`. This module only translates: it owns no rule about cases.
//!
//! - Open (no case data): `/open311/discovery`, `services`, `services/{code}`.
//! - `api_key` needed (everything with case data): `requests`, `requests/{id}`,
//!   `tokens/{token}`, `servicerequestupdates`. The key is any token of the host: in the
//!   form (POST) or the query (`api_key`, as FixMyStreet sends it), or as
//!   `Authorization: Bearer`, or as the password (or user) of HTTP Basic for clients that
//!   carry it in the URL. Missing: `401`; not a valid token, or not allowed: `403`.
//!   Reads are narrowed to the caller's reach exactly like `GET /api/v1/events`.

mod doc;
mod format;
mod key;
mod read;
mod requests;
mod schemas;
mod services;
mod states;
mod updates;

use std::sync::Arc;

use axum::Router;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Form, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::platform::Platform;
use format::{Failure, Format};

pub use doc::Open311Doc;

pub fn router() -> Router<Arc<Platform>> {
    Router::new()
        .route("/open311/{file}", get(discovery))
        .route("/open311/v2/{file}", get(read).post(write))
        .route("/open311/v2/services/{file}", get(definition))
        .route("/open311/v2/requests/{file}", get(one_request))
        .route("/open311/v2/tokens/{file}", get(token))
}

/// A request's parameters (query or form), in order; a name may repeat.
pub(crate) struct Params(Vec<(String, String)>);

impl Params {
    /// The first non-empty value of `name`, trimmed.
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .find(|v| !v.is_empty())
    }

    /// A comma-separated list over every occurrence of `name`.
    fn list(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .flat_map(|(_, v)| v.split(','))
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect()
    }

    fn pairs(&self) -> &[(String, String)] {
        &self.0
    }
}

fn file_format(file: &str) -> Result<(&str, Format), Failure> {
    Format::split(file).ok_or_else(|| {
        Failure::not_found(
            Format::Json,
            format!("{file:?}: ask for a resource as .json or .xml"),
        )
    })
}

fn query(
    format: Format,
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Params, Failure> {
    q.map(|Query(pairs)| Params(pairs))
        .map_err(|e| Failure::bad_request(format, e.body_text()))
}

fn answer(result: Result<format::Reply, Failure>) -> Response {
    match result {
        Ok(reply) => reply.into_response(),
        Err(failure) => failure.into_response(),
    }
}

/// `GET /open311/discovery.{fmt}`.
#[utoipa::path(
    get,
    path = "/open311/discovery.{format}",
    operation_id = "open311_discovery",
    tag = "Open311",
    summary = "Open311 discovery: where GeoReport v2 is served (服务发现)",
    description = "The GeoReport v2 endpoint of this host, its formats and where to ask for a \
        key. `.xml` answers the same as XML (`<discovery>`). Also at \
        `/open311/v2/discovery.{format}`.",
    params(schemas::FormatParam),
    responses((status = 200, description = "The discovery document", body = schemas::Discovery))
)]
async fn discovery(headers: HeaderMap, Path(file): Path<String>) -> Response {
    answer(file_format(&file).and_then(|(stem, format)| match stem {
        "discovery" => Ok(services::discovery(format, &headers)),
        _ => Err(Failure::not_found(format, format!("no resource {stem:?}"))),
    }))
}

/// `GET /open311/v2/{services,requests,servicerequestupdates,discovery}.{fmt}`.
async fn read(
    State(platform): State<Arc<Platform>>,
    headers: HeaderMap,
    Path(file): Path<String>,
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    let result = async {
        let (stem, format) = file_format(&file)?;
        let params = query(format, q)?;
        match stem {
            "discovery" => Ok(services::discovery(format, &headers)),
            "services" => Ok(services::list(&platform, format)),
            "requests" => read::list(&platform, format, &headers, &params).await,
            "servicerequestupdates" => updates::list(&platform, format, &headers, &params).await,
            _ => Err(Failure::not_found(format, format!("no resource {stem:?}"))),
        }
    };
    answer(result.await)
}

/// `POST /open311/v2/{requests,servicerequestupdates}.{fmt}`, form-encoded.
async fn write(
    State(platform): State<Arc<Platform>>,
    headers: HeaderMap,
    Path(file): Path<String>,
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let result = async {
        let (stem, format) = file_format(&file)?;
        let Form(mut pairs) = form.map_err(|e| {
            Failure::bad_request(
                format,
                format!(
                    "send the fields form-encoded (application/x-www-form-urlencoded): {}",
                    e.body_text()
                ),
            )
        })?;
        // An api_key in the query string counts too (after the form's own fields).
        pairs.extend(query(format, q)?.0);
        let params = Params(pairs);
        match stem {
            "requests" => requests::submit(&platform, format, &headers, &params).await,
            "servicerequestupdates" => updates::submit(&platform, format, &headers, &params).await,
            _ => Err(Failure::not_found(
                format,
                format!("no resource {stem:?} to post to"),
            )),
        }
    };
    answer(result.await)
}

async fn definition(State(platform): State<Arc<Platform>>, Path(file): Path<String>) -> Response {
    answer(
        file_format(&file).and_then(|(code, format)| services::definition(&platform, format, code)),
    )
}

async fn one_request(
    State(platform): State<Arc<Platform>>,
    headers: HeaderMap,
    Path(file): Path<String>,
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    let result = async {
        let (id, format) = file_format(&file)?;
        let params = query(format, q)?;
        read::one(&platform, format, &headers, &params, id).await
    };
    answer(result.await)
}

async fn token(
    State(platform): State<Arc<Platform>>,
    headers: HeaderMap,
    Path(file): Path<String>,
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    let result = async {
        let (token, format) = file_format(&file)?;
        let params = query(format, q)?;
        read::token(&platform, format, &headers, &params, token).await
    };
    answer(result.await)
}
