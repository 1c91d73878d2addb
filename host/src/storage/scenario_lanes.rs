//! Which host runs a street's scenarios: a lease per street, taken by one host at a time and
//! renewed each round, so that hosts sharing a database run each street's events once and in
//! order; when a host dies its lease runs out and another takes the street over.

use jiff::Timestamp;

use super::{Db, millis};

impl Db {
    /// Takes or renews the lease of `street_code`'s scenarios for `host` until `until`;
    /// `false` when another host holds a lease that has not run out.
    pub async fn hold_scenario_lane(
        &self,
        street_code: &str,
        host: &str,
        now: Timestamp,
        until: Timestamp,
    ) -> anyhow::Result<bool> {
        let _turn = self.write_turn().await?;
        let updated = sqlx::query(
            "insert into scenario_lanes (street_code, host, until) values ($1, $2, $3) \
             on conflict (street_code) do update set host = excluded.host, until = excluded.until \
             where scenario_lanes.host = excluded.host or scenario_lanes.until < $4",
        )
        .bind(street_code)
        .bind(host)
        .bind(millis(until))
        .bind(millis(now))
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(updated == 1)
    }

    /// Gives up `host`'s leases (a host stopping), so that another takes its streets at once.
    pub async fn release_scenario_lanes(&self, host: &str) -> anyhow::Result<()> {
        sqlx::query("delete from scenario_lanes where host = $1")
            .bind(host)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}
