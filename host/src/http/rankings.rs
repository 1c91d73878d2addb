//! `GET /api/v1/rankings?level=street|unit&from=..&to=..`: streets or units ranked by the
//! combined score over a period, with every indicator and the counts behind it (definitions in
//! `crate::indicators`).

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::auth::Caller;
use super::error::{ApiError, ErrorBody};
use crate::domain::{Counts, Level, Period};
use crate::indicators::{Ranked, rank};
use crate::platform::Platform;

pub fn router() -> Router<Arc<Platform>> {
    Router::new().route("/api/v1/rankings", get(rankings))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct RankingQuery {
    /// `street` or `unit`.
    #[param(required = true, example = "street")]
    level: Option<String>,
    /// RFC 3339: the period's start (included).
    #[param(required = true, format = DateTime, example = "2026-01-01T00:00:00+08:00")]
    from: Option<String>,
    /// RFC 3339: the period's end (excluded).
    #[param(required = true, format = DateTime, example = "2026-02-01T00:00:00+08:00")]
    to: Option<String>,
}

/// The weights the scores were computed with.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct WeightsView {
    handling: f64,
    on_time_handling: f64,
    rework: f64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Rankings {
    level: Level,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "crate::calendar::cst")]
    from: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "crate::calendar::cst")]
    to: Timestamp,
    weights: WeightsView,
    rows: Vec<Ranked>,
}

fn unprocessable(code: &'static str, message: String) -> ApiError {
    ApiError::Unprocessable { code, message }
}

fn time(name: &str, value: Option<String>) -> Result<Timestamp, ApiError> {
    let value = value.ok_or_else(|| {
        unprocessable(
            "invalid_period",
            format!("{name} is required (RFC 3339, such as 2026-01-01T00:00:00+08:00)"),
        )
    })?;
    // A `+` of an offset left unencoded in a query string arrives as a space.
    value.replace(' ', "+").parse().map_err(|_| {
        unprocessable(
            "invalid_period",
            format!("{name} {value:?} is not an RFC 3339 time such as 2026-01-01T00:00:00+08:00"),
        )
    })
}

/// Answers `422` for an unknown level or a missing, unreadable or empty period.
#[utoipa::path(
    get,
    path = "/api/v1/rankings",
    tag = "rankings",
    summary = "Streets or units ranked over a period (效能排名)",
    description = "By the combined score, with every indicator and the counts behind it.",
    params(RankingQuery),
    responses(
        (status = 200, description = "The ranking", body = Rankings),
        (status = 400, description = "An unknown or unreadable parameter", body = ErrorBody),
        (status = 403, description = "The caller may not read the rankings", body = ErrorBody),
        (status = 422, description = "An unknown level, or a missing, unreadable or empty period", body = ErrorBody),
    )
)]
async fn rankings(
    caller: Caller,
    State(platform): State<Arc<Platform>>,
    query: Result<Query<RankingQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Rankings>, ApiError> {
    caller.require_rankings().await?;
    let Query(query) = query?;
    let level = query.level.unwrap_or_default();
    let level = Level::parse(&level).ok_or_else(|| {
        unprocessable(
            "invalid_level",
            format!("level {level:?} is not one of street, unit"),
        )
    })?;
    let from = time("from", query.from)?;
    let to = time("to", query.to)?;
    if from >= to {
        return Err(unprocessable(
            "invalid_period",
            "from must be before to".into(),
        ));
    }
    let period = Period {
        from: from.as_millisecond(),
        to: to.as_millisecond(),
    };
    let rows = ranked(&platform, level, period).await?;
    let weights = platform.weights();
    Ok(Json(Rankings {
        level,
        from,
        to,
        weights: WeightsView {
            handling: weights.handling,
            on_time_handling: weights.on_time_handling,
            rework: weights.rework,
        },
        rows,
    }))
}

/// Every street (with or without cases) or every unit with cases, ranked over `period`: the
/// API above and the console's 效能排名 page share it.
pub(crate) async fn ranked(
    platform: &Platform,
    level: Level,
    period: Period,
) -> Result<Vec<Ranked>, ApiError> {
    let mut counts = platform.db().indicator_counts(level, period).await?;
    let reference = platform.reference();
    let rows: Vec<(String, String, Counts)> = match level {
        // Every street is ranked, with or without cases.
        Level::Street => {
            let mut rows: Vec<(String, String, Counts)> = reference
                .district
                .streets
                .iter()
                .map(|s| {
                    let c = counts.remove(&s.code).unwrap_or_default();
                    (s.code.clone(), s.name.clone(), c)
                })
                .collect();
            // A street no longer in the reference data keeps its cases, under its code.
            rows.extend(counts.into_iter().map(|(code, c)| (code.clone(), code, c)));
            rows
        }
        Level::Unit => counts
            .into_iter()
            .map(|(code, c)| {
                let name = reference
                    .unit(&code)
                    .map_or_else(|| code.clone(), |u| u.name.clone());
                (code, name, c)
            })
            .collect(),
    };
    Ok(rank(rows, &platform.weights()))
}
