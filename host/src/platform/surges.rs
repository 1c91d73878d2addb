//! The surge warnings' operations (预警监测): a scan at the platform's "now" (the background
//! task does the same every few seconds), and the centre's acknowledge and close.

use super::Platform;
use crate::domain::{Principal, SurgeChange, SurgeWarning};
use crate::storage::audit::AuditEntry;
use crate::storage::surges::SurgeChangeError;
use crate::surge::minutes::MinuteCounts;
use crate::surge::{ScanError, Scanned, SurgeConfig, scan};

impl Platform {
    /// What the surge scan watches and when it warns.
    pub fn surge_config(&self) -> &SurgeConfig {
        &self.surges
    }

    /// Scans the window ending now, read whole: raises warnings for abnormal counts, updates
    /// the open or acknowledged ones whose surge goes on.
    pub async fn scan_surges(&self) -> Result<Scanned, ScanError> {
        let now = self.pipeline.clock.now();
        let whole = &mut MinuteCounts::default();
        scan::scan(self.db(), &self.surges, now, whole, &self.metrics().surges).await
    }

    /// Acknowledges or closes warning `id` as `by`, now, with `audit` in the same transaction.
    /// Whether `by` may is the caller's to check first (`auth::policy`).
    pub async fn change_surge(
        &self,
        id: i64,
        change: SurgeChange,
        by: &Principal,
        audit: AuditEntry,
    ) -> Result<SurgeWarning, SurgeChangeError> {
        let now = self.pipeline.clock.now();
        // Recorded like a case's actor: the person, or the token for a machine.
        let who = by.staff_id().unwrap_or(&by.id);
        self.db().change_surge(id, change, who, now, audit).await
    }
}
