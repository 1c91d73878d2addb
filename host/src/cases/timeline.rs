//! A case's timeline read back and its hash chain verified.

use serde::Serialize;

use crate::domain::Status;
use crate::lifecycle::{self, ChainBroken, Entry};
use crate::storage::Db;

/// A case's timeline and whether it verifies.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Timeline {
    pub event_id: String,
    pub status: Status,
    pub entries: Vec<Entry>,
    pub verified: bool,
    /// Where and why the chain breaks, when it does.
    pub broken: Option<ChainBroken>,
}

/// The timeline of `event_id`, verified, or `None` for an unknown event.
pub async fn timeline(db: &Db, event_id: &str) -> anyhow::Result<Option<Timeline>> {
    let Some(head) = db.case_head(event_id).await? else {
        return Ok(None);
    };
    let entries = db.timeline(event_id).await?;
    let mut broken = lifecycle::verify_chain(&entries).err();
    // The chain alone cannot tell that its newest entries were removed; the case's state,
    // moved in the same transaction as every append, can.
    if broken.is_none()
        && let Some(last) = entries.last()
        && (last.draft.to != head.status.as_str() || last.event_id != event_id)
    {
        broken = Some(ChainBroken {
            index: entries.len() - 1,
            why: "the case's state is not where its last entry left it",
        });
    }
    Ok(Some(Timeline {
        event_id: event_id.into(),
        status: head.status,
        verified: broken.is_none(),
        broken,
        entries,
    }))
}
