//! Open workloads as assignment sees them: the database's counters (`staff_workloads`, exact,
//! shared by every host), read at most once per [`FRESH_FOR`] per person, plus the cases this
//! host has assigned but not yet committed.
//!
//! Without the second part, a burst of cases decided before their group commit lands would all
//! see the same counts and go to the same person; without the first, every case would pay a
//! database round trip before it is decided. A choice and its reservation happen under one
//! lock, so two cases decided at once never both take the last free person.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::storage::Db;

/// How long a counter read from the database is used before it is read again. Cases other
/// hosts assign or close show up within this.
pub const FRESH_FOR: Duration = Duration::from_secs(1);

/// The workload ledger of one host.
pub struct Workloads {
    db: Db,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Open cases per person, as last read from the database (or counted since).
    stored: HashMap<String, (u64, Instant)>,
    /// Cases assigned by this host and not yet committed, per person.
    pending: HashMap<String, u64>,
}

/// A case assigned to a person by this host and not yet stored: counted in that person's
/// workload until it is dropped. [`Reservation::stored`] turns it into a stored case.
pub struct Reservation {
    ledger: Arc<Workloads>,
    staff_id: String,
}

impl Workloads {
    pub fn new(db: Db) -> Arc<Self> {
        Arc::new(Self {
            db,
            state: Mutex::new(State::default()),
        })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Picks one of `ids` with `choose` (given the open cases per id, absent meaning none)
    /// and reserves a case for the one it picks.
    pub async fn choose_and_reserve(
        self: &Arc<Self>,
        ids: &[&str],
        choose: impl FnOnce(&HashMap<String, u64>) -> Option<String>,
    ) -> anyhow::Result<Option<(Reservation, u64)>> {
        let stale: Vec<&str> = {
            let state = self.state();
            ids.iter()
                .copied()
                .filter(|id| {
                    state
                        .stored
                        .get(*id)
                        .is_none_or(|(_, read)| read.elapsed() > FRESH_FOR)
                })
                .collect()
        };
        if !stale.is_empty() {
            let read = self.db.open_workloads(&stale).await?;
            let now = Instant::now();
            let mut state = self.state();
            for id in stale {
                let open = read.get(id).copied().unwrap_or(0);
                state.stored.insert(id.to_string(), (open, now));
            }
        }
        let mut state = self.state();
        let loads: HashMap<String, u64> = ids
            .iter()
            .map(|id| {
                let stored = state.stored.get(*id).map_or(0, |(n, _)| *n);
                let pending = state.pending.get(*id).copied().unwrap_or(0);
                (id.to_string(), stored + pending)
            })
            .collect();
        let Some(chosen) = choose(&loads) else {
            return Ok(None);
        };
        let open = loads.get(&chosen).copied().unwrap_or(0);
        *state.pending.entry(chosen.clone()).or_default() += 1;
        Ok(Some((
            Reservation {
                ledger: self.clone(),
                staff_id: chosen,
            },
            open,
        )))
    }
}

impl Workloads {
    /// Drops what is known of these people's stored cases: a transition of this host moved
    /// their counters, so the next choice reads them again.
    pub fn forget<'a>(&self, ids: impl IntoIterator<Item = &'a str>) {
        let mut state = self.state();
        for id in ids {
            state.stored.remove(id);
        }
    }
}

impl Reservation {
    pub fn staff_id(&self) -> &str {
        &self.staff_id
    }

    /// The case is committed: it now counts among the person's stored cases (the database's
    /// counter moved in the same transaction).
    pub fn stored(self) {
        let mut state = self.ledger.state();
        if let Some((open, _)) = state.stored.get_mut(&self.staff_id) {
            *open += 1;
        }
        // Dropping `self` releases the pending count.
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        let mut state = self.ledger.state();
        if let Some(n) = state.pending.get_mut(&self.staff_id) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                state.pending.remove(&self.staff_id);
            }
        }
    }
}

impl std::fmt::Debug for Reservation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reservation")
            .field("staff_id", &self.staff_id)
            .finish()
    }
}
