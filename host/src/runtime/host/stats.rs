//! `streetwise:plugin/stats`: counts of recent events, always in the caller's own street.

use super::super::bindings::{stats, types};
use super::super::state::HostState;

const MAX_WINDOW_MINUTES: u32 = 7 * 24 * 60;

impl stats::Host for HostState {
    async fn count_events(
        &mut self,
        filter: stats::EventFilter,
    ) -> wasmtime::Result<Result<u64, types::Error>> {
        self.charge("stats.count-events")?;
        if !(1..=MAX_WINDOW_MINUTES).contains(&filter.within_minutes) {
            return Ok(Err(types::Error::InvalidInput(format!(
                "within-minutes must be 1 to {MAX_WINDOW_MINUTES}"
            ))));
        }
        let ctx = &self.ctx;
        let street = ctx
            .reference
            .district
            .street(&ctx.street_code)
            .ok_or_else(|| wasmtime::format_err!("plugin street {} vanished", ctx.street_code))?;
        if let Some(community) = &filter.community
            && street.community(community).is_none()
        {
            let elsewhere = ctx
                .reference
                .district
                .streets
                .iter()
                .any(|s| s.community(community).is_some());
            return Ok(Err(if elsewhere {
                types::Error::AccessDenied(format!("community {community} is in another street"))
            } else {
                types::Error::NotFound(format!("no community {community} in this street"))
            }));
        }
        let community = filter
            .community
            .as_deref()
            .and_then(|c| street.community(c))
            .map(|c| c.name.clone());
        let count = ctx
            .db
            .count_events(
                &ctx.stats,
                filter.item_code.as_deref(),
                filter.category_code.as_deref(),
                community.as_deref(),
                filter.within_minutes,
            )
            .await
            .map_err(|e| wasmtime::format_err!("counting events: {e:#}"))?;
        Ok(Ok(count))
    }
}
