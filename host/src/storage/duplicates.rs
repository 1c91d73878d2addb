//! What duplicate detection and merging read: the open cases near a new report, and the
//! reports merged into a case.

use jiff::Timestamp;
use sqlx::Row;

use super::{Db, from_millis, millis};
use crate::domain::{LatLon, OpenReport, Status};

/// Where and since when to look for open cases of one category.
#[derive(Clone, Debug)]
pub struct Nearby<'a> {
    pub category_code: &'a str,
    pub since: Timestamp,
    /// The box around the report's coordinates (south-west, north-east), if it has them.
    pub within: Option<(LatLon, LatLon)>,
    /// The report's community, for cases without coordinates.
    pub community_code: Option<&'a str>,
}

/// Most open cases one report is compared with.
const MAX_NEARBY: i64 = 50;

impl Db {
    /// The open cases of the category received since `since` inside the box or in the
    /// community, newest first: one indexed statement per report.
    pub async fn open_reports_near(&self, near: &Nearby<'_>) -> anyhow::Result<Vec<OpenReport>> {
        let (sw, ne) = near.within.unwrap_or((
            LatLon { lat: 1.0, lon: 1.0 },
            LatLon {
                lat: -1.0,
                lon: -1.0,
            },
        ));
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select id, item_code, description, community_code, lat, lon, received_at \
             from events where category_code = $1 and received_at >= $2 \
             and status not in ('{}', '{}', '{}') and merged_into is null \
             and ((lat between $3 and $4 and lon between $5 and $6) \
                  or (community_code = $7 and (lat is null or $8 = 0))) \
             order by received_at desc limit {MAX_NEARBY}",
            Status::Closed.as_str(),
            Status::Rejected.as_str(),
            Status::Merged.as_str(),
        )))
        .bind(near.category_code)
        .bind(millis(near.since))
        .bind(sw.lat)
        .bind(ne.lat)
        .bind(sw.lon)
        .bind(ne.lon)
        .bind(near.community_code)
        .bind(i64::from(near.within.is_some()))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                let lat: Option<f64> = row.try_get("lat")?;
                let lon: Option<f64> = row.try_get("lon")?;
                Ok(OpenReport {
                    id: row.try_get("id")?,
                    item_code: row.try_get("item_code")?,
                    description: row.try_get("description")?,
                    community_code: row.try_get("community_code")?,
                    position: lat.zip(lon).map(|(lat, lon)| LatLon { lat, lon }),
                    received_at: from_millis(row.try_get("received_at")?),
                })
            })
            .collect()
    }

    /// The ids of the reports merged into `case_id`, oldest first.
    pub async fn merged_reports(&self, case_id: &str) -> anyhow::Result<Vec<String>> {
        let rows = sqlx::query("select id from events where merged_into = $1 order by seq")
            .bind(case_id)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(|row| Ok(row.try_get("id")?)).collect()
    }
}
