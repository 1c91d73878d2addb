//! The events `plugin test` runs a component on: one JSON object a line, either as a channel
//! posts them (`POST /api/v1/events`) or, with `--replay`, as the API exported them
//! (`GET /api/v1/events/{id}`).
//!
//! From an exported event the replay reads what the channel sent (source, external id,
//! description, times, street, community, coordinates, address, grid, attributes) and keeps
//! the decision that was recorded (item and handling unit) to show beside the new one. Its
//! receipt time is kept, so a plugin that counts recent events sees the history as it was.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use jiff::Timestamp;
use serde::Deserialize;

use crate::intake::{LocationRequest, NewEventRequest};

/// One line of the events file, ready to validate.
#[derive(Debug)]
pub struct Sample {
    /// The line number in the file, from 1.
    pub line: usize,
    pub input: Result<Input, String>,
}

/// A readable line.
#[derive(Debug)]
pub struct Input {
    pub request: NewEventRequest,
    /// When it was received: now for a sample, the recorded time for a replay.
    pub received_at: Option<Timestamp>,
    /// The id a replayed event had: time-ordered (UUIDv7), it orders events received in the
    /// same second.
    pub recorded_id: Option<String>,
    /// What the server recorded for a replayed event: `item → unit`.
    pub recorded: Option<String>,
    /// Why the server would not run plugins on it at all (a replayed follow-up).
    pub not_taken_in: Option<String>,
}

/// Reads the events file; blank lines and lines starting with `#` are skipped.
pub fn read(path: &Path, replay: bool) -> anyhow::Result<Vec<Sample>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the events file {}", path.display()))?;
    let mut samples: Vec<Sample> = text
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty() && !line.trim_start().starts_with('#'))
        .map(|(index, line)| Sample {
            line: index + 1,
            input: if replay { exported(line) } else { posted(line) },
        })
        .collect();
    if replay {
        // History is replayed in the order it was received, whatever the export's order
        // (the list endpoint pages newest first).
        samples.sort_by(|a, b| {
            let key = |s: &Sample| {
                s.input
                    .as_ref()
                    .ok()
                    .map(|i| (i.received_at, i.recorded_id.clone()))
            };
            key(a).cmp(&key(b))
        });
    }
    Ok(samples)
}

fn posted(line: &str) -> Result<Input, String> {
    let request: NewEventRequest = serde_json::from_str(line)
        .map_err(|e| format!("not an event as POST /api/v1/events takes it: {e}"))?;
    Ok(Input {
        request,
        received_at: None,
        recorded_id: None,
        recorded: None,
        not_taken_in: None,
    })
}

/// The parts of `GET /api/v1/events/{id}` a replay reads; everything else is ignored.
#[derive(Deserialize)]
struct Exported {
    #[serde(default)]
    id: Option<String>,
    source: String,
    #[serde(default)]
    external_id: Option<String>,
    description: String,
    reported_at: String,
    received_at: String,
    street: Named,
    #[serde(default)]
    community: Option<Named>,
    #[serde(default)]
    location: ExportedLocation,
    #[serde(default)]
    attributes: BTreeMap<String, String>,
    #[serde(default)]
    classification: Option<Recorded>,
    #[serde(default)]
    dispatch: Option<RecordedDispatch>,
}

#[derive(Deserialize)]
struct Named {
    code: String,
    name: String,
}

#[derive(Default, Deserialize)]
struct ExportedLocation {
    lat: Option<f64>,
    lon: Option<f64>,
    address: Option<String>,
    grid: Option<String>,
}

#[derive(Deserialize)]
struct Recorded {
    item_code: String,
    item_name: String,
    #[serde(default)]
    priority: Option<String>,
    /// `district` or `<plugin>@<version>`.
    #[serde(default)]
    decided_by: Option<String>,
}

impl Recorded {
    fn describe(&self) -> String {
        let how: Vec<&str> = [self.priority.as_deref(), self.decided_by.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        if how.is_empty() {
            format!("{} {}", self.item_code, self.item_name)
        } else {
            format!("{} {} ({})", self.item_code, self.item_name, how.join(", "))
        }
    }
}

#[derive(Deserialize)]
struct RecordedDispatch {
    handling_unit: Named,
}

fn exported(line: &str) -> Result<Input, String> {
    let e: Exported = serde_json::from_str(line)
        .map_err(|e| format!("not an event as GET /api/v1/events/{{id}} exports it: {e}"))?;
    let received_at: Timestamp = e
        .received_at
        .parse()
        .map_err(|_| format!("received_at {:?} is not RFC 3339", e.received_at))?;
    let recorded = match (&e.classification, &e.dispatch) {
        (Some(c), Some(d)) => Some(format!(
            "{} → {} {}",
            c.describe(),
            d.handling_unit.code,
            d.handling_unit.name
        )),
        (Some(c), None) => Some(c.describe()),
        _ => None,
    };
    let not_taken_in = (e.source == "scenario").then(|| {
        "a follow-up opened by a scenario: it was not taken in, so no plugin ran on it".to_string()
    });
    let attributes = e
        .attributes
        .into_iter()
        .map(|(k, v)| (k, serde_json::Value::String(v)))
        .collect();
    Ok(Input {
        request: NewEventRequest {
            source: e.source,
            external_id: e.external_id,
            description: Some(e.description),
            reported_at: Some(e.reported_at),
            location: Some(LocationRequest {
                lat: e.location.lat,
                lon: e.location.lon,
                address: e.location.address,
                street: Some(e.street.code),
                community: e.community.map(|c| c.name),
                grid: e.location.grid,
            }),
            reporter: None,
            attributes: Some(attributes),
        },
        received_at: Some(received_at),
        recorded_id: e.id,
        recorded,
        not_taken_in,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exported_event_becomes_the_request_that_made_it_with_its_receipt_time() {
        let line = r#"{"id":"0190","source":"hotline","external_id":"12345-9","description":"消防通道被堵","reported_at":"2026-07-01T09:00:00+08:00","received_at":"2026-07-01T09:00:05+08:00","street":{"code":"440307014","name":"布吉街道"},"community":{"code":"440307014002","name":"木棉湾"},"location":{"lat":null,"lon":null,"address":"木棉湾村","grid":null},"attributes":{"floor":"3"},"status":"dispatched","classification":{"item_code":"14-001","item_name":"消防通道堵塞","priority":"urgent","decided_by":"urban-village@1"},"dispatch":{"handling_unit":{"code":"buji.safety","name":"布吉街道应急管理办公室"}},"trace":[]}"#;
        let input = exported(line).unwrap();
        assert_eq!(input.request.source, "hotline");
        let location = input.request.location.as_ref().unwrap();
        assert_eq!(location.street.as_deref(), Some("440307014"));
        assert_eq!(location.community.as_deref(), Some("木棉湾"));
        assert_eq!(location.address.as_deref(), Some("木棉湾村"));
        assert_eq!(
            input.received_at.unwrap(),
            "2026-07-01T01:00:05Z".parse::<Timestamp>().unwrap()
        );
        assert_eq!(
            input.recorded.as_deref(),
            Some(
                "14-001 消防通道堵塞 (urgent, urban-village@1) → buji.safety 布吉街道应急管理办公室"
            )
        );
        assert!(input.not_taken_in.is_none());
    }

    #[test]
    fn a_line_that_is_not_an_event_says_which_shape_was_expected() {
        assert!(
            posted("{\"source\": 1}")
                .unwrap_err()
                .contains("POST /api/v1/events")
        );
        assert!(posted("{\"source\":\"web\",\"colour\":\"red\"}").is_err());
        assert!(
            exported("[]")
                .unwrap_err()
                .contains("GET /api/v1/events/{id}")
        );
    }
}
