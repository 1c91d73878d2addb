//! When a plugin version's breaker opens and when it is tried again: the policy's rules and
//! their defaults, and which faults count against the plugin at all.

use jiff::SignedDuration;
use serde::Serialize;

use crate::runtime::fault::FaultKind;

/// When a plugin version is taken out of the path and when it is tried again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct BreakerPolicy {
    /// Faults in a row that open the breaker; 0 turns this rule off.
    pub consecutive_faults: u32,
    /// Faults among the last `window` calls that open it; 0 turns this rule off.
    pub window_faults: u32,
    /// Calls remembered for `window_faults`, 1 to 64.
    pub window: u32,
    /// Seconds it stays open before a trial call is let through.
    pub cool_down_secs: u64,
}

impl Default for BreakerPolicy {
    fn default() -> Self {
        Self {
            consecutive_faults: 5,
            window_faults: 10,
            window: 20,
            cool_down_secs: 60,
        }
    }
}

impl BreakerPolicy {
    pub(super) fn cool_down(&self) -> SignedDuration {
        SignedDuration::from_secs(i64::try_from(self.cool_down_secs).unwrap_or(i64::MAX))
    }

    pub(super) fn window_mask(&self) -> u64 {
        match self.window.clamp(1, 64) {
            64 => u64::MAX,
            w => (1 << w) - 1,
        }
    }
}

/// Whether a fault is the plugin's doing. An event too large to hand over is not: the plugin
/// was never called, so it says nothing about its health. Nor is a call the host's own limits
/// refused (`host-busy`): another street's load must never take this plugin out of the path.
pub(super) fn counts_against(kind: FaultKind) -> bool {
    !matches!(kind, FaultKind::InputTooLarge | FaultKind::HostBusy)
}
