//! Checks of a request's text: lengths, control characters, a description with something to
//! read, channel attributes, and the strict RFC 3339 time of report. Each refusal names the
//! field and says why.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};

use super::request::{InvalidEvent, invalid};

/// How far ahead of the time of receipt a report may be dated (the channel's clock may run
/// a little fast).
pub const CLOCK_SKEW: SignedDuration = SignedDuration::from_mins(5);
/// The earliest report accepted: 2000-01-01T00:00:00+08:00.
pub const EARLIEST_REPORT: Timestamp = Timestamp::constant(946_656_000, 0);

const MAX_ATTRIBUTES: usize = 32;
const MAX_ATTRIBUTE_KEY_CHARS: usize = 64;
const MAX_ATTRIBUTE_VALUE_CHARS: usize = 500;

/// Refuses control characters (NUL, escape, ...) anywhere in `value`.
pub(super) fn plain(value: &str, field: &'static str) -> Result<(), InvalidEvent> {
    refuse_controls(value, field, |_| false)
}

/// Refuses control characters other than those `allowed` passes.
fn refuse_controls(
    value: &str,
    field: &'static str,
    allowed: impl Fn(char) -> bool,
) -> Result<(), InvalidEvent> {
    match value
        .chars()
        .enumerate()
        .find(|(_, c)| c.is_control() && !allowed(*c))
    {
        Some((at, c)) => Err(invalid(
            "control_character",
            field,
            format!(
                "{field} holds the control character U+{:04X} at character {}: remove it \
                 ({field} 含有控制字符)",
                u32::from(c),
                at + 1
            ),
        )),
        None => Ok(()),
    }
}

/// An optional text field, trimmed (empty is absent), at most `max_chars`, no control
/// characters.
pub(super) fn bounded(
    value: Option<String>,
    max_chars: usize,
    field: &'static str,
) -> Result<Option<String>, InvalidEvent> {
    match value.map(|v| v.trim().to_string()) {
        Some(v) if v.is_empty() => Ok(None),
        Some(v) if v.chars().count() > max_chars => Err(invalid(
            "too_long",
            field,
            format!("{field} is longer than {max_chars} characters"),
        )),
        Some(v) => plain(&v, field).map(|()| Some(v)),
        None => Ok(None),
    }
}

/// The description: line breaks and tabs may shape it, other control characters may not,
/// and at least one character must be visible.
pub(super) fn description(text: &str) -> Result<(), InvalidEvent> {
    refuse_controls(text, "description", |c| matches!(c, '\n' | '\r' | '\t'))?;
    if text.chars().all(invisible) {
        return Err(invalid(
            "missing_description",
            "description",
            "description holds only invisible characters (spaces, zero-width or control \
             characters): say what happened, where, in the reporter's words (描述不能为空)",
        ));
    }
    Ok(())
}

/// Characters that show nothing: white space, controls, zero-width and formatting marks,
/// variation selectors, fillers and tags.
fn invisible(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{061C}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{17B4}'
                | '\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{2800}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{FFF0}'..='\u{FFFB}'
                | '\u{1D173}'..='\u{1D17A}'
                | '\u{E0000}'..='\u{E0FFF}'
        )
}

/// `reported_at`: RFC 3339 exactly (date `T` time, seconds, optional fraction, `Z` or an
/// offset), from [`EARLIEST_REPORT`] to [`CLOCK_SKEW`] after `now`.
pub(super) fn reported_at(text: &str, now: Timestamp) -> Result<Timestamp, InvalidEvent> {
    let refuse = |why: String| invalid("invalid_time", "reported_at", why);
    let example = "e.g. 2026-07-01T09:30:00+08:00";
    if !rfc3339(text) {
        return Err(refuse(format!(
            "reported_at {text:?} is not RFC 3339: a date, T, the time with seconds and an \
             offset, {example} (a space instead of T is not accepted)"
        )));
    }
    let at: Timestamp = text.parse().map_err(|e| {
        refuse(format!(
            "reported_at {text:?} is not a real time ({e}), {example}"
        ))
    })?;
    if at < EARLIEST_REPORT {
        return Err(refuse(format!(
            "reported_at {text:?} is before 2000: check the channel's clock, {example}"
        )));
    }
    if at > now + CLOCK_SKEW {
        return Err(refuse(format!(
            "reported_at {text:?} is in the future: more than {} minutes after the time of \
             receipt {}",
            CLOCK_SKEW.as_mins(),
            crate::calendar::rfc3339(now)
        )));
    }
    Ok(at)
}

/// Whether `text` has the shape of an RFC 3339 date-time (section 5.6).
fn rfc3339(text: &str) -> bool {
    let b = text.as_bytes();
    let digits = |from: usize, to: usize| {
        b.get(from..to)
            .is_some_and(|s| s.iter().all(u8::is_ascii_digit))
    };
    let at = |i: usize, what: &[u8]| b.get(i).is_some_and(|c| what.contains(c));
    let date_time = digits(0, 4)
        && at(4, b"-")
        && digits(5, 7)
        && at(7, b"-")
        && digits(8, 10)
        && at(10, b"Tt")
        && digits(11, 13)
        && at(13, b":")
        && digits(14, 16)
        && at(16, b":")
        && digits(17, 19);
    if !date_time {
        return false;
    }
    let mut rest = &b[19..];
    if let Some(fraction) = rest.strip_prefix(b".") {
        let n = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
        if !(1..=9).contains(&n) {
            return false;
        }
        rest = &fraction[n..];
    }
    match rest {
        b"Z" | b"z" => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit()),
        _ => false,
    }
}

/// Channel attributes: a flat object of strings, numbers or booleans, kept as text.
pub(super) fn attributes(
    map: serde_json::Map<String, serde_json::Value>,
) -> Result<BTreeMap<String, String>, InvalidEvent> {
    if map.len() > MAX_ATTRIBUTES {
        return Err(invalid(
            "too_many_attributes",
            "attributes",
            format!("at most {MAX_ATTRIBUTES} attributes"),
        ));
    }
    let mut out = BTreeMap::new();
    for (key, value) in map {
        if key.is_empty() || key.chars().count() > MAX_ATTRIBUTE_KEY_CHARS {
            return Err(invalid(
                "invalid_attribute",
                "attributes",
                format!("attribute names must be 1 to {MAX_ATTRIBUTE_KEY_CHARS} characters"),
            ));
        }
        plain(&key, "attributes")?;
        let text = match value {
            serde_json::Value::String(s) => s,
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::Bool(b) => b.to_string(),
            serde_json::Value::Null => continue,
            _ => {
                return Err(invalid(
                    "invalid_attribute",
                    "attributes",
                    format!("attribute {key:?} must be a string, number or boolean"),
                ));
            }
        };
        if text.chars().count() > MAX_ATTRIBUTE_VALUE_CHARS {
            return Err(invalid(
                "invalid_attribute",
                "attributes",
                format!("attribute {key:?} is longer than {MAX_ATTRIBUTE_VALUE_CHARS} characters"),
            ));
        }
        plain(&text, "attributes")?;
        out.insert(key, text);
    }
    Ok(out)
}
