//! What a channel posts to `POST /api/v1/events`, and its validation into an [`Event`].
//! Every rejection names the field and says how to fix it.

use jiff::Timestamp;
use serde::Deserialize;

use super::fields::{self, attributes, bounded, plain};
use super::locate::locate;
use crate::domain::{Event, Reporter, Source};
use crate::reference::Reference;

pub const MAX_DESCRIPTION_CHARS: usize = 2000;
const MAX_EXTERNAL_ID_CHARS: usize = 128;
pub(super) const MAX_ADDRESS_CHARS: usize = 500;

/// The JSON body of `POST /api/v1/events`.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEventRequest {
    pub source: String,
    #[serde(default)]
    pub external_id: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// RFC 3339 with offset; defaults to the time of receipt.
    #[serde(default)]
    pub reported_at: Option<String>,
    #[serde(default)]
    pub location: Option<LocationRequest>,
    #[serde(default)]
    pub reporter: Option<ReporterRequest>,
    #[serde(default)]
    pub attributes: Option<serde_json::Map<String, serde_json::Value>>,
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LocationRequest {
    #[serde(default)]
    pub lat: Option<f64>,
    #[serde(default)]
    pub lon: Option<f64>,
    #[serde(default)]
    pub address: Option<String>,
    /// A street code ("440307014"), slug ("buji") or Chinese name ("布吉" / "布吉街道").
    #[serde(default)]
    pub street: Option<String>,
    /// A community code or name ("木棉湾" / "木棉湾社区").
    #[serde(default)]
    pub community: Option<String>,
    #[serde(default)]
    pub grid: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReporterRequest {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
}

/// A rejected event: a stable code, the field at fault and what to do.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct InvalidEvent {
    pub code: &'static str,
    pub field: &'static str,
    pub message: String,
}

pub(super) fn invalid(
    code: &'static str,
    field: &'static str,
    message: impl Into<String>,
) -> InvalidEvent {
    InvalidEvent {
        code,
        field,
        message: message.into(),
    }
}

impl NewEventRequest {
    /// Checks every field and resolves the location against the district's areas.
    pub fn validate(
        self,
        reference: &Reference,
        id: String,
        now: Timestamp,
    ) -> Result<Event, InvalidEvent> {
        plain(&self.source, "source")?;
        let source = Source::parse(self.source.trim())
            .filter(|s| *s != Source::Scenario)
            .ok_or_else(|| {
                invalid(
                    "invalid_source",
                    "source",
                    format!(
                        "unknown source {:?}: use one of hotline, letter, web, grid, sensor, referral, other",
                        self.source
                    ),
                )
            })?;
        let external_id = bounded(self.external_id, MAX_EXTERNAL_ID_CHARS, "external_id")?;
        let description = self.description.unwrap_or_default().trim().to_string();
        if description.is_empty() {
            return Err(invalid(
                "missing_description",
                "description",
                "description is required: what happened, where, in the reporter's words",
            ));
        }
        let length = description.chars().count();
        if length > MAX_DESCRIPTION_CHARS {
            return Err(invalid(
                "too_long",
                "description",
                format!("description has {length} characters, at most {MAX_DESCRIPTION_CHARS}"),
            ));
        }
        fields::description(&description)?;
        let reported_at = match self.reported_at.as_deref().map(str::trim) {
            None | Some("") => now,
            Some(text) => fields::reported_at(text, now)?,
        };
        let location = locate(reference, self.location.unwrap_or_default())?;
        let reporter = self.reporter.unwrap_or_default();
        let reporter = Reporter {
            name: bounded(reporter.name, 100, "reporter.name")?,
            phone: match bounded(reporter.phone, 32, "reporter.phone")? {
                Some(phone)
                    if !phone
                        .chars()
                        .all(|c| c.is_ascii_digit() || "+- ()".contains(c)) =>
                {
                    return Err(invalid(
                        "invalid_phone",
                        "reporter.phone",
                        "reporter.phone may hold only digits, spaces and + - ( )",
                    ));
                }
                other => other,
            },
        };
        Ok(Event {
            id,
            source,
            external_id,
            description,
            reported_at,
            received_at: now,
            location,
            reporter,
            attributes: attributes(self.attributes.unwrap_or_default())?,
            parent_id: None,
        })
    }
}
