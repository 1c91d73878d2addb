//! The reference data a channel needs to send valid events, so that an integrator never reads
//! `seed/`: `GET /api/v1/reference/streets` (with their communities), `/catalog` (categories
//! and items with their time limits and handling requirements), `/units` and
//! `/calendar?year=` (the working calendar). Any caller with a token or a session reads them;
//! they hold no personal data. Always the running host's current reference data.

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::auth::Caller;
use super::error::{ApiError, ErrorBody};
use crate::calendar::CalendarYear;
use crate::domain::{Catalog, Street, Unit};
use crate::platform::Platform;

pub fn router() -> Router<Arc<Platform>> {
    Router::new()
        .route("/api/v1/reference/streets", get(streets))
        .route("/api/v1/reference/catalog", get(catalog))
        .route("/api/v1/reference/units", get(units))
        .route("/api/v1/reference/calendar", get(calendar))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Streets {
    /// The district's name.
    district: String,
    streets: Vec<Street>,
}

/// `GET /api/v1/reference/streets`: the district's streets with their codes, slugs, names,
/// centres and communities; any of code, slug or name locates an event.
#[utoipa::path(
    get,
    path = "/api/v1/reference/streets",
    tag = "reference",
    summary = "The district's streets and communities (街道与社区)",
    description = "Codes, slugs, names, centres and communities; any of code, slug or name \
        locates an event.",
    responses((status = 200, description = "The streets", body = Streets))
)]
async fn streets(_caller: Caller, State(platform): State<Arc<Platform>>) -> Json<Streets> {
    let reference = platform.reference();
    Json(Streets {
        district: reference.district.name.clone(),
        streets: reference.district.streets.clone(),
    })
}

/// `GET /api/v1/reference/catalog`: the event catalog in use, with its version.
#[utoipa::path(
    get,
    path = "/api/v1/reference/catalog",
    tag = "reference",
    summary = "The event catalog in use (事项目录)",
    description = "Categories and items with their time limits and handling requirements.",
    responses((status = 200, description = "The catalog", body = Catalog))
)]
async fn catalog(_caller: Caller, State(platform): State<Arc<Platform>>) -> Json<Catalog> {
    Json(platform.reference().catalog.clone())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Units {
    units: Vec<Unit>,
}

/// `GET /api/v1/reference/units`: every unit, district and street, by code.
#[utoipa::path(
    get,
    path = "/api/v1/reference/units",
    tag = "reference",
    summary = "Every unit, district and street (处置单位)",
    responses((status = 200, description = "The units", body = Units))
)]
async fn units(_caller: Caller, State(platform): State<Arc<Platform>>) -> Json<Units> {
    Json(Units {
        units: platform.reference().units().cloned().collect(),
    })
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct CalendarQuery {
    /// One year, e.g. 2026; every year known when absent.
    year: Option<i16>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Calendar {
    /// Deadlines are counted in China time on these working hours and days.
    time_zone: &'static str,
    years: Vec<CalendarYear>,
}

/// `GET /api/v1/reference/calendar?year=2026`: the working calendar (working hours, public
/// holidays, make-up working days) of a year, or of every year known.
#[utoipa::path(
    get,
    path = "/api/v1/reference/calendar",
    tag = "reference",
    summary = "The working calendar (工作日历)",
    description = "Working hours, public holidays and make-up working days of a year, or of \
        every year known.",
    params(CalendarQuery),
    responses(
        (status = 200, description = "The calendar", body = Calendar),
        (status = 404, description = "No calendar for that year", body = ErrorBody),
        (status = 422, description = "An unknown or unreadable parameter", body = ErrorBody),
    )
)]
async fn calendar(
    _caller: Caller,
    State(platform): State<Arc<Platform>>,
    query: Result<Query<CalendarQuery>, QueryRejection>,
) -> Result<Json<Calendar>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::Unprocessable {
        code: "invalid_query",
        message: format!("{e}: the only parameter is year, e.g. year=2026"),
    })?;
    let reference = platform.reference();
    let years: Vec<CalendarYear> = reference
        .calendar
        .years()
        .filter(|y| query.year.is_none_or(|wanted| y.year == wanted))
        .cloned()
        .collect();
    if let Some(year) = query.year
        && years.is_empty()
    {
        return Err(ApiError::NotFound(format!(
            "no working calendar for {year} (未配置该年度工作日历)"
        )));
    }
    Ok(Json(Calendar {
        time_zone: "Asia/Shanghai",
        years,
    }))
}
