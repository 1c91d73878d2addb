//! 指挥中心 dispatch board, `GET /board`: what waits on the centre, in total and per street,
//! and the newest cases. `assets/console.js` refreshes it from `GET /console/board.json` every
//! few seconds, so a new event shows without a reload. Both are narrowed to the caller's reach.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use maud::{Markup, html};
use serde::Serialize;

use super::layout::{Failure, Signed, page, reach_filter, when};
use super::text;
use crate::auth::Refusal;
use crate::auth::policy;
use crate::domain::Reach;
use crate::lifecycle::Role;
use crate::platform::Platform;
use crate::storage::board::Counts;

const TITLE: &str = "指挥中心";
const COUNTS_CAPTION: &str = "各街道案件统计";
const NEWEST_CAPTION: &str = "最新案件";
const STREET: &str = "街道";
const TOTAL: &str = "全部";
const REFRESH_NOTE: &str = "本页每 5 秒自动刷新";
const EMPTY: &str = "暂无案件";
/// The columns of the counts table: JSON field and Chinese heading.
const COLUMNS: [(&str, &str); 6] = [
    ("new", "今日新受理"),
    ("awaiting", "待人工分拨"),
    ("unsigned", "待签收"),
    ("yellow", "黄灯预警"),
    ("red", "红灯超期"),
    ("supervised", "督办"),
];

#[derive(Debug, Serialize)]
struct StreetRow {
    code: String,
    name: String,
    #[serde(flatten)]
    counts: Counts,
}

#[derive(Debug, Serialize)]
struct Newest {
    id: String,
    received_at: String,
    street: String,
    description: String,
    status: &'static str,
    alert: &'static str,
    /// Its reports, with those merged into it.
    reports: i64,
}

#[derive(Debug, Serialize)]
pub struct Board {
    total: Counts,
    streets: Vec<StreetRow>,
    newest: Vec<Newest>,
}

/// The board's counts per street code, in one grouped query over the caller's reach. The
/// listing query pages cases; it cannot count them, hence this read of the console's own.
async fn board(platform: &Platform, signed: &Signed) -> Result<Board, Failure> {
    let principal = signed.principal();
    if !policy::roles(principal)
        .iter()
        .any(|r| matches!(r, Role::Centre | Role::Leader))
    {
        let refusal = Refusal::NotYourPost;
        return Err(signed
            .caller
            .refuse(refusal, None, None, "read_board", "board")
            .await
            .into());
    }
    let now = platform.now();
    let midnight = now
        .to_zoned_datetime(crate::calendar::china())
        .start_of_day()
        .map_err(anyhow::Error::from)?
        .timestamp();
    let mut by_street = platform
        .db()
        .board_counts(&principal.reach, midnight)
        .await?;
    let reference = platform.reference();
    let own = match &principal.reach {
        Reach::Street { street } => Some(street.as_str()),
        _ => None,
    };
    let mut total = Counts::default();
    let streets: Vec<StreetRow> = reference
        .district
        .streets
        .iter()
        .filter(|s| own.is_none_or(|own| own == s.code))
        .map(|s| {
            let counts = by_street.remove(&s.code).unwrap_or_default();
            total.add(&counts);
            StreetRow {
                code: s.code.clone(),
                name: s.name.clone(),
                counts,
            }
        })
        .collect();
    // Cases of a street no longer in the reference data still count in the total.
    by_street.values().for_each(|c| total.add(c));
    let listing = platform
        .db()
        .list_events(&reach_filter(principal, 12))
        .await?;
    let newest = listing
        .events
        .into_iter()
        .map(|e| Newest {
            street: reference
                .district
                .street(&e.street_code)
                .map_or_else(|| e.street_code.clone(), |s| s.name.clone()),
            id: e.id,
            received_at: when(e.received_at),
            description: e.description,
            status: text::status(e.status),
            alert: e.alert.as_str(),
            reports: e.reports,
        })
        .collect();
    Ok(Board {
        total,
        streets,
        newest,
    })
}

/// `GET /console/board.json`: what the board shows, for its refresh.
pub async fn json(
    signed: Signed,
    State(platform): State<Arc<Platform>>,
) -> Result<Json<Board>, Failure> {
    Ok(Json(board(&platform, &signed).await?))
}

/// `GET /board`.
pub async fn page_route(
    signed: Signed,
    State(platform): State<Arc<Platform>>,
) -> Result<Markup, Failure> {
    let board = board(&platform, &signed).await?;
    let cells = |key: &str, counts: &Counts| {
        html! {
            @for (field, _) in COLUMNS {
                td.num data-count=(format!("{key}:{field}")) { (counts.get(field)) }
            }
        }
    };
    let body = html! {
        p.hint { (REFRESH_NOTE) " · " span #board-updated {} }
        table.grid #board-counts data-board="/console/board.json" {
            caption { (COUNTS_CAPTION) }
            thead { tr { th scope="col" { (STREET) } @for (_, heading) in COLUMNS { th scope="col" { (heading) } } } }
            tbody {
                @for row in &board.streets {
                    tr { th scope="row" { (row.name) } (cells(&row.code, &row.counts)) }
                }
            }
            tfoot { tr { th scope="row" { (TOTAL) } (cells("total", &board.total)) } }
        }
        table.grid {
            caption { (NEWEST_CAPTION) }
            thead { tr { th { "受理时间" } th { "街道" } th { "描述" } th { "状态" } th { "报告数" } } }
            tbody #board-newest {
                @for e in &board.newest {
                    tr.(format!("alert-{}", e.alert)) {
                        td { (e.received_at) }
                        td { (e.street) }
                        td { a href=(format!("/cases/{}", e.id)) { (e.description) } }
                        td { (e.status) }
                        td.num { (e.reports) }
                    }
                }
                @if board.newest.is_empty() { tr { td colspan="5" { (EMPTY) } } }
            }
        }
    };
    Ok(page(&signed, TITLE, "/board", body))
}
