//! 效能排名, `GET /rankings?month=YYYY-MM`: streets and units ranked for a month by the same
//! code as `GET /api/v1/rankings` (`http::rankings::ranked`), and one bar chart per indicator
//! over the six months up to it (inline SVG), for the district or the caller's own street.

use std::sync::Arc;

use axum::extract::{Query, State};
use jiff::civil::Date;
use maud::{Markup, html};
use serde::Deserialize;

use super::layout::{Failure, Signed, page};
use crate::domain::{Counts, Level, Period};
use crate::http::ApiError;
use crate::http::rankings::ranked;
use crate::indicators::{Indicators, Ranked};
use crate::platform::Platform;

const TITLE: &str = "效能排名";
const STREETS: &str = "街道排名";
const UNITS: &str = "单位排名";
const CHARTS: &str = "近六个月指标走势";
const MONTH: &str = "月份";
const SHOW: &str = "查看";
const RANK: &str = "排名";
const SCORE: &str = "综合得分";
const EMPTY: &str = "本期无数据";
/// The indicators in table order: heading, and how to read it from a row.
/// Reads one indicator of a row.
type Reader = fn(&Indicators) -> Option<f64>;

const INDICATORS: [(&str, Reader, bool); 9] = [
    ("结案率", |i| i.closing_rate, true),
    ("按期结案率", |i| i.on_time_closing_rate, true),
    ("处置率", |i| i.handling_rate, true),
    ("按期处置率", |i| i.on_time_handling_rate, true),
    ("返工率", |i| i.rework_rate, true),
    ("准确派遣率", |i| i.accurate_dispatch_rate, true),
    ("延期率", |i| i.extension_rate, true),
    ("满意率", |i| i.satisfaction_rate, true),
    ("平均处置时长(小时)", |i| i.avg_handling_hours, false),
];

#[derive(Debug, Deserialize)]
pub struct RankingQuery {
    month: Option<String>,
}

fn figure(value: Option<f64>, rate: bool) -> String {
    match value {
        Some(v) if rate => format!("{:.1}%", v * 100.0),
        Some(v) => format!("{v:.1}"),
        None => "—".into(),
    }
}

/// The month starting on `first` as a period in milliseconds (China time).
fn month(first: Date) -> anyhow::Result<Period> {
    let tz = crate::calendar::china();
    let from = first.to_zoned_datetime(tz.clone())?.timestamp();
    let to = first
        .checked_add(jiff::Span::new().months(1))?
        .to_zoned_datetime(tz)?
        .timestamp();
    Ok(Period {
        from: from.as_millisecond(),
        to: to.as_millisecond(),
    })
}

fn sum(rows: &[Ranked]) -> Counts {
    let mut t = Counts::default();
    for c in rows.iter().map(|r| &r.counts) {
        t.dispatched += c.dispatched;
        t.dispatched_handled += c.dispatched_handled;
        t.dispatched_once += c.dispatched_once;
        t.dispatched_extended += c.dispatched_extended;
        t.due += c.due;
        t.due_closed += c.due_closed;
        t.due_closed_on_time += c.due_closed_on_time;
        t.handled += c.handled;
        t.handled_on_time += c.handled_on_time;
        t.handled_reworked += c.handled_reworked;
        t.handling_millis += c.handling_millis;
        t.answered += c.answered;
        t.satisfied += c.satisfied;
    }
    t
}

fn table(caption: &str, who: &str, rows: &[Ranked]) -> Markup {
    html! {
        table.grid {
            caption { (caption) }
            thead { tr {
                th scope="col" { (RANK) } th scope="col" { (who) } th scope="col" { (SCORE) }
                @for (heading, _, _) in INDICATORS { th scope="col" { (heading) } }
            } }
            tbody {
                @for r in rows {
                    tr {
                        td.num { (r.rank) } th scope="row" { (r.name) } td.num { (format!("{:.2}", r.score)) }
                        @for (_, read, rate) in INDICATORS { td.num { (figure(read(&r.indicators), rate)) } }
                    }
                }
                @if rows.is_empty() { tr { td colspan=(INDICATORS.len() + 3) { (EMPTY) } } }
            }
        }
    }
}

/// One indicator's bars over the months.
fn chart(heading: &str, rate: bool, values: &[(String, Option<f64>)]) -> Markup {
    let max = values
        .iter()
        .filter_map(|(_, v)| *v)
        .fold(if rate { 1.0 } else { 0.0 }, f64::max);
    let (w, h, bar) = (300.0, 150.0, 36.0);
    html! {
        figure {
            svg.chart role="img" aria-label=(heading) viewBox=(format!("0 0 {w} {}", h + 34.0)) {
                title { (heading) }
                text x="0" y="12" { (heading) }
                line x1="0" y1=(h + 18.0) x2=(w) y2=(h + 18.0) stroke="#9fb3c8" {}
                @for (i, (label, value)) in values.iter().enumerate() {
                    @let x = 8.0 + i as f64 * (bar + 12.0);
                    @let height = value.map_or(0.0, |v| if max > 0.0 { v / max * (h - 20.0) } else { 0.0 });
                    rect x=(x) y=(h + 18.0 - height) width=(bar) height=(height) {}
                    text x=(x) y=(h + 14.0 - height) { (figure(*value, rate)) }
                    text x=(x) y=(h + 31.0) { (label) }
                }
            }
        }
    }
}

/// `GET /rankings`.
pub async fn page_route(
    signed: Signed,
    State(platform): State<Arc<Platform>>,
    Query(query): Query<RankingQuery>,
) -> Result<Markup, Failure> {
    signed.caller.require_rankings().await?;
    let today = platform
        .now()
        .to_zoned_datetime(crate::calendar::china())
        .date();
    let first = match query.month.as_deref() {
        Some(m) => format!("{m}-01")
            .parse::<Date>()
            .map_err(|_| ApiError::Unprocessable {
                code: "invalid_month",
                message: format!("month {m:?} is not YYYY-MM (月份格式应为 2026-07)"),
            })?,
        None => today.first_of_month(),
    };
    let streets = ranked(&platform, Level::Street, month(first)?).await?;
    let units = ranked(&platform, Level::Unit, month(first)?).await?;
    // The district's trend, or the caller's own street's when they are limited to one.
    let own = signed.principal().own_street().map(str::to_string);
    let mut trend: Vec<(String, Indicators)> = Vec::new();
    for back in (0..6).rev() {
        let start = first
            .checked_sub(jiff::Span::new().months(back))
            .map_err(anyhow::Error::from)?;
        let rows = ranked(&platform, Level::Street, month(start)?).await?;
        let rows: Vec<Ranked> = rows
            .into_iter()
            .filter(|r| own.as_ref().is_none_or(|s| *s == r.code))
            .collect();
        trend.push((
            start.strftime("%-m月").to_string(),
            Indicators::of(&sum(&rows)),
        ));
    }
    let body = html! {
        form.row method="get" action="/rankings" {
            label for="month" { (MONTH) }
            input #month type="month" name="month" value=(first.strftime("%Y-%m").to_string());
            button type="submit" { (SHOW) }
        }
        (table(STREETS, "街道", &streets))
        (table(UNITS, "单位", &units))
        h2 { (CHARTS) }
        div.charts {
            @for (heading, read, rate) in INDICATORS {
                @let values: Vec<(String, Option<f64>)> = trend.iter().map(|(m, i)| (m.clone(), read(i))).collect();
                (chart(heading, rate, &values))
            }
        }
    };
    Ok(page(&signed, TITLE, "/rankings", body))
}
