//! `GET /api/v1/events.csv`: the cases of a period and scope as CSV, for a spreadsheet. The
//! same filters and access rules as `GET /api/v1/events` (street, unit, item, status, from,
//! to, ...), without paging: the rows stream out page by page, newest first, so an export of a
//! year holds one page in memory. UTF-8 with a byte-order mark, so that Excel and WPS show the
//! Chinese. No reporter data.

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures::StreamExt;

use super::auth::Caller;
use super::error::{ApiError, ErrorBody};
use super::events::{ListQuery, listing_filter};
use crate::platform::Platform;
use crate::reference::Reference;
use crate::storage::EventSummary;

/// Rows read from the database at a time.
const PAGE: u32 = 500;

const HEADER: [&str; 16] = [
    "编号",
    "来源",
    "受理时间",
    "街道",
    "社区",
    "事项编码",
    "事项",
    "状态",
    "处置单位编码",
    "处置单位",
    "承办人",
    "办理时限",
    "预警",
    "督办级别",
    "报告数",
    "诉求内容",
];

pub fn router() -> Router<Arc<Platform>> {
    Router::new().route("/api/v1/events.csv", get(export))
}

#[utoipa::path(
    get,
    path = "/api/v1/events.csv",
    tag = "events",
    summary = "Export cases as CSV (导出)",
    description = "The listing's filters and the caller's reach, every matching case, newest \
        first, streamed; UTF-8 with a byte-order mark. No reporter data. `limit` and `cursor` \
        are refused.",
    params(ListQuery),
    responses(
        (status = 200, description = "The cases, one per line after the header row",
            content_type = "text/csv; charset=utf-8", body = String,
            headers(("content-disposition" = String, description = "`attachment; filename=\"cases.csv\"`"))),
        (status = 400, description = "An unknown or unreadable parameter", body = ErrorBody),
        (status = 403, description = "A street or unit outside the caller's reach", body = ErrorBody),
        (status = 422, description = "An unknown street, unit, status or alert, a bad time, or `limit`/`cursor`", body = ErrorBody),
    )
)]
async fn export(
    caller: Caller,
    State(platform): State<Arc<Platform>>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = query?;
    if q.limit.is_some() || q.cursor.is_some() {
        return Err(ApiError::Unprocessable {
            code: "invalid_query",
            message: "an export has every matching case: leave out limit and cursor".into(),
        });
    }
    let mut filter = listing_filter(&caller, &platform, q).await?;
    filter.limit = PAGE;
    let reference = platform.reference();
    let first = csv_bytes(&reference, &[], true);
    let pages = futures::stream::try_unfold(Some(filter), move |filter| {
        let platform = platform.clone();
        async move {
            let Some(mut filter) = filter else {
                return Ok::<_, anyhow::Error>(None);
            };
            let page = platform.db().list_events(&filter).await?;
            let rows = csv_bytes(&platform.reference(), &page.events, false);
            let next = match page.next_cursor.and_then(|c| c.parse().ok()) {
                Some(seq) => {
                    filter.before_seq = Some(seq);
                    Some(filter)
                }
                None => None,
            };
            Ok(Some((rows, next)))
        }
    });
    let body = futures::stream::iter([Ok::<_, anyhow::Error>(first)]).chain(pages);
    Ok((
        [
            (CONTENT_TYPE, "text/csv; charset=utf-8"),
            (CONTENT_DISPOSITION, "attachment; filename=\"cases.csv\""),
        ],
        Body::from_stream(body),
    )
        .into_response())
}

/// CSV lines for `events` (with the byte-order mark and header first when `header`).
fn csv_bytes(reference: &Reference, events: &[EventSummary], header: bool) -> Bytes {
    let mut out = Vec::new();
    if header {
        out.extend_from_slice("\u{feff}".as_bytes());
    }
    {
        let mut writer = csv::Writer::from_writer(&mut out);
        // Writing to memory cannot fail.
        if header {
            let _ = writer.write_record(HEADER);
        }
        for e in events {
            let street = reference.district.street(&e.street_code);
            let item = reference.item(&e.item_code);
            let unit = reference.unit(&e.handling_unit);
            let _ = writer.write_record([
                e.id.as_str(),
                e.source.as_str(),
                &crate::calendar::rfc3339(e.received_at),
                street.map_or(e.street_code.as_str(), |s| s.name.as_str()),
                e.community.as_deref().unwrap_or(""),
                &e.item_code,
                item.map_or("", |i| i.name.as_str()),
                e.status.as_str(),
                &e.handling_unit,
                unit.map_or("", |u| u.name.as_str()),
                e.assignee.as_deref().unwrap_or(""),
                &crate::calendar::rfc3339(e.deadline),
                e.alert.as_str(),
                &e.supervision_level.to_string(),
                &e.reports.to_string(),
                &e.description,
            ]);
        }
        let _ = writer.flush();
    }
    Bytes::from(out)
}
