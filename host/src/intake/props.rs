//! Properties of request validation over any JSON-ish body: it is refused as unreadable (a
//! `400`), refused with a named field and a reason (a `422`), or becomes an event that holds
//! only what validation promises. Never a panic.

use std::sync::LazyLock;

use jiff::Timestamp;
use proptest::prelude::*;
use serde_json::{Map, Value, json};

use super::NewEventRequest;
use super::fields::{CLOCK_SKEW, EARLIEST_REPORT};
use super::request::MAX_DESCRIPTION_CHARS;
use crate::reference::Reference;

static REFERENCE: LazyLock<Reference> =
    LazyLock::new(|| Reference::new(crate::seed::parts().expect("seed")).expect("reference"));

/// Text of every kind: realistic, printable, anything (controls, NUL, zero-width), blank.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "路口积水很深",
            "木棉湾",
            "布吉",
            "12345-0001",
            " 山厦 "
        ])
        .prop_map(String::from),
        "\\PC{0,30}",
        any::<String>().prop_map(|s| s.chars().take(40).collect()),
        "[ \\t\\n\\r\u{0}\u{7}\u{200B}\u{FEFF}\u{3000}a积]{0,6}",
    ]
}

fn maybe<T: std::fmt::Debug>(s: impl Strategy<Value = T>) -> impl Strategy<Value = Option<T>> {
    prop::option::weighted(0.7, s)
}

/// Times of report: RFC 3339-like with any year, separator and offset, or any text.
fn reported_at() -> impl Strategy<Value = String> {
    let parts = (
        -10_i32..10_000,
        0_u8..14,
        0_u8..33,
        0_u8..25,
        0_u8..61,
        prop::sample::select(vec!["T", "t", " ", ""]),
        prop::sample::select(vec!["Z", "+08:00", "-05:30", "", ".5+08:00", "+8"]),
    );
    prop_oneof![
        parts.prop_map(|(y, mo, d, h, mi, t, z)| {
            format!("{y:04}-{mo:02}-{d:02}{t}{h:02}:{mi:02}:{mi:02}{z}")
        }),
        text(),
    ]
}

/// A JSON value of any scalar type, or a small nested one.
fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        text().prop_map(Value::String),
        Just(json!([1, 2])),
    ]
}

fn location() -> impl Strategy<Value = Value> {
    let street = prop_oneof![
        prop::sample::select(vec!["布吉", "buji", "440307013", "平湖街道"]).prop_map(String::from),
        text(),
    ];
    (
        maybe(street),
        maybe(text()),
        maybe((22.5_f64..22.9, 113.9_f64..114.4)),
        maybe(text()),
        maybe(text()),
    )
        .prop_map(|(street, community, at, address, grid)| {
            let mut l = Map::new();
            l.insert("street".into(), json!(street));
            l.insert("community".into(), json!(community));
            if let Some((lat, lon)) = at {
                l.insert("lat".into(), json!(lat));
                l.insert("lon".into(), json!(lon));
            }
            l.insert("address".into(), json!(address));
            l.insert("grid".into(), json!(grid));
            Value::Object(l)
        })
}

fn request() -> impl Strategy<Value = Value> {
    let source = prop_oneof![
        prop::sample::select(vec!["hotline", "web", "grid", "scenario"]).prop_map(String::from),
        text(),
    ];
    (
        source,
        maybe(text()),
        maybe(text()),
        maybe(reported_at()),
        maybe(location()),
        maybe((maybe(text()), maybe(text()))),
        maybe(prop::collection::btree_map(text(), scalar(), 0..4)),
        prop::sample::select(vec![None, Some(json!(42)), Some(json!("extra"))]),
    )
        .prop_map(
            |(source, external_id, description, at, location, reporter, attributes, odd)| {
                let mut body = json!({
                    "source": source, "external_id": external_id, "description": description,
                    "reported_at": at, "location": location,
                    "reporter": reporter.map(|(name, phone)| json!({"name": name, "phone": phone})),
                    "attributes": attributes,
                });
                if let Some(odd) = odd {
                    body["colour"] = odd;
                }
                body
            },
        )
}

fn no_control(text: &str) -> bool {
    !text.chars().any(char::is_control)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn any_body_is_refused_with_a_reason_or_becomes_a_sound_event(body in request()) {
        let now: Timestamp = "2026-12-02T15:00:00+08:00".parse().unwrap();
        let Ok(request) = serde_json::from_value::<NewEventRequest>(body) else {
            return Ok(()); // unreadable: the extractor answers 400
        };
        match request.validate(&REFERENCE, "e-1".into(), now) {
            Err(refused) => {
                prop_assert!(!refused.code.is_empty() && !refused.field.is_empty());
                prop_assert!(refused.message.len() > 10, "{refused:?}");
            }
            Ok(event) => {
                let d = &event.description;
                prop_assert!(d.chars().count() <= MAX_DESCRIPTION_CHARS);
                prop_assert!(d.chars().any(|c| !c.is_whitespace() && !c.is_control()));
                prop_assert!(d.chars().all(|c| !c.is_control() || "\n\r\t".contains(c)));
                prop_assert!(event.reported_at >= EARLIEST_REPORT);
                prop_assert!(event.reported_at <= now + CLOCK_SKEW);
                let l = &event.location;
                let texts = [&event.external_id, &l.address, &l.grid, &event.reporter.name,
                             &event.reporter.phone];
                prop_assert!(texts.iter().all(|t| t.as_deref().is_none_or(no_control)));
                prop_assert!(event.attributes.iter().all(|(k, v)| no_control(k) && no_control(v)));
                prop_assert!(REFERENCE.district.street(&l.street_code).is_some());
            }
        }
    }
}
