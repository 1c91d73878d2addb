//! 待分拨, `GET /queue` (the command centre's): the events the classifier was too unsure of to dispatch, oldest
//! first, each with its three suggestions; one click dispatches it as a suggestion (the same
//! `dispatch` action as the case page and the API), or the case page offers every item.

use std::sync::Arc;

use axum::extract::State;
use maud::{Markup, html};

use super::layout::{Failure, Signed, page, reach_filter, when};
use crate::auth::{Refusal, policy};
use crate::domain::{EventRecord, Status};
use crate::lifecycle::{Action, Role};
use crate::platform::Platform;

const TITLE: &str = "待分拨";
const CAPTION: &str = "待人工确认的事件（模型置信度低于阈值、未说明具体问题，或疑似重复）";
const EMPTY: &str = "暂无待分拨事件";
const HEADINGS: [&str; 4] = ["事件", "街道", "受理时间", "合并或派遣（点击即办）"];
/// Events shown at most; the API lists the rest (`status=accepted`).
const SHOWN: usize = 100;

async fn render(signed: &Signed, platform: &Platform) -> Result<Markup, Failure> {
    // Only the command centre dispatches; nobody else has a use for the queue.
    if !policy::roles(signed.principal()).contains(&Role::Centre) {
        return Err(signed
            .caller
            .refuse(Refusal::NotYourPost, None, None, "read_queue", "queue")
            .await
            .into());
    }
    let mut filter = reach_filter(signed.principal(), SHOWN as u32);
    filter.status = Some(Status::Accepted);
    let listing = platform.db().list_events(&filter).await?;
    let ids: Vec<&str> = listing.events.iter().map(|e| e.id.as_str()).collect();
    let mut waiting: Vec<EventRecord> = platform
        .db()
        .events_by_id(&ids)
        .await?
        .into_iter()
        .map(|stored| stored.record)
        .collect();
    waiting.sort_by_key(|r| r.event.received_at);
    let threshold = platform.understanding().threshold();
    let body = html! {
        p.muted {
            "置信度低于 " (format!("{:.0}%", threshold * 100.0))
            " 的事件不自动派遣，在此等候指挥中心确认事项。派遣后按权责清单确定处置单位和时限，确认结果用于模型再训练。"
            "疑似重复的报告可一键合并到先报的在办案件，办结时一并答复。"
        }
        table.grid {
            caption { (CAPTION) }
            thead { tr { @for h in HEADINGS { th scope="col" { (h) } } } }
            tbody {
                @for r in &waiting {
                    tr {
                        td {
                            a href=(format!("/cases/{}", r.event.id)) { (r.event.description) }
                            @if let Some(main) = &r.duplicate_of {
                                br;
                                span.muted { (duplicate_why(r)) " " a href=(format!("/cases/{main}")) { "查看先报案件" } }
                            }
                        }
                        td { (r.event.location.street_name) }
                        td { (when(r.event.received_at)) }
                        td {
                            @if let Some(main) = &r.duplicate_of {
                                form.inline method="post" action=(format!("/cases/{}/act", r.event.id)) {
                                    (signed.csrf_field())
                                    input type="hidden" name="action" value=(Action::Merge.as_str());
                                    input type="hidden" name="into" value=(main);
                                    button type="submit" title=(format!("合并至 {main}")) { "合并到先报案件" }
                                }
                                " "
                            }
                            @if r.classification.suggestions.is_empty() {
                                form.inline method="post" action=(format!("/cases/{}/act", r.event.id)) {
                                    (signed.csrf_field())
                                    input type="hidden" name="action" value=(Action::Dispatch.as_str());
                                    input type="hidden" name="item" value=(r.classification.item_code);
                                    button type="submit" { "派遣为 " (r.classification.item_name) }
                                }
                            }
                            @for s in &r.classification.suggestions {
                                form.inline method="post" action=(format!("/cases/{}/act", r.event.id)) {
                                    (signed.csrf_field())
                                    input type="hidden" name="action" value=(Action::Dispatch.as_str());
                                    input type="hidden" name="item" value=(s.item_code);
                                    button type="submit" title=(format!("派遣为 {} {}", s.item_code, s.item_name)) {
                                        (s.item_name) " " span.muted { (format!("{:.0}%", s.confidence * 100.0)) }
                                    }
                                }
                            }
                            " " a href=(format!("/cases/{}", r.event.id)) { "其他事项…" }
                        }
                    }
                }
                @if waiting.is_empty() { tr { td colspan="4" { (EMPTY) } } }
            }
        }
    };
    Ok(page(signed, TITLE, "/queue", body))
}

/// Why intake held the report as a duplicate (its trace step).
fn duplicate_why(r: &EventRecord) -> String {
    r.trace
        .iter()
        .find(|s| s.step == "duplicate")
        .map_or_else(String::new, |s| s.detail.clone())
}

/// `GET /queue`.
pub async fn page_route(
    signed: Signed,
    State(platform): State<Arc<Platform>>,
) -> Result<Markup, Failure> {
    render(&signed, &platform).await
}
