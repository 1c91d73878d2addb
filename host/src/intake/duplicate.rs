//! The intake step that holds a probable duplicate (合并) for the centre: a report like an
//! open case of the same item or category, near it in place and time.

use std::time::Instant;

use crate::domain::{Classification, DecidedBy, DuplicateLink, Event, LatLon, TraceStep};
use crate::duplicates::{self, Report};
use crate::storage::duplicates::Nearby;

use super::pipeline::{Pipeline, step};

impl Pipeline {
    /// The open case `event` probably duplicates, traced with why. A failed read is traced
    /// and the event goes on as if it had none: detection must never cost a report.
    pub(super) async fn duplicate(
        &self,
        event: &Event,
        classification: &Classification,
        trace: &mut Vec<TraceStep>,
    ) -> Option<DuplicateLink> {
        let rules = self.duplicates?;
        let started = Instant::now();
        let location = &event.location;
        let position = location
            .lat
            .zip(location.lon)
            .map(|(lat, lon)| LatLon { lat, lon });
        if position.is_none() && location.community_code.is_none() {
            return None;
        }
        let near = Nearby {
            category_code: &classification.category_code,
            since: event.received_at - rules.window,
            within: position.map(|at| duplicates::search_box(at, rules.radius_m)),
            community_code: location.community_code.as_deref(),
        };
        let open = match self.db.open_reports_near(&near).await {
            Ok(open) => open,
            Err(error) => {
                tracing::warn!(
                    error = format!("{error:#}"),
                    "reading open cases for duplicates"
                );
                trace.push(step(
                    "duplicate",
                    DecidedBy::District,
                    "error",
                    "未能查询附近的在办案件，按新案件处理".into(),
                    started,
                ));
                return None;
            }
        };
        let report = Report {
            item_code: &classification.item_code,
            description: &event.description,
            community_code: location.community_code.as_deref(),
            position,
            received_at: event.received_at,
        };
        let link = duplicates::probable(&report, &open, &rules)?;
        trace.push(step(
            "duplicate",
            DecidedBy::District,
            "probable",
            describe(&link),
            started,
        ));
        Some(link)
    }
}

/// "疑似与 E1 重复：相距 120 米，间隔 60 分钟，文本相似度 0.45，同一事项".
pub fn describe(link: &DuplicateLink) -> String {
    let place = match link.distance_m {
        Some(m) => format!("相距 {m} 米"),
        None => "同一社区".to_string(),
    };
    format!(
        "疑似与 {} 重复：{place}，间隔 {} 分钟，文本相似度 {:.2}，{}",
        link.case_id,
        link.minutes,
        link.similarity,
        if link.same_item {
            "同一事项"
        } else {
            "同类事项"
        }
    )
}
