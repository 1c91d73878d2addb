//! The case timeline: every transition appended, never edited, each entry chained to the one
//! before by a sha256 so that editing, removing or reordering a stored entry is detected.

use jiff::Timestamp;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The `prev_hash` of a case's first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// A transition about to be appended: everything but its place in the chain.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Draft {
    pub actor: String,
    pub role: String,
    pub action: String,
    pub from: String,
    pub to: String,
    pub reason: Option<String>,
    pub note: Option<String>,
    /// The unit the case was (re)assigned to, for dispatch and reassignment.
    pub unit: Option<String>,
    /// The staff id of the person the case was (re)assigned to (承办人), when it changed.
    pub assignee: Option<String>,
    /// The case's deadline as this entry set it, when it moved (sign-for, extension...).
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "crate::calendar::cst::option")]
    pub deadline: Option<Timestamp>,
    /// The catalog item the case was classified as, for a dispatch from the manual queue or
    /// a correction (reclassify).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "crate::calendar::cst")]
    pub at: Timestamp,
}

/// A stored timeline entry. Role, action and states are kept as the text that was hashed, so
/// that an entry whose text was altered still loads and is reported as breaking the chain.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Entry {
    pub event_id: String,
    /// Position in the case's timeline, from 0.
    pub seq: i64,
    /// Who did what, when and why: the transition as it was appended.
    #[serde(flatten)]
    pub draft: Draft,
    pub prev_hash: String,
    pub hash: String,
}

impl Draft {
    /// The entry that follows `prev` (or starts the timeline of `event_id`).
    pub fn seal(self, event_id: &str, prev: Option<&Entry>) -> Entry {
        let mut entry = Entry {
            event_id: event_id.into(),
            seq: prev.map_or(0, |p| p.seq + 1),
            draft: self,
            prev_hash: prev.map_or(GENESIS_HASH.into(), |p| p.hash.clone()),
            hash: String::new(),
        };
        entry.hash = entry.compute_hash();
        entry
    }
}

impl Entry {
    /// sha256 over the previous hash and the entry's fields. The fields are a JSON array: its
    /// encoding is unambiguous (no separator can be smuggled inside a field) and stable.
    ///
    /// The assignee, the deadline and the item came after the first entries were written:
    /// they are appended to the array only when present or followed by one that is (each as
    /// `null` when absent), so an entry without them hashes exactly as it did before, and
    /// arrays of different lengths cannot be confused.
    pub fn compute_hash(&self) -> String {
        let d = &self.draft;
        let mut fields = serde_json::json!([
            self.event_id,
            self.seq,
            d.actor,
            d.role,
            d.action,
            d.from,
            d.to,
            d.reason,
            d.note,
            d.unit,
            d.at.as_millisecond(),
        ]);
        if let Some(fields) = fields.as_array_mut() {
            if d.assignee.is_some() || d.deadline.is_some() || d.item.is_some() {
                fields.push(d.assignee.clone().into());
            }
            if d.deadline.is_some() || d.item.is_some() {
                fields.push(d.deadline.map(|t| t.as_millisecond()).into());
            }
            if let Some(item) = &d.item {
                fields.push(item.clone().into());
            }
        }
        let mut hasher = Sha256::new();
        hasher.update(self.prev_hash.as_bytes());
        hasher.update(b"\n");
        hasher.update(fields.to_string().as_bytes());
        hex::encode(hasher.finalize())
    }
}

/// Where and why a timeline stops verifying.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error, utoipa::ToSchema)]
#[error("the chain breaks at entry {index}: {why}")]
pub struct ChainBroken {
    pub index: usize,
    pub why: &'static str,
}

/// Checks that `entries` (in order) form one unbroken chain of one case.
pub fn verify_chain(entries: &[Entry]) -> Result<(), ChainBroken> {
    let mut prev: Option<&Entry> = None;
    for (index, entry) in entries.iter().enumerate() {
        let broken = |why| Err(ChainBroken { index, why });
        if entry.seq != index as i64 {
            return broken("an entry is missing or out of order");
        }
        match prev {
            None if entry.prev_hash != GENESIS_HASH => {
                return broken("the first entry does not start a chain");
            }
            Some(p) if entry.prev_hash != p.hash => {
                return broken("the entry does not follow the one before");
            }
            Some(p) if entry.event_id != p.event_id => {
                return broken("the entry belongs to another case");
            }
            Some(p) if entry.draft.from != p.draft.to => {
                return broken("the entry does not start where the one before ended");
            }
            _ => {}
        }
        if entry.compute_hash() != entry.hash {
            return broken("the entry was altered after it was written");
        }
        prev = Some(entry);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(action: &str, from: &str, to: &str, at: i64) -> Draft {
        Draft {
            actor: "王五".into(),
            role: "handler".into(),
            action: action.into(),
            from: from.into(),
            to: to.into(),
            reason: None,
            note: None,
            unit: None,
            assignee: None,
            deadline: None,
            item: None,
            at: Timestamp::from_millisecond(at).unwrap(),
        }
    }

    fn chain() -> Vec<Entry> {
        let mut entries: Vec<Entry> = Vec::new();
        for d in [
            draft("dispatch", "accepted", "dispatched", 1_000),
            draft("sign", "dispatched", "signed", 2_000),
            draft("start", "signed", "in_progress", 3_000),
        ] {
            let e = d.seal("e1", entries.last());
            entries.push(e);
        }
        entries
    }

    #[test]
    fn an_untouched_chain_verifies() {
        let entries = chain();
        assert_eq!(entries[0].prev_hash, GENESIS_HASH);
        assert_eq!(entries[2].prev_hash, entries[1].hash);
        assert_eq!(verify_chain(&entries), Ok(()));
        assert_eq!(verify_chain(&[]), Ok(()));
    }

    #[test]
    fn an_altered_entry_is_detected_where_it_was_altered() {
        let mut entries = chain();
        entries[1].draft.actor = "李四".into();
        assert_eq!(verify_chain(&entries).unwrap_err().index, 1);
    }

    #[test]
    fn an_altered_entry_with_a_recomputed_hash_breaks_the_next_link() {
        let mut entries = chain();
        entries[1].draft.note = Some("已处理".into());
        entries[1].hash = entries[1].compute_hash();
        let err = verify_chain(&entries).unwrap_err();
        assert_eq!(err.index, 2);
        assert_eq!(err.why, "the entry does not follow the one before");
    }

    #[test]
    fn a_removed_or_reordered_entry_is_detected() {
        let mut entries = chain();
        entries.remove(1);
        assert_eq!(verify_chain(&entries).unwrap_err().index, 1);
        let mut entries = chain();
        entries.swap(1, 2);
        assert_eq!(verify_chain(&entries).unwrap_err().index, 1);
    }

    #[test]
    fn an_entry_without_an_assignee_hashes_as_entries_did_before_assignees_existed() {
        let entry = draft("sign", "dispatched", "signed", 1_000).seal("e1", None);
        // The format of the first release: the previous hash, a newline, eleven fields.
        let legacy = serde_json::json!([
            "e1",
            0,
            "王五",
            "handler",
            "sign",
            "dispatched",
            "signed",
            null,
            null,
            null,
            1_000
        ]);
        let mut hasher = Sha256::new();
        hasher.update(GENESIS_HASH.as_bytes());
        hasher.update(b"\n");
        hasher.update(legacy.to_string().as_bytes());
        assert_eq!(entry.hash, hex::encode(hasher.finalize()));
    }

    #[test]
    fn the_assignee_is_covered_by_the_hash_when_present() {
        let mut d = draft("assign", "signed", "signed", 1_000);
        d.assignee = Some("buji.law-enforcement.003".into());
        let mut entry = d.seal("e1", None);
        assert_eq!(verify_chain(std::slice::from_ref(&entry)), Ok(()));
        entry.draft.assignee = Some("buji.law-enforcement.004".into());
        assert!(verify_chain(&[entry.clone()]).is_err());
        entry.draft.assignee = None;
        assert!(verify_chain(&[entry]).is_err());
    }

    #[test]
    fn the_deadline_is_covered_by_the_hash_when_present() {
        let mut d = draft("sign", "dispatched", "signed", 1_000);
        d.deadline = Some(Timestamp::from_millisecond(9_000).unwrap());
        let mut entry = d.seal("e1", None);
        assert_eq!(verify_chain(std::slice::from_ref(&entry)), Ok(()));
        entry.draft.deadline = Some(Timestamp::from_millisecond(99_000).unwrap());
        assert!(verify_chain(std::slice::from_ref(&entry)).is_err());
        entry.draft.deadline = None;
        assert!(verify_chain(&[entry]).is_err());
    }

    #[test]
    fn the_hash_covers_the_time_and_the_case() {
        let a = draft("sign", "dispatched", "signed", 1).seal("e1", None);
        let b = draft("sign", "dispatched", "signed", 2).seal("e1", None);
        let c = draft("sign", "dispatched", "signed", 1).seal("e2", None);
        assert_ne!(a.hash, b.hash);
        assert_ne!(a.hash, c.hash);
    }
}
