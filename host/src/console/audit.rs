//! 审计日志, `GET /audit`: the newest entries of the audit log (sign-ins, refusals, lifecycle
//! actions, reveals of a reporter's number, administrative writes) for those the policy lets
//! read it: district IT the whole district's, a street admin their street's. `?event=` narrows
//! it to one case.

use std::sync::Arc;

use axum::extract::{Query, State};
use maud::{Markup, html};
use serde::Deserialize;

use super::layout::{Failure, Signed, page, when};
use crate::domain::Reach;
use crate::platform::Platform;
use crate::storage::audit::AuditFilter;

const TITLE: &str = "审计日志";
const CAPTION: &str = "最近的审计记录";
const HEADINGS: [&str; 7] = [
    "时间",
    "操作人",
    "岗位/范围",
    "操作",
    "对象",
    "结果",
    "说明",
];
const EMPTY: &str = "暂无记录";
const SHOWN: u32 = 200;

#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    event: Option<String>,
}

/// The outcome as a person reads it.
fn outcome(outcome: &str) -> &'static str {
    match outcome {
        "ok" => "成功",
        "denied" => "拒绝",
        "failed" => "失败",
        _ => "其他",
    }
}

pub async fn page_route(
    signed: Signed,
    State(platform): State<Arc<Platform>>,
    Query(query): Query<AuditQuery>,
) -> Result<Markup, Failure> {
    let principal = signed.principal();
    // Someone limited to a street reads that street's entries.
    let street = match &principal.reach {
        Reach::District => None,
        _ => principal.own_street().map(String::from),
    };
    signed.caller.require_audit(street.as_deref()).await?;
    let entries = platform
        .db()
        .audit_entries(&AuditFilter {
            street_code: street,
            event_id: query.event,
            outcome: None,
            limit: SHOWN,
        })
        .await?;
    let reference = platform.reference();
    let who = |entry: &crate::storage::audit::AuditEntry| match &entry.staff_id {
        Some(id) => reference
            .staff_member(id)
            .map_or_else(|| id.clone(), |p| format!("{} ({id})", p.name)),
        None => entry.token_id.clone(),
    };
    let body = html! {
        table {
            caption { (CAPTION) }
            thead { tr { @for h in HEADINGS { th scope="col" { (h) } } } }
            tbody {
                @if entries.is_empty() {
                    tr { td colspan="7" { (EMPTY) } }
                }
                @for entry in &entries {
                    tr {
                        td { (when(entry.at)) }
                        td { (who(entry)) }
                        td { (entry.scope) }
                        td { (entry.action) }
                        td { (entry.target) }
                        td { (outcome(&entry.outcome)) }
                        td { (entry.reason.as_deref().unwrap_or("")) }
                    }
                }
            }
        }
    };
    Ok(page(&signed, TITLE, "/audit", body))
}
