//! Where "now" comes from. Everything that depends on the time of day (intake, lifecycle
//! actions, timers) asks a [`Clock`] instead of the system, so that tests drive time forward
//! instead of sleeping.

use std::sync::{Arc, Mutex};

use jiff::{SignedDuration, Timestamp};

/// The system clock, or a clock that only moves when told to.
#[derive(Clone, Debug, Default)]
pub enum Clock {
    #[default]
    System,
    Driven(Arc<Mutex<Timestamp>>),
}

impl Clock {
    /// A driven clock standing at `start`.
    pub fn driven(start: Timestamp) -> Self {
        Clock::Driven(Arc::new(Mutex::new(start)))
    }

    pub fn now(&self) -> Timestamp {
        match self {
            Clock::System => Timestamp::now(),
            Clock::Driven(now) => *now.lock().unwrap_or_else(|e| e.into_inner()),
        }
    }

    /// Moves a driven clock forward by `by` (the system clock moves by itself).
    pub fn advance(&self, by: SignedDuration) {
        if let Clock::Driven(now) = self {
            let mut now = now.lock().unwrap_or_else(|e| e.into_inner());
            *now = now.checked_add(by).unwrap_or(*now);
        }
    }

    /// Sets a driven clock to `to`.
    pub fn set(&self, to: Timestamp) {
        if let Clock::Driven(now) = self {
            *now.lock().unwrap_or_else(|e| e.into_inner()) = to;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_driven_clock_moves_only_when_told_and_is_shared_by_its_clones() {
        let start: Timestamp = "2026-03-02T01:00:00Z".parse().unwrap();
        let clock = Clock::driven(start);
        let other = clock.clone();
        assert_eq!(clock.now(), start);
        other.advance(SignedDuration::from_hours(2));
        assert_eq!(clock.now(), start + SignedDuration::from_hours(2));
    }
}
