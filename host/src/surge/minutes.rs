//! The window's counts kept minute by minute between scans, so that a scan reads only what
//! may still change: the part of the window's first minute inside it, and its last few
//! minutes. No I/O of its own: [`MinuteCounts::count`] is given the read as a function (the
//! scan's reads the database, the tests' a list).
//!
//! Minutes are [`minute_of`]'s. A whole minute is kept once it ended at least
//! [`SETTLE`] before the scan's "now": an event is stamped when intake takes it in and stored
//! a few milliseconds later, so by then every event of that minute is in the database. One
//! stored later than that (a host whose clock runs more than [`SETTLE`] behind the scanning
//! one's) is missing from the kept minute's count until the minute leaves the window.

use std::collections::BTreeMap;
use std::ops::Range;

use jiff::{SignedDuration, Timestamp};

use crate::domain::{MINUTE_MS, SurgeKey, SurgeKind, WindowCount, minute_of};

/// How long after its end a minute's count is taken as final.
pub const SETTLE: SignedDuration = SignedDuration::from_mins(2);

fn start_of(minute: i64) -> Timestamp {
    Timestamp::from_millisecond(minute * MINUTE_MS).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// The minutes wholly inside `(from, to]`, empty when there are none.
fn whole_minutes(from: Timestamp, to: Timestamp) -> Range<i64> {
    let first = minute_of(from) + 1;
    let end = to.as_millisecond().div_euclid(MINUTE_MS);
    first..end.max(first)
}

/// One part of a window, in time order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Part {
    /// A whole minute the cache holds.
    Kept(i64),
    /// `(from, to]`, to read from the database.
    Read(Timestamp, Timestamp),
}

/// How a window is counted: its parts, and the minutes a read may keep (whole, settled, and
/// inside the window).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Plan {
    parts: Vec<Part>,
    keepable: Range<i64>,
}

/// Each kind's counts per whole settled minute of the window, as last read.
#[derive(Debug, Default)]
pub struct MinuteCounts {
    minutes: BTreeMap<(SurgeKind, i64), Vec<WindowCount>>,
    /// The latest window end planned for: a clock that goes back empties the cache.
    latest: Option<Timestamp>,
}

impl MinuteCounts {
    /// What to read and what to take from the cache for the window `(start, end]` of `kind`.
    /// Forgets the minutes before the window, and everything when `end` is earlier than a
    /// window planned before.
    fn plan(&mut self, kind: SurgeKind, (start, end): (Timestamp, Timestamp)) -> Plan {
        if self.latest.is_some_and(|latest| end < latest) {
            self.minutes.clear();
        }
        self.latest = Some(end);
        let keepable = whole_minutes(start, end - SETTLE);
        self.minutes
            .retain(|&(k, minute), _| k != kind || minute >= keepable.start);

        let mut parts = Vec::new();
        push_read(&mut parts, start, start_of(keepable.start).min(end));
        for minute in keepable.clone() {
            if self.minutes.contains_key(&(kind, minute)) {
                parts.push(Part::Kept(minute));
            } else {
                push_read(&mut parts, start_of(minute), start_of(minute + 1));
            }
        }
        push_read(&mut parts, start_of(keepable.end).max(start), end);
        Plan { parts, keepable }
    }

    /// The counts per key of `kind` in the window `(start, end]`, in key order: the minutes
    /// kept added to what `read` returns for the rest, at most `slice_minutes` at a time (see
    /// [`slices`]); keeps the settled minutes it reads for the next count.
    pub async fn count<E, R>(
        &mut self,
        kind: SurgeKind,
        window: (Timestamp, Timestamp),
        slice_minutes: i64,
        mut read: impl FnMut((Timestamp, Timestamp)) -> R,
    ) -> Result<Vec<WindowCount>, E>
    where
        R: Future<Output = Result<Vec<(i64, WindowCount)>, E>>,
    {
        let plan = self.plan(kind, window);
        let mut totals: BTreeMap<SurgeKey, WindowCount> = BTreeMap::new();
        for part in plan.parts {
            match part {
                Part::Kept(minute) => {
                    for count in self.kept(kind, minute) {
                        add(&mut totals, count);
                    }
                }
                Part::Read(from, to) => {
                    for slice in slices(from, to, slice_minutes) {
                        let counts = read(slice).await?;
                        for (_, count) in &counts {
                            add(&mut totals, count);
                        }
                        self.keep(kind, &plan.keepable, slice, &counts);
                    }
                }
            }
        }
        Ok(totals.into_values().collect())
    }

    /// The counts kept for `minute` of `kind`.
    fn kept(&self, kind: SurgeKind, minute: i64) -> &[WindowCount] {
        self.minutes
            .get(&(kind, minute))
            .map_or(&[], |counts| counts.as_slice())
    }

    /// Keeps what a read of `(from, to]` found, `(minute, count)` per key and minute, for
    /// each of `keepable`'s minutes wholly inside it, a minute without events included.
    fn keep(
        &mut self,
        kind: SurgeKind,
        keepable: &Range<i64>,
        (from, to): (Timestamp, Timestamp),
        read: &[(i64, WindowCount)],
    ) {
        let inside = whole_minutes(from, to);
        let whole = inside.start.max(keepable.start)..inside.end.min(keepable.end);
        for minute in whole.clone() {
            self.minutes.insert((kind, minute), Vec::new());
        }
        for (minute, count) in read {
            if whole.contains(minute)
                && let Some(counts) = self.minutes.get_mut(&(kind, *minute))
            {
                counts.push(count.clone());
            }
        }
    }
}

/// `(from, to]` cut into consecutive slices at the multiples of `minutes` minutes since the
/// epoch (at least one), in time order: each is read on its own, so no read holds the
/// database long or groups much at once, and none splits a minute.
pub fn slices(from: Timestamp, to: Timestamp, minutes: i64) -> Vec<(Timestamp, Timestamp)> {
    let step = minutes.max(1) * MINUTE_MS;
    let mut out = Vec::new();
    let mut at = from;
    while at < to {
        let boundary = (at.as_millisecond().div_euclid(step) + 1) * step;
        let next = Timestamp::from_millisecond(boundary).map_or(to, |b| b.min(to));
        out.push((at, next));
        at = next;
    }
    out
}

/// Appends the read `(from, to]` to `parts`, joined to a read that ends where it starts.
fn push_read(parts: &mut Vec<Part>, from: Timestamp, to: Timestamp) {
    if from >= to {
        return;
    }
    match parts.last_mut() {
        Some(Part::Read(_, last_to)) if *last_to == from => *last_to = to,
        _ => parts.push(Part::Read(from, to)),
    }
}

/// Adds `count` to `totals`: counts add up, the first event is the earlier, the street the
/// least code (as the database's `min` picks it within one read).
fn add(totals: &mut BTreeMap<SurgeKey, WindowCount>, count: &WindowCount) {
    match totals.get_mut(&count.key) {
        Some(total) => {
            total.count += count.count;
            total.first_at = total.first_at.min(count.first_at);
            if count.street_code < total.street_code {
                total.street_code.clone_from(&count.street_code);
            }
        }
        None => {
            totals.insert(count.key.clone(), count.clone());
        }
    }
}

#[cfg(test)]
mod tests;
