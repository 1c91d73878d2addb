//! A channel's webhook and the deliveries of its notices, as district IT and the channel see
//! them.

use jiff::Timestamp;
use serde::Serialize;

use super::{Change, Source};

/// Where a channel wants to be told about its events. The signing secret is not part of it:
/// it is shown once, when made or rotated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Webhook {
    pub id: String,
    /// The channel: notices of events from this source go here.
    pub source: Source,
    pub url: String,
    /// A disabled webhook keeps its pending notices until it is enabled again.
    pub active: bool,
    pub created_by: String,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "crate::calendar::cst")]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "crate::calendar::cst")]
    pub updated_at: Timestamp,
    /// Until when the secret before the last rotation still signs deliveries too.
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "crate::calendar::cst::option")]
    pub previous_secret_until: Option<Timestamp>,
}

/// Where a notice's delivery stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Not delivered yet: waiting for its time, or for an earlier notice of the same case.
    Pending,
    Delivered,
    /// Given up after the last attempt (a dead letter); district IT may send it again.
    Dead,
}

impl DeliveryState {
    pub const ALL: [DeliveryState; 3] = [Self::Pending, Self::Delivered, Self::Dead];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Dead => "dead",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.as_str() == s)
    }
}

/// One notice for one webhook, and how its delivery went.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Delivery {
    pub id: i64,
    pub webhook_id: String,
    pub event_id: String,
    pub notice_id: String,
    pub change: Change,
    pub state: DeliveryState,
    pub attempts: i64,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "crate::calendar::cst")]
    pub created_at: Timestamp,
    /// When the next attempt is due, while pending.
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "crate::calendar::cst")]
    pub next_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "crate::calendar::cst::option")]
    pub delivered_at: Option<Timestamp>,
    /// What the last failed attempt met.
    pub last_error: Option<String>,
}
